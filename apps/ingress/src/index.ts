export { type ConnectionCache, createConnectionCache, type TenantState } from './connection-cache.js';
export { createFloodGuard, type FloodDecision, type FloodGuard } from './flood-guard.js';
export {
  INGRESS_SERVICE,
  type RunningIngress,
  type StartIngressOptions,
  startIngress,
} from './ingress-app.js';
export { type IngressEnv, ingressEnvShape } from './ingress-env.js';
export type { TriggerOutcome } from './ingress-metrics.js';
export { createOutboxDrainer, type DrainSummary, type OutboxDrainer } from './outbox-drainer.js';
export {
  MAX_ORDER_ID,
  parseTrigger,
  TRIGGER_STATUSES,
  type Trigger,
  type TriggerStatus,
} from './trigger.schema.js';
export { QUEUE_BY_STATUS, TRIGGER_PATH, type TriggerAccepted } from './trigger-route.js';

export {
  type Retention,
  type RetentionAges,
  type RetentionOptions,
  type RetentionSummary,
  type RetentionTuning,
  startRetention,
} from './retention.js';
export {
  startTriggerForwarding,
  type TriggerForwardingOptions,
} from './trigger-forwarding.js';
export {
  startWorkerApp,
  type WorkerApp,
  type WorkerAppOptions,
  type WorkerDeps,
  type WorkerEnv,
  workerEnvShape,
} from './worker-app.js';

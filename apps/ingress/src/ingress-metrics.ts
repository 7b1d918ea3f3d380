import { Counter, register } from 'prom-client';

/**
 * How a trigger ended: `accepted` (stored in the trigger stream; the workers count whether it made a new
 * job, `connector_triggers_forwarded_total`), `outbox` (stored in the database while Redis was down) or
 * `rejected_<http status>`.
 */
export type TriggerOutcome = 'accepted' | 'outbox' | `rejected_${number}`;

/*
 * On prom-client's default registry (what /metrics serves). Looked up before created: several ingress
 * apps in one process (tests) share them, and prom-client refuses to register a name twice.
 */
function triggersTotal(): Counter<'status' | 'outcome'> {
  return (
    (register.getSingleMetric('connector_ingress_triggers_total') as
      | Counter<'status' | 'outcome'>
      | undefined) ??
    new Counter({
      name: 'connector_ingress_triggers_total',
      help: 'RetailCRM triggers received, by trigger status (new, closed, refund, or invalid) and outcome',
      labelNames: ['status', 'outcome'],
    })
  );
}

function outboxDrainedTotal(): Counter<'queue'> {
  return (
    (register.getSingleMetric('connector_ingress_outbox_drained_total') as Counter<'queue'> | undefined) ??
    new Counter({
      name: 'connector_ingress_outbox_drained_total',
      help: 'Outbox entries (triggers accepted while Redis was down) moved into their queue',
      labelNames: ['queue'],
    })
  );
}

/** Each status and outcome's series, labelled once: labelling hashes the labels, every trigger counts. */
const triggerSeries = new Map<string, { inc(): void }>();

/** `status` is the trigger's status when it was valid, `invalid` otherwise. */
export function countTrigger(status: string, outcome: TriggerOutcome): void {
  const key = `${status} ${outcome}`;
  let series = triggerSeries.get(key);
  if (!series) {
    series = triggersTotal().labels({ status, outcome });
    triggerSeries.set(key, series);
  }
  series.inc();
}

export function countDrained(queue: string): void {
  outboxDrainedTotal().inc({ queue });
}

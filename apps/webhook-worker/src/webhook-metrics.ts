import { Counter, register } from 'prom-client';
import { isSaleNotificationType } from './notification.schema.js';

/**
 * How a notification ended at the receiver: `queued` (stored, write-back job enqueued), `recorded` (stored
 * only: a type the connector does not act on), `ignored` (the connection is not active) or
 * `rejected_<http status>`.
 */
export type NotificationOutcome = 'queued' | 'recorded' | 'ignored' | `rejected_${number}`;

/*
 * On prom-client's default registry (what /metrics serves). Looked up before created: several apps in one
 * process (tests) share it, and prom-client refuses to register a name twice.
 */
function notificationsTotal(): Counter<'type_of' | 'outcome'> {
  return (
    (register.getSingleMetric('connector_lifepos_notifications_total') as
      | Counter<'type_of' | 'outcome'>
      | undefined) ??
    new Counter({
      name: 'connector_lifepos_notifications_total',
      help: 'LIFE POS notifications received, by type (the sale types, other, or invalid) and outcome',
      labelNames: ['type_of', 'outcome'],
    })
  );
}

/** `type_of` is whatever LIFE POS (or anyone) sent: only the known types become label values. */
export function countNotification(typeOf: string | undefined, outcome: NotificationOutcome): void {
  const label = typeOf === undefined ? 'invalid' : isSaleNotificationType(typeOf) ? typeOf : 'other';
  notificationsTotal().inc({ type_of: label, outcome });
}

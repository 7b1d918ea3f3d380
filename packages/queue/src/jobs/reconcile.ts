import { z } from 'zod';
import { defineJob, type PeriodicKind } from '../job-definition.js';
import { jobId } from '../job-ids.js';
import { retryPolicy } from '../queue-policy.js';
import { connectionId } from './fields.js';

/**
 * The reconcile worker's queue, two kinds per connection: the history scan (`retailcrm-history`, lost
 * triggers, every `reconcileEverySeconds`) and the convergence sweep (`sweep`, order state, every
 * `sweepEverySeconds`).
 */
const schema = z.discriminatedUnion('kind', [
  z.strictObject({ connectionId, kind: z.literal('retailcrm-history') }),
  z.strictObject({ connectionId, kind: z.literal('sweep') }),
]);
type Reconcile = z.output<typeof schema>;

/** Dedupe id of on-demand sweeps: requests while one is pending collapse into it. */
export function sweepRequestId(connectionId: string): string {
  return jobId('reconcile', connectionId, 'sweep-now');
}

function kind(
  name: Reconcile['kind'],
  everyMs: PeriodicKind<Reconcile>['everyMs'],
  dedupeId: (connectionId: string) => string,
): PeriodicKind<Reconcile> {
  return {
    data: (connectionId) => ({ connectionId, kind: name }),
    schedulerId: (connectionId) => jobId('reconcile', connectionId, name),
    dedupeId,
    everyMs,
  };
}

export const reconcileJob = defineJob({
  queue: 'reconcile',
  schema,
  // Reconciliation runs periodically anyway; a few quick retries are enough.
  policy: retryPolicy(3, 30_000),
  action: 'сверить заказы RetailCRM и LIFE POS',
  nextStep: 'Устраните причину — коннектор сам повторит сверку по расписанию.',
  subject: (data) => data.kind,
  periodic: {
    'retailcrm-history': kind(
      'retailcrm-history',
      ({ settings }) => settings.reconcileEverySeconds * 1000,
      (connectionId) => jobId('reconcile', connectionId, 'retailcrm-history'),
    ),
    sweep: kind('sweep', ({ settings }) => settings.sweepEverySeconds * 1000, sweepRequestId),
  },
});

import { sweepRequestId } from './jobs/reconcile.js';
import type { AddedJob, Producer } from './producer.js';

export { sweepRequestId };

/**
 * The on-demand convergence sweep (the reconcile worker's `sweep` kind), for the console's «Сверить
 * сейчас» and operators. It lives beside the catalog, not in the reconcile worker, so that any app can ask
 * for a sweep without depending on the worker app.
 */

/** Enqueues a sweep of the connection now; one pending request at most (a running one gets one follow-up). */
export function requestSweep(producer: Pick<Producer, 'add'>, connectionId: string): Promise<AddedJob> {
  return producer.add(
    'reconcile',
    { connectionId, kind: 'sweep' },
    { dedupeId: sweepRequestId(connectionId) },
  );
}

import { applyJobSchedules, createScheduleQueue, type JobData, jobIdFor } from '@connector/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Two BullMQ job schedulers per active connection on the `reconcile` queue: the history scan
 * (`{connectionId, kind: 'retailcrm-history'}` every `reconcileEverySeconds`) and the convergence sweep
 * (`{connectionId, kind: 'sweep'}` every `sweepEverySeconds`). The queue is this app's alone, and so is
 * every scheduler on it.
 */

type Kind = JobData<'reconcile'>['kind'];

function schedulerId(connectionId: string, kind: Kind): string {
  return jobIdFor('reconcile', connectionId, kind);
}

export function historySchedulerId(connectionId: string): string {
  return schedulerId(connectionId, 'retailcrm-history');
}

export function sweepSchedulerId(connectionId: string): string {
  return schedulerId(connectionId, 'sweep');
}

/** A queue handle for the schedulers; same `prefix` as the producers and workers. Close it when done. */
export function createReconcileScheduleQueue(redis: Redis, prefix: string): Queue {
  return createScheduleQueue(redis, prefix, 'reconcile');
}

export interface ReconciledConnection {
  id: string;
  status: string;
  settings: { reconcileEverySeconds: number; sweepEverySeconds: number };
}

/**
 * Every active connection has its history and sweep schedulers with their periods; no other scheduler
 * stays on the queue. That also clears the LIFE POS check schedulers an older webhook-worker kept on this
 * queue (`reconcile.<connectionId>.lifepos-sales|subscription`), whose jobs nothing here could run.
 */
export async function applyReconcileSchedules(
  queue: Queue,
  connections: readonly ReconciledConnection[],
): Promise<{ scheduled: string[]; removed: string[] }> {
  return applyJobSchedules(queue, 'reconcile', {
    wanted: connections
      .filter((connection) => connection.status === 'active')
      .flatMap(({ id, settings }) => [
        {
          id: historySchedulerId(id),
          everyMs: settings.reconcileEverySeconds * 1000,
          data: { connectionId: id, kind: 'retailcrm-history' as const },
        },
        {
          id: sweepSchedulerId(id),
          everyMs: settings.sweepEverySeconds * 1000,
          data: { connectionId: id, kind: 'sweep' as const },
        },
      ]),
    owns: () => true,
  });
}

/** Removes the connection's history scheduler; false when it had none. */
export function unscheduleHistory(queue: Queue, connectionId: string): Promise<boolean> {
  return queue.removeJobScheduler(historySchedulerId(connectionId));
}

/** Removes every scheduler of the connection (a connection no longer active). */
export async function unscheduleConnection(queue: Queue, connectionId: string): Promise<void> {
  await queue.removeJobScheduler(historySchedulerId(connectionId));
  await queue.removeJobScheduler(sweepSchedulerId(connectionId));
}

import { applyJobSchedules, createScheduleQueue, jobIdFor } from '@connector/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * One BullMQ job scheduler per active connection on the `reconcile` queue, producing
 * `{connectionId, kind: 'retailcrm-history'}` every `reconcileEverySeconds`. The queue is this app's alone,
 * and so is every scheduler on it.
 */

const KIND = 'retailcrm-history';

export function historySchedulerId(connectionId: string): string {
  return jobIdFor('reconcile', connectionId, KIND);
}

/** A queue handle for the schedulers; same `prefix` as the producers and workers. Close it when done. */
export function createReconcileScheduleQueue(redis: Redis, prefix: string): Queue {
  return createScheduleQueue(redis, prefix, 'reconcile');
}

export interface ReconciledConnection {
  id: string;
  status: string;
  settings: { reconcileEverySeconds: number };
}

/**
 * Every active connection has its history scheduler with its period; no other scheduler stays on the
 * queue. That also clears the LIFE POS check schedulers an older webhook-worker kept on this queue
 * (`reconcile.<connectionId>.lifepos-sales|subscription`), whose jobs nothing here could run.
 */
export async function applyHistorySchedules(
  queue: Queue,
  connections: readonly ReconciledConnection[],
): Promise<{ scheduled: string[]; removed: string[] }> {
  return applyJobSchedules(queue, 'reconcile', {
    wanted: connections
      .filter((connection) => connection.status === 'active')
      .map((connection) => ({
        id: historySchedulerId(connection.id),
        everyMs: connection.settings.reconcileEverySeconds * 1000,
        data: { connectionId: connection.id, kind: KIND },
      })),
    owns: () => true,
  });
}

/** Removes the connection's history scheduler; false when it had none. */
export function unscheduleHistory(queue: Queue, connectionId: string): Promise<boolean> {
  return queue.removeJobScheduler(historySchedulerId(connectionId));
}

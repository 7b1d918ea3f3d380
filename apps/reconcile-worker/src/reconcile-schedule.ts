import { applyJobSchedules, createScheduleQueue, jobIdFor } from '@connector/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * One BullMQ job scheduler per active connection on the `reconcile` queue, producing
 * `{connectionId, kind: 'retailcrm-history'}` every `reconcileEverySeconds`. Other kinds of reconciliation
 * share the queue with schedulers of their own, which these functions leave alone.
 */

const KIND = 'retailcrm-history';

export function historySchedulerId(connectionId: string): string {
  return jobIdFor('reconcile', connectionId, KIND);
}

const isHistoryScheduler = (id: string) => id.startsWith('reconcile.') && id.endsWith(`.${KIND}`);

/** A queue handle for the schedulers; same `prefix` as the producers and workers. Close it when done. */
export function createReconcileScheduleQueue(redis: Redis, prefix: string): Queue {
  return createScheduleQueue(redis, prefix, 'reconcile');
}

export interface ReconciledConnection {
  id: string;
  status: string;
  settings: { reconcileEverySeconds: number };
}

/** Every active connection has its history scheduler with its period; no other connection keeps one. */
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
    owns: isHistoryScheduler,
  });
}

/** Removes the connection's history scheduler; false when it had none. */
export function unscheduleHistory(queue: Queue, connectionId: string): Promise<boolean> {
  return queue.removeJobScheduler(historySchedulerId(connectionId));
}

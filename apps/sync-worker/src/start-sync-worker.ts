import { createEntityLock, type JobScheduleKeeper, type QueueName } from '@connector/queue';
import { createSync, type Sync, type WaitingLockOptions } from '@connector/sync';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/worker-app';
import type { Queue } from 'bullmq';
import { createSyncHandler } from './sync-job.js';

/** The queues this app consumes (each queue has exactly one consumer app; see queue-consumers.test.ts in e2e). */
export const SYNC_WORKER_QUEUES = ['sync', 'crm-tasks'] as const satisfies readonly QueueName[];

export interface SyncWorkerOptions
  extends Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers' | 'ownsCrmTasks'> {
  /** How long a sync waits for another one holding the same store or courier. */
  lockWait?: WaitingLockOptions;
}

export interface SyncWorker extends WorkerApp {
  sync: Sync;
  schedules: JobScheduleKeeper;
  /** The `sync` queue's handle of the schedule keeper. */
  scheduleQueue: Queue;
}

/**
 * The sync worker: consumes `sync` (stores → outlets, couriers → employees + workplaces) and `crm-tasks`
 * (the RetailCRM error tasks of every incident), keeps one sync scheduler per active connection (the
 * definition's periodic `all`, on the app's schedule keeper), and runs the retention job (old timeline
 * entries, notifications and incidents).
 */
export async function startSyncWorker(options: SyncWorkerOptions = {}): Promise<SyncWorker> {
  const { lockWait, ...appOptions } = options;
  let sync: Sync | undefined;
  const app = await startWorkerApp({
    ...appOptions,
    // The retention job runs here, in one app only (its replicas take turns by a Redis lock).
    retention: appOptions.retention ?? {},
    service: 'sync-worker',
    owns: SYNC_WORKER_QUEUES,
    handlers: ({ db, env, logger, redis, runtime, producer, schedules }) => {
      sync = createSync({
        db,
        lock: createEntityLock(redis, env.QUEUE_PREFIX),
        logger,
        ...(lockWait ? { lockWait } : {}),
      });
      return [createSyncHandler({ db, runtime, producer, sync, schedules })];
    },
  });
  if (!sync) throw new Error('startWorkerApp did not build the handlers');
  return { ...app, sync, scheduleQueue: app.schedules.queue('sync') };
}

import { createOrderLock, createWorkerRedis } from '@connector/queue';
import { createSync, createSyncScheduleQueue, type Sync, type WaitingLockOptions } from '@connector/sync';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/tenant';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ScheduleKeeper, startScheduleKeeper } from './schedule-keeper.js';
import { createSyncHandler } from './sync-job.js';

export interface SyncWorkerOptions
  extends Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers' | 'ownsCrmTasks'> {
  /** How often the per-connection schedulers are reconciled with the connections. Default 1 minute. */
  scheduleCheckEveryMs?: number;
  /** How long a sync waits for another one holding the same store or courier. */
  lockWait?: WaitingLockOptions;
}

export interface SyncWorker extends WorkerApp {
  sync: Sync;
  schedules: ScheduleKeeper;
  scheduleQueue: Queue;
}

/**
 * The sync worker: consumes `sync` (stores → outlets, couriers → employees + workplaces) and `crm-tasks`
 * (the RetailCRM error tasks of every incident), keeps one sync scheduler per active connection, and runs
 * the retention job (old timeline entries, notifications and incidents).
 */
export async function startSyncWorker(options: SyncWorkerOptions = {}): Promise<SyncWorker> {
  const { scheduleCheckEveryMs = 60_000, lockWait, ...appOptions } = options;
  let built: { sync: Sync; scheduleQueue: Queue; scheduleRedis: Redis } | undefined;
  const app = await startWorkerApp({
    ...appOptions,
    // The retention job runs here, in one app only (its replicas take turns by a Redis lock).
    retention: appOptions.retention ?? {},
    service: 'sync-worker',
    owns: ['sync'],
    ownsCrmTasks: true,
    handlers: ({ db, env, logger, redis, runtime, producer }) => {
      const sync = createSync({
        db,
        lock: createOrderLock(redis, env.QUEUE_PREFIX),
        logger,
        ...(lockWait ? { lockWait } : {}),
      });
      // Its own connection: jobs finishing during shutdown may still unschedule after the app's is closed.
      const scheduleRedis = createWorkerRedis(env.REDIS_URL, { logger, name: 'sync-schedules' });
      const scheduleQueue = createSyncScheduleQueue(scheduleRedis, env.QUEUE_PREFIX);
      built = { sync, scheduleQueue, scheduleRedis };
      return [createSyncHandler({ db, runtime, producer, sync, scheduleQueue })];
    },
  });
  if (!built) throw new Error('startWorkerApp did not build the handlers');
  const { sync, scheduleQueue, scheduleRedis } = built;
  const schedules = startScheduleKeeper({
    queue: scheduleQueue,
    db: app.deps.db,
    logger: app.deps.logger,
    everyMs: scheduleCheckEveryMs,
  });
  // The first reconciliation right away, without holding up the start: the app already answers /readyz,
  // and a SIGTERM that arrives before main() has installed its handlers would kill it mid-start.
  void schedules.runNow().catch((error: unknown) => {
    app.deps.logger.warn('could not reconcile sync schedules at start', { error });
  });

  let closing: Promise<void> | undefined;
  return {
    ...app,
    sync,
    schedules,
    scheduleQueue,
    close: () => {
      closing ??= (async () => {
        await schedules.stop();
        await app.close();
        await scheduleQueue.close();
        await scheduleRedis.quit().catch(() => scheduleRedis.disconnect());
      })();
      return closing;
    },
  };
}

import {
  createOrderLock,
  createWorkerRedis,
  type ScheduleKeeper,
  startScheduleKeeper,
} from '@connector/queue';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/tenant';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HistoryScanOptions } from './history-scan.js';
import { createReconcileHandler } from './reconcile-job.js';
import { applyHistorySchedules, createReconcileScheduleQueue } from './reconcile-schedule.js';

export interface ReconcileWorkerOptions
  extends Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers' | 'ownsCrmTasks'> {
  /** How often the per-connection schedulers are brought in line with the connections. Default 1 minute. */
  scheduleCheckEveryMs?: number;
  scan?: HistoryScanOptions;
}

export interface ReconcileWorker extends WorkerApp {
  schedules: ScheduleKeeper<{ scheduled: string[]; removed: string[] }>;
  scheduleQueue: Queue;
}

/**
 * The reconcile worker: consumes `reconcile` (the RetailCRM order-history scan that re-enqueues what lost
 * triggers did not) and keeps one history scheduler per active connection, period `reconcileEverySeconds`.
 */
export async function startReconcileWorker(options: ReconcileWorkerOptions = {}): Promise<ReconcileWorker> {
  const { scheduleCheckEveryMs = 60_000, scan, ...appOptions } = options;
  let built: { scheduleQueue: Queue; scheduleRedis: Redis } | undefined;
  const app = await startWorkerApp({
    ...appOptions,
    service: 'reconcile-worker',
    owns: ['reconcile'],
    handlers: ({ db, env, logger, redis, runtime, producer }) => {
      // Its own connection: jobs finishing during shutdown may still unschedule after the app's is closed.
      const scheduleRedis = createWorkerRedis(env.REDIS_URL, { logger, name: 'reconcile-schedules' });
      const scheduleQueue = createReconcileScheduleQueue(scheduleRedis, env.QUEUE_PREFIX);
      built = { scheduleQueue, scheduleRedis };
      return [
        createReconcileHandler({
          db,
          runtime,
          producer,
          lock: createOrderLock(redis, env.QUEUE_PREFIX),
          scheduleQueue,
          ...(scan ? { scan } : {}),
        }),
      ];
    },
  });
  if (!built) throw new Error('startWorkerApp did not build the handlers');
  const { scheduleQueue, scheduleRedis } = built;
  const { db, logger } = app.deps;
  const schedules = startScheduleKeeper({
    apply: async () => applyHistorySchedules(scheduleQueue, await db.connections.list()),
    everyMs: scheduleCheckEveryMs,
    logger,
    name: 'history reconciliation schedules',
  });
  // Waited for, so a connection active at start is scheduled (and scanned) from the start.
  await schedules.runNow().catch((error: unknown) => {
    logger.warn('could not reconcile the history schedules at start', { error });
  });

  let closing: Promise<void> | undefined;
  return {
    ...app,
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

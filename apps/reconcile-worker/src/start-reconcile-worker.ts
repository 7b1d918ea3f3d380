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
import { applyReconcileSchedules, createReconcileScheduleQueue } from './reconcile-schedule.js';
import type { SweepOptions } from './sweep.js';
import { createSweepState, type SweepState } from './sweep-state.js';

export interface ReconcileWorkerOptions
  extends Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers' | 'ownsCrmTasks'> {
  /** How often the per-connection schedulers are brought in line with the connections. Default 1 minute. */
  scheduleCheckEveryMs?: number;
  scan?: HistoryScanOptions;
  sweep?: SweepOptions;
}

export interface ReconcileWorker extends WorkerApp {
  schedules: ScheduleKeeper<{ scheduled: string[]; removed: string[] }>;
  scheduleQueue: Queue;
}

/**
 * The reconcile worker: consumes `reconcile` — the RetailCRM order-history scan that re-enqueues what lost
 * triggers did not, and the convergence sweep that compares recent orders with their links — and keeps
 * both schedulers of every active connection (periods `reconcileEverySeconds` and `sweepEverySeconds`).
 */
export async function startReconcileWorker(options: ReconcileWorkerOptions = {}): Promise<ReconcileWorker> {
  const { scheduleCheckEveryMs = 60_000, scan, sweep, ...appOptions } = options;
  let built: { scheduleQueue: Queue; scheduleRedis: Redis; sweepState: SweepState } | undefined;
  const app = await startWorkerApp({
    ...appOptions,
    service: 'reconcile-worker',
    owns: ['reconcile'],
    handlers: ({ db, env, logger, redis, runtime, producer }) => {
      // Its own connection: jobs finishing during shutdown may still unschedule after the app's is closed.
      const scheduleRedis = createWorkerRedis(env.REDIS_URL, { logger, name: 'reconcile-schedules' });
      const scheduleQueue = createReconcileScheduleQueue(scheduleRedis, env.QUEUE_PREFIX);
      // On the same connection: a sweep finishing during shutdown still reads and writes its state.
      const sweepState = createSweepState(scheduleRedis, env.QUEUE_PREFIX);
      built = { scheduleQueue, scheduleRedis, sweepState };
      return [
        createReconcileHandler({
          db,
          runtime,
          producer,
          lock: createOrderLock(redis, env.QUEUE_PREFIX),
          scheduleQueue,
          sweepState,
          ...(scan ? { scan } : {}),
          ...(sweep ? { sweep } : {}),
        }),
      ];
    },
  });
  if (!built) throw new Error('startWorkerApp did not build the handlers');
  const { scheduleQueue, scheduleRedis, sweepState } = built;
  const { db, logger } = app.deps;
  const schedules = startScheduleKeeper({
    apply: async () => applyReconcileSchedules(scheduleQueue, await db.connections.list()),
    everyMs: scheduleCheckEveryMs,
    logger,
    name: 'reconciliation schedules',
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
        await sweepState.close();
        await scheduleQueue.close();
        await scheduleRedis.quit().catch(() => scheduleRedis.disconnect());
      })();
      return closing;
    },
  };
}

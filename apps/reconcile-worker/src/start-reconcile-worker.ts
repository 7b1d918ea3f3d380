import { createEntityLock, type JobScheduleKeeper, type QueueName } from '@connector/queue';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/worker-app';
import type { Queue } from 'bullmq';
import { createHistoryPace } from './history-pace.js';
import type { HistoryScanOptions } from './history-scan.js';
import { createReconcileHandler } from './reconcile-job.js';
import type { SweepOptions } from './sweep.js';
import { createSweepState, type SweepState } from './sweep-state.js';

/** The queues this app consumes (each queue has exactly one consumer app; see queue-consumers.test.ts in e2e). */
export const RECONCILE_WORKER_QUEUES = ['reconcile'] as const satisfies readonly QueueName[];

export interface ReconcileWorkerOptions
  extends Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers' | 'ownsCrmTasks'> {
  scan?: HistoryScanOptions;
  sweep?: SweepOptions;
}

export interface ReconcileWorker extends WorkerApp {
  schedules: JobScheduleKeeper;
  /** The `reconcile` queue's handle of the schedule keeper. */
  scheduleQueue: Queue;
}

/**
 * The reconcile worker: consumes `reconcile` — the RetailCRM order-history scan that re-enqueues what lost
 * triggers did not, and the convergence sweep that compares recent orders with their links. The schedule
 * keeper gives every active connection both schedulers (the definition's periodic kinds, periods
 * `reconcileEverySeconds` and `sweepEverySeconds`).
 */
export async function startReconcileWorker(options: ReconcileWorkerOptions = {}): Promise<ReconcileWorker> {
  const { scan, sweep, ...appOptions } = options;
  let sweepState: SweepState | undefined;
  const app = await startWorkerApp({
    ...appOptions,
    service: 'reconcile-worker',
    owns: RECONCILE_WORKER_QUEUES,
    handlers: ({ db, env, redis, runtime, producer, schedules }) => {
      // On the app's connection, closed after the workers: a sweep finishing during shutdown still reads
      // and writes its state.
      sweepState = createSweepState(redis, env.QUEUE_PREFIX);
      return [
        createReconcileHandler({
          db,
          runtime,
          producer,
          lock: createEntityLock(redis, env.QUEUE_PREFIX),
          schedules,
          historyPace: createHistoryPace(redis, env.QUEUE_PREFIX),
          sweepState,
          ...(scan ? { scan } : {}),
          ...(sweep ? { sweep } : {}),
        }),
      ];
    },
  });
  if (!sweepState) throw new Error('startWorkerApp did not build the handlers');
  const state = sweepState;
  let closing: Promise<void> | undefined;
  return {
    ...app,
    scheduleQueue: app.schedules.queue('reconcile'),
    close: () => {
      closing ??= app.close().then(() => state.close());
      return closing;
    },
  };
}

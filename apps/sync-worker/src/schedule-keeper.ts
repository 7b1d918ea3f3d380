import type { Database } from '@connector/db';
import type { Logger } from '@connector/logger';
import { reconcileSyncSchedules } from '@connector/sync';
import type { Queue } from 'bullmq';

export interface ScheduleKeeper {
  /** One reconciliation now (also what the timer runs); concurrent calls share the running one. */
  runNow(): Promise<{ scheduled: string[]; removed: string[] }>;
  /** Stops the timer and waits for a reconciliation in progress. */
  stop(): Promise<void>;
}

/**
 * Keeps the per-connection sync schedulers in line with the connections table, at start and every
 * `everyMs`: a connection activated in the console gets its scheduler (whose first job is the activation
 * sync), a disabled or deleted one loses it, a changed `syncEveryMinutes` takes effect.
 */
export function startScheduleKeeper({
  queue,
  db,
  logger,
  everyMs,
}: {
  queue: Queue;
  db: Database;
  logger: Logger;
  everyMs: number;
}): ScheduleKeeper {
  let running: Promise<{ scheduled: string[]; removed: string[] }> | undefined;
  const runNow = () => {
    running ??= (async () => {
      try {
        const result = await reconcileSyncSchedules(queue, await db.connections.list());
        if (result.scheduled.length > 0 || result.removed.length > 0) {
          logger.info('sync schedules reconciled', result);
        }
        return result;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const tick = () => {
    runNow().catch((error: unknown) => logger.warn('could not reconcile sync schedules', { error }));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@connector/db';
import { errorKind } from '@connector/domain';
import type { Logger } from '@connector/logger';
import { createEntityLock, withLinkedSignal } from '@connector/queue';
import type { Redis } from 'ioredis';

/** How old rows get before the retention job deletes them (RETENTION_*_DAYS). */
export interface RetentionAges {
  /** Timeline entries (OrderEvent). */
  timelineDays: number;
  /** Stored LIFE POS notifications, counted from their processing; unprocessed ones are kept. */
  notificationsDays: number;
  /** Incidents, counted from their resolution; open ones are kept. */
  incidentsDays: number;
}

export interface RetentionTuning {
  /** Between runs. Default 1 hour. */
  everyMs?: number;
  /** Before the first run after the start (not at once: a deploy should not start with the deletes). Default 1 minute. */
  firstRunAfterMs?: number;
  /** Rows per DELETE statement. Default 5 000. */
  batchSize?: number;
  /** Pause between two statements, so that the deletes leave the database to the jobs. Default 200 ms. */
  pauseMs?: number;
}

export interface RetentionOptions extends RetentionTuning {
  db: Pick<Database, 'retention'>;
  /** Holds the lock that lets one replica run at a time. */
  redis: Redis;
  prefix: string;
  logger: Logger;
  ages: RetentionAges;
  now?: () => number;
}

export interface RetentionSummary {
  timeline: number;
  notifications: number;
  incidents: number;
}

export interface Retention {
  /** One run now; undefined when another replica runs one (it holds the lock). */
  runNow(): Promise<RetentionSummary | undefined>;
  /** Stops the timer and ends a run in progress after its current statement. */
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** The lock outlives a crashed runner by this long; a running one keeps prolonging it. */
const LOCK_TTL_MS = 60_000;

/**
 * The periodic deletion of old rows (timeline entries, processed notifications, resolved incidents), so
 * the tables grow with the shops' recent activity, not with their history. An in-process timer in one
 * app (the sync worker); with several replicas a Redis lock lets one of them run at a time and the others
 * skip their turn. Each DELETE takes at most `batchSize` rows and a pause follows, so no statement holds
 * many row locks for long and the jobs keep their share of the database.
 */
export function startRetention(options: RetentionOptions): Retention {
  const { db, logger, ages, everyMs = 3_600_000, firstRunAfterMs = 60_000, now = Date.now } = options;
  const batchSize = options.batchSize ?? 5_000;
  const pauseMs = options.pauseMs ?? 200;
  const lock = createEntityLock(options.redis, options.prefix, { ttlMs: LOCK_TTL_MS });
  const stopping = new AbortController();
  let running: Promise<RetentionSummary | undefined> | undefined;

  /** Deletes batch after batch until one comes back short; returns the rows deleted. */
  const purge = async (batch: (limit: number) => Promise<number>, signal: AbortSignal): Promise<number> => {
    let total = 0;
    while (!signal.aborted) {
      const deleted = await batch(batchSize);
      total += deleted;
      if (deleted < batchSize) break;
      await sleep(pauseMs, undefined, { signal }).catch(() => {});
    }
    return total;
  };

  const run = (lost: AbortSignal): Promise<RetentionSummary> =>
    withLinkedSignal([lost, stopping.signal], (signal) => purgeAll(signal));
  const purgeAll = async (signal: AbortSignal): Promise<RetentionSummary> => {
    const before = (days: number) => new Date(now() - days * DAY_MS);
    const summary: RetentionSummary = {
      timeline: await purge(
        (limit) => db.retention.deleteOrderEvents(before(ages.timelineDays), limit),
        signal,
      ),
      notifications: await purge(
        (limit) => db.retention.deleteProcessedNotifications(before(ages.notificationsDays), limit),
        signal,
      ),
      incidents: await purge(
        (limit) => db.retention.deleteResolvedIncidents(before(ages.incidentsDays), limit),
        signal,
      ),
    };
    if (summary.timeline + summary.notifications + summary.incidents > 0) {
      logger.info('old rows deleted', { ...summary, ages });
    }
    return summary;
  };

  const runNow = () => {
    running ??= lock
      .withLock('retention', run)
      .catch((error: unknown) => {
        // Another replica runs it now.
        if (errorKind(error) === 'deferred') return undefined;
        throw error;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const tick = () => {
    runNow().catch((error: unknown) => logger.warn('retention run failed; tried again next time', { error }));
  };
  const first = setTimeout(tick, firstRunAfterMs);
  const timer = setInterval(tick, everyMs);
  first.unref();
  timer.unref();
  return {
    runNow,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      stopping.abort();
      await running?.catch(() => {});
    },
  };
}

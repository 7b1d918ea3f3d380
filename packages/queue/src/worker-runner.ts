import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError } from '@connector/domain';
import { jobLogger, type Logger } from '@connector/logger';
import { type Job, MetricsTime, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type BacklogProbe, startBacklogProbe } from './backlog-probe.js';
import { catalog, DEFAULT_PREFIX, lockKeyOf, type QueueName } from './catalog.js';
import { isStalled } from './consumption-watch.js';
import { createEntityLock, type EntityLockOptions } from './entity-lock.js';
import { recordJob } from './job-metrics.js';
import { createProcessor, type ProcessorDeps } from './job-processor.js';
import { createWorkerRedis } from './redis-connections.js';
import { handlerRegistry } from './worker-registry.js';
import {
  type AnyJobHandler,
  asError,
  type FinalFailure,
  type JobSuccess,
  type LockTarget,
  type RunnerState,
} from './worker-types.js';

export {
  type AnyJobHandler,
  defineHandler,
  type FinalFailure,
  type HandlerContext,
  type JobHandler,
  type JobSuccess,
  type LockTarget,
} from './worker-types.js';

type RedisSource = { redisUrl: string; connection?: never } | { connection: Redis; redisUrl?: never };

export type StartWorkersOptions = RedisSource & {
  /** Key prefix; must match the producers'. Default `{connector}`. */
  prefix?: string;
  logger: Logger;
  /** The queues this app consumes. Each needs exactly one handler. */
  owns: readonly QueueName[];
  handlers: readonly AnyJobHandler[];
  /** Jobs run at once per queue. Default 4. */
  concurrency?: number | Partial<Record<QueueName, number>>;
  /**
   * Called once per job that fails for good: a permanent error, an invalid payload, or the last attempt
   * failing. Where the RetailCRM error task is created (through the `crm-tasks` queue). It runs inside
   * the last attempt, so it must be idempotent (see `startWorkers` for why it runs there).
   */
  onFinalFailure?: (failure: FinalFailure) => Promise<void> | void;
  /**
   * Called once per job that completed, after its handler returned (still inside the run, so the order
   * lock is held): where incidents learn that their subject works again. A hook that throws is logged and
   * the job still completes, so it must be cheap and must not need to succeed.
   */
  onSuccess?: (success: JobSuccess) => Promise<void> | void;
  /**
   * Tells errors that say a dependency of every job is unreachable (the database: `isDatabaseUnavailable`
   * of @connector/db). Such a job is deferred by `outageDelayMs` (plus jitter) without spending an attempt
   * and without the final-failure hook: an outage must neither use up jobs' attempts nor open incidents,
   * and the jobs run again by themselves once it is over.
   */
  isOutage?: (error: unknown) => boolean;
  /** How long a job that met an outage waits before it runs again. Default 5 s. */
  outageDelayMs?: number;
  /** Per-job lock key. Default: the catalog's (order queues lock on (connection, order)); false = none. */
  lockKey?: false | ((target: LockTarget) => string | undefined);
  lock?: EntityLockOptions;
  /** How long `close()` waits for active jobs. Default 25 s (inside Kubernetes' 30 s grace period). */
  shutdownTimeoutMs?: number;
  /** Ready jobs untouched with free slots for this long = not consuming (see `health`). Default 30 s. */
  stallAfterMs?: number;
  /** How often the backlog is looked at for `health`. Default 5 s. */
  probeEveryMs?: number;
  /** BullMQ's stalled-job handling (see `STALLED_DEFAULTS`); tests shorten it. */
  stalled?: Partial<typeof STALLED_DEFAULTS>;
};

/**
 * A job stalls when its process dies (or hangs past its lock) mid-run; BullMQ's stalled check then puts it
 * back in the queue, and fails it once it stalled more than `maxStalledCount` times. BullMQ's default of 1
 * fails a job on its second crash, which a crash-looping deploy reaches easily; the handlers are
 * idempotent, so running a job again is safe, and a job that kills its process every time still ends
 * after 4 runs.
 */
const STALLED_DEFAULTS = { maxStalledCount: 3, lockDurationMs: 30_000, stalledIntervalMs: 30_000 };

/** The reason BullMQ gives a job it failed for stalling too often. */
const STALLED_OUT = /stalled more than allowable limit/;

export interface WorkerHealth {
  /** What `/readyz` should answer: running, connected and consuming. */
  ready: boolean;
  /** Every owned queue's worker is running and `close()` has not been called. */
  running: boolean;
  redisReady: boolean;
  /** No owned queue has ready jobs left untouched while the worker had free slots. */
  consuming: boolean;
  stalledQueues: QueueName[];
  /** When a job last started or finished here. */
  lastActivityAt: Date | undefined;
}

export interface WorkerRunner {
  /** The runner's (non-blocking) Redis connection: build the rate limiter and token store on it. */
  readonly redis: Redis;
  health(): WorkerHealth;
  /**
   * Stops taking jobs, waits for active ones (at most `timeoutMs`, default `shutdownTimeoutMs`), closes
   * every Redis connection the runner opened. Jobs still running at the timeout are left to BullMQ's
   * stalled-job check: another worker retries them once their lock expires. After a timeout (a hung
   * handler, Redis down) BullMQ's own timers may live on until the process exits, which is what
   * `closeOnSignals` does next.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Drops a connection and resolves once it has really ended. While ioredis is between reconnect
 * attempts there is no socket and no 'end' event comes (the retry timer is cleared all the same), so
 * the wait is bounded.
 */
async function disconnected(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  const ended = once(redis, 'end');
  redis.disconnect();
  await Promise.race([ended, sleep(1_000, undefined, { ref: false })]);
}

/** Throttles a repeating warning (connection errors repeat every retry during an outage). */
function throttled(logger: Logger, everyMs: number) {
  const last = new Map<string, number>();
  return (message: string, meta: Record<string, unknown>) => {
    const key = `${message}:${String(meta.error)}`;
    const now = Date.now();
    if (now - (last.get(key) ?? 0) < everyMs) return;
    last.set(key, now);
    logger.warn(message, meta);
  };
}

/** The runner's settings once its defaults are applied. */
interface Settings {
  prefix: string;
  logger: Logger;
  owns: readonly QueueName[];
  stalled: typeof STALLED_DEFAULTS;
  concurrencyOf: (queue: QueueName) => number;
  onFinalFailure: StartWorkersOptions['onFinalFailure'];
  warn: ReturnType<typeof throttled>;
}

function lockKeyResolver(option: StartWorkersOptions['lockKey']) {
  return (target: LockTarget): string | undefined => {
    if (option === false) return undefined;
    if (option) return option(target);
    return lockKeyOf(target.queue, target.data);
  };
}

/**
 * A job failed by BullMQ's stalled check never reaches the processor: its final-failure hook runs here,
 * on the worker's 'failed' event — at most once (a crash right then drops it).
 */
function reportStalledOut(settings: Settings, queue: QueueName, job: Job): void {
  const { logger, stalled, onFinalFailure } = settings;
  recordJob(queue, 'failed', 0);
  const log = jobLogger(logger, { queue, jobId: job.id, attempt: job.attemptsMade });
  log.error('job failed for good: it stalled too often (its process died or hung mid-run)', {
    stalledCount: stalled.maxStalledCount + 1,
  });
  if (!onFinalFailure) return;
  const parsed = catalog[queue].schema.safeParse(job.data);
  if (!parsed.success) return;
  const reason = new PermanentError(`${queue} job stopped mid-run ${stalled.maxStalledCount + 1} times`, {
    code: 'queue.stalled_out',
    userMessage:
      'The connector was restarted or crashed every time while processing this job, so it gave up. ' +
      'Check the connector logs for the crash, then send the order again.',
  });
  Promise.resolve(onFinalFailure({ queue, data: parsed.data, error: reason, job } as FinalFailure)).catch(
    (hookError: unknown) => log.error('final-failure hook failed', { error: asError(hookError).message }),
  );
}

/** One queue's BullMQ worker around its processor, started. */
function startQueueWorker(
  settings: Settings,
  redis: Redis,
  queue: QueueName,
  processor: ReturnType<typeof createProcessor>,
): Worker {
  const { stalled, warn, logger } = settings;
  const worker = new Worker(queue, processor, {
    connection: redis,
    prefix: settings.prefix,
    concurrency: settings.concurrencyOf(queue),
    autorun: false,
    maxStalledCount: stalled.maxStalledCount,
    lockDuration: stalled.lockDurationMs,
    stalledInterval: stalled.stalledIntervalMs,
    // Per-minute completed/failed counts for two weeks: Bull Board's metrics charts read them.
    metrics: { maxDataPoints: MetricsTime.TWO_WEEKS },
  });
  worker.on('error', (error) => warn('worker error', { queue, error: error.message }));
  worker.on('failed', (job, error) => {
    if (job && STALLED_OUT.test(error.message)) reportStalledOut(settings, queue, job);
  });
  worker
    .run()
    .catch((error: unknown) => logger.error('worker stopped', { queue, error: asError(error).message }));
  return worker;
}

function settingsOf(options: StartWorkersOptions): Settings {
  const { logger, owns } = options;
  return {
    prefix: options.prefix ?? DEFAULT_PREFIX,
    logger,
    owns,
    stalled: { ...STALLED_DEFAULTS, ...options.stalled },
    concurrencyOf: (queue) =>
      typeof options.concurrency === 'number' ? options.concurrency : (options.concurrency?.[queue] ?? 4),
    onFinalFailure: options.onFinalFailure,
    warn: throttled(logger, 30_000),
  };
}

/** What `/readyz` reads: running, connected, and consuming every owned queue. */
function healthOf(
  settings: Settings & { stallAfterMs: number },
  parts: { state: RunnerState; workers: readonly Worker[]; redis: Redis; probe: BacklogProbe },
): WorkerHealth {
  const { state, workers, redis, probe } = parts;
  const running = !state.closing && workers.every((worker) => worker.isRunning());
  const redisReady = redis.status === 'ready';
  const now = Date.now();
  const stalledQueues = settings.owns.filter((queue) =>
    isStalled(probe.idleSince.get(queue), now, settings.stallAfterMs),
  );
  const consuming = running && redisReady && stalledQueues.length === 0;
  return {
    ready: consuming,
    running,
    redisReady,
    consuming,
    stalledQueues,
    lastActivityAt: state.lastActivityAt === undefined ? undefined : new Date(state.lastActivityAt),
  };
}

/**
 * Stops taking jobs, waits for active ones (at most `timeoutMs`), closes the probe's connection and, when
 * the runner opened it, its own.
 */
async function closeWorkers(
  settings: Settings,
  parts: { workers: readonly Worker[]; redis: Redis; probe: BacklogProbe; ownsConnection: boolean },
  timeoutMs: number,
): Promise<void> {
  const { logger, owns } = settings;
  const { workers, redis, probe } = parts;
  probe.stop();
  logger.info('workers closing', { queues: owns });
  const graceful = Promise.all(workers.map((worker) => worker.close())).then(() => 'closed' as const);
  const outcome = await Promise.race([graceful, sleep(timeoutMs, 'timeout' as const, { ref: false })]);
  if (outcome === 'timeout') {
    logger.warn('workers did not close in time; unfinished jobs are retried once their lock expires', {
      timeoutMs,
    });
  }
  await disconnected(probe.redis);
  if (parts.ownsConnection) {
    // QUIT would wait for a Redis that is down; after a timeout, cutting the connection also stops
    // what the unfinished jobs still do with it.
    if (redis.status === 'ready' && outcome === 'closed') {
      await redis.quit().catch(() => disconnected(redis));
    } else {
      await disconnected(redis);
    }
  }
  logger.info('workers closed', { queues: owns });
}

/**
 * Starts one BullMQ worker per owned queue (the handler registry, one processor per queue, and the
 * backlog probe behind `health`): validates the payload, holds the order lock, maps the error taxonomy
 * (retryable → retry with backoff, permanent → `UnrecoverableError`, deferred → delayed without spending
 * an attempt), calls the final-failure hook, records metrics, and watches that it keeps consuming.
 *
 * Where the final-failure hook runs, and why: inside the processor, on the attempt that will not be
 * retried, before BullMQ moves the job to failed. The job is still active and locked then, so if the
 * process dies during the hook the job stalls and runs again — the hook is never lost. The
 * alternatives lose it: the worker's 'failed' event fires in memory after the job is already failed
 * (a crash in between drops it), and QueueEvents broadcasts to every process (one call per process).
 * The price is at-least-once: a hook that succeeded can run again if the process dies before BullMQ
 * records the failure, so the hook must be idempotent (incidents are unique per dedupe key).
 * A job failed by BullMQ's stalled check (its process died `maxStalledCount`+1 times mid-job) never
 * reaches the processor: BullMQ fails it when a worker fetches it next. For those the hook runs on the
 * worker's 'failed' event instead — at most once (a crash right then drops it), the one gap left.
 */
export function startWorkers(options: StartWorkersOptions): WorkerRunner {
  const settings = settingsOf(options);
  const { logger, owns, prefix } = settings;
  const byQueue = handlerRegistry(owns, options.handlers);
  const ownsConnection = options.connection === undefined;
  const redis =
    options.connection ?? createWorkerRedis(options.redisUrl, { logger, name: 'connector-worker' });
  const state: RunnerState = {
    closing: false,
    active: new Map(),
    lastStartedAt: new Map(),
    lastActivityAt: undefined,
  };
  const processorDeps: ProcessorDeps = {
    logger,
    state,
    lock: createEntityLock(redis, prefix, options.lock),
    lockKeyFor: lockKeyResolver(options.lockKey),
    onFinalFailure: options.onFinalFailure,
    onSuccess: options.onSuccess,
    isOutage: options.isOutage,
    outageDelayMs: options.outageDelayMs ?? 5_000,
  };
  const workers = owns.map((queue) =>
    startQueueWorker(settings, redis, queue, createProcessor(processorDeps, queue, byQueue.get(queue)!)),
  );
  const probe = startBacklogProbe({
    redis,
    prefix,
    owns,
    state,
    concurrencyOf: settings.concurrencyOf,
    everyMs: options.probeEveryMs ?? 5_000,
    warn: settings.warn,
  });
  logger.info('workers started', { queues: owns, prefix });

  const stallAfterMs = options.stallAfterMs ?? 30_000;
  let closing: Promise<void> | undefined;
  return {
    redis,
    health: () => healthOf({ ...settings, stallAfterMs }, { state, workers, redis, probe }),
    close({ timeoutMs = options.shutdownTimeoutMs ?? 25_000 } = {}) {
      state.closing = true;
      closing ??= closeWorkers(settings, { workers, redis, probe, ownsConnection }, timeoutMs);
      return closing;
    },
  };
}

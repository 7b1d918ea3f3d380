import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeferredError, errorKind, PermanentError } from '@connector/domain';
import { jobLogger, type Logger } from '@connector/logger';
import { DelayedError, type Job, MetricsTime, QueueKeys, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { catalog, DEFAULT_PREFIX, type JobData, lockKeyOf, type QueueName } from './catalog.js';
import { idleBacklogSince, isStalled } from './consumption-watch.js';
import { type JobOutcome, recordJob } from './job-metrics.js';
import { createOrderLock, type OrderLockOptions } from './order-lock.js';
import { createWorkerRedis } from './redis-connections.js';

export interface HandlerContext<Q extends QueueName> {
  /** The payload, validated against the catalog. */
  data: JobData<Q>;
  job: Job<JobData<Q>>;
  /** Carries queue, job id, connection, order and attempt on every record. */
  logger: Logger;
  /**
   * Aborts when the order lock is lost (another worker may take the order now: stop before the next
   * external write) or the job is cancelled.
   */
  signal: AbortSignal;
}

/** One job kind (Documenso's job objects): the queue it consumes and a small handler. */
export interface JobHandler<Q extends QueueName = QueueName> {
  queue: Q;
  handle(context: HandlerContext<Q>): Promise<unknown>;
}

export type AnyJobHandler = { [Q in QueueName]: JobHandler<Q> }[QueueName];

export function defineHandler<Q extends QueueName>(
  queue: Q,
  handle: (context: HandlerContext<Q>) => Promise<unknown>,
): JobHandler<Q> {
  return { queue, handle };
}

/** What the final-failure hook learns about a job that will not be tried again. */
export type FinalFailure = {
  [Q in QueueName]: {
    queue: Q;
    /** The validated payload; undefined when the payload itself was invalid (then see `job.data`). */
    data: JobData<Q> | undefined;
    /** The error of the last attempt (a `PermanentError`, or the last retryable/unknown error). */
    error: Error;
    job: Job;
  };
}[QueueName];

/** What the success hook learns about a job that completed. */
export type JobSuccess = {
  [Q in QueueName]: { queue: Q; data: JobData<Q>; result: unknown; job: Job };
}[QueueName];

export type LockTarget = { [Q in QueueName]: { queue: Q; data: JobData<Q> } }[QueueName];

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
  lock?: OrderLockOptions;
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

const DEFAULT_DEFER_MS = 1_000;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
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

/**
 * Starts one BullMQ worker per owned queue (Novu's small processor around each handler):
 * validates the payload, holds the order lock, maps the error taxonomy (retryable → retry with
 * backoff, permanent → `UnrecoverableError`, deferred → delayed without spending an attempt), calls
 * the final-failure hook, records metrics, and watches that it keeps consuming.
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
  const {
    prefix = DEFAULT_PREFIX,
    logger,
    owns,
    handlers,
    onFinalFailure,
    onSuccess,
    isOutage,
    outageDelayMs = 5_000,
    shutdownTimeoutMs = 25_000,
    stallAfterMs = 30_000,
    probeEveryMs = 5_000,
  } = options;
  const stalled = { ...STALLED_DEFAULTS, ...options.stalled };

  // Completeness at boot (Immich): a queue without a handler, or with two, is a wiring mistake.
  const byQueue = new Map<QueueName, AnyJobHandler>();
  for (const handler of handlers) {
    if (!Object.hasOwn(catalog, handler.queue)) throw new Error(`handler for unknown queue ${handler.queue}`);
    if (!owns.includes(handler.queue)) {
      throw new Error(`handler for queue ${handler.queue}, which this app does not own`);
    }
    if (byQueue.has(handler.queue)) throw new Error(`queue ${handler.queue} has two handlers`);
    byQueue.set(handler.queue, handler);
  }
  for (const queue of owns) {
    if (!byQueue.has(queue)) throw new Error(`queue ${queue} has no handler`);
  }
  if (new Set(owns).size !== owns.length) throw new Error('a queue is listed twice in owns');

  const concurrencyOf = (queue: QueueName): number =>
    typeof options.concurrency === 'number' ? options.concurrency : (options.concurrency?.[queue] ?? 4);
  const lockKeyFor = (target: LockTarget): string | undefined => {
    if (options.lockKey === false) return undefined;
    if (options.lockKey) return options.lockKey(target);
    return lockKeyOf(target.queue, target.data);
  };

  const ownsConnection = options.connection === undefined;
  const redis =
    options.connection ?? createWorkerRedis(options.redisUrl, { logger, name: 'connector-worker' });
  const lock = createOrderLock(redis, prefix, options.lock);
  const warn = throttled(logger, 30_000);

  let closing: Promise<void> | undefined;
  const active = new Map<QueueName, number>();
  const lastStartedAt = new Map<QueueName, number>();
  let lastActivityAt: number | undefined;

  const processorFor = (queue: QueueName, handler: AnyJobHandler) => {
    const { schema } = catalog[queue];

    // Three parameters: BullMQ passes its abort signal only to processors that declare it.
    return async (job: Job, token?: string, bullSignal?: AbortSignal): Promise<unknown> => {
      const startedAt = performance.now();
      const finish = (outcome: JobOutcome) =>
        recordJob(queue, outcome, (performance.now() - startedAt) / 1000);
      active.set(queue, (active.get(queue) ?? 0) + 1);
      lastActivityAt = Date.now();
      lastStartedAt.set(queue, lastActivityAt);
      const raw = (job.data ?? {}) as { connectionId?: unknown; orderId?: unknown };
      const log = jobLogger(logger, {
        queue,
        jobId: job.id,
        connectionId: typeof raw.connectionId === 'string' ? raw.connectionId : undefined,
        orderId: typeof raw.orderId === 'number' ? raw.orderId : undefined,
        attempt: job.attemptsMade + 1,
      });

      let data: JobData<QueueName> | undefined;
      try {
        if (closing !== undefined) {
          // BullMQ can still hand out a job it fetched while `close()` began; give it back untouched
          // (no attempt spent) so a running worker takes it instead of delaying this shutdown.
          throw new DeferredError('worker is shutting down', 0, { code: 'queue.shutting_down' });
        }
        const parsed = schema.safeParse(job.data);
        if (!parsed.success) {
          throw new PermanentError(`invalid ${queue} job payload: ${z.prettifyError(parsed.error)}`, {
            code: 'queue.invalid_payload',
            userMessage: 'The connector received a malformed job and cannot process it. Contact support.',
          });
        }
        data = parsed.data;
        const target = { queue, data } as LockTarget;
        const run = (lockSignal?: AbortSignal) => {
          const signals = [bullSignal, lockSignal].filter((s): s is AbortSignal => s !== undefined);
          const signal = signals.length > 0 ? AbortSignal.any(signals) : new AbortController().signal;
          signal.addEventListener('abort', () => log.warn('job aborted', { reason: String(signal.reason) }), {
            once: true,
          });
          return (handler as JobHandler<QueueName>)
            .handle({ data: target.data, job, logger: log, signal })
            .then(async (result) => {
              if (onSuccess) {
                try {
                  await onSuccess({ queue, data: target.data, result, job } as JobSuccess);
                } catch (hookError) {
                  log.warn('success hook failed', { error: asError(hookError).message });
                }
              }
              return result;
            });
        };
        const key = lockKeyFor(target);
        const result = key === undefined ? await run() : await lock.withLock(key, run);
        finish('completed');
        log.info('job completed');
        return result;
      } catch (thrown) {
        const error = asError(thrown);
        const outage = isOutage?.(thrown) === true;
        const kind = outage ? 'deferred' : errorKind(thrown);
        const meta = {
          error: error.message,
          code: (thrown as { code?: unknown }).code,
          kind,
          ...(outage && { outage: true }),
        };

        if (kind === 'deferred') {
          // Moved to delayed with skipAttempt: attemptsMade stays as it was. DelayedError tells BullMQ the
          // job has been moved already. After an outage the jobs come back spread out, not all at once.
          const delayMs = outage
            ? outageDelayMs + Math.floor((Math.random() * outageDelayMs) / 2)
            : thrown instanceof DeferredError
              ? thrown.delayMs
              : DEFAULT_DEFER_MS;
          if (token === undefined) throw error;
          await job.moveToDelayed(Date.now() + delayMs, token);
          finish('deferred');
          log.info('job deferred', { ...meta, delayMs });
          throw new DelayedError();
        }

        const attempts = job.opts.attempts ?? 1;
        const final = kind === 'permanent' || job.attemptsMade + 1 >= attempts;
        if (!final) {
          finish('retry');
          log.warn('job failed; will retry', { ...meta, attemptsLeft: attempts - job.attemptsMade - 1 });
          throw error;
        }

        finish('failed');
        log.error('job failed for good', meta);
        if (onFinalFailure) {
          try {
            await onFinalFailure({ queue, data, error, job } as FinalFailure);
          } catch (hookError) {
            log.error('final-failure hook failed', { error: asError(hookError).message });
          }
        }
        throw kind === 'permanent' ? new UnrecoverableError(error.message) : error;
      } finally {
        active.set(queue, (active.get(queue) ?? 1) - 1);
        lastActivityAt = Date.now();
      }
    };
  };

  const workers = owns.map((queue) => {
    const worker = new Worker(queue, processorFor(queue, byQueue.get(queue)!), {
      connection: redis,
      prefix,
      concurrency: concurrencyOf(queue),
      autorun: false,
      maxStalledCount: stalled.maxStalledCount,
      lockDuration: stalled.lockDurationMs,
      stalledInterval: stalled.stalledIntervalMs,
      // Per-minute completed/failed counts for two weeks: Bull Board's metrics charts read them.
      metrics: { maxDataPoints: MetricsTime.TWO_WEEKS },
    });
    worker.on('error', (error) => warn('worker error', { queue, error: error.message }));
    worker.on('failed', (job, error) => {
      if (!job || !STALLED_OUT.test(error.message)) return;
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
    });
    worker
      .run()
      .catch((error: unknown) => logger.error('worker stopped', { queue, error: asError(error).message }));
    return worker;
  });
  // Its own connection, so the probe is not queued behind the worker's commands when those hang.
  const probeRedis = redis.duplicate({ connectionName: 'connector-worker-probe', maxRetriesPerRequest: 1 });
  probeRedis.on('error', () => {});
  const keysOf = new QueueKeys(prefix);
  const idleSince = new Map<QueueName, number | undefined>();
  let probing = false;
  /**
   * Counts the jobs that are ready to run, with plain read commands (not BullMQ's scripts, which Redis
   * treats as writes): the probe must see the backlog exactly when writes, and so the worker, are stuck.
   * Delayed scores are BullMQ's `due ms × 4096` (+ a sequence number).
   */
  const readyJobs = async (queue: QueueName): Promise<number> => {
    const keys = keysOf.getKeys(queue);
    const overdueBefore = (Date.now() - 1_000) * 0x1000;
    const replies = await probeRedis
      .pipeline()
      .hexists(keys.meta!, 'paused')
      .llen(keys.wait!)
      .zcard(keys.prioritized!)
      .zcount(keys.delayed!, 0, overdueBefore)
      .exec();
    const [paused, waiting, prioritized, overdue] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return Number(value);
    });
    // A queue paused by an operator is not this worker's fault.
    return paused ? 0 : (waiting ?? 0) + (prioritized ?? 0) + (overdue ?? 0);
  };
  const probe = async () => {
    if (probing) return;
    probing = true;
    try {
      if (redis.status !== 'ready' || probeRedis.status !== 'ready') {
        // Unknown while disconnected; `redisReady` already reports the outage.
        idleSince.clear();
        return;
      }
      for (const queue of owns) {
        const backlog = await readyJobs(queue);
        idleSince.set(
          queue,
          idleBacklogSince(idleSince.get(queue), {
            backlog,
            active: active.get(queue) ?? 0,
            concurrency: concurrencyOf(queue),
            lastStartedAt: lastStartedAt.get(queue) ?? 0,
            now: Date.now(),
          }),
        );
      }
    } catch (error) {
      warn('backlog probe failed', { error: asError(error).message });
    } finally {
      probing = false;
    }
  };
  const probeTimer = setInterval(() => void probe(), probeEveryMs);
  probeTimer.unref();

  logger.info('workers started', { queues: owns, prefix });

  return {
    redis,
    health() {
      const running = closing === undefined && workers.every((worker) => worker.isRunning());
      const redisReady = redis.status === 'ready';
      const now = Date.now();
      const stalledQueues = owns.filter((queue) => isStalled(idleSince.get(queue), now, stallAfterMs));
      const consuming = running && redisReady && stalledQueues.length === 0;
      return {
        ready: consuming,
        running,
        redisReady,
        consuming,
        stalledQueues,
        lastActivityAt: lastActivityAt === undefined ? undefined : new Date(lastActivityAt),
      };
    },
    close({ timeoutMs = shutdownTimeoutMs } = {}) {
      closing ??= (async () => {
        clearInterval(probeTimer);
        logger.info('workers closing', { queues: owns });
        const graceful = Promise.all(workers.map((worker) => worker.close())).then(() => 'closed' as const);
        const outcome = await Promise.race([graceful, sleep(timeoutMs, 'timeout' as const, { ref: false })]);
        if (outcome === 'timeout') {
          logger.warn('workers did not close in time; unfinished jobs are retried once their lock expires', {
            timeoutMs,
          });
        }
        await disconnected(probeRedis);
        if (ownsConnection) {
          // QUIT would wait for a Redis that is down; after a timeout, cutting the connection also stops
          // what the unfinished jobs still do with it.
          if (redis.status === 'ready' && outcome === 'closed') {
            await redis.quit().catch(() => disconnected(redis));
          } else {
            await disconnected(redis);
          }
        }
        logger.info('workers closed', { queues: owns });
      })();
      return closing;
    },
  };
}

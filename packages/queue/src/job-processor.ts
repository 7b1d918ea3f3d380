import { DeferredError, errorKind, PermanentError } from '@connector/domain';
import { jobLogger, type Logger } from '@connector/logger';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { catalog, type JobData, type QueueName } from './catalog.js';
import type { EntityLock } from './entity-lock.js';
import { type JobOutcome, recordJob } from './job-metrics.js';
import { withLinkedSignal } from './linked-signal.js';
import {
  type AnyJobHandler,
  asError,
  type FinalFailure,
  type JobHandler,
  type JobSuccess,
  type LockTarget,
  type RunnerState,
} from './worker-types.js';

const DEFAULT_DEFER_MS = 1_000;

/** What every processor of one runner shares. */
export interface ProcessorDeps {
  logger: Logger;
  state: RunnerState;
  lock: EntityLock;
  lockKeyFor: (target: LockTarget) => string | undefined;
  onFinalFailure?: ((failure: FinalFailure) => Promise<void> | void) | undefined;
  onSuccess?: ((success: JobSuccess) => Promise<void> | void) | undefined;
  isOutage?: ((error: unknown) => boolean) | undefined;
  outageDelayMs: number;
}

/** One run of a job, as the processor sees it. */
interface Run {
  queue: QueueName;
  job: Job;
  token: string | undefined;
  log: Logger;
  finish: (outcome: JobOutcome) => void;
  /** The validated payload, once it is. */
  data?: JobData<QueueName>;
}

function jobLog(logger: Logger, queue: QueueName, job: Job): Logger {
  const raw = (job.data ?? {}) as { connectionId?: unknown; orderId?: unknown };
  return jobLogger(logger, {
    queue,
    jobId: job.id,
    connectionId: typeof raw.connectionId === 'string' ? raw.connectionId : undefined,
    orderId: typeof raw.orderId === 'number' ? raw.orderId : undefined,
    attempt: job.attemptsMade + 1,
  });
}

function validPayload(queue: QueueName, job: Job): JobData<QueueName> {
  const parsed = catalog[queue].schema.safeParse(job.data);
  if (!parsed.success) {
    throw new PermanentError(`invalid ${queue} job payload: ${z.prettifyError(parsed.error)}`, {
      code: 'queue.invalid_payload',
      userMessage: 'The connector received a malformed job and cannot process it. Contact support.',
    });
  }
  return parsed.data as JobData<QueueName>;
}

/** The handler under the job's lock (if it has one), then the success hook. */
async function runHandler(
  deps: ProcessorDeps,
  handler: AnyJobHandler,
  run: Run & { data: JobData<QueueName> },
  bullSignal: AbortSignal | undefined,
): Promise<unknown> {
  const { queue, job, log, data } = run;
  const target = { queue, data } as LockTarget;
  const handle = async (lockSignal?: AbortSignal) => {
    const result = await withLinkedSignal([bullSignal, lockSignal], (signal) => {
      signal.addEventListener('abort', () => log.warn('job aborted', { reason: String(signal.reason) }), {
        once: true,
      });
      return (handler as JobHandler<QueueName>).handle({ data, job, logger: log, signal });
    });
    if (deps.onSuccess) {
      try {
        await deps.onSuccess({ queue, data, result, job } as JobSuccess);
      } catch (hookError) {
        log.warn('success hook failed', { error: asError(hookError).message });
      }
    }
    return result;
  };
  const key = deps.lockKeyFor(target);
  return key === undefined ? handle() : deps.lock.withLock(key, handle);
}

/**
 * Moved to delayed with skipAttempt: attemptsMade stays as it was. DelayedError tells BullMQ the job has
 * been moved already. After an outage the jobs come back spread out, not all at once.
 */
async function deferJob(
  deps: ProcessorDeps,
  run: Run,
  thrown: unknown,
  meta: Record<string, unknown>,
): Promise<never> {
  const delayMs = meta.outage
    ? deps.outageDelayMs + Math.floor((Math.random() * deps.outageDelayMs) / 2)
    : thrown instanceof DeferredError
      ? thrown.delayMs
      : DEFAULT_DEFER_MS;
  if (run.token === undefined) throw asError(thrown);
  await run.job.moveToDelayed(Date.now() + delayMs, run.token);
  run.finish('deferred');
  run.log.info('job deferred', { ...meta, delayMs });
  throw new DelayedError();
}

/** The error taxonomy: deferred → delayed, retryable → retry with backoff, permanent or last → final. */
async function handleFailure(deps: ProcessorDeps, run: Run, thrown: unknown): Promise<never> {
  const error = asError(thrown);
  const outage = deps.isOutage?.(thrown) === true;
  const kind = outage ? 'deferred' : errorKind(thrown);
  const meta = {
    error: error.message,
    code: (thrown as { code?: unknown }).code,
    kind,
    ...(outage && { outage: true }),
  };
  if (kind === 'deferred') return deferJob(deps, run, thrown, meta);

  const { job, log } = run;
  const attempts = job.opts.attempts ?? 1;
  const final = kind === 'permanent' || job.attemptsMade + 1 >= attempts;
  if (!final) {
    run.finish('retry');
    log.warn('job failed; will retry', { ...meta, attemptsLeft: attempts - job.attemptsMade - 1 });
    throw error;
  }
  run.finish('failed');
  log.error('job failed for good', meta);
  if (deps.onFinalFailure) {
    try {
      await deps.onFinalFailure({ queue: run.queue, data: run.data, error, job } as FinalFailure);
    } catch (hookError) {
      log.error('final-failure hook failed', { error: asError(hookError).message });
    }
  }
  throw kind === 'permanent' ? new UnrecoverableError(error.message) : error;
}

/**
 * The BullMQ processor of one queue (Novu's small processor around each handler): validates the payload,
 * holds the order lock, maps the error taxonomy, calls the hooks, records metrics. See `startWorkers` for
 * where the final-failure hook runs, and why.
 */
export function createProcessor(deps: ProcessorDeps, queue: QueueName, handler: AnyJobHandler) {
  const { state } = deps;
  // Three parameters: BullMQ passes its abort signal only to processors that declare it.
  return async (job: Job, token?: string, bullSignal?: AbortSignal): Promise<unknown> => {
    const startedAt = performance.now();
    state.active.set(queue, (state.active.get(queue) ?? 0) + 1);
    state.lastActivityAt = Date.now();
    state.lastStartedAt.set(queue, state.lastActivityAt);
    const run: Run = {
      queue,
      job,
      token,
      log: jobLog(deps.logger, queue, job),
      finish: (outcome) => recordJob(queue, outcome, (performance.now() - startedAt) / 1000),
    };
    try {
      if (state.closing) {
        // BullMQ can still hand out a job it fetched while `close()` began; give it back untouched
        // (no attempt spent) so a running worker takes it instead of delaying this shutdown.
        throw new DeferredError('worker is shutting down', 0, { code: 'queue.shutting_down' });
      }
      const data = validPayload(queue, job);
      run.data = data;
      const result = await runHandler(deps, handler, { ...run, data }, bullSignal);
      run.finish('completed');
      run.log.info('job completed');
      return result;
    } catch (thrown) {
      return await handleFailure(deps, run, thrown);
    } finally {
      state.active.set(queue, (state.active.get(queue) ?? 1) - 1);
      state.lastActivityAt = Date.now();
    }
  };
}

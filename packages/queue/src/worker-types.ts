import type { Logger } from '@connector/logger';
import type { Job } from 'bullmq';
import type { JobData, QueueName } from './catalog.js';

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

/**
 * The consumer of one queue's jobs (Documenso's job objects): the queue, whose definition the catalog
 * holds (jobs/), and a small handler. A worker app's start file lists the handlers it runs.
 */
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

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** What the processors and the backlog probe of one runner share: what runs, and since when. */
export interface RunnerState {
  /** Set once `close()` began. */
  closing: boolean;
  active: Map<QueueName, number>;
  lastStartedAt: Map<QueueName, number>;
  /** When a job last started or finished here (ms). */
  lastActivityAt: number | undefined;
}

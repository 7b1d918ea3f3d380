import { PermanentError, RetryableError } from '@connector/domain';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { catalog, DEFAULT_PREFIX, type JobData, type QueueName, type QueuePolicy } from './catalog.js';
import { createPacer, type Pace } from './pacing.js';

export interface AddOptions {
  /** BullMQ job id: the add is ignored while a job with this id exists in any state (see `jobIdFor`). */
  jobId?: string;
  /** Collapse repeated adds while one is pending; one follow-up if it is running (see `jobIdFor`). */
  dedupeId?: string;
  /** Do not start before this many milliseconds. */
  delay?: number;
  /**
   * BullMQ priority: 1 runs first, larger numbers later. Jobs added without one run before every
   * prioritized job of the queue (BullMQ serves its plain waiting list first).
   */
  priority?: number;
  /**
   * Start at the tenant's next paced slot (see pacing.ts): the job is added delayed until then. A slot
   * whose add merged into a pending job (`dedupeId`, told by a `jobId` of the add's own) is given back.
   */
  pace?: Pace;
}

export interface AddedJob {
  /** The id of the job that will do the work: the new one, or the existing one the add collapsed into. */
  id: string;
}

export interface Producer {
  add<Q extends QueueName>(queue: Q, data: JobData<Q>, options?: AddOptions): Promise<AddedJob>;
  /** Closes the producer's queues. The Redis connection belongs to the caller. */
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** From `createProducerRedis` (fail fast) in request paths; a worker's connection inside workers. */
  redis: Redis;
  prefix?: string;
  /** Per-queue policy overrides (e.g. short backoff in tests or staging). */
  policies?: Partial<Record<QueueName, Partial<QueuePolicy>>>;
}

/**
 * Typed, validated enqueueing. The payload is checked against the catalog before it reaches Redis,
 * so a bad payload is a `PermanentError` at the caller, not a failed job later.
 * When Redis is not connected, `add` rejects at once with a `RetryableError` (code
 * `queue.redis_unavailable`) instead of waiting: ingress then writes to its outbox.
 */
export function createProducer({ redis, prefix = DEFAULT_PREFIX, policies = {} }: ProducerOptions): Producer {
  const queues = new Map<QueueName, Queue>();
  const pacer = createPacer(redis, prefix);
  const queueOf = (name: QueueName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: redis, prefix });
      // Errors of the underlying connection surface on every add; the queue's own event would be unhandled.
      queue.on('error', () => {});
      queues.set(name, queue);
    }
    return queue;
  };

  return {
    async add(name, data, options = {}) {
      const parsed = catalog[name].schema.safeParse(data);
      if (!parsed.success) {
        throw new PermanentError(`invalid ${name} job payload: ${z.prettifyError(parsed.error)}`, {
          code: 'queue.invalid_payload',
          details: { queue: name, issues: parsed.error.issues },
        });
      }
      if (options.jobId !== undefined && (options.jobId.includes(':') || /^\d+$/.test(options.jobId))) {
        // BullMQ reserves ':' and integer ids (its own counter); see `jobIdFor`.
        throw new PermanentError(`job id ${options.jobId} must not contain ':' or be an integer`, {
          code: 'queue.invalid_job_id',
        });
      }
      // BullMQ would wait for the connection to become ready; a request path must not.
      if (redis.status !== 'ready') {
        throw new RetryableError(`Redis is not available (connection ${redis.status})`, {
          code: 'queue.redis_unavailable',
          details: { queue: name },
        });
      }
      if (options.pace && !(Number.isFinite(options.pace.intervalMs) && options.pace.intervalMs > 0)) {
        throw new PermanentError(`pace interval of ${options.pace.key} must be a positive number of ms`, {
          code: 'queue.invalid_pace',
          details: { queue: name, pace: options.pace },
        });
      }
      const policy = { ...catalog[name].policy, ...policies[name] };
      try {
        const slot = options.pace ? await pacer.reserve(options.pace) : undefined;
        const delay = Math.max(options.delay ?? 0, slot?.delayMs ?? 0);
        const jobOptions: JobsOptions = {
          attempts: policy.attempts,
          backoff: policy.backoff,
          removeOnComplete: policy.removeOnComplete,
          removeOnFail: policy.removeOnFail,
          ...(options.jobId !== undefined && { jobId: options.jobId }),
          ...(delay > 0 && { delay }),
          ...(options.priority !== undefined && { priority: options.priority }),
          ...(options.dedupeId !== undefined && {
            deduplication: { id: options.dedupeId, keepLastIfActive: true },
          }),
        };
        const job = await queueOf(name).add(name, parsed.data, jobOptions);
        const id = String(job.id);
        if (slot && options.pace && options.jobId !== undefined && id !== options.jobId) {
          await pacer.release(options.pace, slot);
        }
        return { id };
      } catch (error) {
        throw new RetryableError(`could not enqueue ${name}: ${(error as Error).message}`, {
          code: 'queue.redis_unavailable',
          details: { queue: name },
          cause: error,
        });
      }
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      queues.clear();
    },
  };
}

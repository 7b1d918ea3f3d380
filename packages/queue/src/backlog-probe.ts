import { QueueKeys } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from './catalog.js';
import { idleBacklogSince } from './consumption-watch.js';
import { asError, type RunnerState } from './worker-types.js';

export interface BacklogProbeOptions {
  /** The runner's connection: the probe duplicates it, and reports nothing while it is not ready. */
  redis: Redis;
  prefix: string;
  owns: readonly QueueName[];
  state: RunnerState;
  concurrencyOf: (queue: QueueName) => number;
  everyMs: number;
  warn: (message: string, meta: Record<string, unknown>) => void;
}

export interface BacklogProbe {
  /** Per queue: since when ready jobs were left untouched with free slots (undefined = consuming). */
  idleSince: ReadonlyMap<QueueName, number | undefined>;
  /** Stops the timer; the probe's connection is the caller's to close (`redis`). */
  stop(): void;
  readonly redis: Redis;
}

/**
 * Counts the jobs that are ready to run, with plain read commands (not BullMQ's scripts, which Redis
 * treats as writes): the probe must see the backlog exactly when writes, and so the worker, are stuck.
 * Delayed scores are BullMQ's `due ms × 4096` (+ a sequence number).
 */
async function readyJobs(probeRedis: Redis, keysOf: QueueKeys, queue: QueueName): Promise<number> {
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
}

/** Looks at each owned queue's backlog every `everyMs`: what `health().consuming` reports. */
export function startBacklogProbe(options: BacklogProbeOptions): BacklogProbe {
  const { redis, owns, state } = options;
  // Its own connection, so the probe is not queued behind the worker's commands when those hang.
  const probeRedis = redis.duplicate({ connectionName: 'connector-worker-probe', maxRetriesPerRequest: 1 });
  probeRedis.on('error', () => {});
  const keysOf = new QueueKeys(options.prefix);
  const idleSince = new Map<QueueName, number | undefined>();
  let probing = false;
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
        const backlog = await readyJobs(probeRedis, keysOf, queue);
        idleSince.set(
          queue,
          idleBacklogSince(idleSince.get(queue), {
            backlog,
            active: state.active.get(queue) ?? 0,
            concurrency: options.concurrencyOf(queue),
            lastStartedAt: state.lastStartedAt.get(queue) ?? 0,
            now: Date.now(),
          }),
        );
      }
    } catch (error) {
      options.warn('backlog probe failed', { error: asError(error).message });
    } finally {
      probing = false;
    }
  };
  const timer = setInterval(() => void probe(), options.everyMs);
  timer.unref();
  return { idleSince, redis: probeRedis, stop: () => clearInterval(timer) };
}

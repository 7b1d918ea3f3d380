import type { RepairQueue } from '@connector/domain';
import { orderJobId } from '@connector/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * What the convergence sweep keeps between runs, in Redis: where a pass through the window stopped, the
 * orders its first part compared, and which repairs rest. Losing it (a Redis flush) costs one pass started
 * over and one more round of repairs, never a lost repair: the sweep compares state, so it finds the
 * disagreements again.
 */

/** Where the links part of a pass goes on: after this link (the keyset of `orderList.page`). */
export interface LinksCursor {
  /** ISO instant. */
  updatedAt: string;
  id: string;
}

/**
 * A pass through the window, fixed when it starts: first the orders whose status changed (`phase:
 * 'orders'`, the next page to read), then the exported links written in the window (`phase: 'links'`,
 * after the last link read).
 */
export type SweepProgress =
  | { phase: 'orders'; from: string; startedAt: string; page: number }
  | { phase: 'links'; from: string; startedAt: string; after?: LinksCursor };

/**
 * A repair the sweep made: it rests until `until` (ms) while the disagreement it answered stays the same
 * (`fingerprint`). A job that could not settle the disagreement (LIFE POS still down, a sale closed in
 * LIFE POS that stays) is asked again with a backoff, not every run.
 */
export interface RestMarker {
  fingerprint: string;
  /** Repairs of this disagreement so far. */
  count: number;
  until: number;
}

/** Job states in which a job of the order is still to run, or running. */
const PENDING = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

export interface SweepState {
  progress(connectionId: string): Promise<SweepProgress | null>;
  /**
   * Stores where the pass goes on; null ends the pass (the next run starts a new one) and forgets the
   * orders it compared.
   */
  saveProgress(connectionId: string, progress: SweepProgress | null): Promise<void>;
  /** Notes orders the pass compared (its orders part), so that its links part does not read them again. */
  markCompared(connectionId: string, orderIds: readonly number[]): Promise<void>;
  /** Those of these orders the pass already compared. */
  compared(connectionId: string, orderIds: readonly number[]): Promise<Set<number>>;
  /** The rest markers of these repairs, in one round trip, by `restKey`. */
  markers(connectionId: string, repairs: readonly RestTarget[]): Promise<Map<string, RestMarker>>;
  /** Records a repair; the marker lives `ttlMs` (the window) at most. */
  rest(connectionId: string, target: RestTarget, marker: RestMarker, ttlMs: number): Promise<void>;
  /** The id of the order's unfinished job of that queue (waiting, delayed or active), if it has one. */
  pendingJob(queue: RepairQueue, connectionId: string, orderId: number): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface RestTarget {
  queue: RepairQueue;
  orderId: number;
}

export function restKey({ queue, orderId }: RestTarget): string {
  return `${queue}:${orderId}`;
}

/** Wait after the n-th repair of one disagreement: none, then 1, 3, 7, … periods. */
export function restAfter(count: number, periodMs: number): number {
  return periodMs * (2 ** (Math.min(count, 20) - 1) - 1);
}

const ISO_INSTANT = (text: unknown): text is string =>
  typeof text === 'string' && !Number.isNaN(Date.parse(text));

function parseProgress(text: string | null): SweepProgress | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const { phase, from, startedAt, page, after } = value;
    if (!ISO_INSTANT(from) || !ISO_INSTANT(startedAt)) return null;
    if (phase === 'orders') {
      return Number.isInteger(page) && (page as number) >= 1
        ? { phase, from, startedAt, page: page as number }
        : null;
    }
    if (phase !== 'links') return null;
    if (after === undefined) return { phase, from, startedAt };
    const cursor = after as Partial<LinksCursor> | null;
    return cursor && ISO_INSTANT(cursor.updatedAt) && typeof cursor.id === 'string'
      ? { phase, from, startedAt, after: { updatedAt: cursor.updatedAt, id: cursor.id } }
      : null;
  } catch {
    return null;
  }
}

/** A pass left unfinished for a day is stale: the next run starts a new one. */
const PASS_TTL_SECONDS = 86_400;

function parseMarker(text: string | null): RestMarker | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RestMarker>;
    return typeof value.fingerprint === 'string' &&
      typeof value.count === 'number' &&
      typeof value.until === 'number'
      ? { fingerprint: value.fingerprint, count: value.count, until: value.until }
      : undefined;
  } catch {
    return undefined;
  }
}

export function createSweepState(redis: Redis, prefix: string): SweepState {
  const base = (connectionId: string) => `${prefix}:sweep:${connectionId}`;
  const progressKey = (connectionId: string) => `${base(connectionId)}:progress`;
  const comparedKey = (connectionId: string) => `${base(connectionId)}:compared`;
  const markerKey = (connectionId: string, target: RestTarget) =>
    `${base(connectionId)}:rest:${restKey(target)}`;
  const queues = new Map<RepairQueue, Queue>();
  const queueOf = (name: RepairQueue) => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: redis, prefix });
      queue.on('error', () => {});
      queues.set(name, queue);
    }
    return queue;
  };

  return {
    async progress(connectionId) {
      return parseProgress(await redis.get(progressKey(connectionId)));
    },
    async saveProgress(connectionId, progress) {
      if (progress === null) await redis.del(progressKey(connectionId), comparedKey(connectionId));
      else await redis.set(progressKey(connectionId), JSON.stringify(progress), 'EX', PASS_TTL_SECONDS);
    },
    async markCompared(connectionId, orderIds) {
      if (orderIds.length === 0) return;
      await redis
        .multi()
        .sadd(comparedKey(connectionId), ...orderIds.map(String))
        .expire(comparedKey(connectionId), PASS_TTL_SECONDS)
        .exec();
    },
    async compared(connectionId, orderIds) {
      if (orderIds.length === 0) return new Set();
      const flags = await redis.smismember(comparedKey(connectionId), ...orderIds.map(String));
      return new Set(orderIds.filter((_, index) => flags[index] === 1));
    },
    async markers(connectionId, targets) {
      const found = new Map<string, RestMarker>();
      if (targets.length === 0) return found;
      const values = await redis.mget(...targets.map((target) => markerKey(connectionId, target)));
      targets.forEach((target, index) => {
        const marker = parseMarker(values[index] ?? null);
        if (marker) found.set(restKey(target), marker);
      });
      return found;
    },
    async rest(connectionId, target, marker, ttlMs) {
      await redis.set(markerKey(connectionId, target), JSON.stringify(marker), 'PX', Math.max(1, ttlMs));
    },
    async pendingJob(queue, connectionId, orderId) {
      const q = queueOf(queue);
      const jobId = await q.getDeduplicationJobId(orderJobId(queue, connectionId, orderId));
      if (!jobId) return undefined;
      return PENDING.has(await q.getJobState(jobId)) ? jobId : undefined;
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      queues.clear();
    },
  };
}

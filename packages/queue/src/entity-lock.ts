import { randomBytes } from 'node:crypto';
import { DeferredError } from '@connector/domain';
import type { Redis } from 'ioredis';
import { luaScript } from './lua-script.js';

// Only the holder (same token) may release or extend; a holder whose lock expired must not delete
// or prolong the lock somebody else took since.
const release = luaScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
   return 0`,
  1,
);
const extend = luaScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
   return 0`,
  1,
);

/** `code` of the `DeferredError` a busy lock throws. */
export const LOCK_BUSY = 'lock.busy';

/** The lock was held by another job: the caller skips or waits, it did not fail. */
export function isLockBusy(error: unknown): error is DeferredError {
  return error instanceof DeferredError && error.code === LOCK_BUSY;
}

export interface EntityLockOptions {
  /** How long the lock outlives a crashed holder. Default 30 s. */
  ttlMs?: number;
  /** How often a running holder prolongs it. Default a third of the TTL. */
  extendEveryMs?: number;
  /** How long a job that finds the lock busy is delayed (plus up to 50 % jitter). Default 2 s. */
  busyDelayMs?: number;
}

export interface EntityLock {
  /**
   * Runs `fn` holding the lock `key` (e.g. `orderLockKey(connectionId, orderId)`), prolonged while `fn`
   * runs and released afterwards. Throws `DeferredError` (code `lock.busy`, delay ≈ the lock's remaining
   * time) when another holder has it, so the job is delayed instead of failed. `signal` aborts if the
   * lock is lost while `fn` runs (Redis outage longer than the TTL): another worker may then take it.
   */
  withLock<T>(key: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * Mutual exclusion of one entity (an order, a store sync, a courier, a sweep: whatever the key names) across
 * all processes: SET NX PX with a random token.
 */
export function createEntityLock(redis: Redis, prefix: string, options: EntityLockOptions = {}): EntityLock {
  const ttlMs = options.ttlMs ?? 30_000;
  const extendEveryMs = options.extendEveryMs ?? Math.floor(ttlMs / 3);
  const busyDelayMs = options.busyDelayMs ?? 2_000;

  return {
    async withLock(key, fn) {
      const redisKey = `${prefix}:lock:${key}`;
      const token = randomBytes(16).toString('hex');
      const taken = await redis.set(redisKey, token, 'PX', ttlMs, 'NX');
      if (taken !== 'OK') {
        const remaining = await redis.pttl(redisKey);
        // A running holder keeps prolonging its lock, so its TTL says little about when it will finish:
        // come back soon (never later than the lock could expire), with jitter so waiters spread out.
        const delayMs =
          Math.min(Math.max(remaining, 1), busyDelayMs) + Math.floor((Math.random() * busyDelayMs) / 2);
        throw new DeferredError(`lock ${key} is held by another job`, delayMs, {
          code: LOCK_BUSY,
          details: { key },
        });
      }

      const lost = new AbortController();
      let done = false;
      const timer = setInterval(() => {
        extend(redis, [redisKey], [token, ttlMs]).then(
          (extended) => {
            if (extended !== 1 && !done) lost.abort(new Error(`lock ${key} was lost`));
          },
          // A failed extension (Redis unreachable) is retried on the next tick; the TTL covers the gap.
          () => {},
        );
      }, extendEveryMs);
      timer.unref();
      try {
        return await fn(lost.signal);
      } finally {
        done = true;
        clearInterval(timer);
        // If Redis cannot be reached the TTL frees the lock; the job's own outcome matters more.
        await release(redis, [redisKey], [token]).catch(() => {});
      }
    },
  };
}

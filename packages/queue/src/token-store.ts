import type { Redis } from 'ioredis';

/** The shape the LIFE POS client expects for its access-token cache (structurally, not by import). */
export interface RedisTokenStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, token: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Access tokens shared by every process, so one sign-in serves all workers of a tenant. Redis expires
 * them (PX), so a token is never served after the lifetime the caller gave it.
 */
export function createRedisTokenStore(redis: Redis, prefix: string): RedisTokenStore {
  const keyOf = (key: string) => `${prefix}:token:${key}`;
  return {
    async get(key) {
      return (await redis.get(keyOf(key))) ?? undefined;
    },
    async set(key, token, ttlMs) {
      if (!Number.isFinite(ttlMs) || ttlMs < 1) throw new Error(`token ttl must be ≥ 1 ms, got ${ttlMs}`);
      await redis.set(keyOf(key), token, 'PX', Math.floor(ttlMs));
    },
    async delete(key) {
      await redis.del(keyOf(key));
    },
  };
}

import type { Redis } from 'ioredis';

/** The shape the LIFE POS client expects for its access-token cache (structurally, not by import). */
export interface RedisTokenStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, token: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Seals tokens at rest, bound to the Redis key they are kept under (@connector/db's `createTokenCipher`, AES-256-GCM
 * under SECRETS_KEY; passed in, as this package sits below the database layer). `decrypt` throws for a value
 * it did not seal.
 */
export interface TokenCipher {
  encrypt(name: string, token: string): string;
  decrypt(name: string, stored: string): string;
}

/**
 * Access tokens shared by every process, so one sign-in serves all workers of a tenant. Redis expires
 * them (PX), so a token is never served after the lifetime the caller gave it. Redis holds only the sealed
 * token: a copy of Redis (a dump, a replica, a `MONITOR`) does not let anybody act as the shop's owner. A
 * value that does not open (kept before tokens were sealed, or sealed under another SECRETS_KEY) counts as
 * no token: the client signs in again and replaces it.
 */
export function createRedisTokenStore(redis: Redis, prefix: string, cipher: TokenCipher): RedisTokenStore {
  const keyOf = (key: string) => `${prefix}:token:${key}`;
  return {
    async get(key) {
      const stored = await redis.get(keyOf(key));
      if (stored === null) return undefined;
      try {
        return cipher.decrypt(keyOf(key), stored);
      } catch {
        return undefined;
      }
    },
    async set(key, token, ttlMs) {
      if (!Number.isFinite(ttlMs) || ttlMs < 1) throw new Error(`token ttl must be ≥ 1 ms, got ${ttlMs}`);
      await redis.set(keyOf(key), cipher.encrypt(keyOf(key), token), 'PX', Math.floor(ttlMs));
    },
    async delete(key) {
      await redis.del(keyOf(key));
    },
  };
}

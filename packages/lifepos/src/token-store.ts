/**
 * Where sign-in tokens live. Shared by every process of the connector (the Redis implementation lives in
 * @connector/queue), so one tenant signs in once, not once per worker.
 */
export interface TokenStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, token: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** An in-process TokenStore with expiry, for tests and single-process tools. */
export function createMemoryTokenStore(now: () => number = Date.now): TokenStore {
  const entries = new Map<string, { token: string; expiresAt: number }>();
  return {
    async get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.token;
    },
    async set(key, token, ttlMs) {
      entries.set(key, { token, expiresAt: now() + ttlMs });
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

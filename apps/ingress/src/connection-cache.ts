import type { Pace } from '@connector/queue';
/** What a trigger needs to know about its tenant: whether it may be accepted. No credentials. */
export interface TenantState {
  id: string;
  status: 'draft' | 'active' | 'disabled';
  disabledReason: string | null;
  /** How the tenant's `order-export` jobs are spaced, from its rate limits (see `orderExportPace`). */
  exportPace: Pace;
}

export interface ConnectionCacheOptions {
  /** Looks the tenant up by LIFE POS org guid (`client_id`); null when there is none. */
  lookup: (orgId: string) => Promise<TenantState | null>;
  /** How long an answer (also "no such tenant") is reused. */
  ttlMs: number;
  /** Bound on remembered org ids, so a flood of made-up ids cannot grow the process. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

export interface ConnectionCache {
  get(orgId: string): Promise<TenantState | null>;
}

interface Entry {
  expiresAt: number;
  value: Promise<TenantState | null>;
}

/**
 * Every trigger names its tenant; a burst of triggers must not become a burst of PostgreSQL queries.
 * Answers are kept for `ttlMs`, so a tenant disabled in the console stops being accepted within that
 * time. Concurrent lookups of one org id share a single query; failed lookups are not kept.
 */
export function createConnectionCache({
  lookup,
  ttlMs,
  maxEntries = 10_000,
  now = Date.now,
}: ConnectionCacheOptions): ConnectionCache {
  const entries = new Map<string, Entry>();

  const evict = (at: number) => {
    for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key);
    // Still full of live entries: drop the oldest (a Map iterates in insertion order).
    while (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  };

  return {
    get(orgId) {
      const at = now();
      const cached = entries.get(orgId);
      if (cached && cached.expiresAt > at) return cached.value;
      if (cached) entries.delete(orgId);
      if (entries.size >= maxEntries) evict(at);
      const value = lookup(orgId);
      const entry: Entry = { expiresAt: at + ttlMs, value };
      entries.set(orgId, entry);
      value.catch(() => {
        if (entries.get(orgId) === entry) entries.delete(orgId);
      });
      return value;
    },
  };
}

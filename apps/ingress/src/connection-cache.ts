import type { Pace } from '@connector/queue';
import type { FloodDecision } from './flood-guard.js';

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
  /**
   * Asked before the database is asked about an org id that has not named a tenant in this process yet
   * (a tenant's own id is never asked about again, even once its answer expired). A refusal rejects the
   * get with `UnknownClientThrottledError` at no query's cost: made-up ids cannot cost lookups unbounded.
   */
  admitUnknown?: () => FloodDecision;
  now?: () => number;
}

/** `admitUnknown` refused: too many lookups of org ids that named no tenant. */
export class UnknownClientThrottledError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`too many lookups of unknown client ids; retry in ${retryAfterMs} ms`);
    this.name = 'UnknownClientThrottledError';
  }
}

export interface ConnectionCache {
  get(orgId: string): Promise<TenantState | null>;
  /** Marks org ids as tenants' own (read from the database), so `admitUnknown` never holds them up. */
  remember(orgIds: Iterable<string>): void;
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
  admitUnknown,
  now = Date.now,
}: ConnectionCacheOptions): ConnectionCache {
  const entries = new Map<string, Entry>();
  /** Org ids that named a tenant: only real tenants get here, so it grows with their number alone. */
  const known = new Set<string>();

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
      if (admitUnknown && !known.has(orgId)) {
        const decision = admitUnknown();
        if (!decision.allowed) return Promise.reject(new UnknownClientThrottledError(decision.retryAfterMs));
      }
      if (entries.size >= maxEntries) evict(at);
      const value = lookup(orgId);
      const entry: Entry = { expiresAt: at + ttlMs, value };
      entries.set(orgId, entry);
      value.then(
        (tenant) => {
          if (tenant && known.size < maxEntries) known.add(orgId);
        },
        () => {
          if (entries.get(orgId) === entry) entries.delete(orgId);
        },
      );
      return value;
    },
    remember(orgIds) {
      for (const orgId of orgIds) if (known.size < maxEntries) known.add(orgId);
    },
  };
}

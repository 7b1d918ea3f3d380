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
  /**
   * How long a get waits for the refresh of an expired tenant before it answers with the tenant as last
   * known (the database is slow or frozen). Default 1 000 ms. A refresh is started at most once per TTL, so
   * this delays at most the triggers that arrive during that first second of each TTL.
   */
  refreshWaitMs?: number;
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
  /** The answer `get` would give at once (unexpired, `null` for no such tenant); undefined when it must look. */
  peek(orgId: string): TenantState | null | undefined;
  /** Marks org ids as tenants' own (read from the database), so `admitUnknown` never holds them up. */
  remember(orgIds: Iterable<string>): void;
}

interface Entry {
  /** The database's last answer, once there is one; reused as it is until `expiresAt`. */
  answer?: { tenant: TenantState | null };
  expiresAt: number;
  /** The lookup in flight, and since when. */
  pending?: Promise<TenantState | null>;
  pendingSince: number;
  /** When the last lookup of this org id failed: the next one waits until `ttlMs` after it. */
  failedAt?: number;
}

const knownTenant = (entry: Entry | undefined): TenantState | null => entry?.answer?.tenant ?? null;

/**
 * Every trigger names its tenant; a burst of triggers must not become a burst of PostgreSQL queries.
 * Answers are kept for `ttlMs`, so a tenant disabled in the console stops being accepted within that
 * time. Concurrent lookups of one org id share a single query.
 *
 * While PostgreSQL is down or frozen a known tenant is answered as last known, past its TTL: a trigger of a
 * known shop is accepted (its job waits in Redis for the database) instead of refused. The refresh goes on
 * in the background, at most once per TTL per org id, and its answer (a connection disabled meanwhile)
 * applies as soon as the database gives it. An org id without a known tenant still needs the database:
 * its failed lookup rejects the get.
 */
export function createConnectionCache({
  lookup,
  ttlMs,
  refreshWaitMs = 1_000,
  maxEntries = 10_000,
  admitUnknown,
  now = Date.now,
}: ConnectionCacheOptions): ConnectionCache {
  const entries = new Map<string, Entry>();
  /** Org ids that named a tenant: only real tenants get here, so it grows with their number alone. */
  const known = new Set<string>();

  /** Expired answers go first, then the oldest entry that is no tenant's: a spray never evicts the shops. */
  const evict = (at: number) => {
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= at && !knownTenant(entry) && !entry.pending) entries.delete(key);
    }
    if (entries.size < maxEntries) return;
    for (const [key, entry] of entries) {
      if (!knownTenant(entry)) {
        entries.delete(key);
        return;
      }
    }
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  };

  const refresh = (orgId: string, entry: Entry, at: number): Promise<TenantState | null> => {
    const value = lookup(orgId);
    entry.pending = value;
    entry.pendingSince = at;
    value.then(
      (tenant) => {
        entry.pending = undefined;
        entry.failedAt = undefined;
        entry.answer = { tenant };
        entry.expiresAt = now() + ttlMs;
        if (tenant && known.size < maxEntries) known.add(orgId);
      },
      () => {
        entry.pending = undefined;
        entry.failedAt = now();
        // Nothing to answer from: forget it, so that the next get asks again.
        if (!knownTenant(entry) && entries.get(orgId) === entry) entries.delete(orgId);
      },
    );
    return value;
  };

  /** An expired tenant: the refresh's answer if it comes soon, else the tenant as last known. */
  const refreshed = (orgId: string, entry: Entry, stale: TenantState, at: number) => {
    if (!entry.pending && (entry.failedAt === undefined || at - entry.failedAt >= ttlMs)) {
      refresh(orgId, entry, at);
    }
    const waitMs = refreshWaitMs - (at - entry.pendingSince);
    if (!entry.pending || waitMs <= 0) return Promise.resolve(stale);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<TenantState>((resolve) => {
      timer = setTimeout(() => resolve(stale), waitMs);
    });
    return Promise.race([entry.pending.catch(() => stale), late]).finally(() => clearTimeout(timer));
  };

  return {
    peek(orgId) {
      const entry = entries.get(orgId);
      return entry?.answer && entry.expiresAt > now() ? entry.answer.tenant : undefined;
    },
    get(orgId) {
      const at = now();
      const entry = entries.get(orgId);
      if (entry?.answer && entry.expiresAt > at) return Promise.resolve(entry.answer.tenant);
      const stale = knownTenant(entry);
      if (entry && stale) return refreshed(orgId, entry, stale, at);
      if (entry?.pending) return entry.pending;
      if (admitUnknown && !known.has(orgId)) {
        const decision = admitUnknown();
        if (!decision.allowed) return Promise.reject(new UnknownClientThrottledError(decision.retryAfterMs));
      }
      if (entry) entries.delete(orgId);
      if (entries.size >= maxEntries) evict(at);
      const fresh: Entry = { expiresAt: at + ttlMs, pendingSince: at };
      entries.set(orgId, fresh);
      return refresh(orgId, fresh, at);
    },
    remember(orgIds) {
      for (const orgId of orgIds) if (known.size < maxEntries) known.add(orgId);
    },
  };
}

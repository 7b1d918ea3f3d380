import type { Tenant } from '@connector/tenant';

/**
 * In-process memo of something read from a tenant's LIFE POS organization (its own employee, its units),
 * valid while the connection is unchanged and for `ttlMs` at most, so an edit in LIFE POS is seen soon.
 * A failed load is not remembered.
 */
export function createTenantCache<T>(ttlMs: number, now: () => number = Date.now) {
  const entries = new Map<string, { version: number; expiresAt: number; value: Promise<T> }>();
  return (tenant: Tenant, load: () => Promise<T>): Promise<T> => {
    const key = tenant.connection.id;
    const version = tenant.connection.updatedAt.getTime();
    const cached = entries.get(key);
    if (cached && cached.version === version && cached.expiresAt > now()) return cached.value;
    const value = load();
    entries.set(key, { version, expiresAt: now() + ttlMs, value });
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };
}

import { describe, expect, it } from '@jest/globals';
import { createConnectionCache, type TenantState, UnknownClientThrottledError } from './connection-cache.js';

function clock() {
  let now = 0;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A lookup over a plain table that counts its calls (the cache's only dependency). */
function table(initial: Record<string, TenantState | null>) {
  const rows = new Map(Object.entries(initial));
  const calls: string[] = [];
  let failNext = false;
  return {
    rows,
    calls,
    failOnce: () => {
      failNext = true;
    },
    lookup: async (orgId: string) => {
      calls.push(orgId);
      await Promise.resolve();
      if (failNext) {
        failNext = false;
        throw new Error('database unavailable');
      }
      return rows.get(orgId) ?? null;
    },
  };
}

const active: TenantState = {
  id: 'c1',
  status: 'active',
  disabledReason: null,
  exportPace: { key: 'order-export:c1', intervalMs: 230 },
};

describe('createConnectionCache', () => {
  it('peeks at an unexpired answer without a lookup, and at nothing else', async () => {
    const time = clock();
    const db = table({ org: active });
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 1_000, now: time.now });
    expect(cache.peek('org')).toBeUndefined();
    expect(db.calls).toEqual([]);
    await Promise.all([cache.get('org'), cache.get('nobody')]);
    expect(cache.peek('org')).toEqual(active);
    expect(cache.peek('nobody')).toBeNull();
    time.advance(1_000);
    expect(cache.peek('org')).toBeUndefined();
    expect(db.calls).toEqual(['org', 'nobody']);
  });

  it('shares one lookup among concurrent and repeated gets within the TTL', async () => {
    const time = clock();
    const db = table({ org: active });
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 1_000, now: time.now });
    const answers = await Promise.all([cache.get('org'), cache.get('org'), cache.get('org')]);
    expect(answers).toEqual([active, active, active]);
    time.advance(999);
    await cache.get('org');
    expect(db.calls).toEqual(['org']);
  });

  it('sees a change (a disabled tenant, a new one) once the TTL has passed', async () => {
    const time = clock();
    const db = table({ org: active });
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 1_000, now: time.now });
    expect(await cache.get('org')).toEqual(active);
    expect(await cache.get('new-org')).toBeNull();

    const disabled: TenantState = { ...active, status: 'disabled', disabledReason: 'bad key' };
    db.rows.set('org', disabled);
    db.rows.set('new-org', active);
    time.advance(1_000);
    expect(await cache.get('org')).toEqual(disabled);
    expect(await cache.get('new-org')).toEqual(active);
  });

  it('does not keep a failed lookup', async () => {
    const db = table({ org: active });
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 60_000 });
    db.failOnce();
    await expect(cache.get('org')).rejects.toThrow('database unavailable');
    expect(await cache.get('org')).toEqual(active);
    expect(db.calls).toHaveLength(2);
  });

  it('stays bounded under a flood of unknown org ids', async () => {
    const time = clock();
    const db = table({ org: active });
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 60_000, maxEntries: 10, now: time.now });
    await cache.get('org');
    for (let i = 0; i < 50; i += 1) await cache.get(`made-up-${i}`);
    // The oldest made-up ids made room; a recent one is still cached, and so is the tenant.
    await cache.get('made-up-49');
    await cache.get('org');
    expect(db.calls.filter((id) => id === 'made-up-49')).toHaveLength(1);
    expect(db.calls.filter((id) => id === 'org')).toHaveLength(1);
  });
});

describe('while the database is unreachable', () => {
  /** A lookup whose database can be taken down (calls fail) or frozen (calls never answer). */
  function database(initial: Record<string, TenantState | null>) {
    const rows = new Map(Object.entries(initial));
    const calls: string[] = [];
    let state: 'up' | 'down' | 'frozen' = 'up';
    return {
      rows,
      calls,
      set: (next: typeof state) => {
        state = next;
      },
      lookup: async (orgId: string) => {
        calls.push(orgId);
        await Promise.resolve();
        if (state === 'down') throw new Error('connect ECONNREFUSED');
        if (state === 'frozen') return new Promise<never>(() => {});
        return rows.get(orgId) ?? null;
      },
    };
  }

  it('answers a known tenant as last known past its TTL, refreshing at most once per TTL', async () => {
    const time = clock();
    const db = database({ org: active });
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 1_000, now: time.now });
    expect(await cache.get('org')).toEqual(active);
    db.set('down');
    for (let i = 0; i < 10; i += 1) {
      time.advance(300);
      expect(await cache.get('org')).toEqual(active);
    }
    // Expired at 1 s: refreshed at 1.2 s, then once a TTL after that failure (2.4 s).
    expect(db.calls).toEqual(['org', 'org', 'org']);
    // An org id without a known tenant still needs the database.
    await expect(cache.get('new-org')).rejects.toThrow('ECONNREFUSED');
  });

  it('applies a connection disabled during the outage as soon as the database answers', async () => {
    const time = clock();
    const db = database({ org: active });
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 1_000, now: time.now });
    await cache.get('org');
    db.set('down');
    time.advance(1_000);
    expect(await cache.get('org')).toEqual(active);
    const disabled: TenantState = { ...active, status: 'disabled', disabledReason: 'bad key' };
    db.rows.set('org', disabled);
    db.set('up');
    time.advance(1_000);
    expect(await cache.get('org')).toEqual(disabled);
  });

  it('waits for a frozen database at most `refreshWaitMs` per refresh', async () => {
    const time = clock();
    const db = database({ org: active });
    const cache = createConnectionCache({
      lookup: db.lookup,
      ttlMs: 1_000,
      refreshWaitMs: 50,
      now: time.now,
    });
    await cache.get('org');
    db.set('frozen');
    time.advance(1_000);
    const started = performance.now();
    expect(await cache.get('org')).toEqual(active);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    time.advance(100);
    const again = performance.now();
    expect(await cache.get('org')).toEqual(active);
    expect(performance.now() - again).toBeLessThan(20);
    expect(db.calls).toEqual(['org', 'org']);
  });
});

describe('lookups of unknown org ids', () => {
  /** Admits `budget` lookups, then refuses with a wait of 250 ms. */
  function admit(budget: number) {
    let left = budget;
    return () => {
      if (left <= 0) return { allowed: false as const, retryAfterMs: 250 };
      left -= 1;
      return { allowed: true as const };
    };
  }

  it('a spray of made-up ids costs at most the admitted lookups; the refused ones cost none', async () => {
    const db = table({});
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 60_000, admitUnknown: admit(3) });
    const answers = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => cache.get(`made-up-${i}`)));
    expect(answers.filter((answer) => answer.status === 'fulfilled')).toHaveLength(3);
    const refused = answers.flatMap((answer) => (answer.status === 'rejected' ? [answer.reason] : []));
    expect(refused).toHaveLength(17);
    expect(refused[0]).toBeInstanceOf(UnknownClientThrottledError);
    expect(refused[0]).toMatchObject({ retryAfterMs: 250 });
    expect(db.calls).toEqual(['made-up-0', 'made-up-1', 'made-up-2']);
    // An answered unknown id is reused within the TTL without asking again.
    expect(await cache.get('made-up-0')).toBeNull();
  });

  it('a tenant once found is looked up again after the TTL however many unknown ids were refused', async () => {
    const time = clock();
    const db = table({ org: active });
    const cache = createConnectionCache({
      lookup: db.lookup,
      ttlMs: 1_000,
      admitUnknown: admit(1),
      now: time.now,
    });
    expect(await cache.get('org')).toEqual(active);
    await expect(cache.get('made-up')).rejects.toBeInstanceOf(UnknownClientThrottledError);
    time.advance(1_000);
    expect(await cache.get('org')).toEqual(active);
    expect(db.calls).toEqual(['org', 'org']);
  });

  it('never holds up an org id remembered as a tenant’s, even on its first lookup', async () => {
    const db = table({ org: active });
    const cache = createConnectionCache({ lookup: db.lookup, ttlMs: 60_000, admitUnknown: admit(0) });
    cache.remember(['org']);
    expect(await cache.get('org')).toEqual(active);
    await expect(cache.get('made-up')).rejects.toBeInstanceOf(UnknownClientThrottledError);
  });
});

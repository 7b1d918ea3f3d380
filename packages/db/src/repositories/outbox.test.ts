import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { Database } from '../database.js';
import { openTestTenants, type TestTenants } from '../test-support/test-tenants.js';

let tenants: TestTenants;
let db: Database;

beforeAll(async () => {
  tenants = await openTestTenants();
  db = tenants.db;
  // Leases are computed on the database clock: a server outside UTC must not shift them (sessions of the
  // pool, opened lazily after this, take the setting).
  const admin = new pg.Client({ connectionString: tenants.database.url });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${tenants.database.name} SET timezone = 'Asia/Vladivostok'`);
  await admin.end();
});

afterAll(() => tenants?.close());

// Every test drains the whole outbox, so each starts from an empty one.
async function drainAll() {
  for (;;) {
    const batch = await db.outbox.claimBatch({ limit: 100, leaseMs: 60_000 });
    if (batch.length === 0) break;
    for (const entry of batch) await db.outbox.delete(entry.id);
  }
}

describe('outbox', () => {
  it('stores a job once per job id', async () => {
    await drainAll();
    const connectionId = await tenants.tenant();
    const entry = {
      connectionId,
      queue: 'order-export',
      jobId: `order-export:${connectionId}:1`,
      payload: { connectionId, orderId: 1, source: 'outbox' },
    };
    expect(await db.outbox.add(entry)).toBe(true);
    expect(await db.outbox.add({ ...entry, payload: { connectionId, orderId: 1, source: 'trigger' } })).toBe(
      false,
    );
    expect(await db.outbox.count()).toBe(1);

    const [claimed, ...rest] = await db.outbox.claimBatch({ limit: 10, leaseMs: 60_000 });
    expect(rest).toEqual([]);
    expect(claimed).toMatchObject({ ...entry, attempts: 1 });
    expect(typeof claimed?.id).toBe('string');
    expect(claimed?.claimedUntil?.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(claimed?.claimedUntil?.getTime()).toBeLessThan(Date.now() + 70_000);
    expect(Math.abs((claimed?.createdAt.getTime() ?? 0) - Date.now())).toBeLessThan(10_000);
    expect(JSON.parse(JSON.stringify(claimed))).toMatchObject({ id: claimed?.id });

    expect(await db.outbox.delete(claimed?.id as string)).toBe(true);
    expect(await db.outbox.delete(claimed?.id as string)).toBe(false);
    expect(await db.outbox.count()).toBe(0);
  });

  it('hands each entry to one of several concurrent drainers, oldest first', async () => {
    await drainAll();
    const connectionId = await tenants.tenant();
    for (let orderId = 1; orderId <= 30; orderId += 1)
      await db.outbox.add({
        connectionId,
        queue: 'order-cancel',
        jobId: `order-cancel:${connectionId}:${orderId}`,
        payload: { connectionId, orderId },
      });

    const batches = await Promise.all(
      Array.from({ length: 4 }, () => db.outbox.claimBatch({ limit: 10, leaseMs: 60_000 })),
    );
    const claimed = batches.flat().map((entry) => entry.jobId);
    expect(claimed).toHaveLength(30);
    expect(new Set(claimed).size).toBe(30);
    for (const batch of batches) {
      const ids = batch.map((entry) => BigInt(entry.id));
      expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    }
    expect(await db.outbox.claimBatch({ limit: 10, leaseMs: 60_000 })).toEqual([]);
  });

  it('lets another drainer take over entries whose lease ran out', async () => {
    await drainAll();
    const connectionId = await tenants.tenant();
    await db.outbox.add({
      connectionId,
      queue: 'sync',
      jobId: `sync:${connectionId}`,
      payload: { connectionId },
    });
    const [first] = await db.outbox.claimBatch({ limit: 10, leaseMs: 200 });
    expect(first).toBeDefined();
    expect(await db.outbox.claimBatch({ limit: 10, leaseMs: 200 })).toEqual([]);

    const [again] = await waitFor(
      async () => {
        const batch = await db.outbox.claimBatch({ limit: 10, leaseMs: 60_000 });
        return batch.length > 0 ? batch : undefined;
      },
      { timeoutMs: 5_000, what: 'the expired lease to be taken over' },
    );
    expect(again).toMatchObject({ id: first?.id, attempts: 2 });
  });
});

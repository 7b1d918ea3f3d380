import { saleMetaFor } from '@connector/domain';
import { createEntityLock } from '@connector/queue';
import { createSync } from '@connector/sync';
import { FAST_RETRIES, startWorkerFixture, type WorkerFixture } from '@connector/worker-app/testing';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createExportOrderHandler } from './export-order.js';

// A burst of one shop's orders against its LIFE POS limit: every job starts at once (no pacing at
// enqueue), 16 at a time as in the export worker, so most of them are deferred by the rate limiter. A
// deferred job must not have read its order yet: each order costs one RetailCRM read and one LIFE POS
// call, however often its job waited for the limit.

const ORDERS = 60;
let fixture: WorkerFixture;

beforeAll(async () => {
  fixture = await startWorkerFixture({
    service: 'export-burst-test',
    owns: ['order-export'],
    ownsCrmTasks: true,
    concurrency: 16,
    handlers: ({ env, runtime, db, redis, logger }) => [
      createExportOrderHandler({
        runtime,
        db,
        sync: createSync({ db, lock: createEntityLock(redis, env.QUEUE_PREFIX), logger }),
      }),
    ],
    policies: { 'order-export': FAST_RETRIES, 'crm-tasks': FAST_RETRIES },
  });
});

afterAll(async () => {
  await fixture?.close();
});

it('reads each order once and calls LIFE POS once per order in a burst deferred by the rate limit', async () => {
  const { seeded, connectionId } = await fixture.seed({ sites: 1 });
  const { db, runtime, redis, env, logger } = fixture.app.deps;
  // The production limits (the fixture's connections get 20 LIFE POS calls/s).
  await db.connections.update(connectionId, {
    settings: { ...seeded.connection.settings, rateLimits: { retailcrmPerSecond: 10, lifeposPerSecond: 5 } },
  });
  const store = seeded.stores[0]!.code;
  // The shop's outlet is synced at activation, before its first trigger.
  const sync = createSync({ db, lock: createEntityLock(redis, env.QUEUE_PREFIX), logger });
  await sync.ensureOutlet(await runtime.open(connectionId), store);
  const orders = Array.from({ length: ORDERS }, () =>
    seeded.createOrder({ store, status: seeded.statuses.send }),
  );

  const calls = { orderReads: 0, lifepos: 0, other: [] as string[] };
  const stop = fixture.sandbox.requestLog.subscribe((entry) => {
    if (entry.system === 'lifepos' && entry.tenant === seeded.orgId) calls.lifepos += 1;
    else if (entry.system === 'retailcrm' && entry.tenant === seeded.accountCode) {
      if (entry.method === 'GET' && /\/orders\/\d+$/.test(entry.path)) calls.orderReads += 1;
      else calls.other.push(`${entry.method} ${entry.path}`);
    }
  });
  try {
    const jobIds = await Promise.all(
      orders.map((order) => fixture.enqueue('order-export', connectionId, order.id)),
    );
    for (const jobId of jobIds) {
      expect((await fixture.settled('order-export', jobId, 90_000)).returnvalue).toMatchObject({
        outcome: 'created',
      });
    }
  } finally {
    stop();
  }

  const sales = fixture.sandbox.lifepos.sales(seeded.orgId).map(({ sale }) => sale.meta);
  expect(orders.filter((order) => !sales.includes(saleMetaFor(order.id)))).toEqual([]);
  // The limit did hold jobs back: more runs started than there are orders.
  const started = (await Promise.all(orders.map((order) => fixture.timeline(connectionId, order.id))))
    .flat()
    .filter((event) => event.type === 'job.started').length;
  expect(started).toBeGreaterThan(ORDERS);
  // Reading the own employee and the units of measure once is the set-up of the first export.
  expect(calls.orderReads / ORDERS).toBeLessThanOrEqual(1.05);
  expect(calls.lifepos / ORDERS).toBeLessThanOrEqual(1.05);
  expect(calls.other).toEqual([]);
}, 120_000);

// The convergence sweep, end to end: whatever was lost — Redis's data, a trigger, a change no trigger
// reports, a job out of retries — every order ends where RetailCRM says it should be, with nobody acting.
// The history scan is kept out of the way in each case (its cursor is past, or its next run an hour
// away), and so is an outage incident's own redrive, so what heals is the sweep alone.

import { saleMetaFor } from '@connector/domain';
import { startExportWorker } from '@connector/export-worker';
import { createEntityLock, createProducer, createWorkerRedis, jobIdFor, orderJobId } from '@connector/queue';
import { type ReconcileWorker, startReconcileWorker, sweepLockKey } from '@connector/reconcile-worker';
import { type LocalRedis, startDedicatedRedis, type Tenant, waitFor } from '@connector/testkit';
import type { WorkerApp } from '@connector/worker-app';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { quietLogger, type Stack, startStack } from './stack.js';

/** The reconcile worker as a test runs it: schedules brought in line by the test, repairs retried fast. */
function startReconcile(stack: Stack): Promise<ReconcileWorker> {
  return startReconcileWorker({
    env: stack.env,
    logger: quietLogger('reconcile-worker'),
    scheduleCheckEveryMs: 3_600_000,
    // A change older than half a second is the sweep's (production: a minute, for the trigger in flight).
    sweep: { settleMs: 500 },
    policies: {
      'order-export': { backoff: { type: 'exponential', delay: 200, jitter: 0 } },
      'order-cancel': { backoff: { type: 'exponential', delay: 200, jitter: 0 } },
    },
  });
}

const salesOf = (stack: Stack, tenant: Tenant, orderId: number) =>
  stack.sandbox.lifepos.sales(tenant.orgId).filter(({ sale }) => sale.meta === saleMetaFor(orderId));

/**
 * A tenant whose connection sweeps every second and reads its history hourly, with both schedulers in
 * place and the first history run done: from here on only the sweep looks at its orders.
 */
async function seedSwept(stack: Stack, reconcile: ReconcileWorker) {
  const seeded = await stack.seed();
  const connection = (await stack.db.connections.get(seeded.connectionId))!;
  await stack.db.connections.update(seeded.connectionId, {
    settings: { ...connection.settings, sweepEverySeconds: 1, reconcileEverySeconds: 3600 },
  });
  await reconcile.schedules.runNow();
  await waitFor(async () => (await stack.db.syncCursors.get(seeded.connectionId)).lastReconciledAt, {
    what: 'the first history run',
  });
  return seeded;
}

/** The order's LIFE POS sale once the export made it and linked the order. */
async function exportedSale(stack: Stack, tenant: Tenant, connectionId: string, orderId: number) {
  const sale = await waitFor(() => salesOf(stack, tenant, orderId)[0]?.sale, {
    what: 'the exported sale',
    timeoutMs: 20_000,
  });
  await waitFor(async () => (await stack.db.orderLinks.get(connectionId, orderId))?.state === 'exported', {
    what: 'the order link',
  });
  return sale;
}

/** The order's sale once it is in another outlet than `fromOutlet`. */
function saleMoved(stack: Stack, tenant: Tenant, orderId: number, fromOutlet: string) {
  return waitFor(
    () => {
      const current = salesOf(stack, tenant, orderId)[0]?.sale;
      return current && current.outlet.guid !== fromOutlet ? current : undefined;
    },
    { what: 'the sale in the new outlet', timeoutMs: 20_000 },
  );
}

async function sweepRepaired(stack: Stack, connectionId: string, orderId: number) {
  const events = await stack.db.orderEvents.list(connectionId, orderId, { limit: 100 });
  return events.filter((event) => event.type === 'sweep.repaired');
}

/** Runs `fn` while no sweep of the connection runs (holding its lock), waiting for a running one to end. */
async function betweenSweeps(stack: Stack, connectionId: string, fn: () => Promise<void>): Promise<void> {
  const redis = createWorkerRedis(stack.env.REDIS_URL!);
  const lock = createEntityLock(redis, stack.env.QUEUE_PREFIX!);
  try {
    await waitFor(
      () =>
        lock
          .withLock(sweepLockKey(connectionId), async () => {
            await fn();
            return true;
          })
          .catch((error: unknown) => {
            if (error instanceof Error && 'code' in error && error.code === 'lock.busy') return false;
            throw error;
          }),
      { what: 'a moment between two sweeps', intervalMs: 20 },
    );
  } finally {
    await redis.quit();
  }
}

describe('convergence sweep: Redis lost its data', () => {
  let redis: LocalRedis;
  let stack: Stack;
  let reconcile: ReconcileWorker | undefined;
  let exportWorker: WorkerApp | undefined;

  beforeAll(async () => {
    redis = await startDedicatedRedis();
    stack = await startStack({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await reconcile?.close();
    await exportWorker?.close();
    await stack?.close();
    await redis?.dispose();
  });

  it('exports every order whose accepted trigger was flushed away with Redis, by the sweep alone', async () => {
    reconcile = await startReconcile(stack);
    const { tenant, connectionId } = await seedSwept(stack, reconcile);
    // The export worker is not running yet: the jobs wait in Redis.
    await stack.workers[0]!.close();
    const orders = Array.from({ length: 100 }, () =>
      tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send }),
    );
    for (const order of orders) {
      expect((await stack.trigger(tenant, order.id, 'new')).status).toBe(202);
    }
    // The history scan had read past these changes (the triggers had come), then Redis lost everything.
    const newest = Number(stack.sandbox.retailcrm.history(tenant.accountCode).at(-1)!.id);
    await stack.db.syncCursors.advance(connectionId, { retailcrmHistorySinceId: newest });
    const client = createWorkerRedis(redis.url);
    await client.flushall();
    await client.quit();

    exportWorker = await startExportWorker({ env: stack.env, logger: quietLogger('export-worker') });
    // Nothing left to run: without the sweep no order would ever reach LIFE POS.
    const exportQueue = new Queue('order-export', {
      connection: exportWorker.deps.redis,
      prefix: stack.env.QUEUE_PREFIX,
    });
    expect(await exportQueue.count()).toBe(0);
    await exportQueue.close();
    expect(orders.filter((order) => salesOf(stack, tenant, order.id).length > 0)).toEqual([]);

    // The keeper puts the flushed schedulers back (here at once; in production within a minute).
    await reconcile.schedules.runNow();
    await waitFor(() => orders.every((order) => salesOf(stack, tenant, order.id).length === 1), {
      what: 'every order exported by the sweep',
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    expect(orders.map((order) => salesOf(stack, tenant, order.id).length)).toEqual(orders.map(() => 1));
    expect((await sweepRepaired(stack, connectionId, orders[0]!.id)).length).toBeGreaterThan(0);
  }, 120_000);
});

describe('convergence sweep', () => {
  let stack: Stack;
  let reconcile: ReconcileWorker;

  beforeAll(async () => {
    stack = await startStack();
    reconcile = await startReconcile(stack);
  });
  afterAll(async () => {
    await reconcile?.close();
    await stack?.close();
  });

  it('exports an order moved into the export status whose trigger was dropped', async () => {
    const { tenant, connectionId } = await seedSwept(stack, reconcile);
    stack.sandbox.retailcrm.setTriggersEnabled(tenant.accountCode, false);
    const order = tenant.createOrder({ store: tenant.stores[0]!.code });
    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);

    await waitFor(() => salesOf(stack, tenant, order.id).length === 1, {
      what: 'the sale made by the sweep',
      timeoutMs: 20_000,
    });
    expect(
      stack.sandbox.retailcrm.triggerLog(tenant.accountCode).filter((e) => e.orderId === order.id),
    ).toEqual([]);
    const [repaired] = await sweepRepaired(stack, connectionId, order.id);
    expect(repaired?.message).toBe(
      `Сверка: заказ в статусе «${tenant.statuses.send}» должен быть в LIFE POS, но не выгружен — выгрузка поставлена в очередь`,
    );
  });

  it('moves the sale of an exported order whose shop changed with no trigger to the new outlet', async () => {
    const { tenant, connectionId } = await seedSwept(stack, reconcile);
    const from = tenant.stores[0]!;
    const to = tenant.stores.find((store) => store.site === from.site && store.code !== from.code)!;
    const order = tenant.createOrder({ store: from.code, deliveryType: tenant.deliveryTypes.pickup });
    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
    const sale = await exportedSale(stack, tenant, connectionId, order.id);

    stack.sandbox.retailcrm.setTriggersEnabled(tenant.accountCode, false);
    stack.sandbox.retailcrm.setShipmentStore(tenant.accountCode, order.id, to.code);

    const moved = await saleMoved(stack, tenant, order.id, sale.outlet.guid);
    expect(moved.guid).toBe(sale.guid);
    expect(stack.sandbox.lifepos.outlets(tenant.orgId).find((o) => o.guid === moved.outlet.guid)?.name).toBe(
      to.name,
    );
    expect(salesOf(stack, tenant, order.id)).toHaveLength(1);
    expect((await sweepRepaired(stack, connectionId, order.id)).map((e) => e.message)).toEqual([
      `Сверка: магазин заказа в RetailCRM — «${to.code}», а продажа в LIFE POS в другой торговой точке — перенос продажи поставлен в очередь`,
    ]);
  });

  it('moves the sale of an exported order whose status did not change in the window, with no trigger and no history scan', async () => {
    const { tenant, connectionId } = await seedSwept(stack, reconcile);
    const from = tenant.stores[0]!;
    const to = tenant.stores.find((store) => store.site === from.site && store.code !== from.code)!;
    const order = tenant.createOrder({ store: from.code, deliveryType: tenant.deliveryTypes.pickup });
    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
    const statusChanged = Date.now();
    const sale = await exportedSale(stack, tenant, connectionId, order.id);
    await waitFor(() => Math.floor(Date.now() / 1000) > Math.floor(statusChanged / 1000), {
      what: 'the second after the status change',
    });

    await betweenSweeps(stack, connectionId, async () => {
      // The connection was activated again (disabled and enabled) since the order entered its status: the
      // sweep's list of status changes no longer has it. Only its exported link brings it in.
      await stack.db.prisma.connection.update({
        where: { id: connectionId },
        data: { activatedAt: new Date() },
      });
      // The shop changes with no trigger, and the history scan's repair is lost: its cursor is past it.
      stack.sandbox.retailcrm.setTriggersEnabled(tenant.accountCode, false);
      stack.sandbox.retailcrm.setShipmentStore(tenant.accountCode, order.id, to.code);
      const newest = Number(stack.sandbox.retailcrm.history(tenant.accountCode).at(-1)!.id);
      await stack.db.syncCursors.advance(connectionId, { retailcrmHistorySinceId: newest });
    });

    const moved = await saleMoved(stack, tenant, order.id, sale.outlet.guid);
    expect(moved.guid).toBe(sale.guid);
    expect(salesOf(stack, tenant, order.id)).toHaveLength(1);
    expect((await sweepRepaired(stack, connectionId, order.id)).map((e) => e.message)).toEqual([
      `Сверка: магазин заказа в RetailCRM — «${to.code}», а продажа в LIFE POS в другой торговой точке — перенос продажи поставлен в очередь`,
    ]);
    // Read by id, as an exported link's order (no list of status changes has it).
    const byId = stack.sandbox.requestLog
      .list({ system: 'retailcrm', tenant: tenant.accountCode })
      .filter((request) => request.path === '/api/v5/orders')
      .map((request) => (request.query.filter as { ids?: string[] } | undefined)?.ids ?? []);
    expect(byId.some((ids) => ids.includes(String(order.id)))).toBe(true);
  });

  it('exports an order whose export failed for good while LIFE POS was down, once LIFE POS is back', async () => {
    const { tenant, connectionId } = await seedSwept(stack, reconcile);
    stack.sandbox.retailcrm.setTriggersEnabled(tenant.accountCode, false);
    const order = tenant.createOrder({ store: tenant.stores[0]!.code });
    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
    const outage = stack.sandbox.faults.add({ system: 'lifepos', errorRate: 1, errorStatus: 503 });

    // The trigger's job, with two attempts only: it runs out of them during the outage.
    const redis = createWorkerRedis(stack.env.REDIS_URL!);
    const producer = createProducer({
      redis,
      prefix: stack.env.QUEUE_PREFIX,
      policies: { 'order-export': { attempts: 2, backoff: { type: 'exponential', delay: 100, jitter: 0 } } },
    });
    const queue = new Queue('order-export', { connection: redis, prefix: stack.env.QUEUE_PREFIX });
    const incidentJobs = new Queue('crm-tasks', { connection: redis, prefix: stack.env.QUEUE_PREFIX });
    try {
      await redis.ping();
      const jobId = jobIdFor('order-export', connectionId, order.id, 'trigger1');
      await producer.add(
        'order-export',
        { connectionId, orderId: order.id, source: 'trigger' },
        { dedupeId: orderJobId('order-export', connectionId, order.id), jobId },
      );
      await waitFor(async () => (await queue.getJobState(jobId)) === 'failed', {
        what: 'the export failed for good',
        timeoutMs: 20_000,
      });
      // Its incident's first job (the tasks) has run while LIFE POS was still down.
      await waitFor(
        async () =>
          stack.db.prisma.incident.findFirst({ where: { connectionId, tasksCreatedAt: { not: null } } }),
        { what: 'the incident tasks', timeoutMs: 20_000 },
      );
      expect(salesOf(stack, tenant, order.id)).toEqual([]);
      // The incident's own healing (which enqueues its orders again once LIFE POS answers) is held back:
      // what exports the order is the sweep alone.
      await incidentJobs.pause();
      await waitFor(async () => (await incidentJobs.getActiveCount()) === 0, {
        what: 'no incident job running',
      });

      stack.sandbox.faults.remove(outage.id);
      await waitFor(() => salesOf(stack, tenant, order.id).length === 1, {
        what: 'the sale made by the sweep after the outage',
        timeoutMs: 30_000,
      });
      const events = await stack.db.orderEvents.list(connectionId, order.id, { limit: 200 });
      const sweepJobs = (await sweepRepaired(stack, connectionId, order.id)).map(
        (event) => (event.data as { jobId?: string }).jobId,
      );
      expect(sweepJobs.length).toBeGreaterThan(0);
      // The job that made the sale is one the sweep queued, and no outage redrive queued anything.
      const lastStarted = events.filter((event) => event.type === 'job.started').at(-1);
      expect(sweepJobs).toContain((lastStarted?.data as { jobId?: string } | null)?.jobId);
      expect(events.filter((event) => event.type === 'job.redriven')).toEqual([]);
    } finally {
      stack.sandbox.faults.remove(outage.id);
      await incidentJobs.resume();
      await incidentJobs.close();
      await queue.close();
      await producer.close();
      await redis.quit();
    }
  });
});

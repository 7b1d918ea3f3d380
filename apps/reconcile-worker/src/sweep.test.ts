import { randomUUID } from 'node:crypto';
import type { ConnectionSettingsInput, Database } from '@connector/db';
import { errorKind } from '@connector/domain';
import { createWorkerRedis, orderJobId } from '@connector/queue';
import type { Tenant } from '@connector/tenant';
import { type Sandbox, type Tenant as SeededTenant, testRedisUrl, waitFor } from '@connector/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { UnrecoverableError, Worker } from 'bullmq';
import { runSweep, type SweepDeps, sweepWindowStart } from './sweep.js';
import { createSweepState, type SweepState } from './sweep-state.js';
import { type OrderQueue, type ReconcileParts, startReconcileParts } from './test-support/reconcile-parts.js';

let parts: ReconcileParts;
let sandbox: Sandbox;
let db: Database;
let state: SweepState;

beforeAll(async () => {
  parts = await startReconcileParts('sweep-test');
  ({ sandbox, db } = parts);
  state = createSweepState(parts.redis, parts.prefix);
});

afterEach(() => sandbox.faults.clear());

afterAll(async () => {
  await state?.close();
  await parts?.close();
});

interface JobView {
  id: string;
  state: string;
  source: string;
  delay: number;
}

interface Fixture {
  seeded: SeededTenant;
  tenant: Tenant;
  connectionId: string;
  sweep(overrides?: Partial<SweepDeps>): ReturnType<typeof runSweep>;
  jobs(queue: OrderQueue): Promise<Map<number, JobView[]>>;
  /** A new order (status `new`, the first store); `status` moves it on as a manager would. */
  order(status?: string): number;
  /** Links the order as the export worker would, to the outlet of `store` (default the first store's). */
  exported(orderId: number, store?: string): Promise<void>;
  events(orderId: number): Promise<{ type: string; message: string }[]>;
}

const OUTLET = (store: string) => `outlet-of-${store}`;

/** A RetailCRM account without trigger rules, its active connection and outlets for its stores. */
async function fixture(settings: ConnectionSettingsInput = {}): Promise<Fixture> {
  const { seeded, connectionId, tenant } = await parts.connect(settings, async (id, { stores }) => {
    // Activated an hour ago: the orders made in the test are all after it.
    await db.prisma.connection.update({
      where: { id },
      data: { activatedAt: new Date(Date.now() - 3_600_000) },
    });
    for (const store of stores) {
      await db.outletLinks.upsert(id, store.code, {
        lifeposOutletId: OUTLET(store.code),
        legalEntityInn: store.inn,
      });
    }
  });
  const code = seeded.accountCode;
  const { producer, logger } = parts;
  const deps: SweepDeps = { db, state, producer, logger, settleMs: 0, pageLimit: 20 };
  return {
    seeded,
    tenant,
    connectionId,
    sweep: (overrides = {}) => runSweep({ ...deps, ...overrides }, tenant),
    async jobs(queue) {
      const byOrder = new Map<number, JobView[]>();
      for (const [orderId, jobs] of await parts.jobsByOrder(queue, connectionId)) {
        const views = jobs.map(async (job) => ({
          id: job.id ?? '',
          state: await job.getState(),
          source: job.data.source,
          delay: job.opts.delay ?? 0,
        }));
        byOrder.set(orderId, await Promise.all(views));
      }
      return byOrder;
    },
    order(status) {
      const { id } = seeded.createOrder({ store: seeded.stores[0]!.code });
      if (status) sandbox.retailcrm.setOrderStatus(code, id, status);
      return id;
    },
    async exported(orderId, store = seeded.stores[0]!.code) {
      await db.orderLinks.upsert(connectionId, orderId, {
        state: 'exported',
        lifeposSaleId: randomUUID(),
        lifeposOutletId: OUTLET(store),
      });
    },
    events: async (orderId) =>
      (await db.orderEvents.list(connectionId, orderId, { limit: 50 })).map(({ type, message }) => ({
        type,
        message,
      })),
  };
}

/** The order ids of each by-id order list call made from now on (the links part's reads). */
function idsRequests(f: Fixture): () => number[][] {
  const requests = () => sandbox.requestLog.list({ system: 'retailcrm', tenant: f.seeded.accountCode });
  const before = requests().length;
  return () =>
    requests()
      .slice(before)
      .filter((request) => request.path === '/api/v5/orders')
      .map((request) => (request.query.filter as { ids?: string[] } | undefined)?.ids)
      .filter((ids): ids is string[] => ids !== undefined)
      .map((ids) => ids.map(Number));
}

/** Removes the order's jobs, as if they had run and found nothing to do. */
async function finishJobs(queue: OrderQueue): Promise<void> {
  const q = parts.queues.get(queue)!;
  for (const job of await q.getJobs(['waiting', 'delayed', 'prioritized'])) await job.remove();
}

describe('runSweep', () => {
  it('queues the export of an order in an export status that was never exported, once', async () => {
    const f = await fixture();
    const send = f.seeded.statuses.send;
    const lost = f.order(send);
    const done = f.order(send);
    await f.exported(done);
    f.order(); // `new`: not an export status of this account.

    await expect(f.sweep()).resolves.toMatchObject({ complete: true, repaired: 1, orders: 3 });

    const jobs = await f.jobs('order-export');
    expect([...jobs.keys()]).toEqual([lost]);
    expect(jobs.get(lost)).toEqual([expect.objectContaining({ source: 'reconcile' })]);
    // The ingress's dedupe id: a trigger arriving now merges into this job.
    const queue = parts.queues.get('order-export')!;
    expect(await queue.getDeduplicationJobId(orderJobId('order-export', f.connectionId, lost))).toBe(
      jobs.get(lost)![0]!.id,
    );
    expect(await f.events(lost)).toContainEqual({
      type: 'sweep.repaired',
      message: `Сверка: заказ в статусе «${send}» должен быть в LIFE POS, но не выгружен — выгрузка поставлена в очередь`,
    });

    // The job is still waiting: the next run leaves it be.
    await expect(f.sweep()).resolves.toMatchObject({ repaired: 0, pending: 1 });
    expect((await f.jobs('order-export')).get(lost)).toHaveLength(1);
  });

  it('moves, cancels and refunds what RetailCRM says, and leaves what agrees', async () => {
    const f = await fixture();
    const { statuses, stores, accountCode } = f.seeded;
    const moved = f.order(statuses.send);
    await f.exported(moved);
    sandbox.retailcrm.setShipmentStore(accountCode, moved, stores[1]!.code);
    const cancelled = f.order(statuses.send);
    await f.exported(cancelled);
    sandbox.retailcrm.setOrderStatus(accountCode, cancelled, statuses.cancelled);
    const refunded = f.order(statuses.send);
    await f.exported(refunded);
    const payment = sandbox.retailcrm.addPayment(accountCode, refunded, { type: 'cash', status: 'paid' });
    sandbox.retailcrm.setPaymentStatus(accountCode, Number(payment.id), f.seeded.paymentStatuses.returned);
    const fine = f.order(statuses.send);
    await f.exported(fine);

    await expect(f.sweep()).resolves.toMatchObject({ repaired: 3 });

    expect([...(await f.jobs('order-export')).keys()]).toEqual([moved]);
    expect([...(await f.jobs('order-cancel')).keys()]).toEqual([cancelled]);
    expect([...(await f.jobs('order-refund')).keys()]).toEqual([refunded]);
    expect((await f.events(moved)).map((event) => event.message)).toContain(
      `Сверка: магазин заказа в RetailCRM — «${stores[1]!.code}», а продажа в LIFE POS в другой торговой точке — перенос продажи поставлен в очередь`,
    );
    expect(await f.events(fine)).toEqual([]);
  });

  it('reads only the window, never from before the activation, and leaves a change just made to its trigger', async () => {
    const f = await fixture();
    const order = f.order(f.seeded.statuses.send);
    const now = new Date();
    // Activated after the order entered its status: the order is not the connector's business.
    Object.assign(f.tenant.connection, { activatedAt: new Date(now.getTime() + 60_000) });
    expect(sweepWindowStart(f.tenant, now)).toEqual(f.tenant.connection.activatedAt);
    await expect(f.sweep()).resolves.toMatchObject({ orders: 0, repaired: 0 });

    Object.assign(f.tenant.connection, { activatedAt: null });
    expect(sweepWindowStart(f.tenant, now)).toEqual(new Date(now.getTime() - 48 * 3_600_000));
    // The status changed less than a minute ago: its trigger is probably on its way.
    await expect(f.sweep({ settleMs: 60_000 })).resolves.toMatchObject({ orders: 1, repaired: 0 });
    await expect(f.sweep()).resolves.toMatchObject({ repaired: 1 });
    expect([...(await f.jobs('order-export')).keys()]).toEqual([order]);
  });

  it('pages through the window, a bounded number of pages per run, and goes on in the next run', async () => {
    const f = await fixture();
    const orders = Array.from({ length: 45 }, () => f.order(f.seeded.statuses.send));
    const requests = () =>
      sandbox.requestLog
        .list({ system: 'retailcrm', tenant: f.seeded.accountCode })
        .filter((request) => request.path.startsWith('/api/v5/orders'));
    const before = requests().length;

    const first = await f.sweep({ maxPages: 2 });
    expect(first).toMatchObject({ complete: false, pages: 2, repaired: 40 });
    const second = await f.sweep({ maxPages: 2 });
    expect(second).toMatchObject({ complete: true, pages: 1, repaired: 5, from: first.from });
    // One list call per 20 orders (this test's page size), nothing else from RetailCRM.
    expect(requests().length - before).toBe(3);
    expect([...(await f.jobs('order-export')).keys()].sort()).toEqual([...orders].sort());
    // A new pass starts over, from a new window start.
    await expect(f.sweep({ maxPages: 2 })).resolves.toMatchObject({ pages: 2, repaired: 0, pending: 40 });
  });

  it('queues no more than one period of background work per run', async () => {
    // 1 s period, 20 LIFE POS calls/s: half the rate is ~9 repairs a second.
    const f = await fixture({
      sweepEverySeconds: 1,
      rateLimits: { lifeposPerSecond: 20, retailcrmPerSecond: 20 },
    });
    for (let i = 0; i < 15; i += 1) f.order(f.seeded.statuses.send);

    const first = await f.sweep();
    expect(first.repaired).toBeGreaterThan(5);
    expect(first.repaired).toBeLessThan(15);
    expect(first.complete).toBe(false);
    const second = await f.sweep();
    expect(second.repaired + first.repaired).toBe(15);
  });

  it('re-queues an order whose job failed for good: the failed job does not block the add', async () => {
    const f = await fixture();
    const order = f.order(f.seeded.statuses.send);
    // The trigger's job, failed for good (its retries ran out during an outage).
    await parts.producer.add(
      'order-export',
      { connectionId: f.connectionId, orderId: order, source: 'trigger' },
      {
        dedupeId: orderJobId('order-export', f.connectionId, order),
        jobId: `order-export.${f.connectionId}.${order}.t1`,
      },
    );
    const connection = createWorkerRedis(testRedisUrl());
    const worker = new Worker(
      'order-export',
      async () => {
        throw new UnrecoverableError('LIFE POS is down');
      },
      { connection, prefix: parts.prefix },
    );
    await waitFor(
      async () =>
        (await parts.queues
          .get('order-export')!
          .getJobState(`order-export.${f.connectionId}.${order}.t1`)) === 'failed',
      {
        what: 'the failed job',
      },
    );
    await worker.close();
    await connection.quit();

    await expect(f.sweep()).resolves.toMatchObject({ repaired: 1 });
    const jobs = (await f.jobs('order-export')).get(order)!;
    expect(jobs.map((job) => job.state).sort()).toEqual(['failed', 'waiting']);
  });

  it('asks again with a backoff while a disagreement stays, and at once when it changes', async () => {
    const f = await fixture({ sweepEverySeconds: 60 });
    const order = f.order(f.seeded.statuses.send);
    await f.exported(order);
    sandbox.retailcrm.setShipmentStore(f.seeded.accountCode, order, f.seeded.stores[1]!.code);
    const t0 = Date.now();
    const at = (ms: number) => () => new Date(t0 + ms);

    await expect(f.sweep({ now: at(0) })).resolves.toMatchObject({ repaired: 1 });
    // The job ran and the sale stayed where it was (say LIFE POS refused the move).
    await finishJobs('order-export');
    await expect(f.sweep({ now: at(1_000) })).resolves.toMatchObject({ repaired: 1 });
    await finishJobs('order-export');
    // Twice asked: it rests one period, then three.
    await expect(f.sweep({ now: at(30_000) })).resolves.toMatchObject({ repaired: 0, resting: 1 });
    await expect(f.sweep({ now: at(62_000) })).resolves.toMatchObject({ repaired: 1 });
    await finishJobs('order-export');
    await expect(f.sweep({ now: at(120_000) })).resolves.toMatchObject({ repaired: 0, resting: 1 });
    // A job wrote the link meanwhile (something changed): the disagreement is asked about at once.
    await f.exported(order);
    await expect(f.sweep({ now: at(121_000) })).resolves.toMatchObject({ repaired: 1 });
  });

  it('compares the exported orders whose status did not change in the window: shop, refund, cancel', async () => {
    const f = await fixture();
    const { statuses, stores, accountCode } = f.seeded;
    const moved = f.order(statuses.send);
    const refunded = f.order(statuses.send);
    const cancelled = f.order(statuses.send);
    const fine = f.order(statuses.send);
    for (const order of [moved, refunded, cancelled, fine]) await f.exported(order);
    sandbox.retailcrm.setOrderStatus(accountCode, cancelled, statuses.cancelled);
    // From here on no status changes: the shop and a payment do, which the order list cannot filter on.
    sandbox.retailcrm.setShipmentStore(accountCode, moved, stores[1]!.code);
    const payment = sandbox.retailcrm.addPayment(accountCode, refunded, { type: 'cash', status: 'paid' });
    sandbox.retailcrm.setPaymentStatus(accountCode, Number(payment.id), f.seeded.paymentStatuses.returned);
    // Activated again after the orders entered their status: the orders part lists none of them, but their
    // sales are still the connector's.
    Object.assign(f.tenant.connection, { activatedAt: new Date(Date.now() + 60_000) });
    const byIds = idsRequests(f);

    await expect(f.sweep()).resolves.toMatchObject({ complete: true, links: 4, orders: 4, repaired: 3 });

    expect(byIds().map((ids) => ids.sort())).toEqual([[moved, refunded, cancelled, fine].sort()]);
    expect([...(await f.jobs('order-export')).keys()]).toEqual([moved]);
    expect([...(await f.jobs('order-refund')).keys()]).toEqual([refunded]);
    expect([...(await f.jobs('order-cancel')).keys()]).toEqual([cancelled]);
    expect((await f.events(moved)).map((event) => event.message)).toEqual([
      `Сверка: магазин заказа в RetailCRM — «${stores[1]!.code}», а продажа в LIFE POS в другой торговой точке — перенос продажи поставлен в очередь`,
    ]);
    expect(await f.events(fine)).toEqual([]);
  });

  it('reads each order once a pass, and only the exported links written in the window before the pass', async () => {
    const f = await fixture();
    const { statuses, stores, accountCode } = f.seeded;
    const [early, old, failed] = [f.order(statuses.send), f.order(statuses.send), f.order(statuses.send)];
    for (const order of [early, old]) await f.exported(order);
    await db.orderLinks.upsert(f.connectionId, failed, { state: 'failed' });
    // Written before the window: out of the sweep's reach (the history scan's alone).
    await db.prisma.orderLink.update({
      where: { connectionId_retailcrmOrderId: { connectionId: f.connectionId, retailcrmOrderId: old } },
      data: { updatedAt: new Date(Date.now() - 49 * 3_600_000) },
    });
    for (const order of [early, old]) sandbox.retailcrm.setShipmentStore(accountCode, order, stores[1]!.code);
    // Activated again a second later; then an order changes status: the orders part compares it.
    const changed = Date.now();
    await waitFor(() => Math.floor(Date.now() / 1000) > Math.floor(changed / 1000), { what: 'a new second' });
    Object.assign(f.tenant.connection, { activatedAt: new Date() });
    const recent = f.order(statuses.send);
    await f.exported(recent);
    sandbox.retailcrm.setShipmentStore(accountCode, recent, stores[1]!.code);
    const byIds = idsRequests(f);

    await expect(f.sweep()).resolves.toMatchObject({ complete: true, links: 2, orders: 2, repaired: 2 });

    // `recent` was listed by the orders part, `failed` is no exported link, `old` is out of the window.
    expect(byIds()).toEqual([[early]]);
    expect([...(await f.jobs('order-export')).keys()].sort()).toEqual([early, recent].sort());

    // A link written after the pass started is left to the next pass: a job has just looked at it.
    await finishJobs('order-export');
    await expect(f.sweep({ now: () => new Date(Date.now() - 60_000) })).resolves.toMatchObject({ links: 0 });
  });

  it('reads the exported links a batch a call, and goes on in the next run', async () => {
    const f = await fixture();
    const orders = Array.from({ length: 25 }, () => f.order(f.seeded.statuses.send));
    for (const order of orders) await f.exported(order);
    for (const order of orders)
      sandbox.retailcrm.setShipmentStore(f.seeded.accountCode, order, f.seeded.stores[1]!.code);
    Object.assign(f.tenant.connection, { activatedAt: new Date(Date.now() + 60_000) });
    const byIds = idsRequests(f);

    // The orders part's two pages (the day's orders, none since the activation), then 20 links: this run's
    // three calls.
    const first = await f.sweep({ maxPages: 3 });
    expect(first).toMatchObject({ complete: false, pages: 3, links: 20, repaired: 20 });
    const second = await f.sweep({ maxPages: 3 });
    expect(second).toMatchObject({ complete: true, pages: 1, links: 5, repaired: 5, from: first.from });
    expect(byIds().map((ids) => ids.length)).toEqual([20, 5]);
    expect([...(await f.jobs('order-export')).keys()].sort()).toEqual([...orders].sort());
  });

  it('fails retryably on a RetailCRM outage, queuing nothing, and the next run does the work', async () => {
    const f = await fixture();
    f.order(f.seeded.statuses.send);
    sandbox.faults.add({ system: 'retailcrm', path: '^/api/v5/orders$', errorRate: 1, errorStatus: 503 });

    const error = await f.sweep().catch((caught: unknown) => caught);
    expect(errorKind(error)).not.toBe('permanent');
    expect((await f.jobs('order-export')).size).toBe(0);

    sandbox.faults.clear();
    await expect(f.sweep()).resolves.toMatchObject({ complete: true, repaired: 1 });
  });
});

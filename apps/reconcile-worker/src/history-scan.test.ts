import type { ConnectionSettingsInput, Database } from '@connector/db';
import { errorKind, RetryableError } from '@connector/domain';
import { createPacer, orderExportPace, type Producer } from '@connector/queue';
import type { Tenant } from '@connector/tenant';
import type { Sandbox, Tenant as SeededTenant } from '@connector/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type HistoryScanDeps, scanOrderHistory } from './history-scan.js';
import {
  ORDER_QUEUES,
  type OrderQueue,
  type ReconcileParts,
  startReconcileParts,
} from './test-support/reconcile-parts.js';

let parts: ReconcileParts;
let sandbox: Sandbox;
let db: Database;

beforeAll(async () => {
  parts = await startReconcileParts('history-scan-test');
  ({ sandbox, db } = parts);
});

afterEach(() => sandbox.faults.clear());

afterAll(() => parts?.close());

interface Fixture {
  seeded: SeededTenant;
  tenant: Tenant;
  connectionId: string;
  deps: HistoryScanDeps;
  scan(overrides?: Partial<HistoryScanDeps>): ReturnType<typeof scanOrderHistory>;
  /** Orders with a job in `queue` for this connection, with the jobs. */
  jobs(queue: OrderQueue): Promise<Map<number, { id: string; data: unknown; delay: number }[]>>;
  newestHistoryId(): number;
  order(status?: string): number;
  move(orderId: number, status: string): void;
}

/** A RetailCRM account without trigger rules (every trigger is lost) and its active connection. */
async function fixture(settings: ConnectionSettingsInput = {}): Promise<Fixture> {
  const { seeded, connectionId, tenant } = await parts.connect(settings);
  const deps: HistoryScanDeps = {
    cursors: db.syncCursors,
    orderMarks: db.orderMarks,
    orderLinks: db.orderLinks,
    producer: parts.producer,
    logger: parts.logger,
    pageLimit: 20,
  };
  const code = seeded.accountCode;
  return {
    seeded,
    tenant,
    connectionId,
    deps,
    scan: (overrides = {}) => scanOrderHistory({ ...deps, ...overrides }, tenant),
    async jobs(queue) {
      const byOrder = new Map<number, { id: string; data: unknown; delay: number }[]>();
      for (const [orderId, jobs] of await parts.jobsByOrder(queue, connectionId)) {
        byOrder.set(
          orderId,
          jobs.map((job) => ({ id: job.id ?? '', data: job.data, delay: job.opts.delay ?? 0 })),
        );
      }
      return byOrder;
    },
    newestHistoryId: () => Number(sandbox.retailcrm.history(code).at(-1)?.id ?? 0),
    order: (status) =>
      seeded.createOrder({ store: seeded.stores[0]!.code, ...(status ? { status } : {}) }).id,
    move: (orderId, status) => {
      sandbox.retailcrm.setOrderStatus(code, orderId, status);
    },
  };
}

/** The connection as if it had been activated before activation times were recorded. */
async function activatedLongAgo(f: Fixture): Promise<void> {
  await db.prisma.connection.update({ where: { id: f.connectionId }, data: { activatedAt: null } });
  Object.assign(f.tenant.connection, { activatedAt: null });
}

describe('scanOrderHistory', () => {
  it('starts from the activation on its first run: a trigger lost right after it is repaired', async () => {
    const f = await fixture();
    expect(f.tenant.connection.activatedAt).toBeInstanceOf(Date);
    const early = f.order();
    f.move(early, f.seeded.statuses.send);

    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', repaired: 1 });

    expect([...(await f.jobs('order-export')).keys()]).toEqual([early]);
    expect((await db.syncCursors.get(f.connectionId)).retailcrmHistorySinceId).toBe(f.newestHistoryId());
    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', entries: 0 });
  });

  it('reads nothing from before the activation', async () => {
    const f = await fixture();
    f.move(f.order(), f.seeded.statuses.send);
    const later = new Date(Date.now() + 10 * 60_000);
    Object.assign(f.tenant.connection, { activatedAt: later });

    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', entries: 0, sinceId: null });
    expect((await f.jobs('order-export')).size).toBe(0);
  });

  it('lets reconcileFrom win over the activation', async () => {
    const f = await fixture({ reconcileFrom: new Date(Date.now() + 10 * 60_000).toISOString() });
    f.move(f.order(), f.seeded.statuses.send);

    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', entries: 0, sinceId: null });
    expect((await f.jobs('order-export')).size).toBe(0);
  });

  it('starts from now when the activation time is unknown: nothing from before is replayed', async () => {
    const f = await fixture();
    await activatedLongAgo(f);
    // More than one page of history (20 per page), so the newest id comes from the last page.
    for (let i = 0; i < 12; i += 1) f.move(f.order(), f.seeded.statuses.send);
    const newest = f.newestHistoryId();
    expect(newest).toBeGreaterThan(20);

    await expect(f.scan()).resolves.toEqual({ outcome: 'started', sinceId: newest });

    const cursor = await db.syncCursors.get(f.connectionId);
    expect(cursor.retailcrmHistorySinceId).toBe(newest);
    expect(cursor.lastReconciledAt).toBeInstanceOf(Date);
    for (const queue of ORDER_QUEUES) expect((await f.jobs(queue)).size).toBe(0);
    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', entries: 0, sinceId: newest });
  });

  it('queues the job each lost trigger would have queued, and skips everything else', async () => {
    const f = await fixture();
    const { statuses, paymentTypes, paymentStatuses } = f.seeded;
    const exported = f.order();
    const cancelled = f.order();
    const deleted = f.order();
    const completed = f.order();
    const ownWrite = f.order();
    const paid = f.seeded.createOrder({
      store: f.seeded.stores[0]!.code,
      payments: [{ type: paymentTypes.cash, status: paymentStatuses.paid }],
    });
    const paymentId = Number(Object.values(paid.order.payments as Record<string, { id: number }>)[0]!.id);
    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', repaired: 0 });

    f.move(exported, statuses.send);
    f.move(exported, statuses.new);
    f.move(exported, statuses.send); // the same order twice: one job
    f.move(cancelled, statuses.cancelled);
    f.move(deleted, statuses.erroneousCancel);
    f.move(completed, statuses.complete);
    sandbox.retailcrm.setPaymentStatus(f.seeded.accountCode, paymentId, paymentStatuses.returned);
    // The connector's own write (its API key) is never taken for a lost trigger.
    await f.tenant.retailcrm.editOrder(ownWrite, { status: statuses.send });
    const created = f.order(statuses.send); // created straight into the export status

    const result = await f.scan();

    expect(result).toMatchObject({
      outcome: 'scanned',
      complete: true,
      repaired: 5,
      checked: 0,
      sinceId: f.newestHistoryId(),
    });
    const exports = await f.jobs('order-export');
    expect([...exports.keys()].sort()).toEqual([exported, created].sort());
    expect(exports.get(exported)).toHaveLength(1);
    expect(exports.get(exported)![0]!.data).toEqual({
      connectionId: f.connectionId,
      orderId: exported,
      source: 'reconcile',
    });
    expect([...(await f.jobs('order-cancel')).keys()].sort()).toEqual([cancelled, deleted].sort());
    expect([...(await f.jobs('order-refund')).keys()]).toEqual([paid.id]);
    // Exports are paced (background work, see the next test), one start slot after the other; cancels
    // are not.
    const exportDelays = [...exports.values()]
      .flat()
      .map((job) => job.delay)
      .sort((a, b) => a - b);
    expect(exportDelays[0]).toBe(0);
    expect(exportDelays[1]).toBeGreaterThan(150);
    const cancels = [...(await f.jobs('order-cancel')).values()].flat();
    expect(cancels.map((job) => job.delay)).toEqual([0, 0]);

    const timeline = await db.orderEvents.list(f.connectionId, exported);
    const repaired = timeline.filter((event) => event.type === 'reconcile.repaired');
    expect(repaired).toHaveLength(1);
    expect(repaired[0]!.message).toContain('repaired by reconciliation');
    expect(repaired[0]!.message).toContain(`"${statuses.send}"`);
    expect(repaired[0]!.data).toMatchObject({ trigger: 'new', queue: 'order-export', deduplicated: false });
    expect(await db.orderEvents.list(f.connectionId, ownWrite)).toEqual([]);
    expect(await db.orderEvents.list(f.connectionId, completed)).toEqual([]);

    // Nothing new: nothing more.
    await expect(f.scan()).resolves.toMatchObject({ entries: 0, repaired: 0 });
    expect((await f.jobs('order-export')).get(exported)).toHaveLength(1);
  });

  it('paces its exports as background work: after the live backlog, at half the rate, taking no live slot', async () => {
    // Two LIFE POS calls a second: start slots about half a second apart.
    const f = await fixture({ rateLimits: { lifeposPerSecond: 2, retailcrmPerSecond: 10 } });
    await f.scan();
    const orders = [f.order(), f.order(), f.order()];
    for (const order of orders) f.move(order, f.seeded.statuses.send);
    const live = orderExportPace(f.connectionId, f.tenant.settings.rateLimits);
    const pacer = createPacer(parts.redis, parts.prefix);
    // The shop's triggers have four jobs waiting for their slots.
    for (let slot = 0; slot < 4; slot += 1) await pacer.reserve(live);

    await expect(f.scan()).resolves.toMatchObject({ repaired: 3 });

    const delays = [...(await f.jobs('order-export')).values()]
      .flat()
      .map((job) => job.delay)
      .sort((a, b) => a - b);
    expect(delays).toHaveLength(3);
    // After the live backlog, and spaced twice as wide as live slots (half the shop's rate).
    expect(delays[0]).toBeGreaterThan(2 * live.intervalMs);
    expect(delays[1]! - delays[0]!).toBeGreaterThan(1.5 * live.intervalMs);
    expect(delays[2]! - delays[1]!).toBeGreaterThan(1.5 * live.intervalMs);
    // A trigger arriving now starts right after the live backlog, before the repairs: they took no live slot.
    const next = await pacer.reserve(live);
    expect(next.delayMs).toBeLessThan(delays[0]!);
  });

  it('moves the sale of an exported order whose shop changed; an order not exported waits for its export', async () => {
    const f = await fixture();
    const [from, to] = f.seeded.stores;
    const exported = f.order();
    const waiting = f.order();
    await f.scan();
    await db.orderLinks.upsert(f.connectionId, exported, { state: 'exported', lifeposSaleId: 'sale-1' });
    sandbox.retailcrm.setShipmentStore(f.seeded.accountCode, exported, to!.code);
    sandbox.retailcrm.setShipmentStore(f.seeded.accountCode, waiting, to!.code);
    expect(from!.code).not.toBe(to!.code);

    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', repaired: 1 });

    const exports = await f.jobs('order-export');
    expect([...exports.keys()]).toEqual([exported]);
    expect(exports.get(exported)![0]!.data).toEqual({
      connectionId: f.connectionId,
      orderId: exported,
      source: 'reconcile',
    });
    const [repaired] = await db.orderEvents.list(f.connectionId, exported);
    expect(repaired).toMatchObject({
      type: 'reconcile.repaired',
      data: { trigger: 'new', status: to!.code, queue: 'order-export' },
    });
    expect(repaired!.message).toContain(`the order's shop changed to "${to!.code}"`);
    expect(await db.orderEvents.list(f.connectionId, waiting)).toEqual([]);
  });

  it('says "checked", not "repaired", when the trigger had arrived', async () => {
    const f = await fixture();
    const arrived = f.order();
    const lost = f.order();
    const stale = f.order();
    const cancelled = f.order();
    await f.scan();
    const { lastReconciledAt } = await db.syncCursors.get(f.connectionId);
    for (const orderId of [arrived, lost, stale]) f.move(orderId, f.seeded.statuses.send);
    f.move(cancelled, f.seeded.statuses.cancelled);
    const receipt = (retailcrmOrderId: number, trigger: 'new' | 'closed', receivedAt: Date) => ({
      connectionId: f.connectionId,
      retailcrmOrderId,
      trigger,
      receivedAt,
    });
    // What the ingress (or the trigger's job) records when RetailCRM's trigger reaches it.
    await db.orderMarks.triggersReceived([
      receipt(arrived, 'new', new Date()),
      // A trigger of another kind says nothing about this one.
      receipt(cancelled, 'new', new Date()),
      // Received long before the previous run: a trigger of an earlier change, not of this one.
      receipt(stale, 'new', new Date(lastReconciledAt!.getTime() - 10 * 60_000)),
    ]);
    // A timeline line alone is not a received trigger: no decision reads the timeline.
    await db.orderEvents.append(f.connectionId, lost, {
      type: 'trigger.received',
      message: 'Триггер «new» принят',
      data: { status: 'new', queue: 'order-export' },
    });

    await expect(f.scan()).resolves.toMatchObject({ repaired: 3, checked: 1 });

    const types = async (orderId: number) =>
      (await db.orderEvents.list(f.connectionId, orderId)).map((event) => event.type);
    expect(await types(arrived)).toEqual(['reconcile.checked']);
    expect(await types(lost)).toEqual(['trigger.received', 'reconcile.repaired']);
    expect(await types(stale)).toEqual(['reconcile.repaired']);
    expect(await types(cancelled)).toEqual(['reconcile.repaired']);
    // Queued all the same: the trigger's own job may have failed; the job re-reads and does what is left.
    expect([...(await f.jobs('order-export')).keys()].sort()).toEqual([arrived, lost, stale].sort());
  });

  it('starts from reconcileFrom when the console set one', async () => {
    const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Moscow' }).format(new Date());
    const f = await fixture({ reconcileFrom: today });
    const earlier = f.order();
    f.move(earlier, f.seeded.statuses.send);

    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', repaired: 1 });
    expect([...(await f.jobs('order-export')).keys()]).toEqual([earlier]);
    expect((await db.syncCursors.get(f.connectionId)).retailcrmHistorySinceId).toBe(f.newestHistoryId());
  });

  it('reads nothing before reconcileFrom, and keeps starting there until an entry comes', async () => {
    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString();
    const f = await fixture({ reconcileFrom: tomorrow });
    f.move(f.order(), f.seeded.statuses.send);

    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', entries: 0, sinceId: null });
    await expect(f.scan()).resolves.toMatchObject({ outcome: 'scanned', entries: 0, sinceId: null });
    expect((await f.jobs('order-export')).size).toBe(0);
  });

  it('never moves the cursor past an entry whose job could not be queued', async () => {
    const f = await fixture();
    const orders = Array.from({ length: 6 }, () => f.order());
    await f.scan();
    for (const orderId of orders) f.move(orderId, f.seeded.statuses.send);
    const entryOf = new Map(
      sandbox.retailcrm
        .history(f.seeded.accountCode)
        .filter((entry) => entry.field === 'status')
        .map((entry) => [(entry.order as { id: number }).id, Number(entry.id)]),
    );
    // Redis goes away at the fourth order.
    let adds = 0;
    const failing: Producer = {
      add: (queue, data, options) => {
        adds += 1;
        if (adds === 4) {
          return Promise.reject(
            new RetryableError('Redis is not available', { code: 'queue.redis_unavailable' }),
          );
        }
        return parts.producer.add(queue, data, options);
      },
      close: () => Promise.resolve(),
    };

    await expect(f.scan({ producer: failing })).rejects.toThrow('Redis is not available');

    expect((await db.syncCursors.get(f.connectionId)).retailcrmHistorySinceId).toBe(entryOf.get(orders[2]!));
    expect([...(await f.jobs('order-export')).keys()].sort()).toEqual(orders.slice(0, 3).sort());

    await expect(f.scan()).resolves.toMatchObject({ repaired: 3 });
    const exports = await f.jobs('order-export');
    expect([...exports.keys()].sort()).toEqual([...orders].sort());
    for (const orderId of orders) expect(exports.get(orderId)).toHaveLength(1);
    expect((await db.syncCursors.get(f.connectionId)).retailcrmHistorySinceId).toBe(f.newestHistoryId());
  });

  it.each([
    [503, 'deferred'],
    [502, 'retryable'],
  ])('keeps the pages read before a RetailCRM %i and reads the rest after it', async (status, kind) => {
    const f = await fixture();
    const orders = Array.from({ length: 30 }, () => f.order());
    const started = await f.scan();
    for (const orderId of orders) f.move(orderId, f.seeded.statuses.send);
    const moves = sandbox.retailcrm.history(f.seeded.accountCode, { sinceId: started.sinceId ?? 0 });
    expect(moves).toHaveLength(30);
    const path = '^/api/v5/orders/history$';
    // The first page is answered, the second fails.
    sandbox.faults.add({ system: 'retailcrm', path, count: 1 });
    sandbox.faults.add({ system: 'retailcrm', path, errorRate: 1, errorStatus: status, count: 1 });

    const failed = await f.scan().catch((error: unknown) => error);
    expect(errorKind(failed)).toBe(kind);
    // Exactly the first page (20 entries) is behind the cursor.
    expect((await db.syncCursors.get(f.connectionId)).retailcrmHistorySinceId).toBe(Number(moves[19]!.id));
    expect((await f.jobs('order-export')).size).toBe(20);

    await expect(f.scan()).resolves.toMatchObject({ complete: true, repaired: 10 });
    const exports = await f.jobs('order-export');
    expect([...exports.keys()].sort()).toEqual([...orders].sort());
    for (const orderId of orders) expect(exports.get(orderId)).toHaveLength(1);
  });

  it('stops after maxPages and goes on from there in the next run', async () => {
    const f = await fixture();
    const orders = Array.from({ length: 25 }, () => f.order());
    await f.scan();
    for (const orderId of orders) f.move(orderId, f.seeded.statuses.send);

    await expect(f.scan({ maxPages: 1 })).resolves.toMatchObject({ complete: false, pages: 1, repaired: 20 });
    const before = await db.syncCursors.get(f.connectionId);
    await expect(f.scan({ maxPages: 1 })).resolves.toMatchObject({ complete: true, pages: 1, repaired: 5 });
    const after = await db.syncCursors.get(f.connectionId);
    expect(after.retailcrmHistorySinceId).toBe(f.newestHistoryId());
    // Only a run that reached the end moves the trigger look-back window on.
    expect(after.lastReconciledAt!.getTime()).toBeGreaterThan(before.lastReconciledAt!.getTime());
  });
});

import { saleGuidFor, saleMetaFor } from '@connector/domain';
import { createEntityLock } from '@connector/queue';
import { createSync } from '@connector/sync';
import { type TenantOrder, waitFor } from '@connector/testkit';
import {
  expectMissingOrderSkipped,
  FAST_RETRIES,
  type SeededConnection,
  startWorkerFixture,
  type WorkerFixture,
} from '@connector/worker-app/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createExportOrderHandler } from './export-order.js';

let fixture: WorkerFixture;
let tenant: SeededConnection;

beforeAll(async () => {
  fixture = await startWorkerFixture({
    service: 'export-worker-test',
    owns: ['order-export'],
    ownsCrmTasks: true,
    handlers: ({ env, runtime, db, redis, logger }) => [
      createExportOrderHandler({
        runtime,
        db,
        sync: createSync({ db, lock: createEntityLock(redis, env.QUEUE_PREFIX), logger }),
      }),
    ],
    policies: { 'order-export': FAST_RETRIES, 'crm-tasks': FAST_RETRIES },
  });
  tenant = await fixture.seed();
});

afterEach(() => {
  fixture.sandbox.faults.clear();
});

afterAll(async () => {
  await fixture?.close();
});

const org = () => tenant.seeded.orgId;
const salesOf = (order: { id: number }, seeded = tenant) =>
  fixture.sandbox.lifepos
    .sales(seeded.seeded.orgId)
    .map(({ sale }) => sale)
    .filter((sale) => sale.meta === saleMetaFor(order.id));
const store = (index: number) => tenant.seeded.stores[index]!;

/** The LIFE POS outlet of a store, synced now if it has none yet. */
async function outletOf(storeCode: string): Promise<string> {
  const { db, redis, env, logger, runtime } = fixture.app.deps;
  const sync = createSync({ db, lock: createEntityLock(redis, env.QUEUE_PREFIX), logger });
  return (await sync.ensureOutlet(await runtime.open(tenant.connectionId), storeCode)).outletId;
}

async function exportOrder(orderId: number, seeded = tenant) {
  const jobId = await fixture.enqueue('order-export', seeded.connectionId, orderId);
  return fixture.settled('order-export', jobId);
}

async function outcomes(orderId: number, seeded = tenant) {
  return (await fixture.timeline(seeded.connectionId, orderId))
    .filter((event) => event.type === 'job.finished')
    .map((event) => (event.data as { outcome: string }).outcome);
}

const kopecks = (rubles: number) => Math.round(rubles * 100);
const money = (value: number) => expect.objectContaining({ value, currency: 'RUB' });

/** The positions the sale must carry for a seeded order: final unit prices, and delivery as a service. */
function expectedPositions(order: TenantOrder) {
  const items = order.items.map((item) => ({
    name: item.name,
    quantity: item.quantity,
    sale_price: money(kopecks(item.price - item.discount)),
    total_sum: money(kopecks((item.price - item.discount) * item.quantity)),
    good_type: 'Product',
    tax: 'TaxFree',
  }));
  const delivery =
    order.deliveryCost > 0
      ? [
          {
            name: 'Доставка',
            quantity: 1,
            sale_price: money(kopecks(order.deliveryCost)),
            good_type: 'Service',
          },
        ]
      : [];
  return [...items, ...delivery].map((position) => expect.objectContaining(position));
}

describe('order-export', () => {
  it('creates the sale in the outlet of the order’s store, opened by its courier, with its positions and total', async () => {
    const courier = tenant.seeded.couriers[0]!;
    const order = tenant.seeded.createOrder({
      store: store(0).code,
      courier: courier.id,
      status: tenant.seeded.statuses.send,
    });

    const job = await exportOrder(order.id);

    expect(await job.getState()).toBe('completed');
    const [sale, ...others] = salesOf(order);
    expect(others).toHaveLength(0);
    const { db } = fixture.app.deps;
    const outletLink = await db.outletLinks.get(tenant.connectionId, store(0).code);
    const courierLink = await db.courierLinks.get(tenant.connectionId, courier.id);
    const outlet = fixture.sandbox.lifepos
      .outlets(org())
      .find((candidate) => candidate.guid === outletLink?.lifeposOutletId);
    const legalEntity = tenant.seeded.lifepos.legalEntities.find((entity) => entity.inn === store(0).inn);
    expect(outlet?.legal_entity?.guid).toBe(legalEntity?.guid);
    expect(sale).toMatchObject({
      number: order.number,
      state: 'New',
      outlet: { guid: outletLink?.lifeposOutletId },
      opened_by: { guid: courierLink?.lifeposEmployeeId },
      workplace: { guid: courierLink?.lifeposWorkplaceId },
      total_sum: money(kopecks(order.totalSumm)),
      positions: expectedPositions(order),
    });
    expect(sale?.positions).toHaveLength(order.items.length + 1);
    const employee = fixture.sandbox.lifepos
      .employees(org())
      .find((e) => e.guid === courierLink?.lifeposEmployeeId);
    expect(employee?.name).toContain(courier.firstName);
    expect(await db.orderLinks.get(tenant.connectionId, order.id)).toMatchObject({
      state: 'exported',
      lifeposSaleId: sale?.guid,
      lifeposOutletId: outletLink?.lifeposOutletId,
      lifeposSaleNumber: order.number,
    });
    const events = await fixture.timeline(tenant.connectionId, order.id);
    expect(events.map((event) => event.type)).toEqual([
      'job.started',
      'sync.store',
      'sync.courier',
      'external.call',
      'job.finished',
    ]);
    expect(events[3]?.message).toBe(
      `sale ${order.number} created in outlet ${outletLink?.lifeposOutletId} for courier ${courier.id}`,
    );
  });

  it('opens a pickup order on the connection’s own employee', async () => {
    const order = tenant.seeded.createOrder({
      store: store(1).code,
      deliveryType: tenant.seeded.deliveryTypes.pickup,
      courier: tenant.seeded.couriers[1]!.id,
      status: tenant.seeded.statuses.send,
    });

    await exportOrder(order.id);

    const [sale] = salesOf(order);
    expect(sale).toMatchObject({
      opened_by: { guid: tenant.seeded.lifepos.ownerId },
      workplace: null,
      total_sum: money(kopecks(order.totalSumm)),
      positions: expectedPositions(order),
    });
  });

  it('makes one sale of 5 identical triggers', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });

    const jobIds = await Promise.all(
      Array.from({ length: 5 }, () => fixture.enqueue('order-export', tenant.connectionId, order.id)),
    );
    const jobs = await Promise.all(jobIds.map((id) => fixture.settled('order-export', id, 30_000)));

    for (const job of jobs) expect(await job.getState()).toBe('completed');
    expect(salesOf(order)).toHaveLength(1);
    expect((await outcomes(order.id)).sort()).toEqual(['created', 'kept', 'kept', 'kept', 'kept']);
  });

  it('exports a never-linked order with one RetailCRM read and one LIFE POS create', async () => {
    // The first order of the tenant pays its set-up (outlet, own employee, units): not what this counts.
    await exportOrder(
      tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send }).id,
    );
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });
    const calls: string[] = [];
    const stop = fixture.sandbox.requestLog.subscribe((entry) => {
      if (entry.tenant === org() || entry.tenant === tenant.seeded.accountCode)
        calls.push(`${entry.system} ${entry.method} ${entry.status}`);
    });
    try {
      await exportOrder(order.id);
    } finally {
      stop();
    }

    expect(salesOf(order)).toHaveLength(1);
    expect(calls.sort()).toEqual(['lifepos POST 201', 'retailcrm GET 200']);
    expect(await outcomes(order.id)).toEqual(['created']);
  });

  it('finds the sale of a crash between create and link by its meta instead of creating another', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });
    const orphan = fixture.sandbox.lifepos.seedSale(org(), {
      number: order.number,
      total: kopecks(order.totalSumm),
      meta: saleMetaFor(order.id),
    });
    fixture.sandbox.lifepos.patchSale(org(), orphan.guid, [
      { op: 'replace', path: '/outlet', value: { guid: await outletOf(store(0).code) } },
    ]);

    await exportOrder(order.id);

    expect(salesOf(order).map((sale) => sale.guid)).toEqual([orphan.guid]);
    expect(await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id)).toMatchObject({
      state: 'exported',
      lifeposSaleId: orphan.guid,
    });
    expect(await outcomes(order.id)).toEqual(['kept']);
  });

  it('adopts the sale its stable guid names when LIFE POS answers Duplicate (an answer lost, the search behind)', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });
    const lost = fixture.sandbox.lifepos.seedSale(org(), {
      guid: saleGuidFor((await fixture.app.deps.db.connections.get(tenant.connectionId))!, order.id, 1),
      number: order.number,
      total: kopecks(order.totalSumm),
      outlet: await outletOf(store(0).code),
    });

    await exportOrder(order.id);

    const sales = fixture.sandbox.lifepos
      .sales(org())
      .filter(({ sale }) => sale.number.startsWith(order.number));
    expect(sales.map(({ sale }) => sale.guid)).toEqual([lost.guid]);
    expect(await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id)).toMatchObject({
      lifeposSaleId: lost.guid,
    });
  });

  it('moves the sale to the other outlet when the shop changes after export, and changes nothing else', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });
    await exportOrder(order.id);
    const [before] = salesOf(order);
    fixture.sandbox.retailcrm.setShipmentStore(tenant.seeded.accountCode, order.id, store(1).code);
    fixture.sandbox.retailcrm.setOrderStatus(tenant.seeded.accountCode, order.id, 'assembling');

    await exportOrder(order.id);

    const [after, ...others] = salesOf(order);
    expect(others).toHaveLength(0);
    const target = await fixture.app.deps.db.outletLinks.get(tenant.connectionId, store(1).code);
    expect(target?.lifeposOutletId).toBeDefined();
    expect(target?.lifeposOutletId).not.toBe(before?.outlet.guid);
    expect(after).toMatchObject({ guid: before?.guid, outlet: { guid: target?.lifeposOutletId } });
    expect(after?.positions).toEqual(before?.positions);
    expect(await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id)).toMatchObject({
      lifeposOutletId: target?.lifeposOutletId,
    });
    expect(await outcomes(order.id)).toEqual(['created', 'moved']);
  });

  it('sends nothing early: a shop change of an order short of the export status exports nothing', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code });
    // What the shop-change trigger posts for any order whose shop changes.
    fixture.sandbox.retailcrm.setShipmentStore(tenant.seeded.accountCode, order.id, store(1).code);

    await exportOrder(order.id);

    expect(salesOf(order)).toHaveLength(0);
    expect(await outcomes(order.id)).toEqual(['skipped']);
    const events = await fixture.timeline(tenant.connectionId, order.id);
    expect(events.at(-1)?.message).toBe(
      `not exported: the order is in "${tenant.seeded.statuses.new}" and has not reached an export status yet`,
    );
    expect(await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id)).toBeNull();
  });

  it('exports an order that went through the export status and on before its job ran', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code });
    fixture.sandbox.retailcrm.setOrderStatus(
      tenant.seeded.accountCode,
      order.id,
      tenant.seeded.statuses.send,
    );
    fixture.sandbox.retailcrm.setOrderStatus(tenant.seeded.accountCode, order.id, 'assembling');

    await exportOrder(order.id);

    expect(salesOf(order)).toHaveLength(1);
    expect(await outcomes(order.id)).toEqual(['created']);
  });

  it('exports again after an erroneous cancel: the old sale stays archived, a new one carries the edited order', async () => {
    const crm = fixture.sandbox.retailcrm;
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });
    await exportOrder(order.id);
    const [first] = salesOf(order);
    // What the cancel worker does on the erroneous-cancel status.
    crm.setOrderStatus(tenant.seeded.accountCode, order.id, tenant.seeded.statuses.erroneousCancel);
    fixture.sandbox.lifepos.archiveSale(org(), first!.guid);
    await fixture.app.deps.db.orderLinks.upsert(tenant.connectionId, order.id, { state: 'deleted' });
    // A late `new` while the order is still in the erroneous-cancel status exports nothing.
    await exportOrder(order.id);
    expect(salesOf(order)).toHaveLength(1);

    crm.setOrderItems(tenant.seeded.accountCode, order.id, [
      { productName: 'Флэт уайт 0,3 л', initialPrice: 270, quantity: 3 },
    ]);
    crm.setOrderStatus(tenant.seeded.accountCode, order.id, tenant.seeded.statuses.send);
    await exportOrder(order.id);

    const sales = salesOf(order);
    expect(sales).toHaveLength(2);
    const old = sales.find((sale) => sale.guid === first?.guid);
    const renewed = sales.find((sale) => sale.guid !== first?.guid);
    expect(old?.deleted_at).not.toBeNull();
    expect(renewed).toMatchObject({
      number: `${order.number}-2`,
      deleted_at: null,
      state: 'New',
      total_sum: money(kopecks(810 + order.deliveryCost)),
      positions: [
        expect.objectContaining({ name: 'Флэт уайт 0,3 л', quantity: 3, sale_price: money(27_000) }),
        expect.objectContaining({ name: 'Доставка', good_type: 'Service' }),
      ],
    });
    expect(await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id)).toMatchObject({
      state: 'exported',
      lifeposSaleId: renewed?.guid,
      lifeposSaleNumber: `${order.number}-2`,
    });
    expect(await outcomes(order.id)).toEqual(['created', 'skipped', 'created']);
  });

  it('takes the next number suffix when the order’s number is taken by another sale', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });
    fixture.sandbox.lifepos.seedSale(org(), { number: order.number, meta: 'something else' });

    await exportOrder(order.id);

    expect(salesOf(order).map((sale) => sale.number)).toEqual([`${order.number}-2`]);
  });

  it('skips an order in a cancel status', async () => {
    const order = tenant.seeded.createOrder({
      store: store(0).code,
      status: tenant.seeded.statuses.cancelled,
    });

    const job = await exportOrder(order.id);

    expect(await job.getState()).toBe('completed');
    expect(salesOf(order)).toHaveLength(0);
    const events = await fixture.timeline(tenant.connectionId, order.id);
    expect(events.at(-1)?.message).toBe(
      `not exported: the order is in the cancel status "${tenant.seeded.statuses.cancelled}"`,
    );
  });

  it('ends an order RetailCRM does not have (a forged trigger) with a timeline entry: no incident, no task', () =>
    expectMissingOrderSkipped(fixture, tenant, 'order-export'));

  it('retries through a LIFE POS outage and exports', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });
    fixture.sandbox.faults.add({
      system: 'lifepos',
      method: 'POST',
      path: '/deals/sales$',
      errorRate: 1,
      errorStatus: 503,
      count: 2,
    });

    const job = await exportOrder(order.id);

    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(3);
    expect(salesOf(order)).toHaveLength(1);
    expect(await outcomes(order.id)).toEqual(['created']);
  });

  it('fails a permanent 422 at once: one attempt, one task for each active member of the error group', async () => {
    const order = tenant.seeded.createOrder({ store: store(0).code, status: tenant.seeded.statuses.send });
    fixture.sandbox.faults.add({
      system: 'lifepos',
      method: 'POST',
      path: '/deals/sales$',
      errorRate: 1,
      errorStatus: 422,
    });

    const job = await exportOrder(order.id);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(salesOf(order)).toHaveLength(0);
    const { db } = fixture.app.deps;
    await waitFor(
      async () =>
        (await db.incidents.listForOrder(tenant.connectionId, order.id))[0]?.status === 'tasks_created',
      { what: 'the task set' },
    );
    const tasks = fixture.sandbox.retailcrm
      .tasks(tenant.seeded.accountCode)
      .filter((task) => (task.order as { id?: number } | undefined)?.id === order.id);
    expect(tasks.map((task) => task.performer).sort()).toEqual(
      [...tenant.seeded.errorGroup.activeUserIds].sort(),
    );
    expect(await db.incidents.listForOrder(tenant.connectionId, order.id)).toHaveLength(1);
  });
});

describe('order-export of a store whose legal entity LIFE POS lacks', () => {
  it('fails for good saying that the INN has no legal entity in LIFE POS', async () => {
    const lacking = await fixture.seed({ lifepos: { omitLastSiteInn: true } });
    const spb = lacking.seeded.stores.at(-1)!;
    const order = lacking.seeded.createOrder({ store: spb.code, status: lacking.seeded.statuses.send });

    const job = await exportOrder(order.id, lacking);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(salesOf(order, lacking)).toHaveLength(0);
    const failed = (await fixture.timeline(lacking.connectionId, order.id)).find(
      (event) => event.type === 'job.failed',
    );
    expect(failed?.message).toContain(spb.inn);
    expect((failed?.data as { code?: string } | undefined)?.code).toBe('sync.inn_missing');
  });
});

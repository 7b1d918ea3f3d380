import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApiClient } from './lifepos/test-client.js';
import { CONNECTOR_SCOPES } from './retailcrm/seed-schema.js';
import { RcTestClient } from './retailcrm/test-client.js';
import { type Sandbox, startSandbox } from './sandbox.js';
import { expectedTotal, seedTenant } from './tenant-seed.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ logLevel: 'error' });
});

afterAll(async () => {
  await sandbox.close();
});

/** Kopecks, so float sums of rubles compare exactly. */
const kop = (rubles: number) => Math.round(rubles * 100);

describe('seedTenant', () => {
  it('creates a RetailCRM account and a LIFE POS organization whose legal entities share INNs', async () => {
    const t = await seedTenant(sandbox);
    const crm = new RcTestClient(t.baseUrl, t.apiKey);

    const credentials = await crm.get('/api/credentials');
    expect(credentials.status).toBe(200);
    expect(credentials.body.scopes).toEqual(expect.arrayContaining(CONNECTOR_SCOPES));
    expect(credentials.body.siteAccess).toBe('access_full');
    expect(credentials.body.sitesAvailable).toEqual(t.sites.map((site) => site.code));

    const sites = await crm.get('/api/v5/reference/sites');
    const crmInns = Object.values(
      sites.body.sites as Record<string, { contragent: { INN: string; KPP: string } }>,
    )
      .map((site) => site.contragent.INN)
      .sort();
    expect(crmInns).toEqual(['7714567895', '7812345675']);

    const lifepos = new TestApiClient(t.lifeposUrl);
    await lifepos.signIn(t.phone, t.password);
    const entities = await lifepos.get(`/v6/orgs/${t.orgId}/legal-entities`);
    expect(entities.status).toBe(200);
    const lifeposInns = (entities.body.items as { inn: string; kpp: string }[])
      .map((entity) => entity.inn)
      .sort();
    expect(lifeposInns).toEqual(crmInns);
    expect(t.lifepos.missingInns).toEqual([]);

    // Every store belongs to a site whose INN LIFE POS knows: the connector can place each one.
    const stores = await crm.get('/api/v5/reference/stores');
    const apiStores = stores.body.stores as { code: string; type: string; name: string }[];
    expect(apiStores.map((store) => store.code).sort()).toEqual(t.stores.map((store) => store.code).sort());
    expect(apiStores.every((store) => store.type === 'store-type-retail')).toBe(true);
    for (const store of t.stores) expect(lifeposInns).toContain(store.inn);
  });

  it('seeds the reference books the connector reads, with the handle naming their codes', async () => {
    const t = await seedTenant(sandbox, { sites: 1, paymentTypeCodes: { cash: 'lp-cash', card: 'lp-card' } });
    const crm = new RcTestClient(t.baseUrl, t.apiKey);

    const groups = (await crm.get('/api/v5/reference/status-groups')).body.statusGroups;
    expect(groups.cancel.statuses).toEqual(
      expect.arrayContaining([t.statuses.cancelled, t.statuses.returned]),
    );
    expect(groups.cancel.statuses).toEqual(expect.arrayContaining(t.statuses.cancel));
    const statuses = (await crm.get('/api/v5/reference/statuses')).body.statuses;
    expect(statuses[t.statuses.send]).toBeDefined();
    expect(statuses[t.statuses.returned].name).toBe('Возвращен');
    expect(statuses[t.statuses.erroneousCancel].group).not.toBe('cancel');

    const paymentTypes = (await crm.get('/api/v5/reference/payment-types')).body.paymentTypes;
    expect(Object.keys(paymentTypes)).toEqual(expect.arrayContaining(['lp-cash', 'lp-card']));
    expect(t.connection).toMatchObject({
      cashPaymentTypeCode: 'lp-cash',
      cashlessPaymentTypeCode: 'lp-card',
    });
    const paymentStatuses = (await crm.get('/api/v5/reference/payment-statuses')).body.paymentStatuses;
    expect(paymentStatuses.paid.paymentComplete).toBe(true);
    expect(paymentStatuses.returned).toBeDefined();

    const deliveryTypes = (await crm.get('/api/v5/reference/delivery-types')).body.deliveryTypes;
    expect(deliveryTypes[t.deliveryTypes.courier].integrationCode).toBe('courier');
    expect(deliveryTypes[t.deliveryTypes.pickup]).toBeDefined();
    expect(deliveryTypes[t.deliveryTypes.inHall]).toBeDefined();

    const couriers = (await crm.get('/api/v5/reference/couriers')).body.couriers as { id: number }[];
    expect(couriers.map((courier) => courier.id)).toEqual(t.couriers.map((courier) => courier.id));
    expect(t.couriers.every((courier) => courier.phone && courier.lastName)).toBe(true);

    const members = await crm.get('/api/v5/users', `filter[groups][]=${t.errorGroup.code}`);
    const users = members.body.users as { id: number; active: boolean }[];
    expect(
      users
        .filter((user) => user.active)
        .map((user) => user.id)
        .sort(),
    ).toEqual(t.errorGroup.activeUserIds);
    expect(users.filter((user) => !user.active).map((user) => user.id)).toEqual(t.errorGroup.inactiveUserIds);
    expect(t.errorGroup.activeUserIds.length).toBeGreaterThanOrEqual(2);
    expect(t.errorGroup.inactiveUserIds).toHaveLength(1);
    // Someone outside the group exists, so "task every member" can be told apart from "task everyone".
    expect(t.users.some((user) => user.active && !user.groups.includes(t.errorGroup.code))).toBe(true);

    expect(t.sites).toHaveLength(1);
    expect(t.triggerRules).toEqual([]);
    expect(sandbox.retailcrm.triggers(t.accountCode).rules).toEqual([]);
  });

  it('creates orders whose items and delivery add up to totalSumm, as the API prints them', async () => {
    const t = await seedTenant(sandbox, { sites: 1 });
    const crm = new RcTestClient(t.baseUrl, t.apiKey);
    const [tverskaya, arbat] = t.stores;
    const orders = [
      t.createOrder({ store: tverskaya!.code, courier: t.couriers[0]!.id }),
      t.createOrder({ store: arbat!.code, deliveryType: t.deliveryTypes.pickup }),
      t.createOrder({ store: arbat!.code, deliveryType: t.deliveryTypes.inHall }),
      t.createOrder({
        store: null,
        items: [
          { name: 'Круассан', price: 189.5, quantity: 3, discount: 10.25 },
          { name: 'Американо', price: 0.1, quantity: 3 },
        ],
        deliveryCost: 199.99,
      }),
    ];
    expect(orders[3]!.totalSumm).toBe(expectedTotal(orders[3]!.items, 199.99));
    expect(kop(orders[3]!.totalSumm)).toBe(3 * (18_950 - 1_025) + 3 * 10 + 19_999);

    for (const created of orders) {
      const response = await crm.get(`/api/v5/orders/${created.id}`, 'by=id');
      expect(response.status).toBe(200);
      const order = response.body.order;
      const items = order.items as { prices: { price: number; quantity: number }[] }[];
      const goods = items
        .flatMap((item) => item.prices)
        .reduce((sum, group) => sum + kop(group.price) * group.quantity, 0);
      expect(goods + kop(order.delivery.cost)).toBe(kop(order.totalSumm));
      expect(kop(order.totalSumm)).toBe(kop(created.totalSumm));
      expect(order.site).toBe(created.site);
      expect(order.status).toBe(t.statuses.new);
      expect(order.firstName).toBeTruthy();
    }
    const courierOrder = (await crm.get(`/api/v5/orders/${orders[0]!.id}`, 'by=id')).body.order;
    expect(courierOrder.shipmentStore).toBe(tverskaya!.code);
    expect(courierOrder.delivery.code).toBe('courier');
    expect(courierOrder.delivery.cost).toBe(300);
    expect(courierOrder.delivery.data.id).toBe(t.couriers[0]!.id);
    expect(courierOrder.delivery.address.text).toContain('Москва');
    // Created by a manager: the creation is `source: user`, so it reads like a person typed it in.
    const history = (await crm.get('/api/v5/orders/history', `filter[orderId]=${orders[0]!.id}`)).body
      .history;
    expect(history[0]).toMatchObject({ created: true, source: 'user', user: { id: t.managerId } });
  });

  it('pre-creates LIFE POS employees, e.g. one with the phone of a RetailCRM courier', async () => {
    const t = await seedTenant(sandbox, {
      couriers: [{ id: 7, firstName: 'Олег', lastName: 'Курьеров', phone: { number: '+7 916 555-00-07' } }],
      lifepos: { employees: [{ name: 'Олег Курьеров', phone: '89165550007' }] },
    });
    const [employee] = t.lifepos.employees;
    expect(employee).toEqual({ guid: expect.any(String), name: 'Олег Курьеров', phone: '89165550007' });
    const lifepos = new TestApiClient(t.lifeposUrl);
    await lifepos.signIn(t.phone, t.password);
    const listed = await lifepos.get(`/v6/orgs/${t.orgId}/employees?query=5550007`);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ guid: employee?.guid, phone: '89165550007', deleted_at: null }),
    ]);
  });

  it('can leave an INN out of LIFE POS, pre-create outlets, and tune limits', async () => {
    const t = await seedTenant(sandbox, {
      ingressUrl: 'http://127.0.0.1:9/retailCRM/update',
      retailcrm: { rateLimit: { perSecond: 3 } },
      lifepos: { omitLastSiteInn: true, outletsForStores: true, rateLimit: { enabled: false } },
    });
    expect(t.lifepos.missingInns).toEqual(['7812345675']);
    expect(t.lifepos.legalEntities.map((entity) => entity.inn)).toEqual(['7714567895']);
    // Outlets only where the INN exists, each under the legal entity with the store's INN.
    const outlets = sandbox.lifepos.outlets(t.orgId);
    expect(Object.keys(t.lifepos.outlets).sort()).toEqual(['msk-arbat', 'msk-tverskaya']);
    for (const [store, guid] of Object.entries(t.lifepos.outlets)) {
      const outlet = outlets.find((candidate) => candidate.guid === guid);
      expect(outlet?.name).toBe(t.stores.find((candidate) => candidate.code === store)?.name);
      expect(outlet?.legal_entity.guid).toBe(t.lifepos.legalEntities[0]!.guid);
    }
    expect(sandbox.retailcrm.accountInfo(t.accountCode).settings.rateLimit.perSecond).toBe(3);
    expect(sandbox.lifepos.rateLimit(t.orgId).enabled).toBe(false);

    // The three triggers of the integration guide and the console's shop-change one, org guid as client_id.
    expect(t.triggerRules.map((rule) => [rule.event, rule.params.status])).toEqual([
      ['order.status', 'new'],
      ['order.status', 'closed'],
      ['payment.status', 'refund'],
      ['order.field', 'new'],
    ]);
    expect(t.triggerRules[3]!.fields).toEqual(['shipment_store']);
    for (const rule of t.triggerRules) {
      expect(rule.params).toEqual({
        client_id: t.orgId,
        order_id: '{{ order.getId() }}',
        status: rule.params.status,
      });
      expect(rule.url).toBe('http://127.0.0.1:9/retailCRM/update');
    }
    expect(t.triggerRules[0]!.statuses).toEqual([t.statuses.send]);
    expect(t.triggerRules[1]!.statuses).toEqual(
      expect.arrayContaining([t.statuses.cancelled, t.statuses.returned, t.statuses.erroneousCancel]),
    );
    expect(t.triggerRules[2]!.statuses).toEqual([t.paymentStatuses.returned]);
  });

  it('gives each tenant its own codes and credentials', async () => {
    const [a, b] = await Promise.all([seedTenant(sandbox), seedTenant(sandbox)]);
    expect(a!.accountCode).not.toBe(b!.accountCode);
    expect(a!.orgId).not.toBe(b!.orgId);
    expect(a!.phone).not.toBe(b!.phone);
    expect(a!.apiKey).not.toBe(b!.apiKey);
    // One tenant's key does not open the other's account.
    const denied = await new RcTestClient(b!.baseUrl, a!.apiKey).get('/api/credentials');
    expect(denied.status).toBe(403);
  });
});

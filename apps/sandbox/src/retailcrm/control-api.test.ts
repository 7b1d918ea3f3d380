import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '../sandbox.js';
import { RcTestClient } from './test-client.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}/_sandbox/retailcrm${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

describe('/_sandbox/retailcrm control API', () => {
  it('creates a ready account in one call and returns its base URL and key', async () => {
    const created = await control('POST', '/accounts', { code: 'ctl-ready' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      code: 'ctl-ready',
      baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      deleted: false,
      timezone: 'Europe/Moscow',
      settings: { rateLimit: { enabled: true, perSecond: 10, status: 503 } },
    });
    const [key] = created.body.apiKeys;
    expect(key).toMatchObject({ siteAccess: 'access_full', scopes: expect.arrayContaining(['order_write']) });
    const api = new RcTestClient(created.body.baseUrl, key.key);
    const credentials = await api.get('/api/credentials');
    expect(credentials.body.sitesAvailable).toEqual(['main-shop']);
    expect((await control('GET', '/accounts')).body.accounts.map((a: { code: string }) => a.code)).toContain(
      'ctl-ready',
    );

    const duplicate = await control('POST', '/accounts', { code: 'ctl-ready' });
    expect(duplicate.status).toBe(400);
    const invalid = await control('POST', '/accounts', { code: 'Not Valid' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.issues[0].path).toEqual(['code']);
  });

  it('seeds reference books, keys and settings', async () => {
    await control('POST', '/accounts', {
      code: 'ctl-seed',
      apiKeys: [{ key: 'k1', scopes: ['reference_read'] }],
    });
    const seeded = await control('POST', '/accounts/ctl-seed/seed', {
      stores: [{ code: 'new-shop', name: 'Новая точка', type: 'store-type-retail' }],
      couriers: [{ firstName: 'Олег' }],
      legalEntities: [
        { code: 'ip', legalName: 'ИП Иванов', INN: '500100732259', contragentType: 'enterpreneur' },
      ],
    });
    expect(seeded.status).toBe(200);
    const api = new RcTestClient(seeded.body.baseUrl, 'k1');
    const stores = (await api.get('/api/v5/reference/stores')).body.stores;
    expect(stores.map((store: { code: string }) => store.code)).toContain('new-shop');
    const couriers = (await api.get('/api/v5/reference/couriers')).body.couriers;
    expect(couriers.at(-1)).toMatchObject({ id: 3, firstName: 'Олег' });

    const key = await control('POST', '/accounts/ctl-seed/api-keys', { key: 'k2', scopes: ['order_read'] });
    expect(key.status).toBe(201);
    expect((await new RcTestClient(seeded.body.baseUrl, 'k2').get('/api/v5/orders')).status).toBe(200);

    const settings = await control('PATCH', '/accounts/ctl-seed/settings', {
      rateLimit: { status: 429 },
      latencyMs: 5,
    });
    expect(settings.body).toMatchObject({ rateLimit: { enabled: true, status: 429 }, latencyMs: 5 });
    const bad = await control('PATCH', '/accounts/ctl-seed/settings', { rateLimit: { status: 500 } });
    expect(bad.status).toBe(400);
  });

  it('acts as a manager: creates orders and changes status, shop, items, courier and payments (source user)', async () => {
    const created = await control('POST', '/accounts', { code: 'ctl-manager' });
    const api = new RcTestClient(created.body.baseUrl, created.body.apiKeys[0].key);
    const order = await control('POST', '/accounts/ctl-manager/orders', {
      order: {
        externalId: 'm-1',
        items: [{ productName: 'Чай', initialPrice: 150 }],
        delivery: { code: 'courier' },
      },
    });
    expect(order.status).toBe(201);
    const id = order.body.order.id;
    expect(order.body.order).toMatchObject({
      fromApi: false,
      status: 'new',
      orderMethod: 'phone',
      totalSumm: 150,
    });

    expect(
      (
        await control('POST', `/accounts/ctl-manager/orders/${id}/status`, {
          status: 'assembling',
          userId: 1,
        })
      ).status,
    ).toBe(200);
    expect(
      (await control('POST', `/accounts/ctl-manager/orders/${id}/shipment-store`, { store: 'shop-south' }))
        .status,
    ).toBe(200);
    const items = await control('POST', `/accounts/ctl-manager/orders/${id}/items`, {
      items: [{ productName: 'Кофе', initialPrice: 200, quantity: 2 }],
    });
    expect(items.body.order.items).toHaveLength(1);
    expect(
      (await control('POST', `/accounts/ctl-manager/orders/${id}/courier`, { courierId: 1 })).status,
    ).toBe(200);
    const payment = await control('POST', `/accounts/ctl-manager/orders/${id}/payments`, {
      payment: { type: 'cash', amount: 400 },
    });
    expect(payment.status).toBe(201);
    expect(payment.body.payment).toMatchObject({ type: 'cash', status: 'not-paid', amount: 400 });
    const paid = await control('POST', `/accounts/ctl-manager/payments/${payment.body.payment.id}/status`, {
      status: 'paid',
    });
    expect(paid.body.order).toMatchObject({ prepaySum: 400, fullPaidAt: expect.any(String) });

    const read = await api.get(`/api/v5/orders/${id}`, 'by=id');
    expect(read.body.order).toMatchObject({
      status: 'assembling',
      shipmentStore: 'shop-south',
      delivery: { data: { courierId: 1 } },
    });

    const history = await control('GET', `/accounts/ctl-manager/history?orderId=${id}`);
    const entries = history.body.history as { source: string; field: string; user?: { id: number } }[];
    expect(entries.every((entry) => entry.source === 'user')).toBe(true);
    expect(entries.find((entry) => entry.field === 'status' && entry.user?.id === 1)).toBeDefined();
    expect(entries.map((entry) => entry.field)).toEqual(
      expect.arrayContaining([
        'shipment_store',
        'order_product',
        'integration_delivery_data.courier',
        'payments',
        'payments.status',
        'prepay_sum',
      ]),
    );
    const viaApi = await api.get('/api/v5/orders/history', `filter[orderId]=${id}&limit=100`);
    expect(viaApi.body.history).toHaveLength(entries.length);
  });

  it('refuses a manager change the way RetailCRM would, and an unknown account with 404', async () => {
    await control('POST', '/accounts', { code: 'ctl-errors' });
    const order = await control('POST', '/accounts/ctl-errors/orders', { order: {} });
    const refused = await control('POST', `/accounts/ctl-errors/orders/${order.body.order.id}/status`, {
      status: 'bogus',
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'Order is not loaded',
      errors: { status: '"Status" with "code"="bogus" does not exist.' },
    });
    expect((await control('GET', '/accounts/ctl-errors/orders/999999')).status).toBe(404);
    expect(
      (await control('POST', '/accounts/ctl-errors/orders/999999/status', { status: 'new' })).status,
    ).toBe(404);
    expect((await control('GET', '/accounts/nobody/orders')).status).toBe(404);
    expect((await control('POST', '/accounts/ctl-errors/orders/1/status', {})).status).toBe(400);
  });

  it('reads orders, tasks, triggers and the trigger log, and sets trigger rules', async () => {
    const created = await control('POST', '/accounts', { code: 'ctl-reads' });
    const api = new RcTestClient(created.body.baseUrl, created.body.apiKeys[0].key);
    await control('POST', '/accounts/ctl-reads/orders', { order: { externalId: 'r-1' } });
    await api.post('/api/v5/tasks/create', { task: { text: 'Позвонить', performerId: 2 } });
    expect((await control('GET', '/accounts/ctl-reads/orders')).body.orders).toHaveLength(1);
    expect((await control('GET', '/accounts/ctl-reads/tasks')).body.tasks).toEqual([
      expect.objectContaining({ text: 'Позвонить', performer: 2 }),
    ]);
    const added = await control('POST', '/accounts/ctl-reads/triggers', {
      event: 'order.status',
      statuses: ['complete'],
      url: 'http://127.0.0.1:9/hook',
      params: { order_id: '{{ order.getId() }}' },
    });
    expect(added.status).toBe(201);
    expect(added.body.rule).toMatchObject({
      id: 1,
      active: true,
      method: 'POST',
      fireOnCreate: false,
      ignoreApiChanges: false,
    });
    const badRule = await control('POST', '/accounts/ctl-reads/triggers', {
      event: 'order.status',
      statuses: [],
      url: 'x',
    });
    expect(badRule.status).toBe(400);
    expect((await control('GET', '/accounts/ctl-reads/triggers')).body).toEqual({
      enabled: true,
      rules: [added.body.rule],
    });
    expect((await control('GET', '/accounts/ctl-reads/trigger-log')).body).toEqual({ entries: [] });
  });

  it('serves the unknown-account URL, deletes accounts and offers a snapshot for the page', async () => {
    const created = await control('POST', '/accounts', { code: 'ctl-gone' });
    const unknown = await control('GET', '/unknown-account-url');
    expect(unknown.body.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${unknown.body.url}/api/credentials`)).status).toBe(405);

    const snapshot = await control('GET', '/snapshot');
    const gone = snapshot.body.accounts.find((account: { code: string }) => account.code === 'ctl-gone');
    expect(gone).toMatchObject({
      counts: { orders: 0, tasks: 0, history: 0 },
      triggers: { enabled: true, rules: [] },
    });

    expect((await control('DELETE', '/accounts/ctl-gone')).status).toBe(204);
    expect((await fetch(`${created.body.baseUrl}/api/credentials`)).status).toBe(405);
    expect((await control('GET', '/accounts/ctl-gone')).body.deleted).toBe(true);
  });
});

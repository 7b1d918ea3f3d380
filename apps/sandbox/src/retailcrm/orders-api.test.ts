import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '../sandbox.js';
import type { AccountInput } from './seed-schema.js';
import { RcTestClient } from './test-client.js';

let sandbox: Sandbox;
let counter = 0;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

/** A fresh account per test; the rate limit is off here (it has its own tests). */
async function account(input: Partial<AccountInput> = {}) {
  counter += 1;
  const code = `orders-${counter}`;
  const info = await sandbox.retailcrm.createAccount({
    code,
    apiKeys: [{ key: `key-${code}` }, { key: `other-${code}` }],
    settings: { rateLimit: { enabled: false } },
    ...input,
  });
  return {
    code,
    info,
    api: new RcTestClient(info.baseUrl, `key-${code}`),
    other: new RcTestClient(info.baseUrl, `other-${code}`),
  };
}

const ORDER = {
  externalId: 'ext-1',
  firstName: 'Ольга',
  lastName: 'Покупателева',
  phone: '+79990001122',
  items: [
    { productName: 'Капучино', initialPrice: 250, quantity: 2, offer: { externalId: 'cappuccino' } },
    { productName: 'Круассан', initialPrice: 180.5, quantity: 1, discountManualAmount: 30.5 },
  ],
  delivery: { code: 'courier', cost: 300, address: { city: 'Москва', text: 'ул. Тверская, д. 1' } },
};

describe('GET /api/v5/orders', () => {
  it('answers with the pagination block, newest first, payments keyed ({} when empty) and empty customFields as []', async () => {
    const { code, api } = await account();
    const first = sandbox.retailcrm.createOrder(code, ORDER);
    const second = sandbox.retailcrm.createOrder(code, {
      ...ORDER,
      externalId: 'ext-2',
      customFields: { nps: 9 },
    });
    sandbox.retailcrm.addPayment(code, Number(second.id), { type: 'cash', amount: 100 });

    const response = await api.get('/api/v5/orders');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body.success).toBe(true);
    expect(response.body.pagination).toEqual({ limit: 20, totalCount: 2, currentPage: 1, totalPageCount: 1 });
    expect(response.body.orders.map((order: { id: number }) => order.id)).toEqual([second.id, first.id]);
    const [newest, oldest] = response.body.orders;
    expect(oldest.payments).toEqual({});
    expect(oldest.customFields).toEqual([]);
    expect(response.text).toContain('"customFields":[]');
    expect(newest.customFields).toEqual({ nps: 9 });
    const paymentIds = Object.keys(newest.payments);
    expect(paymentIds).toHaveLength(1);
    expect(newest.payments[paymentIds[0] as string]).toMatchObject({
      id: Number(paymentIds[0]),
      type: 'cash',
      amount: 100,
    });
    expect(oldest).toMatchObject({
      slug: first.id,
      number: `${first.id}A`,
      site: 'main-shop',
      status: 'new',
      summ: 650,
      totalSumm: 950,
      prepaySum: 0,
      delivery: { code: 'courier', integrationCode: 'courier', cost: 300 },
      items: [
        {
          initialPrice: 250,
          quantity: 2,
          discountTotal: 0,
          prices: [{ price: 250, quantity: 2 }],
          properties: [],
        },
        { initialPrice: 180.5, discountTotal: 30.5, prices: [{ price: 150, quantity: 1 }] },
      ],
    });
    expect(oldest.createdAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('reads filters in both bracket styles, [] and [0], and status groups through extendedStatus', async () => {
    const { code, api } = await account();
    const ids = [1, 2, 3].map((n) =>
      Number(sandbox.retailcrm.createOrder(code, { ...ORDER, externalId: `e${n}` }).id),
    );
    sandbox.retailcrm.setOrderStatus(code, ids[2] as number, 'assembling');

    const brackets = await api.get('/api/v5/orders', `filter[ids][]=${ids[0]}&filter[ids][]=${ids[2]}`);
    expect(brackets.body.orders.map((order: { id: number }) => order.id)).toEqual([ids[2], ids[0]]);
    const indexed = await api.get(
      '/api/v5/orders',
      `filter%5Bids%5D%5B0%5D=${ids[0]}&filter%5Bids%5D%5B1%5D=${ids[1]}`,
    );
    expect(indexed.body.orders.map((order: { id: number }) => order.id)).toEqual([ids[1], ids[0]]);
    const group = await api.get('/api/v5/orders', 'filter[extendedStatus][]=assembling');
    expect(group.body.orders.map((order: { id: number }) => order.id)).toEqual([ids[2]]);
    const byGroupCode = await api.get('/api/v5/orders', 'filter[extendedStatus][]=new');
    expect(byGroupCode.body.pagination.totalCount).toBe(2);
  });

  it('pages with limit 20/50/100 only and refuses other limits and unknown filters', async () => {
    const { code, api } = await account();
    for (let n = 0; n < 21; n += 1) sandbox.retailcrm.createOrder(code, { ...ORDER, externalId: `p${n}` });
    const page2 = await api.get('/api/v5/orders', 'page=2');
    expect(page2.body.pagination).toEqual({ limit: 20, totalCount: 21, currentPage: 2, totalPageCount: 2 });
    expect(page2.body.orders).toHaveLength(1);
    expect((await api.get('/api/v5/orders', 'limit=50')).body.orders).toHaveLength(21);

    const badLimit = await api.get('/api/v5/orders', 'limit=25');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body).toEqual({
      success: false,
      errorMsg: 'Errors in the input parameters',
      errors: { limit: 'The value you selected is not a valid choice.' },
    });
    // There is no `statuses[]` filter (docs/RETAILCRM-API.md, «Order list»): a client using it must fail, not
    // get everything.
    const unknown = await api.get('/api/v5/orders', 'filter[statuses][]=new');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      success: false,
      errorMsg: 'Errors in the input parameters',
      errors: ['This form should not contain extra fields.'],
    });
    const badValue = await api.get('/api/v5/orders', 'filter[ids][]=abc');
    expect(badValue.body.errors).toEqual({ 'children[ids]': 'This value is not valid.' });
  });

  it('shows a selective key only the orders of its sites', async () => {
    const { code, info } = await account({
      sites: [
        { code: 'shop-a', name: 'A' },
        { code: 'shop-b', name: 'B' },
      ],
      apiKeys: [{ key: 'only-a', siteAccess: 'access_selective', sitesAvailable: ['shop-a'] }],
    });
    sandbox.retailcrm.createOrder(code, { externalId: 'a' }, { site: 'shop-a' });
    const b = sandbox.retailcrm.createOrder(code, { externalId: 'b' }, { site: 'shop-b' });
    const api = new RcTestClient(info.baseUrl, 'only-a');
    const list = await api.get('/api/v5/orders');
    expect(list.body.orders.map((order: { site: string }) => order.site)).toEqual(['shop-a']);
    const denied = await api.get(`/api/v5/orders/${b.id}`, 'by=id');
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ success: false, errorMsg: 'Access denied.' });
  });
});

describe('GET /api/v5/orders/{id}', () => {
  it('finds by externalId by default and by id with by=id', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    const byExternal = await api.get('/api/v5/orders/ext-1');
    expect(byExternal.status).toBe(200);
    expect(byExternal.body).toEqual({ success: true, order: expect.objectContaining({ id: order.id }) });
    const byId = await api.get(`/api/v5/orders/${order.id}`, 'by=id');
    expect(byId.body.order.externalId).toBe('ext-1');
    // Without by=id the numeric id is taken as an externalId.
    const wrong = await api.get(`/api/v5/orders/${order.id}`);
    expect(wrong.status).toBe(404);
    expect(wrong.body).toEqual({ success: false, errorMsg: 'Not found' });
  });

  it('requires site for externalId lookups when the key sees several sites', async () => {
    const { code, api } = await account({
      sites: [
        { code: 'shop-a', name: 'A' },
        { code: 'shop-b', name: 'B' },
      ],
    });
    sandbox.retailcrm.createOrder(code, { externalId: 'same' }, { site: 'shop-a' });
    sandbox.retailcrm.createOrder(code, { externalId: 'same' }, { site: 'shop-b' });
    const missing = await api.get('/api/v5/orders/same');
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ success: false, errorMsg: "Parameter 'site' is missing" });
    expect(missing.body.errorMsg).toMatch(/^Parameter '[\w\][_-]+' is missing$/);
    const found = await api.get('/api/v5/orders/same', 'site=shop-b');
    expect(found.body.order.site).toBe('shop-b');
  });

  it('expands the courier in delivery.data', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    sandbox.retailcrm.setCourier(code, Number(order.id), 2);
    const response = await api.get(`/api/v5/orders/${order.id}`, 'by=id');
    expect(response.body.order.delivery.data).toMatchObject({
      courierId: 2,
      id: 2,
      firstName: 'Сергей',
      lastName: 'Смирнов',
      phone: { number: '+79164445566' },
    });
    const filtered = await api.get('/api/v5/orders', 'filter[couriers][]=2');
    expect(filtered.body.orders).toHaveLength(1);
  });
});

describe('POST /api/v5/orders/{id}/edit', () => {
  it('takes an urlencoded body with a JSON-string order and answers 200 with id and the order (payments as a list)', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    sandbox.retailcrm.addPayment(code, Number(order.id), { type: 'bank-card', amount: 10 });
    const response = await api.post(`/api/v5/orders/${order.id}/edit`, {
      by: 'id',
      order: { status: 'assembling', managerComment: 'Собрать к 18:00', shipmentStore: 'shop-center' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: true, id: order.id });
    expect(response.body.order).toMatchObject({
      status: 'assembling',
      managerComment: 'Собрать к 18:00',
      shipmentStore: 'shop-center',
    });
    expect(Array.isArray(response.body.order.payments)).toBe(true);
    expect(response.body.order.payments).toHaveLength(1);
  });

  it('accepts multipart bodies too', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    const response = await api.postMultipart(`/api/v5/orders/${order.id}/edit`, {
      by: 'id',
      order: { managerComment: 'multipart' },
    });
    expect(response.status).toBe(200);
    expect(response.body.order.managerComment).toBe('multipart');
  });

  it('refuses a JSON body, a missing or malformed order field, and unknown codes with the real strings', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    const path = `/api/v5/orders/${order.id}/edit`;

    const json = await api.postJson(path, { by: 'id', order: { status: 'assembling' } });
    expect(json.status).toBe(400);
    expect(json.body).toEqual({ success: false, errorMsg: "Parameter 'order' is missing" });

    const malformed = await api.post(path, { by: 'id', order: '{"status":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ success: false, errorMsg: 'Errors in the entity format' });

    const unknownStatus = await api.post(path, { by: 'id', order: { status: 'nope', orderType: 'missing' } });
    expect(unknownStatus.status).toBe(400);
    expect(unknownStatus.body).toEqual({
      success: false,
      errorMsg: 'Order is not loaded',
      errors: {
        status: '"Status" with "code"="nope" does not exist.',
        orderType: '"OrderType" with "code"="missing" does not exist.',
      },
    });
    const unchanged = sandbox.retailcrm.getOrder(code, Number(order.id));
    expect(unchanged?.status).toBe('new');

    const notFound = await api.post('/api/v5/orders/999999/edit', {
      by: 'id',
      order: { status: 'assembling' },
    });
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ success: false, errorMsg: 'Not found' });
  });

  it('treats items as the complete list, matching by id and by externalIds', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, {
      items: [
        { productName: 'A', initialPrice: 100, externalIds: [{ code: 'pos', value: 'a' }] },
        { productName: 'B', initialPrice: 200 },
        { productName: 'C', initialPrice: 300 },
      ],
    });
    const [a, b] = order.items as { id: number }[];
    const response = await api.post(`/api/v5/orders/${order.id}/edit`, {
      by: 'id',
      order: {
        items: [
          { externalIds: [{ code: 'pos', value: 'a' }], quantity: 3 },
          { id: b?.id, initialPrice: 250 },
          { productName: 'D', initialPrice: 50 },
        ],
      },
    });
    expect(response.status).toBe(200);
    const items = response.body.order.items as {
      id: number;
      productName: string;
      quantity: number;
      initialPrice: number;
    }[];
    expect(items.map((item) => [item.productName, item.quantity, item.initialPrice])).toEqual([
      ['A', 3, 100],
      ['B', 1, 250],
      ['D', 1, 50],
    ]);
    expect(items[0]?.id).toBe(a?.id);
    expect(response.body.order.summ).toBe(600);
    const fields = sandbox.retailcrm
      .history(code, { orderId: Number(order.id) })
      .map((entry) => entry.field as string);
    expect(fields).toEqual(
      expect.arrayContaining(['order_product.quantity', 'order_product.initial_price', 'order_product']),
    );
  });
});

describe('POST /api/v5/orders/create', () => {
  it('answers 201 with id and the order, payments as a list, fromApi true', async () => {
    const { api } = await account();
    const response = await api.post('/api/v5/orders/create', {
      site: 'main-shop',
      order: { ...ORDER, payments: [{ type: 'cash', amount: 950, status: 'paid' }] },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ success: true, id: expect.any(Number) });
    expect(response.body.order).toMatchObject({
      id: response.body.id,
      fromApi: true,
      prepaySum: 950,
      status: 'new',
    });
    expect(response.body.order.fullPaidAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(response.body.order.payments).toEqual([
      expect.objectContaining({ type: 'cash', status: 'paid', amount: 950 }),
    ]);
    const history = await api.get('/api/v5/orders/history', `filter[orderId]=${response.body.id}`);
    expect(history.body.history).toEqual([
      expect.objectContaining({ created: true, source: 'api', apiKey: { current: true }, field: 'status' }),
    ]);
  });
});

describe('GET /api/v5/orders/history', () => {
  it('records API changes with source api and apiKey.current only for the key that made them', async () => {
    const { code, api, other } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    await api.post(`/api/v5/orders/${order.id}/edit`, { by: 'id', order: { status: 'assembling' } });
    await other.post(`/api/v5/orders/${order.id}/edit`, { by: 'id', order: { managerComment: 'other key' } });

    const history = await api.get('/api/v5/orders/history', `filter[orderId]=${order.id}&limit=100`);
    expect(history.status).toBe(200);
    expect(history.body.generatedAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(history.body.pagination).toMatchObject({ limit: 100, currentPage: 1 });
    const [created, status, comment] = history.body.history;
    expect(created).toMatchObject({
      created: true,
      source: 'user',
      user: { id: 2 },
      field: 'status',
      oldValue: null,
      newValue: { code: 'new' },
    });
    expect(Array.isArray(created.order.payments)).toBe(true);
    expect(created.order.items).toHaveLength(2);
    expect(status).toMatchObject({
      source: 'api',
      apiKey: { current: true },
      field: 'status',
      oldValue: { code: 'new' },
      newValue: { code: 'assembling' },
      order: { id: order.id, externalId: 'ext-1', site: 'main-shop', status: 'assembling' },
    });
    expect(status.created).toBeUndefined();
    expect(comment).toMatchObject({ source: 'api', apiKey: { current: false }, field: 'manager_comment' });
    const fromOther = await other.get('/api/v5/orders/history', `filter[sinceId]=${created.id}`);
    expect(
      fromOther.body.history.map((entry: { apiKey: { current: boolean } }) => entry.apiKey.current),
    ).toEqual([false, true]);
  });

  it('pages through sinceId with ascending, monotonic ids', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    for (const status of ['assembling', 'delivering', 'complete']) {
      sandbox.retailcrm.setOrderStatus(code, Number(order.id), status);
    }
    const all = await api.get('/api/v5/orders/history');
    const ids = all.body.history.map((entry: { id: number }) => entry.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const since = await api.get('/api/v5/orders/history', `filter[sinceId]=${ids[1]}`);
    expect(since.body.history.map((entry: { id: number }) => entry.id)).toEqual(ids.slice(2));
    const nothing = await api.get('/api/v5/orders/history', `filter[sinceId]=${ids.at(-1)}`);
    expect(nothing.body.history).toEqual([]);
    expect(nothing.body.pagination).toMatchObject({ totalCount: 0, currentPage: 1 });
  });
});

describe('GET /api/v5/orders/statuses', () => {
  it('answers id, externalId, status and status group', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    sandbox.retailcrm.setOrderStatus(code, Number(order.id), 'delivering');
    const response = await api.get('/api/v5/orders/statuses', `ids[]=${order.id}&externalIds[]=missing`);
    expect(response.body).toEqual({
      success: true,
      orders: [{ id: order.id, externalId: 'ext-1', status: 'delivering', group: 'delivery' }],
    });
  });
});

describe('payments', () => {
  it('create answers 201 {id}, updates prepaySum/fullPaidAt and writes payments history', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    const created = await api.post('/api/v5/orders/payments/create', {
      payment: { order: { id: order.id }, type: 'bank-card', amount: 950, status: 'paid' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ success: true, id: expect.any(Number) });
    const read = await api.get(`/api/v5/orders/${order.id}`, 'by=id');
    expect(read.body.order.prepaySum).toBe(950);
    expect(read.body.order.fullPaidAt).toBeDefined();
    expect(read.body.order.payments[String(created.body.id)]).toMatchObject({
      status: 'paid',
      type: 'bank-card',
    });
    const history = sandbox.retailcrm.history(code, { orderId: Number(order.id) });
    expect(history.map((entry) => entry.field)).toEqual(['status', 'payments', 'prepay_sum', 'full_paid_at']);
    expect(history[1]).toMatchObject({
      source: 'api',
      oldValue: null,
      newValue: { id: created.body.id, type: 'bank-card' },
      payment: { id: created.body.id, type: 'bank-card', status: 'paid', amount: 950 },
    });
  });

  it('create refuses a payment without its order with the real error', async () => {
    const { api } = await account();
    const response = await api.post('/api/v5/orders/payments/create', {
      payment: { type: 'cash', amount: 1 },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      success: false,
      errorMsg: 'Errors in the entity format',
      errors: { order: 'Set one of the following fields: id, externalId, number' },
    });
  });

  it('edit needs by=id for internal ids, answers {id}, and delete removes the payment', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, ORDER);
    const payment = sandbox.retailcrm.addPayment(code, Number(order.id), { type: 'cash', amount: 950 });

    const defaultBy = await api.post(`/api/v5/orders/payments/${payment.id}/edit`, {
      payment: { status: 'paid' },
    });
    expect(defaultBy.status).toBe(404);
    expect(defaultBy.body).toEqual({ success: false, errorMsg: 'Payment not found' });

    const edited = await api.post(`/api/v5/orders/payments/${payment.id}/edit`, {
      by: 'id',
      payment: { status: 'paid', paidAt: '2026-05-01 12:30:00' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toEqual({ success: true, id: payment.id });
    const afterEdit = sandbox.retailcrm.getOrder(code, Number(order.id));
    expect(afterEdit?.prepaySum).toBe(950);
    const statusEntry = sandbox.retailcrm.history(code).find((entry) => entry.field === 'payments.status');
    expect(statusEntry).toMatchObject({ oldValue: { code: 'not-paid' }, newValue: { code: 'paid' } });

    const deleted = await api.post(`/api/v5/orders/payments/${payment.id}/delete`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true });
    const afterDelete = sandbox.retailcrm.getOrder(code, Number(order.id));
    expect(afterDelete?.payments).toEqual({});
    expect(afterDelete?.prepaySum).toBe(0);
    expect(afterDelete?.fullPaidAt).toBeUndefined();
    const again = await api.post(`/api/v5/orders/payments/${payment.id}/delete`);
    expect(again.status).toBe(404);
    expect(again.body.errorMsg).toBe('Payment not found');
  });
});

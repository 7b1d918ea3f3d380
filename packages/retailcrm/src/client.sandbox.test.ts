import { randomUUID } from 'node:crypto';
import { type Sandbox, startSandbox } from '@connector/sandbox';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRetailCrmClient, type RetailCrmClientOptions } from './client.js';
import { RetailCrmApiError, RetailCrmRateLimitError } from './errors.js';

/**
 * The client against the RetailCRM simulator (apps/sandbox): every method end to end, and the error
 * classes for the simulator's faithful failure answers. Each test creates its own account.
 */

let sandbox: Sandbox;
const silent = { debug: () => undefined, warn: () => undefined };

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

/**
 * The simulator enforces RetailCRM's 10 requests/s per account, as production does; the connector's
 * real limiter lives in the queue package, so tests pace their calls with this minimal one.
 */
function pacedLimiter(perSecond: number) {
  let nextSlot = 0;
  return {
    async acquire(): Promise<void> {
      const now = Date.now();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + 1000 / perSecond;
      if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
    },
  };
}

async function account(overrides: Partial<RetailCrmClientOptions> = {}) {
  const code = `client-${randomUUID().slice(0, 8)}`;
  const info = await sandbox.retailcrm.createAccount({ code });
  const apiKey = info.apiKeys[0]?.key ?? '';
  const crm = createRetailCrmClient({
    baseUrl: info.baseUrl,
    apiKey,
    allowedHosts: [new URL(info.baseUrl).host],
    timeZone: info.timezone,
    logger: silent,
    limiter: pacedLimiter(8),
    ...overrides,
  });
  return { code, info, apiKey, crm };
}

function createOrder(code: string) {
  return sandbox.retailcrm.createOrder(code, {
    externalId: `ext-${randomUUID().slice(0, 8)}`,
    firstName: 'Иван',
    phone: '+79990000000',
    shipmentStore: 'shop-center',
    items: [
      { productName: 'Пицца Маргарита', initialPrice: 650.5, quantity: 2 },
      { productName: 'Морс', initialPrice: 120, quantity: 1 },
    ],
    delivery: { code: 'courier', cost: 200, address: { text: 'ул. Ленина, 1' } },
  }) as { id: number; externalId: string; site: string };
}

describe('RetailCRM client against the simulator', () => {
  it('reads the account’s time zone from its settings', async () => {
    const code = `client-${randomUUID().slice(0, 8)}`;
    const info = await sandbox.retailcrm.createAccount({ code, timezone: 'Asia/Yekaterinburg' });
    const crm = createRetailCrmClient({
      baseUrl: info.baseUrl,
      apiKey: info.apiKeys[0]?.key ?? '',
      allowedHosts: [new URL(info.baseUrl).host],
      logger: silent,
    });
    expect(await crm.systemSettings()).toEqual({
      timeZone: 'Asia/Yekaterinburg',
      currency: 'RUB',
      language: 'RU',
    });
  });

  it('reads the key, the API versions and every reference book', async () => {
    const { crm } = await account();
    expect((await crm.credentials()).scopes).toEqual(expect.arrayContaining(['order_read', 'order_write']));
    expect(await crm.apiVersions()).toContain('5.0');
    expect((await crm.sites()).length).toBeGreaterThan(0);
    expect((await crm.stores()).map((s) => s.code)).toEqual(
      expect.arrayContaining(['shop-center', 'shop-south']),
    );
    expect(await crm.statuses()).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'cancel-other', group: 'cancel' })]),
    );
    const groups = await crm.statusGroups();
    expect(groups.find((g) => g.code === 'cancel')?.statuses).toEqual(
      expect.arrayContaining(['no-call', 'cancel-other']),
    );
    expect((await crm.paymentTypes()).map((p) => p.code)).toEqual(
      expect.arrayContaining(['cash', 'bank-card']),
    );
    expect((await crm.paymentStatuses()).find((s) => s.code === 'paid')?.paymentComplete).toBe(true);
    expect((await crm.deliveryTypes()).find((d) => d.code === 'courier')?.integrationCode).toBe('courier');
    expect((await crm.legalEntities())[0]?.INN).toMatch(/^\d{10,12}$/);
    expect((await crm.couriers()).map((c) => c.id)).toEqual([1, 2]);
  });

  it('lists user groups and the active members of a group, and reads a user', async () => {
    const { crm } = await account();
    expect((await crm.userGroups()).groups.map((g) => g.code)).toEqual(
      expect.arrayContaining(['manager', 'integration-errors']),
    );
    const { users } = await crm.listUsers({ groups: ['integration-errors'], active: true });
    expect(users.map((u) => u.id).sort()).toEqual([1, 2]);
    expect(await crm.getUser(2)).toMatchObject({ id: 2, firstName: 'Мария' });
  });

  it('gets, lists, edits an order and reads its status', async () => {
    const { code, crm } = await account();
    const created = createOrder(code);

    const order = await crm.getOrder(created.id);
    expect(order).toMatchObject({
      id: created.id,
      shipmentStore: 'shop-center',
      payments: [],
      customFields: {},
    });
    expect(order.items.map((i) => [i.quantity, i.initialPrice])).toEqual([
      [2, 650.5],
      [1, 120],
    ]);
    await expect(
      crm.getOrder(created.externalId, { by: 'externalId', site: created.site }),
    ).resolves.toMatchObject({
      id: created.id,
    });
    expect((await crm.listOrders({ ids: [created.id] })).orders.map((o) => o.id)).toEqual([created.id]);

    const edited = await crm.editOrder(created.id, {
      status: 'assembling',
      managerComment: 'из коннектора',
      delivery: { data: { courierId: 1 } },
    });
    expect(edited.order).toMatchObject({ status: 'assembling', managerComment: 'из коннектора' });
    expect(edited.order?.delivery?.data?.courierId).toBe(1);
    expect(await crm.orderStatuses({ ids: [created.id] })).toEqual([
      expect.objectContaining({ id: created.id, status: 'assembling', group: 'assembling' }),
    ]);
  });

  it('creates, edits and deletes a payment, seen as an array on the order', async () => {
    const { code, crm } = await account();
    const created = createOrder(code);
    const { id } = await crm.createPayment({
      order: { id: created.id },
      type: 'cash',
      amount: 0.1 + 0.2,
      status: 'not-paid',
      externalId: 'lifepos:pay-1',
    });
    await crm.editPayment(id, { status: 'paid', paidAt: new Date() });
    const paid = await crm.getOrder(created.id);
    expect(paid.payments).toEqual([
      expect.objectContaining({ id, type: 'cash', amount: 0.3, status: 'paid', externalId: 'lifepos:pay-1' }),
    ]);
    await crm.deletePayment(id);
    expect((await crm.getOrder(created.id)).payments).toEqual([]);
  });

  it('answers the existing payment when a create is repeated with its externalId, on that order only', async () => {
    const { code, crm } = await account();
    const created = createOrder(code);
    const other = createOrder(code);
    const payment = { type: 'cash', amount: 100, status: 'paid', externalId: 'lifepos-pay-1-cash' };
    const first = await crm.createPayment({ order: { id: created.id }, ...payment });
    expect(first).toEqual({ id: expect.any(Number), created: true });

    // The first answer was lost: the repeat finds the payment instead of failing, and makes no second one.
    await expect(crm.createPayment({ order: { id: created.id }, ...payment })).resolves.toEqual({
      id: first.id,
      created: false,
    });
    await expect(
      crm.createPayment({ order: { externalId: created.externalId }, ...payment }, { site: created.site }),
    ).resolves.toEqual({ id: first.id, created: false });
    expect((await crm.getOrder(created.id)).payments.map((p) => p.id)).toEqual([first.id]);

    // The same externalId on another order is not this order's payment: RetailCRM's refusal stands.
    const elsewhere = crm.createPayment({ order: { id: other.id }, ...payment });
    await expect(elsewhere).rejects.toBeInstanceOf(RetailCrmApiError);
    await expect(elsewhere).rejects.toMatchObject({ errors: { externalId: expect.any(String) } });
  });

  it('getTaskOrNull answers null for a task the account does not have', async () => {
    const { crm } = await account();
    expect(await crm.getTaskOrNull(987_654)).toBeNull();
  });

  it('creates a task and lists it by performer', async () => {
    const { code, crm } = await account();
    const created = createOrder(code);
    const { id } = await crm.createTask({
      text: 'Ошибка выгрузки заказа',
      commentary: 'LIFE POS: торговая точка не найдена',
      performerId: 2,
      order: { id: created.id },
      datetime: new Date(Date.now() + 3_600_000),
    });
    const { tasks } = await crm.listTasks({ performers: [2] });
    expect(tasks).toEqual([expect.objectContaining({ id, text: 'Ошибка выгрузки заказа', performer: 2 })]);
    expect(tasks[0]?.datetime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });

  it('pages the history after a cursor and marks our own writes with apiKey.current', async () => {
    const { code, crm } = await account();
    const created = createOrder(code);
    const start = (await crm.orderHistory({ limit: 100 })).history.at(-1)?.id ?? 0;
    await crm.editOrder(created.id, { status: 'assembling' });
    sandbox.retailcrm.setOrderStatus(code, created.id, 'delivering');

    const entries = [];
    for await (const page of crm.orderHistoryPages({ sinceId: start, limit: 20 }))
      entries.push(...page.history);
    const statusChanges = entries.filter((e) => e.field === 'status');
    expect(statusChanges.map((e) => [e.source, e.apiKey?.current ?? false, e.newValue])).toEqual([
      ['api', true, { code: 'assembling' }],
      ['user', false, { code: 'delivering' }],
    ]);
    expect(entries.every((e) => e.id > start && e.order.id === created.id)).toBe(true);
  });
});

describe('simulator failures → error classes', () => {
  it('maps a missing order to a permanent not-found error, or to null through getOrderOrNull', async () => {
    const { crm } = await account();
    await expect(crm.getOrder(987654)).rejects.toMatchObject({
      kind: 'permanent',
      code: 'retailcrm.not_found',
    });
    expect(await crm.getOrderOrNull(987654)).toBeNull();
  });

  it('maps an unknown status code on edit to a validation error with the field named', async () => {
    const { code, crm } = await account();
    const created = createOrder(code);
    const error = await crm.editOrder(created.id, { status: 'no-such-status' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetailCrmApiError);
    expect(error).toMatchObject({ kind: 'permanent', code: 'retailcrm.validation' });
    expect(Object.keys((error as RetailCrmApiError).errors)).toContain('status');
  });

  it('maps a wrong key to a permanent auth error', async () => {
    const { crm } = await account({ apiKey: 'wrong-key-123456' });
    await expect(crm.credentials()).rejects.toMatchObject({ kind: 'permanent', code: 'retailcrm.auth' });
  });

  it("maps an unknown account's answer to a permanent account-not-found error", async () => {
    const url = await sandbox.retailcrm.unknownAccountUrl();
    const crm = createRetailCrmClient({
      baseUrl: url,
      apiKey: 'any-key-123456',
      allowedHosts: [new URL(url).host],
      logger: silent,
    });
    await expect(crm.createTask({ text: 'x', performerId: 1 })).rejects.toMatchObject({
      kind: 'permanent',
      code: 'retailcrm.account_not_found',
    });
  });

  it('maps the rate limit to a deferred error', async () => {
    const { code, crm } = await account({ limiter: { acquire: async () => undefined } });
    sandbox.retailcrm.configure(code, { rateLimit: { enabled: true, perSecond: 1 } });
    const results = await Promise.allSettled([crm.sites(), crm.sites(), crm.sites(), crm.sites()]);
    const limited = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(limited.length).toBeGreaterThan(0);
    for (const error of limited) {
      expect(error).toBeInstanceOf(RetailCrmRateLimitError);
      expect(error).toMatchObject({ kind: 'deferred', delayMs: expect.any(Number) });
    }
  });
});

// Section names («…») and gap ids (CRM-n) in the test names are those of docs/RETAILCRM-API.md.
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

async function account(input: Partial<AccountInput> = {}) {
  counter += 1;
  const code = `directory-${counter}`;
  const info = await sandbox.retailcrm.createAccount({
    code,
    apiKeys: [{ key: `key-${code}` }],
    settings: { rateLimit: { enabled: false } },
    ...input,
  });
  return { code, info, api: new RcTestClient(info.baseUrl, `key-${code}`) };
}

describe('tasks', () => {
  it('POST /api/v5/tasks/create answers 201 {id}; GET /api/v5/tasks and /tasks/{id} read it back', async () => {
    const { code, api } = await account();
    const order = sandbox.retailcrm.createOrder(code, { externalId: 'task-order' });
    const created = await api.post('/api/v5/tasks/create', {
      task: {
        text: 'Ошибка выгрузки заказа в LIFE POS',
        commentary: 'Проверьте торговую точку',
        datetime: '2026-05-01 12:30',
        performerId: 2,
        order: { id: order.id },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ success: true, id: expect.any(Number) });

    const list = await api.get('/api/v5/tasks', 'filter[performers][]=2');
    expect(list.status).toBe(200);
    expect(list.body.pagination).toEqual({ limit: 20, totalCount: 1, currentPage: 1, totalPageCount: 1 });
    expect(list.body.tasks).toEqual([
      {
        id: created.body.id,
        text: 'Ошибка выгрузки заказа в LIFE POS',
        commentary: 'Проверьте торговую точку',
        datetime: '2026-05-01 12:30',
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
        complete: false,
        performer: 2,
        performerType: 'user',
        order: { id: order.id, number: order.number, externalId: 'task-order' },
      },
    ]);
    expect((await api.get('/api/v5/tasks', 'filter[performers][]=1')).body.tasks).toEqual([]);
    expect((await api.get('/api/v5/tasks', 'filter[status]=completed')).body.tasks).toEqual([]);
    const one = await api.get(`/api/v5/tasks/${created.body.id}`);
    expect(one.body.task.id).toBe(created.body.id);
    expect(sandbox.retailcrm.tasks(code)).toHaveLength(1);
  });

  it('refuses a task without performerId with Task is not loaded, and a bad deadline format', async () => {
    const { api } = await account();
    const missing = await api.post('/api/v5/tasks/create', { task: { text: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      success: false,
      errorMsg: 'Task is not loaded',
      errors: { performerId: 'This value should not be blank.' },
    });
    const badDate = await api.post('/api/v5/tasks/create', {
      task: { text: 'x', performerId: 2, datetime: '2026-05-01 12:30:00' },
    });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors).toEqual({ datetime: 'This value is not valid.' });
  });

  it('accepts group tasks (performerType group) unless switched off (gap CRM-4)', async () => {
    const { code, api } = await account();
    const task = { text: 'Группе', performerType: 'group', performerId: 4 };
    const accepted = await api.post('/api/v5/tasks/create', { task });
    expect(accepted.status).toBe(201);
    expect(sandbox.retailcrm.tasks(code)[0]).toMatchObject({ performer: 4, performerType: 'group' });
    sandbox.retailcrm.configure(code, { allowGroupTasks: false });
    const refused = await api.post('/api/v5/tasks/create', { task });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      errorMsg: 'Task is not loaded',
      errors: { performerType: 'This value is not valid.' },
    });
  });
});

describe('users and groups', () => {
  it('GET /api/v5/users filters by group codes and active flag', async () => {
    const { api } = await account();
    const response = await api.get('/api/v5/users', 'filter[groups][]=integration-errors&filter[active]=1');
    expect(response.status).toBe(200);
    expect(response.body.pagination).toMatchObject({ limit: 20, totalCount: 2 });
    expect(response.body.users.map((user: { id: number }) => user.id)).toEqual([1, 2]);
    expect(response.body.users[1]).toMatchObject({
      id: 2,
      active: true,
      email: 'manager@shop.example.ru',
      isManager: true,
      groups: expect.arrayContaining([{ id: 4, name: 'Ошибки интеграции', code: 'integration-errors' }]),
    });
    const inactive = await api.get('/api/v5/users', 'filter[active]=0');
    expect(inactive.body.users.map((user: { id: number }) => user.id)).toEqual([3]);
  });

  it('GET /api/v5/users/{id} answers the user or 404 Not found', async () => {
    const { api } = await account();
    expect((await api.get('/api/v5/users/1')).body).toMatchObject({
      success: true,
      user: { id: 1, isAdmin: true },
    });
    const missing = await api.get('/api/v5/users/999');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ success: false, errorMsg: 'Not found' });
  });

  it('GET /api/v5/user-groups pages the groups', async () => {
    const { api } = await account();
    const response = await api.get('/api/v5/user-groups');
    expect(response.body.pagination).toEqual({ limit: 20, totalCount: 4, currentPage: 1, totalPageCount: 1 });
    expect(response.body.groups).toContainEqual(
      expect.objectContaining({ id: 3, code: 'couriers', isDeliveryMen: true }),
    );
  });
});

describe('reference books', () => {
  it('prints code-keyed books as objects and list books as arrays («Reference books»)', async () => {
    const { api } = await account();
    const keyed = {
      sites: 'sites',
      statuses: 'statuses',
      'status-groups': 'statusGroups',
      'payment-types': 'paymentTypes',
      'payment-statuses': 'paymentStatuses',
      'delivery-types': 'deliveryTypes',
      'order-types': 'orderTypes',
      'order-methods': 'orderMethods',
    };
    for (const [path, key] of Object.entries(keyed)) {
      const response = await api.get(`/api/v5/reference/${path}`);
      expect(response.status).toBe(200);
      const book = response.body[key];
      expect(Array.isArray(book)).toBe(false);
      for (const [code, item] of Object.entries(book)) expect(item).toMatchObject({ code });
    }
    for (const [path, key] of Object.entries({
      stores: 'stores',
      'legal-entities': 'legalEntities',
      couriers: 'couriers',
    })) {
      const response = await api.get(`/api/v5/reference/${path}`);
      expect(Array.isArray(response.body[key])).toBe(true);
      expect(response.body[key].length).toBeGreaterThan(0);
    }
  });

  it('carries the realistic defaults a connector relies on', async () => {
    const { api } = await account();
    const statuses = (await api.get('/api/v5/reference/statuses')).body.statuses;
    expect(statuses['delyvery-did-not-suit']).toMatchObject({ group: 'cancel', active: true });
    const groups = (await api.get('/api/v5/reference/status-groups')).body.statusGroups;
    expect(groups.assembling).toMatchObject({
      process: true,
      statuses: ['send-to-assembling', 'assembling', 'assembling-complete'],
    });
    const paymentStatuses = (await api.get('/api/v5/reference/payment-statuses')).body.paymentStatuses;
    expect(paymentStatuses.paid.paymentComplete).toBe(true);
    const stores = (await api.get('/api/v5/reference/stores')).body.stores;
    expect(stores).toContainEqual(
      expect.objectContaining({ code: 'shop-center', type: 'store-type-retail' }),
    );
    const sites = (await api.get('/api/v5/reference/sites')).body.sites;
    expect(sites['main-shop'].contragent).toMatchObject({ code: 'main-entity', INN: '7701234567' });
    const entities = (await api.get('/api/v5/reference/legal-entities')).body.legalEntities;
    expect(entities[0]).toMatchObject({
      INN: '7701234567',
      contragentType: 'legal-entity',
      vatRate: '20.00',
    });
    const delivery = (await api.get('/api/v5/reference/delivery-types')).body.deliveryTypes;
    expect(delivery.courier.integrationCode).toBe('courier');
    const couriers = (await api.get('/api/v5/reference/couriers')).body.couriers;
    expect(couriers[0]).toEqual({
      id: 1,
      firstName: 'Иван',
      lastName: 'Петров',
      active: true,
      phone: { number: '+79161112233' },
    });
  });

  it('prints an empty keyed book as [] (PHP empty array), and seeding upserts entries', async () => {
    const { code, api } = await account({ defaults: false, sites: [{ code: 'only', name: 'Only' }] });
    const empty = await api.get('/api/v5/reference/statuses');
    expect(empty.text).toContain('"statuses":[]');
    const noStores = await api.get('/api/v5/reference/stores');
    expect(noStores.body.stores).toEqual([]);
    sandbox.retailcrm.seed(code, {
      statusGroups: [{ code: 'new', name: 'Новый' }],
      statuses: [{ code: 'new', name: 'Новый', group: 'new' }],
      stores: [{ code: 'kiosk', name: 'Киоск' }],
    });
    expect((await api.get('/api/v5/reference/statuses')).body.statuses).toEqual({
      new: { code: 'new', name: 'Новый', group: 'new', active: true, ordering: 10 },
    });
    expect((await api.get('/api/v5/reference/stores')).body.stores).toEqual([
      { code: 'kiosk', name: 'Киоск', type: 'store-type-retail', inventoryType: 'integer', active: true },
    ]);
  });
});

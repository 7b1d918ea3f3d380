// Gap ids (CRM-n) in the test names are those of docs/RETAILCRM-API.md.
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

async function account(input: Partial<AccountInput> = {}, rateLimited = false) {
  counter += 1;
  const code = `access-${counter}`;
  const info = await sandbox.retailcrm.createAccount({
    code,
    apiKeys: [{ key: `key-${code}` }],
    settings: { rateLimit: { enabled: rateLimited } },
    ...input,
  });
  return { code, info, api: new RcTestClient(info.baseUrl, `key-${code}`) };
}

describe('unversioned methods', () => {
  it('GET /api/api-versions lists 3.0, 4.0 and 5.0', async () => {
    const { api } = await account();
    const response = await api.get('/api/api-versions');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, versions: ['3.0', '4.0', '5.0'] });
  });

  it('GET /api/v5/settings gives the account’s time zone, currency and language', async () => {
    const { api } = await account({ timezone: 'Asia/Vladivostok', apiKeys: [{ key: 'narrow', scopes: [] }] });
    const response = await new RcTestClient(api.baseUrl, 'narrow').get('/api/v5/settings');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      settings: {
        default_currency: {
          value: 'RUB',
          updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
        },
        system_language: { value: 'RU', updated_at: expect.any(String) },
        timezone: { value: 'Asia/Vladivostok', updated_at: expect.any(String) },
        work_times: [],
        non_working_days: [],
      },
    });
    expect((await new RcTestClient(api.baseUrl, 'wrong').get('/api/v5/settings')).status).toBe(403);
  });

  it('GET /api/credentials reports the key scopes, site access and the deprecated credentials list', async () => {
    const { info } = await account({
      sites: [
        { code: 'shop-a', name: 'A' },
        { code: 'shop-b', name: 'B' },
      ],
      apiKeys: [
        { key: 'full', scopes: ['order_read', 'reference_read'] },
        { key: 'selective', siteAccess: 'access_selective', sitesAvailable: ['shop-b'] },
      ],
    });
    const full = await new RcTestClient(info.baseUrl, 'full').get('/api/credentials');
    expect(full.status).toBe(200);
    expect(full.body).toEqual({
      success: true,
      scopes: ['order_read', 'reference_read'],
      credentials: expect.arrayContaining(['/api/orders', '/api/reference/sites']),
      siteAccess: 'access_full',
      sitesAvailable: ['shop-a', 'shop-b'],
    });
    const selective = await new RcTestClient(info.baseUrl, 'selective').get('/api/credentials');
    expect(selective.body).toMatchObject({ siteAccess: 'access_selective', sitesAvailable: ['shop-b'] });
    // The connector's default key has no integration_* scopes (docs/RETAILCRM-API.md, «Key scopes»).
    expect(selective.body.scopes).toEqual(
      expect.arrayContaining(['order_write', 'payments_write', 'task_write']),
    );
    expect(selective.body.scopes).not.toContain('integration_read');
  });

  it('GET /api/system-info answers the public and technical URLs', async () => {
    const { code, api } = await account();
    const response = await api.get('/api/system-info');
    expect(response.body).toMatchObject({
      success: true,
      publicUrl: `https://${code}.retailcrm.ru`,
      technicalUrl: expect.stringMatching(/\.retailcrm\.io$/),
    });
  });
});

describe('authentication and scopes', () => {
  it('takes the key from X-API-KEY (any case), the apiKey query parameter or the apiKey form field', async () => {
    const { code, info } = await account();
    const anonymous = new RcTestClient(info.baseUrl);
    const header = await fetch(`${info.baseUrl}/api/v5/orders`, { headers: { 'x-api-key': `key-${code}` } });
    expect(header.status).toBe(200);
    expect((await anonymous.get('/api/v5/orders', `apiKey=key-${code}`)).status).toBe(200);
    const order = sandbox.retailcrm.createOrder(code, {});
    const form = await anonymous.post(`/api/v5/orders/${order.id}/edit`, {
      apiKey: `key-${code}`,
      by: 'id',
      order: { managerComment: 'x' },
    });
    expect(form.status).toBe(200);
  });

  it('answers the exact strings for a missing and a wrong key', async () => {
    const { info } = await account();
    const missing = await new RcTestClient(info.baseUrl).get('/api/v5/orders');
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ success: false, errorMsg: '"apiKey" is missing.' });
    const wrong = await new RcTestClient(info.baseUrl, 'nope').get('/api/credentials');
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ success: false, errorMsg: 'Wrong "apiKey" value.' });
  });

  it('refuses a method outside the key scopes with Access denied.', async () => {
    const { info } = await account({ apiKeys: [{ key: 'reader', scopes: ['order_read'] }] });
    const api = new RcTestClient(info.baseUrl, 'reader');
    expect((await api.get('/api/v5/orders')).status).toBe(200);
    for (const response of [
      await api.get('/api/v5/users'),
      await api.get('/api/v5/tasks'),
      await api.get('/api/v5/reference/statuses'),
      await api.post('/api/v5/orders/1/edit', { by: 'id', order: {} }),
      await api.post('/api/v5/tasks/create', { task: { performerId: 1 } }),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ success: false, errorMsg: 'Access denied.' });
    }
  });

  it('lets either order_write or payments_write manage payments, switchable to one of them (gap CRM-3)', async () => {
    const { code, info } = await account({
      apiKeys: [
        { key: 'orders-only', scopes: ['order_read', 'order_write'] },
        { key: 'payments-only', scopes: ['order_read', 'payments_write'] },
      ],
    });
    const order = sandbox.retailcrm.createOrder(code, { items: [{ productName: 'A', initialPrice: 10 }] });
    const pay = (key: string) =>
      new RcTestClient(info.baseUrl, key).post('/api/v5/orders/payments/create', {
        payment: { order: { id: order.id }, type: 'cash' },
      });
    expect((await pay('orders-only')).status).toBe(201);
    expect((await pay('payments-only')).status).toBe(201);
    sandbox.retailcrm.configure(code, { scopeRules: { 'payments.write': ['payments_write'] } });
    const denied = await pay('orders-only');
    expect(denied.status).toBe(403);
    expect(denied.body.errorMsg).toBe('Access denied.');
    expect((await pay('payments-only')).status).toBe(201);
  });

  it('can guard /reference/stores with store_read instead of reference_read (gap CRM-3)', async () => {
    const { code, info } = await account({ apiKeys: [{ key: 'ref', scopes: ['reference_read'] }] });
    const api = new RcTestClient(info.baseUrl, 'ref');
    expect((await api.get('/api/v5/reference/stores')).status).toBe(200);
    sandbox.retailcrm.configure(code, { scopeRules: { 'reference.stores': ['store_read'] } });
    expect((await api.get('/api/v5/reference/stores')).status).toBe(403);
  });
});

describe('routing errors', () => {
  it('answers 404 API method not found for an unknown path and 405 Method Not Allowed for a wrong verb', async () => {
    const { api } = await account();
    const unknown = await api.get('/api/v5/integration-modules-nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, errorMsg: 'API method not found' });
    const wrongVerb = await api.get('/api/v5/orders/payments/1/delete');
    expect(wrongVerb.status).toBe(405);
    expect(wrongVerb.body).toEqual({ success: false, errorMsg: 'Method Not Allowed' });
  });
});

describe('unknown account', () => {
  it('unknownAccountUrl() answers every request with the HTML 405 page', async () => {
    const url = await sandbox.retailcrm.unknownAccountUrl();
    const client = new RcTestClient(url, 'whatever');
    for (const response of [
      await client.get('/api/credentials'),
      await client.post('/api/v5/orders/1/edit', {}),
    ]) {
      expect(response.status).toBe(405);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.text.startsWith('<html>')).toBe(true);
      expect(response.text).toContain('405 Not Allowed');
      expect(response.body).toBeUndefined();
    }
  });

  it('a deleted account answers like an unknown one', async () => {
    const { code, api } = await account();
    expect((await api.get('/api/credentials')).status).toBe(200);
    sandbox.retailcrm.deleteAccount(code);
    const response = await api.get('/api/credentials');
    expect(response.status).toBe(405);
    expect(response.text).toContain('<center>nginx</center>');
  });
});

describe('rate limit (10 requests/s per account)', () => {
  it('answers the 11th request within one second with 503 and the JSON body', async () => {
    const { api } = await account({}, true);
    const responses = await Promise.all(Array.from({ length: 11 }, () => api.get('/api/credentials')));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(10).fill(200), 503]);
    const limited = responses.find((response) => response.status === 503);
    expect(limited?.body).toEqual({ success: false, errorMsg: 'Rate limit exceeded' });
    expect(limited?.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('counts per account: another account is not limited by the first', async () => {
    const first = await account({}, true);
    const second = await account({}, true);
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => first.api.get('/api/credentials')),
      ...Array.from({ length: 10 }, () => second.api.get('/api/credentials')),
    ]);
    expect(results.every((response) => response.status === 200)).toBe(true);
  });

  it('can answer 429 instead, or be switched off', async () => {
    const { code, api } = await account({}, true);
    sandbox.retailcrm.configure(code, { rateLimit: { status: 429 } });
    const limited = await Promise.all(Array.from({ length: 11 }, () => api.get('/api/credentials')));
    const refused = limited.filter((response) => response.status === 429);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.body).toEqual({ success: false, errorMsg: 'Rate limit exceeded' });

    sandbox.retailcrm.configure(code, { rateLimit: { enabled: false } });
    const free = await Promise.all(Array.from({ length: 15 }, () => api.get('/api/credentials')));
    expect(free.every((response) => response.status === 200)).toBe(true);
  });
});

describe('latency and injected faults', () => {
  it('delays every answer of an account by its simulated latency', async () => {
    const { code, api } = await account();
    sandbox.retailcrm.configure(code, { latencyMs: 150 });
    const started = performance.now();
    const response = await api.get('/api/credentials');
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("renders FaultInjector errors in RetailCRM's envelope", async () => {
    const { api } = await account();
    const rule = sandbox.faults.add({
      system: 'retailcrm',
      path: '^/api/v5/users$',
      errorRate: 1,
      errorStatus: 503,
      count: 1,
    });
    try {
      const faulted = await api.get('/api/v5/users');
      expect(faulted.status).toBe(503);
      expect(faulted.body).toEqual({ success: false, errorMsg: 'Rate limit exceeded' });
      expect((await api.get('/api/v5/users')).status).toBe(200);
    } finally {
      sandbox.faults.remove(rule.id);
    }
  });

  it('records requests in the shared request log with the account as tenant and the key redacted', async () => {
    const { code, api } = await account();
    await api.get('/api/v5/orders', `apiKey=key-${code}&filter[ids][]=1`);
    const logged = sandbox.requestLog.list({ system: 'retailcrm', tenant: code });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ method: 'GET', path: '/api/v5/orders', status: 200 });
    expect(logged[0]?.query).toMatchObject({ apiKey: '[REDACTED]', filter: { ids: ['1'] } });
  });
});

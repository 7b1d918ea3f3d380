import type { AddressInfo } from 'node:net';
import { DeferredError, errorKind } from '@connector/domain';
import { freePort } from '@connector/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import express, { type Request, type Response } from 'express';
import type { HostLookup } from './allowed-url.js';
import { assertAllowedRetailCrmUrl } from './allowed-url.js';
import { createRetailCrmClient, type RetailCrmClientOptions } from './client.js';
import {
  RetailCrmApiError,
  RetailCrmRateLimitError,
  RetailCrmUnavailableError,
  RetailCrmUrlNotAllowedError,
} from './errors.js';

/**
 * The client against a small local HTTP server: what goes on the wire (paths, bracket queries,
 * urlencoded bodies, headers) and how answers map to error classes. The full simulator is exercised in
 * client.sandbox.test.ts.
 */

const API_KEY = 'test-key-4f9a1c2e7b';

interface Recorded {
  method: string;
  url: string;
  path: string;
  query: string;
  headers: Request['headers'];
  body: string | undefined;
}

type Route = (req: Request, res: Response) => void;

const routes = new Map<string, Route>();
const recorded: Recorded[] = [];
let connections = 0;
const held: Response[] = [];
let server: ReturnType<ReturnType<typeof express>['listen']>;
let port: number;
let origin: string;

interface LogRecord {
  level: string;
  message: string;
  meta: Record<string, unknown>;
}
let logs: LogRecord[] = [];
const logger = {
  debug: (message: string, meta: Record<string, unknown>) => logs.push({ level: 'debug', message, meta }),
  warn: (message: string, meta: Record<string, unknown>) => logs.push({ level: 'warn', message, meta }),
};

function route(method: string, path: string, handler: Route): void {
  routes.set(`${method} ${path}`, handler);
}

function client(overrides: Partial<RetailCrmClientOptions> = {}) {
  return createRetailCrmClient({
    baseUrl: origin,
    apiKey: API_KEY,
    allowedHosts: [`127.0.0.1:${port}`],
    logger,
    timeZone: 'Europe/Moscow',
    ...overrides,
  });
}

const fixtureOrder = {
  id: 6722,
  number: '8123522898559160',
  externalId: '8123522898559160',
  site: 'aliexpress',
  status: 'delivering',
  createdAt: '2020-12-29 17:35:08',
  summ: 1,
  totalSumm: 1,
  items: [{ id: 10114, initialPrice: 1, quantity: 1, offer: { name: 'Test product' }, properties: [] }],
  payments: { '4326': { id: 4326, type: 'bank-card', amount: 0, paidAt: '2020-12-29 17:35:12' } },
  customFields: [],
};

beforeAll(async () => {
  const app = express();
  app.use(express.text({ type: () => true }));
  app.use((req, res) => {
    const [path = '', query = ''] = req.originalUrl.split('?');
    recorded.push({
      method: req.method,
      url: req.originalUrl,
      path,
      query,
      headers: req.headers,
      body: typeof req.body === 'string' ? req.body : undefined,
    });
    const handler = routes.get(`${req.method} ${path}`);
    if (handler) handler(req, res);
    else res.status(404).json({ success: false, errorMsg: 'API method not found' });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', () => {
    connections += 1;
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  routes.clear();
  recorded.length = 0;
  logs = [];
});

describe('requests on the wire', () => {
  it('reads the account settings (the fixture’s shape); a zone Intl does not know is left out', async () => {
    const settings = (timezone: string) => ({
      success: true,
      settings: {
        default_currency: { value: 'RUB', updated_at: '2020-12-02 14:54:16' },
        system_language: { value: 'RU', updated_at: '2020-02-19 16:29:25' },
        timezone: { value: timezone, updated_at: '2021-02-08 08:29:40' },
        work_times: [{ day_type: 'Monday', start_time: '08:00', end_time: '20:30' }],
        mg: { order_creation: { default: { site: 'site' } } },
      },
    });
    let zone = 'Asia/Novosibirsk';
    route('GET', '/api/v5/settings', (_req, res) => {
      res.json(settings(zone));
    });
    const crm = client();
    await expect(crm.systemSettings()).resolves.toEqual({
      timeZone: 'Asia/Novosibirsk',
      currency: 'RUB',
      language: 'RU',
    });
    zone = 'Mars/Olympus';
    await expect(crm.systemSettings()).resolves.toMatchObject({ timeZone: undefined, currency: 'RUB' });
  });

  it('sends the key only in X-API-KEY, a request id, and JSON accept; `by` is always explicit', async () => {
    route('GET', '/api/v5/orders/6722', (_req, res) => {
      res.json({ success: true, order: fixtureOrder });
    });
    const order = await client().getOrder(6722);

    expect(order.payments).toEqual([
      { id: 4326, type: 'bank-card', amount: 0, paidAt: '2020-12-29 17:35:12' },
    ]);
    expect(order.customFields).toEqual({});
    const [request] = recorded;
    expect(request).toMatchObject({ method: 'GET', path: '/api/v5/orders/6722', query: 'by=id' });
    expect(request?.headers['x-api-key']).toBe(API_KEY);
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(request?.url).not.toContain(API_KEY);
    expect(request?.url).not.toContain('apiKey');
  });

  it('gets by externalId with a site and escapes the id in the path', async () => {
    route('GET', '/api/v5/orders/A%2F1%20%D0%96', (_req, res) => {
      res.json({ success: true, order: fixtureOrder });
    });
    await client().getOrder('A/1 Ж', { by: 'externalId', site: 'aliexpress' });
    expect(recorded[0]?.query).toBe('by=externalId&site=aliexpress');
  });

  it('lists orders with filters in bracket syntax and decodes pagination', async () => {
    route('GET', '/api/v5/orders', (_req, res) => {
      res.json({
        success: true,
        pagination: { limit: 50, totalCount: 51, currentPage: 2, totalPageCount: 2 },
        orders: [fixtureOrder],
      });
    });
    const result = await client().listOrders(
      { ids: [1, 2], extendedStatus: ['new', 'assembling'], customFields: { nps: { min: 5 } } },
      { page: 2, limit: 50 },
    );
    expect(recorded[0]?.query).toBe(
      'filter[ids][]=1&filter[ids][]=2&filter[extendedStatus][]=new&filter[extendedStatus][]=assembling&filter[customFields][nps][min]=5&page=2&limit=50',
    );
    expect(result.pagination).toEqual({ limit: 50, totalCount: 51, currentPage: 2, totalPageCount: 2 });
    expect(result.orders.map((o) => o.id)).toEqual([6722]);
  });

  it('sends an instant in an order list date range as the account’s date', async () => {
    route('GET', '/api/v5/orders', (_req, res) => {
      res.json({
        success: true,
        pagination: { limit: 100, totalCount: 0, currentPage: 1, totalPageCount: 0 },
        orders: [],
      });
    });
    // 22:30 UTC on 30 April is 01:30 on 1 May in Moscow.
    await client().listOrders(
      { statusUpdatedAtFrom: new Date('2026-04-30T22:30:00Z'), createdAtTo: '2026-05-02' },
      { limit: 100 },
    );
    expect(recorded[0]?.query).toBe(
      'filter[statusUpdatedAtFrom]=2026-05-01&filter[createdAtTo]=2026-05-02&limit=100',
    );
    expect(client().timeZone).toBe('Europe/Moscow');
  });

  it('edits an order with a urlencoded body: `by`, `site` and the JSON-string `order`', async () => {
    route('POST', '/api/v5/orders/6722/edit', (_req, res) => {
      res.json({ success: true, id: 6722, order: { ...fixtureOrder, status: 'assembling' } });
    });
    const result = await client().editOrder(
      6722,
      {
        status: 'assembling',
        shipmentDate: new Date('2026-05-01T21:30:00Z'),
        delivery: { cost: 0.1 + 0.2, data: { courierId: 7 } },
        customFields: { pos_receipt: 'Чек №1' },
      },
      { site: 'aliexpress' },
    );
    expect(result.order?.status).toBe('assembling');
    const [request] = recorded;
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(request?.body);
    expect([...form.keys()]).toEqual(['by', 'site', 'order']);
    expect(form.get('by')).toBe('id');
    expect(form.get('site')).toBe('aliexpress');
    expect(JSON.parse(form.get('order') ?? '')).toEqual({
      status: 'assembling',
      shipmentDate: '2026-05-02',
      delivery: { cost: 0.3, data: { courierId: 7 } },
      customFields: { pos_receipt: 'Чек №1' },
    });
  });

  it('treats an edit as done even when the echoed order cannot be decoded', async () => {
    route('POST', '/api/v5/orders/6722/edit', (_req, res) => {
      res.json({ success: true, id: 6722, order: { id: 'not-a-number' } });
    });
    await expect(client().editOrder(6722, { managerComment: 'ok' })).resolves.toEqual({
      id: 6722,
      order: undefined,
    });
  });

  it('creates, edits and deletes payments (amounts rounded to kopecks, dates in the account zone)', async () => {
    route('POST', '/api/v5/orders/payments/create', (_req, res) => {
      res.status(201).json({ success: true, id: 77 });
    });
    route('POST', '/api/v5/orders/payments/77/edit', (_req, res) => {
      res.json({ success: true, id: 77 });
    });
    route('POST', '/api/v5/orders/payments/77/delete', (_req, res) => {
      res.json({ success: true });
    });
    const crm = client();
    await expect(
      crm.createPayment(
        {
          order: { id: 6722 },
          type: 'cash',
          amount: 0.1 + 0.2,
          status: 'paid',
          paidAt: new Date('2026-05-01T21:05:07Z'),
          externalId: 'lifepos:pay-1',
        },
        { site: 'aliexpress' },
      ),
    ).resolves.toEqual({ id: 77, created: true });
    await crm.editPayment(77, { status: 'paid', paidAt: '2026-05-02 00:10:00' });
    await crm.deletePayment(77);

    const [create, edit, remove] = recorded.map((r) => new URLSearchParams(r.body));
    expect(create?.get('site')).toBe('aliexpress');
    expect(JSON.parse(create?.get('payment') ?? '')).toEqual({
      order: { id: 6722 },
      type: 'cash',
      amount: 0.3,
      status: 'paid',
      paidAt: '2026-05-02 00:05:07',
      externalId: 'lifepos:pay-1',
    });
    expect(edit?.get('by')).toBe('id');
    expect(JSON.parse(edit?.get('payment') ?? '')).toEqual({ status: 'paid', paidAt: '2026-05-02 00:10:00' });
    expect(recorded[2]?.path).toBe('/api/v5/orders/payments/77/delete');
    expect(remove?.get('id')).toBe('77');
  });

  it('creates a task with a `Y-m-d H:i` deadline and lists tasks and users by filter', async () => {
    route('POST', '/api/v5/tasks/create', (_req, res) => {
      res.status(201).json({ success: true, id: 220 });
    });
    route('GET', '/api/v5/tasks', (_req, res) => {
      res.json({
        success: true,
        pagination: { limit: 20, totalCount: 1, currentPage: 1, totalPageCount: 1 },
        tasks: [
          {
            id: 220,
            text: 'Ошибка выгрузки',
            datetime: '2026-05-02 09:00',
            complete: false,
            performer: 27,
            performerType: 'user',
          },
        ],
      });
    });
    route('GET', '/api/v5/users', (_req, res) => {
      res.json({
        success: true,
        pagination: { limit: 100, totalCount: 1, currentPage: 1, totalPageCount: 1 },
        users: [
          { id: 27, active: true, firstName: 'Анна', groups: [{ id: 3, name: 'Ошибки', code: 'errors' }] },
        ],
      });
    });
    const crm = client();
    await expect(
      crm.createTask({
        text: 'Ошибка выгрузки заказа 7141C',
        commentary: 'LIFE POS: outlet not found',
        performerId: 27,
        order: { id: 6722 },
        datetime: new Date('2026-05-02T06:00:00Z'),
      }),
    ).resolves.toEqual({ id: 220 });
    const tasks = await crm.listTasks({ performers: [27], status: 'performing' });
    const users = await crm.listUsers({ groups: ['errors'], active: true }, { limit: 100 });

    expect(JSON.parse(new URLSearchParams(recorded[0]?.body).get('task') ?? '')).toEqual({
      text: 'Ошибка выгрузки заказа 7141C',
      commentary: 'LIFE POS: outlet not found',
      performerId: 27,
      order: { id: 6722 },
      datetime: '2026-05-02 09:00',
    });
    expect(recorded[1]?.query).toBe('filter[performers][]=27&filter[status]=performing');
    expect(recorded[2]?.query).toBe('filter[groups][]=errors&filter[active]=1&limit=100');
    expect(tasks.tasks[0]).toMatchObject({ id: 220, performer: 27 });
    expect(users.users[0]?.groups).toEqual([{ id: 3, name: 'Ошибки', code: 'errors' }]);
  });

  it('calls the unversioned utility methods under /api and reference books under /api/v5/reference', async () => {
    route('GET', '/api/credentials', (_req, res) => {
      res.json({
        success: true,
        scopes: ['order_read', 'order_write'],
        siteAccess: 'access_full',
        credentials: [],
      });
    });
    route('GET', '/api/api-versions', (_req, res) => {
      res.json({ success: true, versions: ['3.0', '4.0', '5.0'] });
    });
    route('GET', '/api/v5/reference/statuses', (_req, res) => {
      res.json({
        success: true,
        statuses: { new: { code: 'new', name: 'Новый', group: 'new', active: true } },
      });
    });
    route('GET', '/api/v5/reference/couriers', (_req, res) => {
      res.json({ success: true, couriers: [{ id: 7, firstName: 'Иван', active: true }] });
    });
    const crm = client();
    await expect(crm.credentials()).resolves.toMatchObject({
      scopes: ['order_read', 'order_write'],
      sitesAvailable: [],
    });
    await expect(crm.apiVersions()).resolves.toEqual(['3.0', '4.0', '5.0']);
    await expect(crm.statuses()).resolves.toEqual([
      { code: 'new', name: 'Новый', group: 'new', active: true },
    ]);
    await expect(crm.couriers()).resolves.toMatchObject([{ id: 7 }]);
    expect(recorded.map((r) => r.path)).toEqual([
      '/api/credentials',
      '/api/api-versions',
      '/api/v5/reference/statuses',
      '/api/v5/reference/couriers',
    ]);
  });

  it('pages history by re-querying with the last id as sinceId until the last page', async () => {
    const all = [1, 2, 3, 4, 5].map((id) => ({
      id,
      createdAt: '2026-05-01 10:00:00',
      source: 'user',
      field: 'status',
      oldValue: null,
      newValue: { code: 'new' },
      order: { id: 100 + id, site: 'aliexpress', status: 'new' },
    }));
    route('GET', '/api/v5/orders/history', (req, res) => {
      const since = Number(new URLSearchParams(req.originalUrl.split('?')[1]).get('filter[sinceId]') ?? 0);
      const rest = all.filter((entry) => entry.id > since);
      res.json({
        success: true,
        generatedAt: '2026-05-01 10:00:05',
        pagination: {
          limit: 2,
          totalCount: rest.length,
          currentPage: 1,
          totalPageCount: Math.ceil(rest.length / 2),
        },
        history: rest.slice(0, 2),
      });
    });
    const pages: number[][] = [];
    const lastIds: number[] = [];
    for await (const page of client().orderHistoryPages({ limit: 20 })) {
      pages.push(page.history.map((entry) => entry.id));
      lastIds.push(page.lastId);
    }
    expect(pages).toEqual([[1, 2], [3, 4], [5]]);
    expect(lastIds).toEqual([2, 4, 5]);
    expect(recorded.map((r) => r.query)).toEqual([
      'limit=20',
      'filter[sinceId]=2&limit=20',
      'filter[sinceId]=4&limit=20',
    ]);
  });

  it('stops history paging on an empty page', async () => {
    route('GET', '/api/v5/orders/history', (_req, res) => {
      res.json({
        success: true,
        pagination: { limit: 100, totalCount: 0, currentPage: 1, totalPageCount: 0 },
        history: [],
      });
    });
    const pages = [];
    for await (const page of client().orderHistoryPages({ sinceId: 29733 })) pages.push(page);
    expect(pages).toEqual([]);
    expect(recorded.map((r) => r.query)).toEqual(['filter[sinceId]=29733&limit=100']);
  });
});

describe('answers → error classes', () => {
  it('maps 400 with field errors to a permanent RetailCrmApiError', async () => {
    route('POST', '/api/v5/orders/6722/edit', (_req, res) => {
      res.status(400).json({
        success: false,
        errorMsg: 'Order is not loaded',
        errors: { status: '"Status" with "code"="nope" does not exist.' },
      });
    });
    const error = await client()
      .editOrder(6722, { status: 'nope' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetailCrmApiError);
    expect(error).toMatchObject({
      kind: 'permanent',
      code: 'retailcrm.validation',
      errorMsg: 'Order is not loaded',
      errors: { status: '"Status" with "code"="nope" does not exist.' },
      details: { method: 'POST', path: '/api/v5/orders/6722/edit', status: 400 },
    });
    expect((error as RetailCrmApiError).details.requestId).toBe(recorded[0]?.headers['x-request-id']);
  });

  it('maps 503 rate limit to a deferred error honouring Retry-After', async () => {
    route('GET', '/api/v5/reference/stores', (_req, res) => {
      res.status(503).set('Retry-After', '2').json({ success: false, errorMsg: 'Rate limit exceeded' });
    });
    let refused = 0;
    const limiter = {
      acquire: async () => ({ dueAt: Date.now() }),
      refused: () => {
        refused += 1;
      },
    };
    const error = await client({ limiter })
      .stores()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetailCrmRateLimitError);
    expect(error).toMatchObject({ kind: 'deferred', delayMs: 2000 });
    // The limiter learns that its grant still came too close to others (the guard is raised).
    expect(refused).toBe(1);
  });

  it('maps 500 to a retryable error and never retries by itself', async () => {
    route('GET', '/api/v5/users/27', (_req, res) => {
      res.status(500).send('Internal Server Error');
    });
    const error = await client()
      .getUser(27)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetailCrmUnavailableError);
    expect(errorKind(error)).toBe('retryable');
    expect(recorded).toHaveLength(1);
  });

  it("maps an unknown account's HTML 405 page to a permanent account-not-found error", async () => {
    route('POST', '/api/v5/tasks/create', (_req, res) => {
      res
        .status(405)
        .type('text/html')
        .send('<html><head><title>405 Not Allowed</title></head><body>nginx</body></html>');
    });
    await expect(client().createTask({ text: 'x', performerId: 1 })).rejects.toMatchObject({
      code: 'retailcrm.account_not_found',
      kind: 'permanent',
    });
  });

  it('getOrderOrNull: null for a missing order only; an unknown account or API path still throws', async () => {
    route('GET', '/api/v5/orders/404', (_req, res) => {
      res.status(404).json({ success: false, errorMsg: 'Not found' });
    });
    route('GET', '/api/v5/orders/6722', (_req, res) => {
      res.json({ success: true, order: fixtureOrder });
    });
    route('GET', '/api/v5/orders/1', (_req, res) => {
      res.status(404).json({ success: false, errorMsg: 'Account does not exist.' });
    });
    const crm = client();
    expect(await crm.getOrderOrNull(404)).toBeNull();
    expect((await crm.getOrderOrNull(6722))?.id).toBe(6722);
    await expect(crm.getOrderOrNull(1)).rejects.toMatchObject({ code: 'retailcrm.account_not_found' });
    // No route: the server's own "API method not found".
    await expect(crm.getOrderOrNull(2)).rejects.toMatchObject({ code: 'retailcrm.method_not_found' });
    await expect(crm.getOrder(404)).rejects.toMatchObject({ code: 'retailcrm.not_found' });
  });

  it('maps a slow answer to a retryable timeout error', async () => {
    route('GET', '/api/v5/user-groups', (_req, res) => {
      held.push(res);
    });
    const error = await client({ timeouts: { response: 150, request: 2_000 } })
      .userGroups()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetailCrmUnavailableError);
    expect(error).toMatchObject({ kind: 'retryable', code: 'retailcrm.timeout' });
  });

  it('maps a refused connection to a retryable network error', async () => {
    const closed = await freePort();
    const error = await client({
      baseUrl: `http://127.0.0.1:${closed}`,
      allowedHosts: [`127.0.0.1:${closed}`],
    })
      .apiVersions()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'retryable',
      code: 'retailcrm.network',
      details: { reason: 'ECONNREFUSED' },
    });
  });
});

describe('rate limiter and logs', () => {
  it('awaits the limiter before every request', async () => {
    const events: string[] = [];
    route('GET', '/api/v5/reference/sites', (_req, res) => {
      events.push('request');
      res.json({ success: true, sites: {} });
    });
    const limiter = {
      acquire: async () => {
        events.push('acquire');
      },
    };
    const crm = client({ limiter });
    await crm.sites();
    await crm.sites();
    expect(events).toEqual(['acquire', 'request', 'acquire', 'request']);
  });

  it('tells the limiter when the request of a grant was written out', async () => {
    route('GET', '/api/v5/reference/sites', (_req, res) => {
      res.json({ success: true, sites: {} });
    });
    const sent: Array<{ grant: unknown; sentAt: number }> = [];
    const grant = { dueAt: Date.now() };
    const limiter = {
      acquire: async () => grant,
      sent: (reported: unknown, sentAt: number) => void sent.push({ grant: reported, sentAt }),
    };
    const before = Date.now();
    await client({ limiter }).sites();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.grant).toBe(grant);
    expect(sent[0]!.sentAt).toBeGreaterThanOrEqual(before);
    expect(sent[0]!.sentAt).toBeLessThanOrEqual(Date.now());
  });

  it("lets the limiter's DeferredError propagate and sends nothing", async () => {
    const deferred = new DeferredError('tenant budget exhausted', 700);
    const limiter = {
      acquire: async () => {
        throw deferred;
      },
    };
    await expect(client({ limiter }).sites()).rejects.toBe(deferred);
    expect(recorded).toHaveLength(0);
  });

  it('logs request ids, statuses and API errors, never the key', async () => {
    route('GET', '/api/v5/orders/1', (_req, res) => {
      res.status(403).json({ success: false, errorMsg: 'Access denied.' });
    });
    await expect(client().getOrder(1)).rejects.toMatchObject({ code: 'retailcrm.access_denied' });
    const requestId = recorded[0]?.headers['x-request-id'];
    expect(logs).toEqual([
      {
        level: 'debug',
        message: 'retailcrm request',
        meta: expect.objectContaining({ requestId, status: 403 }),
      },
      {
        level: 'warn',
        message: 'retailcrm request refused',
        meta: expect.objectContaining({
          requestId,
          code: 'retailcrm.access_denied',
          errorMsg: 'Access denied.',
        }),
      },
    ]);
    expect(JSON.stringify(logs)).not.toContain(API_KEY);
  });
});

describe('SSRF guard: nothing is sent to a refused address', () => {
  const toLoopback: HostLookup = async () => [{ address: '127.0.0.1', family: 4 }];

  beforeEach(() => {
    connections = 0;
  });

  it.each([
    [
      'plain http to a listed non-loopback host',
      () => `http://crm.example.test:${port}`,
      () => [`crm.example.test:${port}`],
    ],
    ['user info', () => `https://user@127.0.0.1:${port}`, () => [`127.0.0.1:${port}`]],
    ['user info over http', () => `http://user:pw@127.0.0.1:${port}`, () => [`127.0.0.1:${port}`]],
    ['a private IP literal', () => 'https://10.0.0.1', () => ['.retailcrm.ru']],
    ['a path', () => `http://127.0.0.1:${port}/api/v5`, () => [`127.0.0.1:${port}`]],
    ['a query', () => `http://127.0.0.1:${port}/?x=1`, () => [`127.0.0.1:${port}`]],
    ['a fragment', () => `http://127.0.0.1:${port}#x`, () => [`127.0.0.1:${port}`]],
    [
      'http on a loopback host matched only by a wildcard',
      () => `http://localhost:${port}`,
      () => [`.localhost:${port}`],
    ],
  ])('refuses %s when the client is created', (_name, url, allowed) => {
    expect(() => client({ baseUrl: url(), allowedHosts: allowed() })).toThrow(RetailCrmUrlNotAllowedError);
    expect(recorded).toHaveLength(0);
    expect(connections).toBe(0);
  });

  it('refuses a wildcard-allowed host that resolves to 127.0.0.1 before connecting', async () => {
    const crm = client({
      baseUrl: `https://crm.example.test:${port}`,
      allowedHosts: [`.example.test:${port}`],
      lookup: toLoopback,
    });
    const error = await crm.apiVersions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetailCrmUrlNotAllowedError);
    expect(error).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('loopback') });
    expect(connections).toBe(0);
    await expect(
      assertAllowedRetailCrmUrl(`https://crm.example.test:${port}`, [`.example.test:${port}`], {
        lookup: toLoopback,
      }),
    ).rejects.toBeInstanceOf(RetailCrmUrlNotAllowedError);
  });

  it('(control) the same host listed exactly does connect, so the refusal above is the guard', async () => {
    const crm = client({
      baseUrl: `https://crm.example.test:${port}`,
      allowedHosts: [`crm.example.test:${port}`],
      lookup: toLoopback,
    });
    // TLS against the plain-HTTP test server fails, but only after a TCP connection was made.
    await expect(crm.apiVersions()).rejects.toMatchObject({ kind: 'retryable', code: 'retailcrm.network' });
    expect(connections).toBe(1);
  });

  it('re-checks at connect time, so DNS rebinding after validation cannot reach loopback', async () => {
    const answers = ['93.184.216.34', '127.0.0.1'];
    const rebinding: HostLookup = async () => {
      const address = answers.shift() ?? '127.0.0.1';
      return [{ address, family: 4 }];
    };
    const url = `https://crm.example.test:${port}`;
    await expect(
      assertAllowedRetailCrmUrl(url, [`.example.test:${port}`], { lookup: rebinding }),
    ).resolves.toMatchObject({
      origin: url,
    });
    const crm = client({ baseUrl: url, allowedHosts: [`.example.test:${port}`], lookup: rebinding });
    await expect(crm.apiVersions()).rejects.toBeInstanceOf(RetailCrmUrlNotAllowedError);
    expect(answers).toEqual([]);
    expect(connections).toBe(0);
  });
});

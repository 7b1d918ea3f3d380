import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { DeferredError, errorKind, rublesToKopecks } from '@connector/domain';
import { freePort, waitFor } from '@connector/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import express, { type Request, type Response } from 'express';
import winston from 'winston';
import { createLifePosClient, type LifePosClientOptions } from './client.js';
import {
  LifePosDeferredError,
  LifePosPermanentError,
  LifePosRetryableError,
  lifePosErrorCode,
} from './errors.js';
import { LIFEPOS_PAGING_CODES, LifePosPagingError } from './paging.js';
import { createMemoryTokenStore, type TokenStore } from './token-store.js';

const ORG = '0b6f6c1e-4c1b-4a47-9d7e-3f0c2f1c9a11';
const PHONE = '79991234567';
const PASSWORD = 'pa55-w0rd-very-secret';
const CLIENT_ID = '11111111-2222-4333-8444-555555555555';

interface Recorded {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

type Route = (req: Request, res: Response) => boolean | Promise<boolean>;

function saleJson(guid: string, overrides: Record<string, unknown> = {}) {
  return {
    guid,
    type_of: 'Sale',
    number: `N-${guid.slice(0, 6)}`,
    state: 'New',
    payment_status: 'NotPaid',
    shipping_status: 'NotShipped',
    outlet: { guid: 'outlet-1', type_of: 'Outlet' },
    total_sum: { value: 30, currency: 'RUB', type_of: 'Money' },
    positions: [],
    created_at: '2026-02-14T06:30:01.123Z',
    ...overrides,
  };
}

/** A small stand-in for LIFE POS: real sign-in and bearer checks, everything else scripted per test. */
class FakeLifePos {
  url = '';
  requests: Recorded[] = [];
  issuedTokens: string[] = [];
  validTokens = new Set<string>();
  route: Route | undefined;
  /** Awaited before a 401 for an unknown token is sent (lets a test shape the race). */
  beforeUnauthorized: ((req: Request) => Promise<void>) | undefined;
  private server: Server | undefined;
  private hanging: Response[] = [];

  get signIns(): number {
    return this.requests.filter((r) => r.path === '/auth/sign-in-by-phone').length;
  }

  hang(res: Response): void {
    this.hanging.push(res);
  }

  reset(): void {
    this.requests = [];
    this.issuedTokens = [];
    this.validTokens.clear();
    this.route = undefined;
    this.beforeUnauthorized = undefined;
  }

  async start(): Promise<void> {
    const app = express();
    app.use(express.json({ type: ['application/json', 'application/json-patch+json'] }));
    app.use(async (req, res) => {
      this.requests.push({
        method: req.method,
        path: req.path,
        query: { ...req.query },
        headers: req.headers,
        body: req.body,
      });
      if (req.path === '/auth/sign-in-by-phone' && req.method === 'POST') {
        if (req.body?.phone !== PHONE || req.body?.password !== PASSWORD) {
          res.status(401).json({
            code: 'WrongUsernameOrPassword',
            message: 'Неверный номер телефона или пароль',
            info: null,
          });
          return;
        }
        const token = `tok-${this.issuedTokens.length + 1}-${randomUUID()}`;
        this.issuedTokens.push(token);
        this.validTokens.add(token);
        res.status(200).json({ token });
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (token === undefined || !this.validTokens.has(token)) {
        await this.beforeUnauthorized?.(req);
        res.status(401).json({ code: 'Unauthorized', message: 'Операция требует авторизации' });
        return;
      }
      if (this.route && (await this.route(req, res))) return;
      const sale = /^\/orgs\/[^/]+\/deals\/sales\/([^/]+)$/.exec(req.path);
      if (req.method === 'GET' && sale?.[1]) {
        res.json(saleJson(sale[1]));
        return;
      }
      if (req.method === 'GET' && req.path === `/orgs/${ORG}/me`) {
        res.json({
          guid: 'emp-1',
          name: 'Владелец Тестовый',
          username: 'owner',
          phone: PHONE,
          role: { guid: 'role-owner' },
        });
        return;
      }
      res.status(404).json({ code: 'NotFound', message: 'Объект не найден' });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const fake = new FakeLifePos();
let logLines: string[] = [];
const logger = winston.createLogger({
  level: 'debug',
  format: winston.format.json(),
  // Deliberately NOT the redacting logger of @connector/logger: the client itself must keep secrets out.
  transports: [
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _encoding, callback) {
          logLines.push(String(chunk));
          callback();
        },
      }),
    }),
  ],
});

function client(overrides: Partial<LifePosClientOptions> & { tokenStore: TokenStore }) {
  return createLifePosClient({
    baseUrl: fake.url,
    orgId: ORG,
    phone: PHONE,
    password: PASSWORD,
    clientId: CLIENT_ID,
    logger,
    timeouts: { response: 5_000, request: 10_000 },
    ...overrides,
  });
}

beforeAll(async () => {
  await fake.start();
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  await fake.stop();
});

describe('sign-in and token renewal', () => {
  it('20 concurrent cold calls share ONE sign-in', async () => {
    const tokenStore = createMemoryTokenStore();
    const clients = [0, 1, 2, 3].map(() => client({ tokenStore, tokenKey: 'conn-cold' }));
    const sales = await Promise.all(
      Array.from({ length: 20 }, (_, i) => clients[i % 4]!.sales.get(`sale-${i}`)),
    );
    expect(sales.map((s) => s.guid)).toEqual(Array.from({ length: 20 }, (_, i) => `sale-${i}`));
    expect(fake.signIns).toBe(1);
    expect(await tokenStore.get('conn-cold')).toBe(fake.issuedTokens[0]);
  });

  it('token expiry mid-run: 20 concurrent calls refused together → EXACTLY ONE re-sign-in, all succeed', async () => {
    const tokenStore = createMemoryTokenStore();
    const clients = [0, 1, 2, 3].map(() => client({ tokenStore, tokenKey: 'conn-expiry' }));
    await clients[0]!.sales.get('warm-up');
    expect(fake.signIns).toBe(1);
    const [expired] = fake.issuedTokens;

    fake.validTokens.clear();
    // Hold every 401 until all 20 calls have been refused, so they all want a new token at once.
    const refused: Array<() => void> = [];
    fake.beforeUnauthorized = () => new Promise<void>((release) => refused.push(release));
    const calls = Promise.all(Array.from({ length: 20 }, (_, i) => clients[i % 4]!.sales.get(`sale-${i}`)));
    try {
      await waitFor(() => refused.length === 20, { timeoutMs: 10_000, what: '20 refused calls' });
    } finally {
      for (const release of refused) release();
    }
    const sales = await calls;

    expect(sales).toHaveLength(20);
    expect(fake.signIns).toBe(2);
    const byToken = (token: string | undefined) =>
      fake.requests.filter(
        (r) => r.path.includes('/deals/sales/sale-') && r.headers.authorization === `Bearer ${token}`,
      );
    expect(byToken(expired)).toHaveLength(20);
    expect(byToken(fake.issuedTokens[1])).toHaveLength(20);
    expect(await tokenStore.get('conn-expiry')).toBe(fake.issuedTokens[1]);
  });

  it('401s arriving after the renewal finished use the renewed token instead of signing in again', async () => {
    const tokenStore = createMemoryTokenStore();
    const api = client({ tokenStore, tokenKey: 'conn-late' });
    await api.sales.get('warm-up');
    fake.validTokens.clear();
    let refusedCount = 0;
    // Every second refusal is answered only after the first re-sign-in has completed.
    fake.beforeUnauthorized = async () => {
      refusedCount += 1;
      if (refusedCount % 2 === 0)
        await waitFor(() => fake.signIns === 2 && fake.validTokens.size === 1, { timeoutMs: 10_000 });
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => api.sales.get(`sale-${i}`)));
    expect(fake.signIns).toBe(2);
  });

  it('a token renewed by another process (seen in the shared store) is used without signing in', async () => {
    const tokenStore = createMemoryTokenStore();
    const api = client({ tokenStore, tokenKey: 'conn-shared' });
    await api.sales.get('warm-up');
    const [ours] = fake.issuedTokens;
    // Our token is revoked; meanwhile another process has signed in and shares its token through the store.
    fake.validTokens.clear();
    fake.validTokens.add('token-of-another-process');
    fake.beforeUnauthorized = async (req) => {
      if (req.headers.authorization === `Bearer ${ours}`) {
        await tokenStore.set('conn-shared', 'token-of-another-process', 60_000);
      }
    };
    const sale = await api.sales.get('sale-1');
    expect(sale.guid).toBe('sale-1');
    expect(fake.signIns).toBe(1);
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer token-of-another-process');
  });

  it('401 after the one re-sign-in → PermanentError, one retry, no loop', async () => {
    const tokenStore = createMemoryTokenStore();
    const api = client({ tokenStore, tokenKey: 'conn-401' });
    await api.orgs.me();
    fake.route = (req, res) => {
      if (!req.path.includes('/deals/sales/')) return false;
      res.status(401).json({ code: 'Unauthorized', message: 'Сотрудник заблокирован' });
      return true;
    };
    const error = await api.sales.get('sale-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifePosPermanentError);
    expect(errorKind(error)).toBe('permanent');
    expect((error as LifePosPermanentError).code).toBe('lifepos.unauthorized');
    expect((error as LifePosPermanentError).userMessage).toContain('Сотрудник заблокирован');
    expect(fake.signIns).toBe(2);
    expect(fake.requests.filter((r) => r.path.includes('/deals/sales/'))).toHaveLength(2);
  });

  it('401 with a token just obtained → PermanentError at once (no second sign-in)', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    fake.route = (_req, res) => {
      res.status(401).json({ code: 'Unauthorized', message: 'Нет доступа' });
      return true;
    };
    await expect(api.sales.get('sale-1')).rejects.toBeInstanceOf(LifePosPermanentError);
    expect(fake.signIns).toBe(1);
    expect(fake.requests.filter((r) => r.path.includes('/deals/sales/'))).toHaveLength(1);
  });

  it('wrong credentials at sign-in → PermanentError with a clear message, nothing else is called', async () => {
    const api = client({ tokenStore: createMemoryTokenStore(), password: 'wrong-password-123' });
    const error = (await api.sales.get('sale-1').catch((e: unknown) => e)) as LifePosPermanentError;
    expect(error).toBeInstanceOf(LifePosPermanentError);
    expect(error.code).toBe('lifepos.auth.invalid_credentials');
    expect(error.userMessage).toMatch(/phone and password/);
    expect(error.userMessage).toContain('Неверный номер телефона или пароль');
    expect(lifePosErrorCode(error)).toBe('WrongUsernameOrPassword');
    expect(fake.requests.map((r) => r.path)).toEqual(['/auth/sign-in-by-phone']);
  });

  it('signIn() signs in now and caches the token', async () => {
    const tokenStore = createMemoryTokenStore();
    const api = client({ tokenStore, tokenKey: 'conn-verify' });
    await api.signIn();
    await api.signIn();
    expect(fake.signIns).toBe(2);
    expect(await tokenStore.get('conn-verify')).toBe(fake.issuedTokens[1]);
  });
});

describe('error mapping over HTTP', () => {
  it('429 → DeferredError with the Retry-After delay, and the limiter told its grant was refused', async () => {
    let refused = 0;
    const api = client({
      tokenStore: createMemoryTokenStore(),
      limiter: {
        acquire: async () => ({ dueAt: Date.now() }),
        refused: () => {
          refused += 1;
        },
      },
    });
    fake.route = (_req, res) => {
      res.status(429).set('Retry-After', '3').json({ code: 'TooManyRequests', message: 'Превышен лимит' });
      return true;
    };
    const error = await api.sales.get('s').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifePosDeferredError);
    expect(error).toBeInstanceOf(DeferredError);
    expect((error as LifePosDeferredError).delayMs).toBe(3000);
    expect(refused).toBe(1);
  });

  it('5xx → RetryableError carrying the API message', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    fake.route = (_req, res) => {
      res.status(500).json({ code: 'InternalServerError', message: 'Внутренняя ошибка сервера' });
      return true;
    };
    const error = (await api.sales.get('s').catch((e: unknown) => e)) as LifePosRetryableError;
    expect(error).toBeInstanceOf(LifePosRetryableError);
    expect(errorKind(error)).toBe('retryable');
    expect(error.failure.api?.message).toBe('Внутренняя ошибка сервера');
    expect(fake.requests.filter((r) => r.path.includes('/deals/sales/'))).toHaveLength(1);
  });

  it('422 Duplicate on create → PermanentError with the API code, and 404 → not found', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    fake.route = (req, res) => {
      if (req.method !== 'POST') return false;
      res
        .status(422)
        .json({ code: 'Duplicate', message: 'Объект с таким идентификатором уже существует', info: 'guid' });
      return true;
    };
    const duplicate = await api.sales
      .create({
        number: '1',
        outletGuid: 'o',
        openedByGuid: 'e',
        openedAt: '2026-01-01T00:00:00Z',
        totalKopecks: 0,
        positions: [],
      })
      .catch((e: unknown) => e);
    expect(lifePosErrorCode(duplicate)).toBe('Duplicate');
    expect((duplicate as LifePosPermanentError).code).toBe('lifepos.duplicate');
    const missing = await api.outlets.get('no-such-outlet').catch((e: unknown) => e);
    expect((missing as LifePosPermanentError).code).toBe('lifepos.not_found');
  });

  it('connection refused → RetryableError (network)', async () => {
    const port = await freePort();
    const api = createLifePosClient({
      baseUrl: `http://127.0.0.1:${port}`,
      orgId: ORG,
      phone: PHONE,
      password: PASSWORD,
      tokenStore: createMemoryTokenStore(),
      logger,
    });
    const error = (await api.orgs.get().catch((e: unknown) => e)) as LifePosRetryableError;
    expect(error).toBeInstanceOf(LifePosRetryableError);
    expect(error.code).toBe('lifepos.network');
  });

  it('no response within the response timeout → RetryableError (timeout)', async () => {
    const api = client({ tokenStore: createMemoryTokenStore(), timeouts: { response: 300, request: 2_000 } });
    fake.route = (_req, res) => {
      fake.hang(res);
      return true;
    };
    const started = Date.now();
    const error = (await api.sales.get('s').catch((e: unknown) => e)) as LifePosRetryableError;
    expect(error).toBeInstanceOf(LifePosRetryableError);
    expect(error.code).toBe('lifepos.timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a 2xx body the client cannot rely on → permanent unexpected_response; a non-JSON 2xx → retryable', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    fake.route = (req, res) => {
      if (req.path.endsWith('/bad-state')) res.json(saleJson('bad-state', { state: 'Opened' }));
      else res.status(200).type('text/html').send('<html>maintenance</html>');
      return true;
    };
    const unexpected = (await api.sales.get('bad-state').catch((e: unknown) => e)) as LifePosPermanentError;
    expect(unexpected.code).toBe('lifepos.unexpected_response');
    expect(unexpected.message).toContain('state');
    const html = (await api.sales.get('html').catch((e: unknown) => e)) as LifePosRetryableError;
    expect(html.code).toBe('lifepos.invalid_json');
  });
});

describe('rate limiter', () => {
  it('tells the limiter when each call of a grant was written out', async () => {
    const sent: Array<{ grant: unknown; sentAt: number }> = [];
    let granted = 0;
    const api = client({
      tokenStore: createMemoryTokenStore(),
      limiter: {
        acquire: async () => ({ dueAt: Date.now(), n: ++granted }),
        sent: (grant, sentAt) => void sent.push({ grant, sentAt }),
      },
    });
    const before = Date.now();
    await api.sales.get('a');
    // The sign-in and the read, each reported with its own grant, at a time the request really left.
    expect(sent.map(({ grant }) => (grant as { n: number }).n)).toEqual([1, 2]);
    for (const { sentAt } of sent) {
      expect(sentAt).toBeGreaterThanOrEqual(before);
      expect(sentAt).toBeLessThanOrEqual(Date.now());
    }
  });

  it('is awaited before every HTTP call (sign-in included); its DeferredError propagates before any request', async () => {
    let acquired = 0;
    const api = client({
      tokenStore: createMemoryTokenStore(),
      limiter: {
        acquire: async () => {
          acquired += 1;
        },
      },
    });
    await api.sales.get('a');
    await api.sales.get('b');
    expect(acquired).toBe(3);
    expect(fake.requests).toHaveLength(3);

    const blocked = client({
      tokenStore: createMemoryTokenStore(),
      limiter: {
        acquire: async () => {
          throw new DeferredError('LIFE POS budget of this tenant is spent', 700, { code: 'rate_limit' });
        },
      },
    });
    const error = await blocked.sales.get('c').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeferredError);
    expect((error as DeferredError).delayMs).toBe(700);
    expect(fake.requests).toHaveLength(3);
  });
});

describe('resources', () => {
  it('creates a sale with exact kopecks, lists with filters and pages through with the iterator', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    const pages: Record<string, { items: unknown[]; next_page_token: string | null }> = {
      '': { items: [saleJson('s1'), saleJson('s2')], next_page_token: 'p2' },
      p2: { items: [saleJson('s3')], next_page_token: 'p3' },
      p3: { items: [saleJson('s4')], next_page_token: '' },
    };
    fake.route = (req, res) => {
      if (req.path !== `/orgs/${ORG}/deals/sales`) return false;
      if (req.method === 'POST') res.status(201).json(saleJson('created', { total_sum: req.body.total_sum }));
      else res.json(pages[String(req.query.page_token ?? '')]);
      return true;
    };
    const created = await api.sales.create({
      number: '4711A',
      outletGuid: 'outlet-1',
      openedByGuid: 'emp-1',
      openedAt: new Date('2026-02-14T06:30:00Z'),
      totalKopecks: rublesToKopecks(0.1 + 0.2),
      positions: [{ name: 'Пакет', quantity: 3, priceKopecks: rublesToKopecks(0.1), uomGuid: 'uom-1' }],
    });
    expect(created.totalKopecks).toBe(30);
    const post = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/deals/sales'));
    expect(post?.body).toMatchObject({
      total_sum: { value: 30 },
      positions: [{ sale_price: { value: 10 }, quantity: 3 }],
      opened_at: '2026-02-14T06:30:00.000Z',
    });
    expect(post?.query).toMatchObject({ presentation: 'full' });

    const first = await api.sales.list({
      query: 'retailcrm:4711',
      state: 'New',
      paymentStatus: 'NotPaid',
      itemsPerPage: 2,
    });
    expect(first.items.map((s) => s.guid)).toEqual(['s1', 's2']);
    expect(first.nextPageToken).toBe('p2');
    expect(fake.requests.at(-1)?.query).toMatchObject({
      query: 'retailcrm:4711',
      state: 'New',
      payment_status: 'NotPaid',
      items_per_page: '2',
    });

    const all: string[] = [];
    for await (const sale of api.sales.iterate({ shippingStatus: 'NotShipped' })) all.push(sale.guid);
    expect(all).toEqual(['s1', 's2', 's3', 's4']);
    expect(fake.requests.slice(-3).map((r) => r.query.page_token)).toEqual([undefined, 'p2', 'p3']);
  });

  it('reads every page of a list with one guarded pager: to the end, or a typed error at the guard', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    let pagesServed = 0;
    let loop = false;
    fake.route = (req, res) => {
      if (req.path !== `/orgs/${ORG}/outlets`) return false;
      const page = Number(req.query.page_token ?? '0');
      pagesServed += 1;
      res.json({
        items: [{ guid: `o${page}`, name: `Точка ${page}` }],
        next_page_token: loop ? 'again' : page < 4 ? String(page + 1) : null,
      });
      return true;
    };
    const outlets = await api.outlets.all({ selection: 'alive_only' });
    expect(outlets.map((outlet) => outlet.guid)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
    expect(fake.requests.at(-1)?.query).toMatchObject({ selection: 'alive_only', items_per_page: '100' });

    // One page more than the guard allows: said, not silently cut.
    pagesServed = 0;
    const cut = api.outlets.all({}, { maxPages: 3 });
    await expect(cut).rejects.toBeInstanceOf(LifePosPagingError);
    await expect(cut).rejects.toMatchObject({ code: LIFEPOS_PAGING_CODES.tooManyPages, pagesRead: 3 });
    expect(pagesServed).toBe(3);

    // A token that comes back stops the walk at once.
    loop = true;
    pagesServed = 0;
    await expect(api.outlets.all()).rejects.toMatchObject({ code: LIFEPOS_PAGING_CODES.loop, pagesRead: 2 });
    expect(pagesServed).toBe(2);
  });

  it('find answers null for an object LIFE POS does not have, and throws every other failure', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    fake.route = (req, res) => {
      if (req.path === `/orgs/${ORG}/deals/sales/broken`) {
        res.status(500).json({ code: 'InternalServerError', message: 'Ошибка' });
        return true;
      }
      if (req.path !== `/orgs/${ORG}/deals/sales/gone`) return false;
      res.status(404).json({ code: 'NotFound', message: 'Продажа не найдена' });
      return true;
    };
    expect(await api.sales.find('gone')).toBeNull();
    expect((await api.sales.find('s1'))?.guid).toBe('s1');
    await expect(api.sales.find('broken')).rejects.toBeInstanceOf(LifePosRetryableError);
    expect(await api.outlets.find('missing')).toBeNull();
  });

  it('patches (JSON Patch, 204), cancels and archives sales', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    fake.route = (req, res) => {
      if (req.method !== 'PATCH' && req.method !== 'DELETE') return false;
      res.status(204).end();
      return true;
    };
    await api.sales.patch('s1', [{ op: 'replace', path: '/outlet', value: { guid: 'outlet-2' } }]);
    await api.sales.cancel('s1');
    await api.sales.archive('s1');
    await api.sales.patch('s1', []);
    const writes = fake.requests.filter((r) => r.method !== 'POST');
    expect(writes.map((r) => [r.method, r.path, r.body])).toEqual([
      [
        'PATCH',
        `/orgs/${ORG}/deals/sales/s1`,
        [{ op: 'replace', path: '/outlet', value: { guid: 'outlet-2' } }],
      ],
      ['PATCH', `/orgs/${ORG}/deals/sales/s1`, [{ op: 'replace', path: '/state', value: 'Cancelled' }]],
      ['DELETE', `/orgs/${ORG}/deals/sales/s1`, undefined],
    ]);
    expect(writes[0]?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('reads, subscribes and unsubscribes the notification_service extension with X-LP-Client-Extensions', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    let extension: Record<string, unknown> | null = null;
    fake.route = (req, res) => {
      if (req.path !== `/orgs/${ORG}`) return false;
      if (req.method === 'GET') {
        const declared = String(req.headers['x-lp-client-extensions'] ?? '').split(',');
        const extensions =
          declared.includes('notification_service') && extension ? { notification_service: extension } : {};
        res.json({ guid: ORG, name: 'Кофейня', alias: 'coffee', extensions });
        return true;
      }
      const [op] = req.body as Array<{ op: string; path: string; value: unknown }>;
      if (op?.op === 'add') extension = op.value as Record<string, unknown>;
      if (op?.op === 'replace' && extension) extension = { ...extension, turned_on: op.value };
      res.status(204).end();
      return true;
    };
    expect(await api.notifications.get()).toBeNull();
    await api.notifications.unsubscribe();
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);

    await api.notifications.subscribe({ url: 'https://connector.example/lifepos/notifications/abc' });
    expect(await api.notifications.get()).toEqual({
      turnedOn: true,
      url: 'https://connector.example/lifepos/notifications/abc',
      secondaryUrl: null,
      version: '1.0',
    });
    await api.notifications.unsubscribe();
    expect((await api.notifications.get())?.turnedOn).toBe(false);
    const orgCalls = fake.requests.filter((r) => r.path === `/orgs/${ORG}`);
    expect(orgCalls.every((r) => r.headers['x-lp-client-extensions'] === 'notification_service')).toBe(true);
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  it('lists payments and creates a refund of a payment under the sale', async () => {
    const api = client({ tokenStore: createMemoryTokenStore() });
    const base = `/orgs/${ORG}/deals/sales/s1/docs/money`;
    fake.route = (req, res) => {
      if (req.path === `${base}/payments` && req.method === 'GET') {
        res.json({
          items: [
            {
              guid: 'p1',
              type_of: 'SalePayment',
              total_sum: { value: 150000 },
              sum_by_cash: { value: 50000 },
              sum_by_card: { value: 100000 },
            },
          ],
          next_page_token: null,
        });
        return true;
      }
      if (req.path === `${base}/refunds` && req.method === 'POST') {
        res.status(201).json({ guid: 'r1', type_of: 'SaleRefund', ...req.body });
        return true;
      }
      return false;
    };
    const payments = await api.money.listPayments('s1');
    expect(payments.items[0]).toMatchObject({
      guid: 'p1',
      cashKopecks: 50000,
      cardKopecks: 100000,
      totalKopecks: 150000,
    });
    const refund = await api.money.createRefund('s1', {
      paymentGuid: 'p1',
      cashKopecks: 50000,
      cardKopecks: 100000,
    });
    expect(refund).toMatchObject({ guid: 'r1', forPaymentGuid: 'p1', totalKopecks: 150000 });
  });
});

describe('headers and logs', () => {
  it('sends the required headers on every call and never logs the password or a token', async () => {
    logLines = [];
    const tokenStore = createMemoryTokenStore();
    const api = client({ tokenStore, tokenKey: 'conn-logs' });
    fake.route = (req, res) => {
      if (req.method === 'PATCH') {
        res.status(204).end();
        return true;
      }
      return false;
    };
    await api.orgs.me();
    await api.sales.get('s1');
    fake.validTokens.clear(); // forces a refusal and a re-sign-in
    await api.sales.patch('s1', [{ op: 'replace', path: '/comment', value: 'x' }]);
    await api.outlets.get('missing').catch(() => undefined);
    await client({ tokenStore: createMemoryTokenStore(), password: 'another-wrong-secret' })
      .orgs.me()
      .catch(() => undefined);

    expect(fake.requests.length).toBeGreaterThanOrEqual(8);
    for (const request of fake.requests) {
      expect(request.headers['x-lp-client-type']).toBe('Service');
      expect(request.headers['x-lp-client-identifier']).toBe(CLIENT_ID);
      expect(request.headers['accept-language']).toBe('ru-RU');
      expect(request.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      if (request.path.startsWith('/auth/')) expect(request.headers.authorization).toBeUndefined();
      else expect(request.headers.authorization).toMatch(/^Bearer tok-/);
    }

    const requestIds = fake.requests.map((r) => String(r.headers['x-request-id']));
    await waitFor(() => requestIds.every((id) => logLines.some((line) => line.includes(id))), {
      timeoutMs: 5_000,
      what: 'a log record for every request id',
    });
    const output = logLines.join('\n');
    expect(fake.issuedTokens.length).toBe(2);
    for (const secret of [PASSWORD, 'another-wrong-secret', ...fake.issuedTokens]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('lifepos signed in');
    expect(output).toContain('lifepos token refused, signing in again');
  });
});

import { randomBytes } from 'node:crypto';
import { createTokenCipher } from '@connector/db';
import { testRedisUrl } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startConsole } from './console-app.js';
import {
  Browserless,
  CONSOLE_PASSWORD,
  CONSOLE_USER,
  type ConsoleFixture,
  connectionBody,
  PUBLIC_URL,
  startConsoleFixture,
  TRIGGER_URL,
} from './test-support/console-fixture.js';

let fx: ConsoleFixture;
let redis: Redis;
let syncQueue: Queue;

beforeAll(async () => {
  fx = await startConsoleFixture();
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  syncQueue = new Queue('sync', { connection: redis, prefix: fx.prefix });
});

afterAll(async () => {
  await syncQueue.close();
  await redis.quit();
  await fx.close();
});

// biome-ignore lint/suspicious/noExplicitAny: the tests read JSON answers field by field
type Json = any;
const json = (response: Response): Promise<Json> => response.json() as Promise<Json>;

function api(path: string, init: { method?: string; body?: unknown; auth?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (init.auth !== null) headers.authorization = init.auth ?? fx.basic;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${fx.console.url}/api/connections${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

const SOME_ID = '7b0c3c36-6a53-4d4e-9a55-3c1f6d7f2a10';

describe('without signing in', () => {
  it.each([
    '/',
    '/connections',
    '/connections/new',
    `/connections/${SOME_ID}`,
    `/connections/${SOME_ID}/orders/1`,
    '/orders?q=1',
    '/admin/queues',
    '/admin/queues/api/queues',
  ])('GET %s redirects to the login page', async (path) => {
    const response = await fetch(`${fx.console.url}${path}`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
  });

  it('a form post redirects to the login page and changes nothing', async () => {
    const response = await fetch(`${fx.console.url}/connections`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'lifeposOrgId=x',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/login/);
  });

  it.each([
    ['GET', ''],
    ['POST', ''],
    ['GET', `/${SOME_ID}`],
    ['PATCH', `/${SOME_ID}`],
    ['POST', '/check'],
    ['POST', `/${SOME_ID}/disable`],
  ])('the API answers %s %s with 401', async (method, path) => {
    const response = await api(path, { method, auth: null, ...(method === 'GET' ? {} : { body: {} }) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('the API refuses wrong Basic credentials', async () => {
    const wrong = `Basic ${Buffer.from(`${CONSOLE_USER}:nope`).toString('base64')}`;
    expect((await api('', { auth: wrong })).status).toBe(401);
  });

  it('the health endpoints stay open', async () => {
    expect((await fetch(`${fx.console.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${fx.console.url}/readyz`)).status).toBe(200);
  });
});

describe('signing in', () => {
  it('sets an HttpOnly, SameSite session cookie and opens the pages', async () => {
    const client = new Browserless(fx.console.url);
    const login = await client.login();
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/connections');
    const cookie = login.headers.getSetCookie().find((value) => value.startsWith('console.sid='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const page = await client.request('/connections');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('a wrong password shows the login page again with 401', async () => {
    const client = new Browserless(fx.console.url);
    const response = await client.login(CONSOLE_USER, 'wrong password!');
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('Неверное имя пользователя или пароль');
    expect((await client.request('/connections')).status).toBe(303);
  });

  it('a sign-in without the CSRF token is refused', async () => {
    const client = new Browserless(fx.console.url);
    await client.request('/login');
    const response = await client.post('/login', { user: CONSOLE_USER, password: CONSOLE_PASSWORD });
    expect(response.status).toBe(403);
  });

  it('the next page after sign-in is a local path only', async () => {
    const client = new Browserless(fx.console.url);
    const page = await (await client.request('/login?next=//evil.example.com')).text();
    expect(page).toContain('name="next" value="/connections"');
  });
});

describe('CSRF', () => {
  it('refuses a form post without the token, and one with a wrong token', async () => {
    const client = new Browserless(fx.console.url);
    await client.login();
    const tenant = await fx.seed();
    const { settings: _settings, ...fields } = connectionBody(tenant);
    const form = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, String(value)]));
    const without = await client.post('/connections', form);
    expect(without.status).toBe(403);
    expect(await without.text()).toContain('CSRF');
    const wrong = await client.post('/connections', { ...form, _csrf: 'forged' });
    expect(wrong.status).toBe(403);
    const list = await json(await api(''));
    expect(list.connections.some((c: { lifeposOrgId: string }) => c.lifeposOrgId === tenant.orgId)).toBe(
      false,
    );
    expect(sandboxSubscription(tenant.orgId)).toBeUndefined();
  });

  it('refuses a session-authenticated API write without the CSRF header', async () => {
    const client = new Browserless(fx.console.url);
    await client.login();
    const response = await client.request('/api/connections/check', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect((await client.request('/api/connections')).status).toBe(200);
  });
});

describe('the settings form', () => {
  it('keeps the stored secrets when their fields are left empty, and checks without saving', async () => {
    const tenant = await fx.seed();
    const created = await json(await api('', { body: connectionBody(tenant) }));
    const client = new Browserless(fx.console.url);
    await client.login();
    const page = await (await client.request(`/connections/${created.connection.id}`)).text();
    expect(page).not.toContain(tenant.password);
    expect(page).not.toContain(tenant.apiKey);
    const form = {
      _csrf: Browserless.csrfOf(page),
      lifeposOrgId: tenant.orgId,
      lifeposPhone: tenant.phone,
      lifeposPassword: '',
      retailcrmUrl: tenant.baseUrl,
      retailcrmApiKey: '',
      errorUserGroupCode: tenant.errorGroup.code,
      cashPaymentTypeCode: tenant.paymentTypes.card,
      cashlessPaymentTypeCode: tenant.paymentTypes.cash,
    };
    const checked = await client.post(`/connections/${created.connection.id}`, { ...form, intent: 'check' });
    expect(checked.status).toBe(200);
    expect(await checked.text()).toContain('Проверено без сохранения');
    expect((await fx.console.db.connections.get(created.connection.id))?.cashPaymentTypeCode).toBe(
      tenant.paymentTypes.cash,
    );

    const saved = await client.post(`/connections/${created.connection.id}`, { ...form, intent: 'save' });
    expect(saved.status).toBe(303);
    const stored = await fx.console.db.connections.get(created.connection.id);
    expect(stored).toMatchObject({
      status: 'active',
      cashPaymentTypeCode: tenant.paymentTypes.card,
      lifeposPassword: tenant.password,
      retailcrmApiKey: tenant.apiKey,
    });
  });

  it('Bull Board refuses a state-changing request from another origin', async () => {
    const client = new Browserless(fx.console.url);
    await client.login();
    const response = await client.request('/admin/queues/api/queues/sync/pause', {
      method: 'PUT',
      headers: { origin: 'https://evil.example.com', 'sec-fetch-site': 'cross-site' },
    });
    expect(response.status).toBe(403);
    expect(await syncQueue.isPaused()).toBe(false);
  });
});

function sandboxSubscription(orgId: string) {
  return fx.sandbox.lifepos.subscription(orgId);
}

describe('the JSON API', () => {
  it('creates, checks, activates and subscribes a connection, and returns the trigger settings', async () => {
    const tenant = await fx.seed();
    const response = await api('', { body: connectionBody(tenant) });
    const text = await response.text();
    expect(response.status).toBe(201);
    // Never a secret in an answer.
    expect(text).not.toContain(tenant.password);
    expect(text).not.toContain(tenant.apiKey);
    const body = JSON.parse(text);
    expect(body.connection.status).toBe('active');
    expect(body.checks.ok).toBe(true);
    expect(body.checks.lines.map((line: { status: string }) => line.status)).not.toContain('error');
    expect(body.triggers).toMatchObject({
      url: TRIGGER_URL,
      method: 'POST',
      encoding: 'urlencoded',
      params: { client_id: tenant.orgId, order_id: '{{ order.getId() }}' },
    });
    expect(
      body.triggers.triggers.map((trigger: { kind: string; status: string }) => [
        trigger.kind,
        trigger.status,
      ]),
    ).toEqual([
      ['export', 'new'],
      ['cancel', 'closed'],
      ['refund', 'refund'],
      ['shop', 'new'],
    ]);
    // The fourth fires on a shipment store change; its `new` moves the sale to the new store's outlet.
    expect(body.triggers.triggers[3]).toMatchObject({
      event: 'Изменение заказа',
      statuses: [],
      expression: 'changeSet.hasChangedField("shipment_store")',
    });
    const stored = await fx.console.db.connections.get(body.connection.id);
    expect(text).not.toContain(stored!.notificationToken);
    expect(sandboxSubscription(tenant.orgId)).toMatchObject({
      turned_on: true,
      primary_url_for_notifications: `${PUBLIC_URL}/lifepos/notifications/${stored!.notificationToken}`,
    });
    const syncJobs = await syncQueue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(syncJobs.map((job) => job.data)).toContainEqual({
      connectionId: body.connection.id,
      scope: 'all',
    });
    // Secrets are stored encrypted.
    const row = await fx.console.db.prisma.connection.findUniqueOrThrow({
      where: { id: body.connection.id },
    });
    expect(row.lifeposPasswordEnc).not.toContain(tenant.password);
    expect(row.retailcrmApiKeyEnc).not.toContain(tenant.apiKey);
    expect(JSON.stringify(row)).not.toContain(stored!.notificationToken);
    // The LIFE POS sign-in of the subscription left its owner token in Redis: sealed, never in the clear.
    const tokenKey = `${fx.prefix}:token:lifepos:${body.connection.id}`;
    const sealed = await redis.get(tokenKey);
    expect(sealed).toMatch(/^v1:/);
    const token = createTokenCipher(fx.console.env.SECRETS_KEY).decrypt(tokenKey, sealed!);
    expect(token.length).toBeGreaterThan(10);
    expect(sealed).not.toContain(token);

    expect((await api('', { body: connectionBody(tenant) })).status).toBe(409);
  });

  it('stores a failing configuration as a draft (422), and activates it once fixed', async () => {
    const tenant = await fx.seed();
    const failed = await api('', { body: connectionBody(tenant, { lifeposPassword: 'wrong-password' }) });
    expect(failed.status).toBe(422);
    const body = await json(failed);
    expect(body.error.code).toBe('checks_failed');
    expect(body.saved).toBe(true);
    expect(body.connection.status).toBe('draft');
    const signIn = body.checks.lines.find((line: { id: string }) => line.id === 'lifepos.sign_in');
    expect(signIn.status).toBe('error');
    expect(sandboxSubscription(tenant.orgId)).toBeUndefined();

    const fixed = await api(`/${body.connection.id}`, {
      method: 'PATCH',
      body: { lifeposPassword: tenant.password },
    });
    expect(fixed.status).toBe(200);
    expect((await json(fixed)).connection.status).toBe('active');
    expect(sandboxSubscription(tenant.orgId)?.turned_on).toBe(true);
  });

  it('keeps a working connection as it was when a change fails the checks', async () => {
    const tenant = await fx.seed();
    const created = await json(await api('', { body: connectionBody(tenant) }));
    const change = await api(`/${created.connection.id}?lang=en`, {
      method: 'PATCH',
      body: { errorUserGroupCode: 'no-such-group' },
    });
    expect(change.status).toBe(422);
    const body = await json(change);
    expect(body.saved).toBe(false);
    const group = body.checks.lines.find((line: { id: string }) => line.id === 'retailcrm.error_group');
    expect(group.message).toContain('RetailCRM has no user group with code “no-such-group”');
    const stored = await json(await api(`/${created.connection.id}`));
    expect(stored.connection.status).toBe('active');
    expect(stored.connection.errorUserGroupCode).toBe(tenant.errorGroup.code);
  });

  it('checks without saving, and re-checks a stored connection recording its health', async () => {
    const tenant = await fx.seed();
    const checked = await api('/check', { body: connectionBody(tenant, { retailcrmApiKey: 'bad-key' }) });
    expect(checked.status).toBe(200);
    const lines = (await json(checked)).checks.lines;
    expect(lines.find((line: { id: string }) => line.id === 'retailcrm.api_key').status).toBe('error');
    expect(
      (await json(await api(''))).connections.some(
        (c: { lifeposOrgId: string }) => c.lifeposOrgId === tenant.orgId,
      ),
    ).toBe(false);

    const created = await json(await api('', { body: connectionBody(tenant) }));
    const again = await api(`/${created.connection.id}/check`, { method: 'POST' });
    expect(again.status).toBe(200);
    const stored = await json(await api(`/${created.connection.id}`));
    expect(stored.connection.health.lastCheckOk).toBe(true);
  });

  it('disables a connection and turns its LIFE POS notifications off', async () => {
    const tenant = await fx.seed();
    const created = await json(await api('', { body: connectionBody(tenant) }));
    expect(sandboxSubscription(tenant.orgId)?.turned_on).toBe(true);
    const disabled = await api(`/${created.connection.id}/disable`, { body: { reason: 'shop closed' } });
    expect(disabled.status).toBe(200);
    expect((await json(disabled)).connection).toMatchObject({
      status: 'disabled',
      disabledReason: 'shop closed',
    });
    expect(sandboxSubscription(tenant.orgId)?.turned_on).toBe(false);
  });

  it('names invalid fields (400) and wants JSON (415)', async () => {
    const invalid = await api('', { body: { lifeposOrgId: 'a/b', retailcrmUrl: 'ftp://x' } });
    expect(invalid.status).toBe(400);
    const { error } = await json(invalid);
    expect(Object.keys(error.details.fields)).toEqual(
      expect.arrayContaining([
        'lifeposOrgId',
        'lifeposPhone',
        'lifeposPassword',
        'retailcrmUrl',
        'retailcrmApiKey',
      ]),
    );
    const form = await fetch(`${fx.console.url}/api/connections`, {
      method: 'POST',
      headers: { authorization: fx.basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'lifeposOrgId=x',
    });
    expect(form.status).toBe(415);
  });
});

/** A UTC calendar date `days` from today (negative: in the past), as `YYYY-MM-DD`. */
const dayFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('the advanced settings of the periodic jobs and the stores', () => {
  let tenant: Awaited<ReturnType<ConsoleFixture['seed']>>;
  let connectionId: string;

  beforeAll(async () => {
    tenant = await fx.seed();
    connectionId = (await json(await api('', { body: connectionBody(tenant) }))).connection.id;
  });

  it('round-trips through the JSON API, and an empty reconcileFrom means "from now"', async () => {
    const other = await fx.seed();
    const [mskStore, spbStore] = [other.stores[0]!, other.stores.at(-1)!];
    const settings = {
      ...other.connection.settings,
      reconcileFrom: dayFromToday(-7),
      reconcileEverySeconds: 120,
      lifeposPollSeconds: 30,
      syncEveryMinutes: 15,
      syncStoreTypes: ['store-type-retail', 'store-type-online'],
      storeSites: { [mskStore.code]: mskStore.site, [spbStore.code]: spbStore.site },
    };
    const created = await api('', { body: connectionBody(other, { settings }) });
    expect(created.status).toBe(201);
    const { connection } = await json(created);
    expect(connection.status).toBe('active');
    const expected = {
      reconcileFrom: settings.reconcileFrom,
      reconcileEverySeconds: 120,
      lifeposPollSeconds: 30,
      syncEveryMinutes: 15,
      syncStoreTypes: settings.syncStoreTypes,
      storeSites: settings.storeSites,
    };
    expect((await json(await api(`/${connection.id}`))).connection.settings).toMatchObject(expected);
    expect((await fx.console.db.connections.get(connection.id))?.settings).toMatchObject(expected);

    const instant = new Date(Date.now() - 3_600_000).toISOString().replace('Z', '+00:00');
    const changed = await api(`/${connection.id}`, {
      method: 'PATCH',
      body: { settings: { reconcileFrom: instant } },
    });
    expect(changed.status).toBe(200);
    expect((await json(changed)).connection.settings.reconcileFrom).toBe(instant);

    const cleared = await api(`/${connection.id}`, {
      method: 'PATCH',
      body: { settings: { reconcileFrom: null } },
    });
    expect(cleared.status).toBe(200);
    const stored = await fx.console.db.connections.get(connection.id);
    expect(stored?.settings.reconcileFrom).toBeUndefined();
    // The other keys are kept when an update leaves them out.
    expect(stored?.settings).toMatchObject({ reconcileEverySeconds: 120, syncEveryMinutes: 15 });
  });

  it.each([
    ['reconcileFrom', 'yesterday', 'не дата', 'is not a date'],
    ['reconcileFrom', '2026-02-30', 'не дата', 'is not a date'],
    ['reconcileFrom', '2026-05-01T09:30:00', 'не дата', 'is not a date'],
    ['reconcileFrom', dayFromToday(2), 'ещё не наступило', 'is in the future'],
    ['reconcileFrom', new Date(Date.now() + 3_600_000).toISOString(), 'ещё не наступило', 'is in the future'],
    ['reconcileFrom', dayFromToday(-200), 'раньше чем 90 дней назад', 'more than 90 days ago'],
    [
      'reconcileEverySeconds',
      5,
      'целое число секунд от 10 до 3600',
      'whole number of seconds from 10 to 3600',
    ],
    ['reconcileEverySeconds', 7200, 'от 10 до 3600', 'from 10 to 3600'],
    ['lifeposPollSeconds', 1.5, 'целое число секунд от 10 до 3600', 'from 10 to 3600'],
    ['syncEveryMinutes', '5', 'целое число минут от 1 до 1440', 'whole number of minutes from 1 to 1440'],
    ['syncEveryMinutes', 0, 'от 1 до 1440', 'from 1 to 1440'],
    ['syncStoreTypes', [], 'выберите хотя бы один', 'choose at least one'],
    [
      'syncStoreTypes',
      ['store-type-kiosk'],
      'нет типов «store-type-kiosk»',
      'no such types “store-type-kiosk”',
    ],
    ['storeSites', { 'msk-tverskaya': '' }, 'неверные строки «msk-tverskaya = »', 'invalid lines'],
    ['storeSites', ['msk-tverskaya'], 'ожидаются пары', 'expected pairs'],
  ])('refuses %s = %j with a message naming the field', async (key, value, ru, en) => {
    const field = `settings.${key}`;
    const refused = await api(`/${connectionId}`, { method: 'PATCH', body: { settings: { [key]: value } } });
    expect(refused.status).toBe(400);
    const message: string = (await json(refused)).error.details.fields[field];
    expect(message).toContain(`(${key})`);
    expect(message).toContain(ru);
    const english = await api('/check?lang=en', {
      body: connectionBody(tenant, { settings: { [key]: value } }),
    });
    expect(english.status).toBe(400);
    expect((await json(english)).error.details.fields[field]).toContain(en);
    const stored = await fx.console.db.connections.get(connectionId);
    expect(stored?.settings).toMatchObject({
      reconcileEverySeconds: 60,
      syncStoreTypes: ['store-type-retail'],
    });
    expect(stored?.settings.reconcileFrom).toBeUndefined();
  });

  it('holds only changed values to the console rules, so a stored one never blocks a save', async () => {
    const other = await fx.seed();
    const { connection } = await json(await api('', { body: connectionBody(other) }));
    // Stored by other means, outside what the console accepts today (or an old date that aged past the window).
    const aged = { ...other.connection.settings, reconcileFrom: dayFromToday(-200), lifeposPollSeconds: 2 };
    await fx.console.db.connections.update(connection.id, { settings: aged });
    const resent = await api(`/${connection.id}`, {
      method: 'PATCH',
      body: { settings: { ...aged, syncEveryMinutes: 10 } },
    });
    expect(resent.status).toBe(200);
    expect((await fx.console.db.connections.get(connection.id))?.settings).toMatchObject({
      reconcileFrom: aged.reconcileFrom,
      lifeposPollSeconds: 2,
      syncEveryMinutes: 10,
    });
    const changed = await api(`/${connection.id}`, {
      method: 'PATCH',
      body: { settings: { lifeposPollSeconds: 3 } },
    });
    expect(changed.status).toBe(400);
  });

  it('a store → site binding naming an unknown store or site fails the checks and changes nothing', async () => {
    const refused = await api(`/${connectionId}`, {
      method: 'PATCH',
      body: {
        settings: {
          storeSites: { 'no-such-store': tenant.sites[0]!.code, [tenant.stores[0]!.code]: 'no-such-site' },
        },
      },
    });
    expect(refused.status).toBe(422);
    const body = await json(refused);
    expect(body.saved).toBe(false);
    const codes = body.checks.lines.find((line: { id: string }) => line.id === 'settings.codes');
    expect(codes.status).toBe('error');
    expect(codes.message).toContain('склады «no-such-store», которых нет в RetailCRM');
    expect(codes.message).toContain('магазины «no-such-site», которых нет в RetailCRM');
    expect((await fx.console.db.connections.get(connectionId))?.settings.storeSites).toEqual({});
  });

  it('the settings form shows, saves and refuses them', async () => {
    const client = new Browserless(fx.console.url);
    await client.login();
    const page = await (await client.request(`/connections/${connectionId}`)).text();
    // Labelled inputs with their hints, the stored values and the account's stores and sites.
    expect(page).toContain(
      '<label for="reconcileEverySeconds">Период сверки с историей RetailCRM, секунд</label>',
    );
    expect(page).toMatch(
      /id="reconcileEverySeconds" name="reconcileEverySeconds" value="60"[^>]*aria-describedby="settings.reconcileEverySeconds-hint"/,
    );
    expect(page).toMatch(/id="reconcileFrom" name="reconcileFrom" value=""/);
    expect(page).toMatch(/name="syncStoreTypes" value="store-type-retail" checked/);
    const store = tenant.stores[0]!;
    expect(page).toContain(`name="storeSite.${store.code}"`);
    expect(page).toContain(`<option value="${store.site}" >`);

    const { settings } = tenant.connection;
    const form = {
      _csrf: Browserless.csrfOf(page),
      lifeposOrgId: tenant.orgId,
      lifeposPhone: tenant.phone,
      retailcrmUrl: tenant.baseUrl,
      errorUserGroupCode: tenant.errorGroup.code,
      cashPaymentTypeCode: tenant.paymentTypes.cash,
      cashlessPaymentTypeCode: tenant.paymentTypes.card,
      advanced: '1',
      exportStatuses: settings.exportStatuses,
      cancelStatuses: settings.cancelStatuses,
      deleteStatuses: settings.deleteStatuses,
      refundPaymentStatuses: settings.refundPaymentStatuses,
      'saleStatus.Completed': settings.saleStateToStatus.Completed,
      'saleStatus.Cancelled': settings.saleStateToStatus.Cancelled,
      paidPaymentStatus: settings.paidPaymentStatus,
      refundedPaymentStatus: settings.refundedPaymentStatus,
      deliveryKinds: Object.entries(settings.deliveryTypeToOrderKind)
        .map(([code, kind]) => `${code} = ${kind}`)
        .join('\n'),
      reconcileFrom: dayFromToday(-3),
      reconcileEverySeconds: '300',
      lifeposPollSeconds: '45',
      syncEveryMinutes: '10',
      syncStoreTypes: ['', 'store-type-retail'],
      [`storeSite.${store.code}`]: store.site,
      intent: 'save',
    };

    const refused = await client.post(`/connections/${connectionId}`, {
      ...form,
      reconcileEverySeconds: 'often',
      storeSites: `${store.code} = ${store.site}\nbroken line`,
      [`storeSite.${store.code}`]: [],
    });
    expect(refused.status).toBe(422);
    const refusedPage = await refused.text();
    expect(refusedPage).toContain(
      'Период сверки с историей RetailCRM (reconcileEverySeconds): укажите целое число секунд от 10 до 3600.',
    );
    expect(refusedPage).toMatch(
      /name="reconcileEverySeconds" value="often"[^>]*aria-describedby="settings.reconcileEverySeconds-hint settings.reconcileEverySeconds-error"\s+aria-invalid="true"/,
    );
    // A line that is not a pair is named, not dropped.
    expect(refusedPage).toContain('неверные строки «broken line = »');
    expect((await fx.console.db.connections.get(connectionId))?.settings.reconcileEverySeconds).toBe(60);

    const saved = await client.post(`/connections/${connectionId}`, form);
    expect(saved.status).toBe(303);
    const stored = await fx.console.db.connections.get(connectionId);
    expect(stored?.status).toBe('active');
    expect(stored?.settings).toMatchObject({
      reconcileFrom: dayFromToday(-3),
      reconcileEverySeconds: 300,
      lifeposPollSeconds: 45,
      syncEveryMinutes: 10,
      syncStoreTypes: ['store-type-retail'],
      storeSites: { [store.code]: store.site },
      exportStatuses: settings.exportStatuses,
    });
    const shown = await (await client.request(`/connections/${connectionId}`)).text();
    expect(shown).toMatch(/name="reconcileFrom" value="\d{4}-\d{2}-\d{2}"/);
    expect(shown).toContain(`value="${dayFromToday(-3)}"`);
    expect(shown).toMatch(/name="reconcileEverySeconds" value="300"/);
    expect(shown).toContain(`<option value="${store.site}" selected>`);

    // Cleared in the form: from now again.
    const cleared = await client.post(`/connections/${connectionId}`, {
      ...form,
      _csrf: Browserless.csrfOf(shown),
      reconcileFrom: '',
    });
    expect(cleared.status).toBe(303);
    expect((await fx.console.db.connections.get(connectionId))?.settings.reconcileFrom).toBeUndefined();
  });
});

/** Another console on the fixture's database and Redis (its own prefix unless given). */
async function anotherConsole(env: Record<string, string> = {}) {
  return startConsole({
    host: '127.0.0.1',
    env: {
      DATABASE_URL: fx.database.url,
      REDIS_URL: testRedisUrl(),
      SECRETS_KEY: fx.console.env.SECRETS_KEY.toString('base64'),
      PUBLIC_URL,
      RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
      CONSOLE_USER,
      CONSOLE_PASSWORD,
      QUEUE_PREFIX: `{${randomBytes(6).toString('hex')}}`,
      PORT: '0',
      NODE_ENV: 'development',
      LOG_LEVEL: 'error',
      ...env,
    },
  });
}

describe('outside development', () => {
  it('marks the session cookie Secure and sends HSTS when a trusted proxy says the browser used https', async () => {
    const production = await anotherConsole({ NODE_ENV: 'production', TRUST_PROXY: '1' });
    try {
      const response = await fetch(`${production.url}/login`, { headers: { 'x-forwarded-proto': 'https' } });
      const cookie = response.headers.getSetCookie().find((value) => value.startsWith('console.sid='));
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
      // Plain http: no HSTS (a browser ignores it there anyway, and it would be a lie).
      const plain = await fetch(`${production.url}/login`);
      expect(plain.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await production.close();
    }
  });

  it('believes no X-Forwarded-Proto by default: no HSTS', async () => {
    const production = await anotherConsole({ NODE_ENV: 'production' });
    try {
      const response = await fetch(`${production.url}/login`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(response.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await production.close();
    }
  });
});

describe('Bull Board page', () => {
  it('has the console CSP and references no external font host', async () => {
    const client = new Browserless(fx.console.url);
    await client.login();
    const response = await client.request('/admin/queues');
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const page = await response.text();
    expect(page).toContain('<div id="root">');
    expect(page).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/<style|\sstyle=/);
    const css = /href="(static\/css\/[^"]+\.css)"/.exec(page)?.[1];
    expect(css).toBeDefined();
    const stylesheet = await (await client.request(`/admin/queues/${css}`)).text();
    expect(stylesheet).not.toMatch(/fonts\.(googleapis|gstatic)\.com|@import/);
  });
});

/** A form sign-in through `client`, optionally as if from `forwardedFor`. */
async function signIn(client: Browserless, user: string, password: string, forwardedFor?: string) {
  const page = await (await client.request('/login')).text();
  const body = new URLSearchParams({ _csrf: Browserless.csrfOf(page), user, password, next: '/connections' });
  return client.request('/login', {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
  });
}

describe('sign-in throttle', () => {
  it('refuses sign-ins after too many failures, the right password too, saying for how long', async () => {
    const app = await anotherConsole({ LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_MINUTES: '4' });
    try {
      const client = new Browserless(app.url);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await signIn(client, CONSOLE_USER, `wrong-${attempt}`)).status).toBe(401);
      }
      const refused = await signIn(client, CONSOLE_USER, CONSOLE_PASSWORD);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(200);
      expect(retryAfter).toBeLessThanOrEqual(240);
      const text = await refused.text();
      expect(text).toContain('Слишком много неудачных попыток входа. Повторите через 4 мин.');
      expect(text).toContain('даже с верным паролем');
      expect((await client.request('/connections')).status).toBe(303);
    } finally {
      await app.close();
    }
  });

  it('is not bypassed by rotating X-Forwarded-For (or user names) while TRUST_PROXY is unset', async () => {
    const app = await anotherConsole({ LOGIN_MAX_FAILURES: '5' });
    try {
      const client = new Browserless(app.url);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 8; attempt += 1) {
        const response = await signIn(
          client,
          `guess-${attempt}`,
          'wrong password',
          `203.0.113.${attempt + 1}`,
        );
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      expect((await signIn(client, CONSOLE_USER, CONSOLE_PASSWORD, '198.51.100.7')).status).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('counts per user name across addresses when TRUST_PROXY trusts the proxy', async () => {
    const app = await anotherConsole({ LOGIN_MAX_FAILURES: '3', TRUST_PROXY: 'loopback' });
    try {
      const client = new Browserless(app.url);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect(
          (await signIn(client, CONSOLE_USER, 'wrong password', `203.0.113.${attempt + 1}`)).status,
        ).toBe(401);
      }
      expect((await signIn(client, CONSOLE_USER, CONSOLE_PASSWORD, '203.0.113.99')).status).toBe(429);
      // Another user name from another address is a different guesser.
      expect((await signIn(client, 'someone-else', 'wrong password', '203.0.113.100')).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('is shared by two console processes on one Redis', async () => {
    const prefix = `{${randomBytes(6).toString('hex')}}`;
    const first = await anotherConsole({ LOGIN_MAX_FAILURES: '3', QUEUE_PREFIX: prefix });
    const second = await anotherConsole({ LOGIN_MAX_FAILURES: '3', QUEUE_PREFIX: prefix });
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await signIn(new Browserless(first.url), CONSOLE_USER, 'wrong password')).status).toBe(401);
      }
      expect((await signIn(new Browserless(second.url), CONSOLE_USER, CONSOLE_PASSWORD)).status).toBe(429);
      const basic = `Basic ${Buffer.from(`${CONSOLE_USER}:${CONSOLE_PASSWORD}`).toString('base64')}`;
      const api = await fetch(`${second.url}/api/connections`, { headers: { authorization: basic } });
      expect(api.status).toBe(429);
      expect(Number(api.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('does not count successful sign-ins', async () => {
    const app = await anotherConsole({ LOGIN_MAX_FAILURES: '3' });
    try {
      const client = new Browserless(app.url);
      expect((await signIn(client, CONSOLE_USER, 'wrong password')).status).toBe(401);
      expect((await signIn(client, CONSOLE_USER, 'wrong password')).status).toBe(401);
      for (let attempt = 0; attempt < 4; attempt += 1) {
        expect((await signIn(new Browserless(app.url), CONSOLE_USER, CONSOLE_PASSWORD)).status).toBe(303);
      }
      const basic = `Basic ${Buffer.from(`${CONSOLE_USER}:${CONSOLE_PASSWORD}`).toString('base64')}`;
      for (let attempt = 0; attempt < 4; attempt += 1) {
        expect(
          (await fetch(`${app.url}/api/connections`, { headers: { authorization: basic } })).status,
        ).toBe(200);
      }
    } finally {
      await app.close();
    }
  });
});

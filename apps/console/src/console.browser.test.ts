// The console as a person uses it: real headless Chromium (the Debian package, driven by playwright-core)
// against the console started in-process and the sandbox simulators. Screenshots of the key pages go to
// apps/console/artifacts/ (gitignored).
import { join } from 'node:path';
import type { Tenant } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import {
  ARTIFACTS,
  fillConnectionForm,
  signIn as signInAs,
  useConsoleInChromium,
} from './test-support/chromium.js';
import { type ConsoleFixture, TRIGGER_URL } from './test-support/console-fixture.js';

let fx: ConsoleFixture;
let page: Page;
useConsoleInChromium(
  {
    profilePrefix: 'console-chromium-',
    viewport: { width: 1280, height: 900 },
    // Not signed in: the first test signs in through the login page.
    signedIn: false,
  },
  (opened) => {
    ({ fx, page } = opened);
  },
);

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

const signIn = () => signInAs(page, fx.console.url);

/** Fills the new-connection form as a shop admin would, the advanced statuses included; returns after saving. */
async function saveNewConnection(
  tenant: Tenant,
  overrides: Partial<Record<string, string>> = {},
): Promise<void> {
  await page.goto(`${fx.console.url}/connections/new`);
  await fillConnectionForm(page, tenant, overrides);
  const { settings } = tenant.connection;
  await page.getByText('Дополнительно: статусы, типы доставки, лимиты').click();
  await page.locator('#exportStatuses').fill(settings.exportStatuses.join(', '));
  await page.locator('#cancelStatuses').fill(settings.cancelStatuses.join(', '));
  await page.locator('#deleteStatuses').fill(settings.deleteStatuses.join(', '));
  await page.locator('#deliveryKinds').fill(
    Object.entries(settings.deliveryTypeToOrderKind)
      .map(([code, kind]) => `${code} = ${kind}`)
      .join('\n'),
  );
  await page.getByRole('button', { name: 'Сохранить' }).click();
  await page.waitForURL(/\/connections\/[0-9a-f-]{36}$/);
}

async function checkStatuses(): Promise<Record<string, string>> {
  const items = await page.locator('li[data-check]').all();
  const result: Record<string, string> = {};
  for (const item of items) {
    result[(await item.getAttribute('data-check')) ?? ''] = (await item.getAttribute('data-status')) ?? '';
  }
  return result;
}

const checkMessage = (id: string) => page.locator(`li[data-check="${id}"] .check-message`).textContent();

async function expectNoSecrets(tenant: Tenant): Promise<void> {
  const source = await page.content();
  expect(source).not.toContain(tenant.password);
  expect(source).not.toContain(tenant.apiKey);
  expect(await page.locator('#lifeposPassword').inputValue()).toBe('');
  expect(await page.locator('#retailcrmApiKey').inputValue()).toBe('');
  expect(await page.locator('#lifeposPassword').getAttribute('placeholder')).toBe('оставить без изменений');
}

describe('the console in Chromium', () => {
  it('sends a visitor to the login page, also from Bull Board, and signs in', async () => {
    await page.goto(`${fx.console.url}/admin/queues`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await shot('01-login');
    await signIn();
    expect(await page.locator('h1').textContent()).toBe('Подключения');
  });

  it('loads Bull Board behind the login with every queue, under the CSP and from this host only', async () => {
    const origin = new URL(fx.console.url).origin;
    const elsewhere: string[] = [];
    const refused: string[] = [];
    const onRequest = (request: { url(): string }) => {
      const url = request.url();
      if (!url.startsWith(origin) && !url.startsWith('data:')) elsewhere.push(url);
    };
    const onConsole = (message: { text(): string }) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    };
    page.on('request', onRequest);
    page.on('console', onConsole);
    const answer = await page.goto(`${fx.console.url}/admin/queues`);
    expect(answer?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.content()).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
    // The overview's queue cards come from Bull Board's own API: it answers only with the session cookie.
    for (const queue of [
      'order-export',
      'order-cancel',
      'order-refund',
      'lifepos-events',
      'sync',
      'crm-tasks',
      'reconcile',
    ]) {
      await page.locator('main').getByText(queue, { exact: true }).waitFor();
    }
    await shot('02-bull-board');
    page.off('request', onRequest);
    page.off('console', onConsole);
    expect(elsewhere).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('saves a correct configuration: every check passes, the trigger settings are shown, no secret in the page', async () => {
    const tenant = await fx.seed();
    await saveNewConnection(tenant);
    const statuses = await checkStatuses();
    expect(Object.keys(statuses)).toEqual(
      expect.arrayContaining([
        'lifepos.sign_in',
        'lifepos.role',
        'retailcrm.account',
        'retailcrm.api_key',
        'retailcrm.error_group',
        'retailcrm.payment_types',
        'legal_entities.inn',
        'stores.outlets',
        'settings.codes',
        'activation.subscribe',
        'activation.sync',
      ]),
    );
    expect(Object.entries(statuses).filter(([, status]) => status !== 'ok')).toEqual([]);
    expect(await page.locator('#connection-status').getAttribute('data-status')).toBe('active');
    expect(await page.locator('[data-trigger="url"]').textContent()).toBe(TRIGGER_URL);
    expect(await page.locator('[data-trigger="client_id"]').textContent()).toBe(tenant.orgId);
    expect(await page.locator('[data-trigger="order_id"]').textContent()).toBe('{{ order.getId() }}');
    for (const kind of ['export', 'cancel', 'refund', 'shop']) {
      await page.locator(`tr[data-trigger-kind="${kind}"]`).waitFor();
    }
    expect(await page.locator('tr[data-trigger-status="new"]').count()).toBe(2);
    expect(await page.locator('tr[data-trigger-kind="export"]').textContent()).toContain(
      tenant.statuses.send,
    );
    expect(await page.locator('tr[data-trigger-kind="shop"] [data-trigger-expression]').textContent()).toBe(
      'changeSet.hasChangedField("shipment_store")',
    );
    await expectNoSecrets(tenant);
    // With the keys known, the advanced section offers the account's own statuses.
    expect(
      await page.locator(`input[name="exportStatuses"][value="${tenant.statuses.send}"]`).isChecked(),
    ).toBe(true);
    expect(fx.sandbox.lifepos.subscription(tenant.orgId)?.turned_on).toBe(true);
    await shot('03-connection-activated');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await shot('04-connection-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  const failures: {
    name: string;
    seed?: Parameters<ConsoleFixture['seed']>[0];
    overrides?: (tenant: Tenant) => Record<string, string>;
    check: string;
    message: (tenant: Tenant) => string;
  }[] = [
    {
      name: 'wrong-password',
      overrides: () => ({ lifeposPassword: 'wrong-password-1' }),
      check: 'lifepos.sign_in',
      message: () => 'LIFE POS не принял телефон и пароль сотрудника',
    },
    {
      name: 'missing-scope',
      seed: {
        scopes: [
          'order_read',
          'order_write',
          'customer_read',
          'store_read',
          'reference_read',
          'delivery_read',
          'delivery_write',
          'user_read',
          'task_read',
          'task_write',
          'payments_read',
        ],
      },
      check: 'retailcrm.api_key',
      message: () => 'Ключу не хватает разрешений: Платежи, получение и редактирование (payments_write)',
    },
    {
      name: 'unknown-group',
      overrides: () => ({ errorUserGroupCode: 'support-team' }),
      check: 'retailcrm.error_group',
      message: () => 'Группы пользователей с кодом «support-team» нет в RetailCRM',
    },
    {
      name: 'missing-inn',
      seed: { lifepos: { omitLastSiteInn: true } },
      check: 'legal_entities.inn',
      message: (tenant) =>
        `В LIFE POS нет юрлиц: ${tenant.sites.at(-1)!.legalEntity.legalName} (ИНН ${tenant.lifepos.missingInns[0]})`,
    },
  ];

  it.each(failures)('$name: shows its own message and activates nothing', async (failure) => {
    const tenant = await fx.seed(failure.seed);
    await saveNewConnection(tenant, failure.overrides?.(tenant));
    const statuses = await checkStatuses();
    expect(statuses[failure.check]).toBe('error');
    expect(
      Object.entries(statuses)
        .filter(([, status]) => status === 'error')
        .map(([id]) => id),
    ).toEqual([failure.check]);
    expect(await checkMessage(failure.check)).toContain(failure.message(tenant));
    expect(await page.locator('#save-notice').textContent()).toContain('не включено');
    expect(await page.locator('#connection-status').getAttribute('data-status')).toBe('draft');
    expect(await page.locator('#triggers').count()).toBe(0);
    expect(fx.sandbox.lifepos.subscription(tenant.orgId)).toBeUndefined();
    await expectNoSecrets(tenant);
    await shot(`05-rejected-${failure.name}`);
  });

  it('refuses a first reconciliation date in the future, then keeps a past one', async () => {
    const tenant = await fx.seed();
    const connection = await fx.console.db.connections.create({ ...tenant.connection, status: 'active' });
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.goto(`${fx.console.url}/connections/${connection.id}`);
    await page.getByText('Дополнительно: статусы, типы доставки, лимиты').click();
    const from = page.getByLabel('Начало первой сверки с историей RetailCRM');
    expect(await from.inputValue()).toBe('');
    await from.fill(day(3));
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.locator('[id="settings.reconcileFrom-error"]').waitFor();
    // The message is the field's accessible description, and the field is marked invalid.
    const refused = page.getByLabel('Начало первой сверки с историей RetailCRM');
    expect(await refused.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await refused.getAttribute('aria-describedby')) ?? '';
    expect(describedBy.split(' ')).toContain('settings.reconcileFrom-error');
    expect(await page.locator('[id="settings.reconcileFrom-error"]').textContent()).toContain(
      `«${day(3)}» ещё не наступило`,
    );
    expect(await refused.inputValue()).toBe(day(3));
    expect((await fx.console.db.connections.get(connection.id))?.settings.reconcileFrom).toBeUndefined();
    await shot('08-rejected-reconcile-from');

    await refused.fill(day(-2));
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.locator('#save-notice').waitFor();
    expect(await page.locator('#connection-status').getAttribute('data-status')).toBe('active');
    expect((await fx.console.db.connections.get(connection.id))?.settings.reconcileFrom).toBe(day(-2));
    await page.getByText('Дополнительно: статусы, типы доставки, лимиты').click();
    expect(await page.getByLabel('Начало первой сверки с историей RetailCRM').inputValue()).toBe(day(-2));
  });

  it('shows the timeline of an exported order, found by its number', async () => {
    const tenant = await fx.seed();
    const { db } = fx.console;
    const connection = await db.connections.create({ ...tenant.connection, status: 'active' });
    const order = tenant.createOrder({ store: tenant.stores[0]!.code, courier: tenant.couriers[0]!.id });
    // What the ingress and the export worker record for an exported order.
    await db.orderEvents.append(connection.id, order.id, {
      type: 'trigger.received',
      message: 'RetailCRM trigger "new"',
      data: { status: 'new' },
    });
    await db.orderEvents.append(connection.id, order.id, {
      type: 'job.started',
      message: 'order-export attempt 1',
    });
    await db.orderEvents.append(connection.id, order.id, {
      type: 'external.call',
      message: 'LIFE POS POST /orgs/…/deals/sales → 201',
      data: { method: 'POST', status: 201 },
    });
    await db.orderLinks.upsert(connection.id, order.id, {
      state: 'exported',
      retailcrmOrderNumber: order.number,
      lifeposSaleId: '5f1d1c1e-0000-4000-8000-000000000001',
      lifeposOutletId: tenant.lifepos.defaultOutletId,
    });
    await db.orderEvents.append(connection.id, order.id, {
      type: 'job.finished',
      message: 'exported as sale 5f1d1c1e',
    });
    await db.incidents.open(connection.id, `order-cancel:${order.id}:lifepos.sale_closed`, {
      retailcrmOrderId: order.id,
      action: 'cancel order',
      cause: 'the sale was already paid in LIFE POS',
      message: 'Отмените оплату в LIFE POS вручную.',
    });

    await page.goto(`${fx.console.url}/orders`);
    await page.getByLabel('ID или номер заказа RetailCRM').fill(order.number);
    await page.getByRole('button', { name: 'Найти' }).click();
    // The order is in the list of recent orders, and on top among the failed (its incident is open).
    await page
      .locator('#orders')
      .getByRole('link', { name: new RegExp(`№ ${order.number}`) })
      .click();
    await page.waitForURL(`${fx.console.url}/connections/${connection.id}/orders/${order.id}`);
    const types = await page
      .locator('#timeline li[data-event-type]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-type')));
    expect(types).toEqual(['trigger.received', 'job.started', 'external.call', 'job.finished']);
    expect(await page.locator('#order-state').textContent()).toContain('выгружен в LIFE POS');
    expect(await page.locator('#incidents').textContent()).toContain('the sale was already paid in LIFE POS');
    await shot('06-order-timeline');

    // By id too.
    await page.goto(`${fx.console.url}/orders?q=${order.id}`);
    expect(await page.locator('#orders').textContent()).toContain(String(order.id));
  });

  it('lists the connections with their health, in Russian or English', async () => {
    await page.goto(`${fx.console.url}/connections`);
    const incidents = await page
      .locator('td[data-open-incidents]')
      .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-open-incidents'))));
    expect(incidents).toContain(1);
    expect(await page.locator('#queues').textContent()).toContain('order-export');
    await shot('07-connections');
    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.locator('h1').textContent()).toBe('Connections');
    await page.getByRole('link', { name: 'Русский' }).click();
    expect(await page.locator('h1').textContent()).toBe('Подключения');
  });

  it('signs out, after which Bull Board is out of reach again', async () => {
    await page.goto(`${fx.console.url}/connections`);
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${fx.console.url}/admin/queues`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });
});

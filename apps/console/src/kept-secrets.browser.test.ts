// In real headless Chromium: the secrets typed into the settings form survive a try that did not store them
// (a refused form, a failed check, a check without saving) without ever coming back into the page, and a
// connection's times are shown in its RetailCRM account's time zone. Screenshots go to apps/console/artifacts/.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Tenant } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { ARTIFACTS, fillConnectionForm, useConsoleInChromium } from './test-support/chromium.js';
import { type ConsoleFixture, postConnection } from './test-support/console-fixture.js';

const KEPT_PLACEHOLDER = 'сохранён, введите новый, чтобы заменить';

let fx: ConsoleFixture;
let page: Page;
useConsoleInChromium({ profilePrefix: 'console-kept-' }, (opened) => {
  ({ fx, page } = opened);
});

/** The new-connection form of a new tenant, filled in as a shop admin would, with `overrides`. */
async function newFormFilledIn(overrides: Record<string, string>): Promise<Tenant> {
  const tenant = await fx.seed();
  await page.goto(`${fx.console.url}/connections/new`);
  await fillConnectionForm(page, tenant, overrides);
  return tenant;
}

/** The secrets are kept (named on the page) and nowhere in it. */
async function expectKeptNotShown(...secrets: string[]): Promise<void> {
  const source = await page.content();
  for (const secret of secrets) expect(source).not.toContain(secret);
  for (const field of ['lifeposPassword', 'retailcrmApiKey']) {
    expect(await page.locator(`#${field}`).inputValue()).toBe('');
  }
  expect(new URL(page.url()).search).toBe('');
}

const placeholder = (field: string) => page.locator(`#${field}`).getAttribute('placeholder');
const checkStatus = (id: string) => page.locator(`li[data-check="${id}"]`).getAttribute('data-status');

describe('secrets typed into the form are kept for the next try', () => {
  it('a save the form refuses keeps the password and key: fixing the phone alone saves it', async () => {
    const tenant = await newFormFilledIn({ lifeposPhone: '12-34' });
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.waitForSelector('#lifeposPhone-error');
    expect(new URL(page.url()).pathname).toBe('/connections');
    await expectKeptNotShown(tenant.password, tenant.apiKey);
    expect(await placeholder('lifeposPassword')).toBe(KEPT_PLACEHOLDER);
    expect(await placeholder('retailcrmApiKey')).toBe(KEPT_PLACEHOLDER);
    expect(await page.locator('#lifeposOrgId').inputValue()).toBe(tenant.orgId);
    await page.screenshot({ path: join(ARTIFACTS, 'kept-secrets-refused-form.png'), fullPage: true });

    await page.locator('#lifeposPhone').fill(tenant.phone);
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.waitForURL(/\/connections\/[0-9a-f-]{36}$/);
    expect(await page.locator('#connection-status').getAttribute('data-status')).toBe('active');
    const id = new URL(page.url()).pathname.split('/').pop() as string;
    expect((await fx.console.db.connections.get(id))?.lifeposPassword).toBe(tenant.password);
    // Stored in the connection now: nothing is pending any more.
    await page.goto(`${fx.console.url}/connections/new`);
    expect(await placeholder('lifeposPassword')).toBeNull();
  });

  it('a change of a working connection that fails the checks keeps it working and keeps the new key', async () => {
    const tenant = await fx.seed();
    const response = await postConnection(fx, tenant);
    expect(response.status).toBe(201);
    const { connection } = (await response.json()) as { connection: { id: string } };
    const newKey = `rotated-${randomUUID()}`;
    fx.sandbox.retailcrm.addApiKey(tenant.accountCode, { key: newKey });

    await page.goto(`${fx.console.url}/connections/${connection.id}`);
    await page.locator('#retailcrmApiKey').fill(newKey);
    await page.locator('#errorUserGroupCode').fill('no-such-group');
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.waitForSelector('#save-notice');
    expect(await checkStatus('retailcrm.error_group')).toBe('error');
    expect(await page.locator('#save-notice').textContent()).toContain('подключение работает с прежними');
    await expectKeptNotShown(newKey, tenant.apiKey);
    expect(await placeholder('retailcrmApiKey')).toBe(KEPT_PLACEHOLDER);
    expect(await placeholder('lifeposPassword')).toBe('оставить без изменений');

    // The working secrets and settings stay in effect; the new key waits, encrypted.
    const stored = await fx.console.db.connections.get(connection.id);
    expect(stored).toMatchObject({
      status: 'active',
      retailcrmApiKey: tenant.apiKey,
      errorUserGroupCode: tenant.errorGroup.code,
    });
    expect((await fx.console.db.pendingEdits.find({ connectionId: connection.id }))?.secrets).toEqual({
      retailcrmApiKey: newKey,
    });
    // Opened again later: still kept, still not shown.
    await page.reload();
    expect(await page.locator('[data-kept="retailcrmApiKey"]').count()).toBe(1);
    await expectKeptNotShown(newKey);

    await page.locator('#errorUserGroupCode').fill(tenant.errorGroup.code);
    // The page already shows the first save's notice, at the same URL: wait for the answer's page to replace it.
    const answered = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await answered;
    await page.waitForURL(`${fx.console.url}/connections/${connection.id}`);
    await page.waitForSelector('#save-notice');
    expect(await page.locator('#connection-status').getAttribute('data-status')).toBe('active');
    expect((await fx.console.db.connections.get(connection.id))?.retailcrmApiKey).toBe(newKey);
    expect(await fx.console.db.pendingEdits.find({ connectionId: connection.id })).toBeNull();
    expect(await page.locator('[data-kept]').count()).toBe(0);
  });

  it('«Проверить без сохранения» after a failed check uses the kept secrets, until they are discarded', async () => {
    const tenant = await newFormFilledIn({ errorUserGroupCode: 'no-such-group' });
    await page.getByRole('button', { name: 'Проверить без сохранения' }).click();
    await page.waitForSelector('li[data-check="retailcrm.error_group"][data-status="error"]');
    expect(await checkStatus('lifepos.sign_in')).toBe('ok');
    await expectKeptNotShown(tenant.password, tenant.apiKey);

    await page.locator('#errorUserGroupCode').fill(tenant.errorGroup.code);
    await page.getByRole('button', { name: 'Проверить без сохранения' }).click();
    await page.waitForSelector('li[data-check="retailcrm.error_group"][data-status="ok"]');
    expect(await checkStatus('lifepos.sign_in')).toBe('ok');
    expect(await checkStatus('retailcrm.api_key')).toBe('ok');
    expect(await page.locator('#lifeposPassword-error').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'kept-secrets-check.png'), fullPage: true });

    await page.getByRole('button', { name: 'Забыть введённые пароль и ключ' }).click();
    await page.waitForURL(`${fx.console.url}/connections/new`);
    expect(await page.locator('[data-kept]').count()).toBe(0);
    await fillConnectionForm(page, tenant, { lifeposPassword: '', retailcrmApiKey: '' });
    await page.getByRole('button', { name: 'Проверить без сохранения' }).click();
    await page.waitForSelector('#lifeposPassword-error');
    expect(await page.locator('#retailcrmApiKey-error').count()).toBe(1);
  });
});

describe('a connection’s times in its RetailCRM account’s time zone', () => {
  it('reads the zone when checking and shows the checks and the timeline in it', async () => {
    const tenant = await fx.seed({ timezone: 'Asia/Vladivostok' });
    const response = await postConnection(fx, tenant);
    const { connection } = (await response.json()) as {
      connection: { id: string; retailcrmTimeZone: string | null };
    };
    expect(connection.retailcrmTimeZone).toBe('Asia/Vladivostok');
    const vladivostok = new Intl.DateTimeFormat('ru-RU', {
      dateStyle: 'short',
      timeStyle: 'medium',
      timeZone: 'Asia/Vladivostok',
    });

    await page.goto(`${fx.console.url}/connections/${connection.id}`);
    expect(await page.locator('#time-zone').getAttribute('data-time-zone')).toBe('Asia/Vladivostok');
    const checked = page.locator('#checked-at time');
    const checkedAt = new Date((await checked.getAttribute('datetime')) as string);
    expect(await checked.textContent()).toBe(vladivostok.format(checkedAt));
    expect(await page.locator('#checked-at').textContent()).toContain('Asia/Vladivostok (UTC+10)');

    const order = tenant.createOrder({ store: tenant.stores[0]?.code as string });
    await fx.console.db.orderEvents.appendMany([
      {
        connectionId: connection.id,
        retailcrmOrderId: order.id,
        event: { type: 'trigger.received', message: 'trigger', data: { status: 'new' } },
      },
    ]);
    const [event] = await fx.console.db.orderEvents.list(connection.id, order.id, { limit: 1 });
    await page.goto(`${fx.console.url}/connections/${connection.id}/orders/${order.id}`);
    expect(await page.locator('#timeline .when').first().textContent()).toBe(
      vladivostok.format(event?.createdAt as Date),
    );
    expect(await page.locator('#time-zone').textContent()).toContain('Asia/Vladivostok (UTC+10)');
  });
});

// A shop chain's daily operations in real headless Chromium: connections named and checked on page load,
// the check's progress, a failed save that keeps the secrets, a Russian timeline, and every page at 390 px.
// Screenshots at 1366 and 390 px go to apps/console/artifacts/ (gitignored).
import type { Tenant } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { screenshotsWideAndNarrow, useConsoleInChromium } from './test-support/chromium.js';
import { type ConsoleFixture, postConnection } from './test-support/console-fixture.js';

let fx: ConsoleFixture;
let page: Page;
let tenant: Tenant;
let connectionId: string;
useConsoleInChromium({ profilePrefix: 'console-daily-' }, (opened) => {
  ({ fx, page } = opened);
});

/** `+79161112233` as people type it: `8 916 111-22-33`. */
const typed = (phone: string) => {
  const d = phone.replace(/\D/g, '').slice(1);
  return `8 ${d.slice(0, 3)} ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`;
};

/** Screenshots at both widths, and no horizontal overflow at 390 px. */
async function bothWidths(name: string): Promise<void> {
  const overflow = await screenshotsWideAndNarrow(page, `daily-${name}`);
  expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
}

describe('daily operations in Chromium', () => {
  it('shows a connection made through the API by its name, with its checklist on page load', async () => {
    tenant = await fx.seed();
    const response = await postConnection(fx, tenant, { lifeposPhone: typed(tenant.phone) });
    const created = (await response.json()) as {
      connection: { id: string; lifeposPhone: string; lifeposOrgName: string | null };
    };
    expect(response.status).toBe(201);
    expect(created.connection.lifeposPhone).toBe(`+7${tenant.phone.replace(/\D/g, '').slice(1)}`);
    const orgName = created.connection.lifeposOrgName;
    expect(orgName).toBeTruthy();
    connectionId = created.connection.id;

    await page.goto(`${fx.console.url}/connections/${connectionId}`);
    expect(await page.locator('h1').textContent()).toContain(orgName as string);
    expect(await page.locator('li[data-check]').count()).toBeGreaterThan(5);
    expect(await page.locator('#checked-at time').textContent()).toMatch(/\d{2}\.\d{2}\.\d{4}/);
    await bothWidths('connection');

    await page.goto(`${fx.console.url}/connections?q=${encodeURIComponent((orgName as string).slice(0, 4))}`);
    expect(await page.locator('[data-connection-name]').allTextContents()).toContain(orgName);
    await bothWidths('connections');
  });

  it('disables the buttons and shows progress while a check runs', async () => {
    await page.goto(`${fx.console.url}/connections/${connectionId}`);
    // The form is held on the page (as while the server runs the checks): the submission is stopped after
    // the console's script has seen it.
    await page.evaluate("window.addEventListener('submit', (event) => event.preventDefault())");
    await page.getByRole('button', { name: 'Проверить без сохранения' }).click();
    await page.waitForFunction("!document.getElementById('check-progress').hidden");
    const state = (await page.evaluate(`({
      text: document.getElementById('check-progress').textContent,
      disabled: [...document.querySelectorAll('form[data-check-form] button')].map((button) => button.disabled),
      busy: document.querySelector('form[data-check-form]').getAttribute('aria-busy'),
    })`)) as { text: string; disabled: boolean[]; busy: string };
    expect(state.text).toContain('Проверяем LIFE POS и RetailCRM');
    expect(state.disabled).toEqual([true, true]);
    expect(state.busy).toBe('true');
    await bothWidths('check-in-progress');
  });

  it('keeps the typed secrets after a failed save: fixing the rest needs no retyping', async () => {
    const other = await fx.seed();
    await page.goto(`${fx.console.url}/connections/new`);
    await bothWidths('new-connection');
    const values: Record<string, string> = {
      lifeposOrgId: other.orgId,
      lifeposPhone: typed(other.phone),
      lifeposPassword: other.password,
      retailcrmUrl: other.baseUrl,
      retailcrmApiKey: other.apiKey,
      errorUserGroupCode: 'no-such-group',
      cashPaymentTypeCode: other.paymentTypes.cash,
      cashlessPaymentTypeCode: other.paymentTypes.card,
    };
    for (const [field, value] of Object.entries(values)) await page.locator(`#${field}`).fill(value);
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.waitForURL(/\/connections\/[0-9a-f-]{36}$/);
    expect(await page.locator('li[data-check="retailcrm.error_group"]').getAttribute('data-status')).toBe(
      'error',
    );
    expect(await page.locator('#connection-status').getAttribute('data-status')).toBe('draft');

    // Opened again later: the failed check is still there.
    await page.reload();
    expect(await page.locator('li[data-check="retailcrm.error_group"]').getAttribute('data-status')).toBe(
      'error',
    );
    await page.locator('#errorUserGroupCode').fill(other.errorGroup.code);
    expect(await page.locator('#lifeposPassword').inputValue()).toBe('');
    // Same URL as the page shown: wait for the answer's page, not for what the current one already shows.
    const answered = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await answered;
    await page.waitForSelector('#save-notice');
    expect(await page.locator('#connection-status').getAttribute('data-status')).toBe('active');
  });

  it('tells the order timeline in Russian, the outlet by name, in the order it was written', async () => {
    const { db } = fx.console;
    const store = tenant.stores[0];
    if (!store) throw new Error('the seeded tenant has no store');
    const order = tenant.createOrder({ store: store.code });
    const outlet = await db.prisma.outletLink.findFirst({ where: { connectionId } });
    const outletId = outlet?.lifeposOutletId ?? tenant.lifepos.defaultOutletId;
    if (!outlet) {
      await db.prisma.outletLink.create({
        data: {
          connectionId,
          retailcrmStoreCode: store.code,
          lifeposOutletId: outletId,
          legalEntityInn: '7701234567',
          name: 'Кафе на Тверской',
        },
      });
    }
    const outletName = outlet?.name ?? 'Кафе на Тверской';
    const append = (type: string, message: string, data: Record<string, string | number>) =>
      db.orderEvents.appendMany([
        { connectionId, retailcrmOrderId: order.id, event: { type, message, data } },
      ]);
    await append('trigger.received', 'trigger', { status: 'new', queue: 'order-export', queued: 'queue' });
    await append('job.started', 'export to LIFE POS started (trigger, attempt 1)', {
      queue: 'order-export',
      attempt: 1,
    });
    await append('external.call', 'sale 1 created', {
      saleId: 's-1',
      number: order.number,
      outletId,
      employeeId: 'nobody',
      totalKopecks: 125_000,
    });
    await append('job.finished', 'sale created in LIFE POS', { outcome: 'created', outletId });
    await append('writeback.payment', 'payment booked', {
      amountKopecks: 125_000,
      part: 'card',
      type: 'card',
      status: 'paid',
    });
    await append('writeback.sale_state', 'sale Completed', {
      saleNumber: order.number,
      state: 'Completed',
      outcome: 'set',
      status: 'complete',
    });
    await db.orderLinks.upsert(connectionId, order.id, {
      state: 'exported',
      retailcrmOrderNumber: order.number,
      lifeposSaleId: 's-1',
      lifeposOutletId: outletId,
      lifeposSaleNumber: order.number,
    });

    await page.goto(`${fx.console.url}/connections/${connectionId}/orders/${order.id}`);
    const types = await page
      .locator('#timeline li[data-event-type]')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-event-type')));
    expect(types).toEqual([
      'trigger.received',
      'job.started',
      'external.call',
      'job.finished',
      'writeback.payment',
      'writeback.sale_state',
    ]);
    // biome-ignore lint/performance/useDomNodeTextContent: what the operator sees, not the hidden engineers' details
    const visible = await page.locator('#timeline').innerText();
    for (const code of types) expect(visible).not.toContain(code as string);
    expect(visible).not.toMatch(/started|attempt|created in/);
    expect(visible).toContain('Началась выгрузка заказа в LIFE POS (по триггеру RetailCRM, попытка 1)');
    expect(visible).toContain(`в торговой точке «${outletName}»`);
    expect(visible).toMatch(/1\s250 ₽/);
    expect(visible).not.toContain(outletId);
    expect(await page.locator('#order-state').textContent()).toContain('продажа завершена');
    expect(await page.locator('#order-outlet').textContent()).toBe(outletName);
    await page.locator('#timeline details.raw summary').first().click();
    expect(await page.locator('#timeline details.raw pre').first().textContent()).toContain(
      'trigger.received',
    );
    await bothWidths('timeline');

    await page.goto(`${fx.console.url}/orders?q=${order.id}`);
    await bothWidths('orders');
  });

  it('serves the favicon, and the sandbox page fits a phone', async () => {
    const icon = await fetch(`${fx.console.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toContain('image/svg+xml');
    expect((await fetch(`${fx.sandbox.url}/favicon.ico`)).status).toBe(200);
    await page.goto(fx.sandbox.url);
    await bothWidths('sandbox');
  });

  it('fits the login page on a phone (a fresh browser context, signed out)', async () => {
    const context = await page.context().browser()?.newContext();
    if (!context) throw new Error('no browser to open a signed-out context in');
    const signedOut = await context.newPage();
    try {
      await signedOut.goto(`${fx.console.url}/login`);
      expect(await signedOut.locator('input[type=password]').count()).toBe(1);
      const overflow = await screenshotsWideAndNarrow(signedOut, 'daily-login');
      expect({ page: 'login', overflow }).toEqual({ page: 'login', overflow: 0 });
    } finally {
      await context.close();
    }
  });
});

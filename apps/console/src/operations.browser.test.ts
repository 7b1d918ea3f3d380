// The incidents and orders pages as an operator uses them, in real headless Chromium against the console
// started in-process and the sandbox simulators. Screenshots at 1366 and 390 px go to apps/console/artifacts/.
import type { QueueName } from '@connector/queue';
import { waitFor } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { screenshotsWideAndNarrow, useConsoleInChromium } from './test-support/chromium.js';
import type { ConsoleFixture } from './test-support/console-fixture.js';

let fx: ConsoleFixture;
let page: Page;
useConsoleInChromium({ profilePrefix: 'console-chromium-' }, (opened) => {
  ({ fx, page } = opened);
});

/** Screenshots at 1366 and 390 px, and no horizontal scrolling of the page at 390 px. */
async function shotsAndNarrowCheck(name: string): Promise<void> {
  const overflow = await screenshotsWideAndNarrow(page, name);
  expect(overflow).toBeLessThanOrEqual(0);
}

/** Jobs of the queue not run yet (nothing consumes them in this test), as [connectionId, orderId|incidentId]. */
async function pendingJobs(queue: QueueName): Promise<Record<string, unknown>[]> {
  const jobs =
    (await fx.console.queues.byName.get(queue)?.getJobs(['waiting', 'delayed', 'prioritized'])) ?? [];
  return jobs.map((job) => job.data as Record<string, unknown>);
}

async function activeConnection() {
  const tenant = await fx.seed();
  const connection = await fx.console.db.connections.create({ ...tenant.connection, status: 'active' });
  return { tenant, connection };
}

describe('incidents and orders in Chromium', () => {
  it('lists an outage with its orders and tasks; «Повторить сейчас» enqueues them, «Закрыть» resolves it', async () => {
    const { tenant, connection } = await activeConnection();
    const { db } = fx.console;
    const orders = [
      tenant.createOrder({ store: tenant.stores[0]!.code }),
      tenant.createOrder({ store: tenant.stores[0]!.code }),
    ];
    let incidentId = '';
    for (const order of orders) {
      const { incident } = await db.incidents.openOutage(
        connection.id,
        'lifepos.unavailable',
        30 * 60_000,
        { action: 'работа коннектора: LIFE POS недоступен', cause: 'LIFE POS ответил 503', message: 'Сбой' },
        { subject: { queue: 'order-export', subject: `order:${order.id}`, retailcrmOrderId: order.id } },
      );
      incidentId = incident.id;
    }
    await db.incidents.recordTask(incidentId, 9101, 1);
    await db.incidents.markTasksCreated(incidentId);

    // The connection list links its open incident to the incidents page, filtered.
    await page.goto(`${fx.console.url}/connections`);
    await page.locator(`tr[data-connection="${connection.id}"] td[data-open-incidents] a`).click();
    await page.waitForURL(`${fx.console.url}/incidents?connection=${connection.id}`);

    const card = page.locator(`section[data-incident="${incidentId}"]`);
    expect(await card.locator('h2').textContent()).toContain('LIFE POS недоступен');
    expect(await card.textContent()).toContain('LIFE POS ответил 503');
    expect(await card.textContent()).toContain('Ничего делать не нужно');
    expect(await card.locator('.tasks').textContent()).toContain('9101');
    for (const order of orders) {
      expect(await card.locator(`li[data-order="${order.id}"] a`).getAttribute('href')).toBe(
        `/connections/${connection.id}/orders/${order.id}`,
      );
    }
    await shotsAndNarrowCheck('08-incidents');

    await card.getByRole('button', { name: 'Повторить сейчас' }).click();
    await page.waitForURL(/\/incidents\?connection=/);
    expect(await page.locator('.notice.ok').textContent()).toContain('поставлены в очередь заново: 2');
    const exports = await pendingJobs('order-export');
    for (const order of orders) {
      expect(exports).toContainEqual({ connectionId: connection.id, orderId: order.id, source: 'manual' });
      expect((await db.orderEvents.list(connection.id, order.id)).map((event) => event.type)).toContain(
        'job.redriven',
      );
    }

    await page
      .locator(`section[data-incident="${incidentId}"]`)
      .getByRole('button', { name: 'Закрыть' })
      .click();
    await page.waitForURL(/\/incidents\?connection=/);
    expect(await page.locator('.notice.ok').textContent()).toContain('Инцидент закрыт');
    expect(await db.incidents.get(incidentId)).toMatchObject({ status: 'resolved', resolvedByHand: true });
    expect(await db.incidents.pendingSubjects(incidentId)).toEqual([]);
    // Its tasks are completed by its job, as after an automatic resolution.
    await waitFor(async () =>
      (await pendingJobs('crm-tasks')).some((data) => data.incidentId === incidentId),
    );
    // Gone from the open ones (the default), shown among the resolved.
    expect(await page.locator(`section[data-incident="${incidentId}"]`).count()).toBe(0);
    await page.goto(`${fx.console.url}/incidents?status=resolved&connection=${connection.id}`);
    expect(await page.locator(`section[data-incident="${incidentId}"]`).textContent()).toContain(
      'закрыт вручную',
    );
  });

  it('lists orders with their state, failed on top, filters by state and number, and exports again', async () => {
    const { tenant, connection } = await activeConnection();
    const { db } = fx.console;
    const store = tenant.stores[0]!.code;
    const [paid, failed, plain] = [
      tenant.createOrder({ store }),
      tenant.createOrder({ store }),
      tenant.createOrder({ store }),
    ];
    for (const order of [paid, failed, plain]) {
      await db.orderEvents.append(connection.id, order.id, { type: 'trigger.received', message: 'trigger' });
    }
    for (const order of [paid, plain]) {
      await db.orderLinks.upsert(connection.id, order.id, {
        state: 'exported',
        retailcrmOrderNumber: order.number,
      });
      await db.orderEvents.append(connection.id, order.id, { type: 'job.finished', message: 'exported' });
    }
    await db.orderEvents.append(connection.id, paid.id, {
      type: 'writeback.payment',
      message: 'paid',
      data: {},
    });
    await db.orderLinks.upsert(connection.id, failed.id, {
      state: 'failed',
      retailcrmOrderNumber: failed.number,
    });

    await page.goto(`${fx.console.url}/orders?connection=${connection.id}`);
    const first = page.locator('#attention tbody tr').first();
    expect(await first.getAttribute('data-order')).toBe(String(failed.id));
    expect(await first.getAttribute('data-state')).toBe('failed');
    const states = await page
      .locator('#orders tbody tr')
      .evaluateAll((rows) =>
        Object.fromEntries(
          rows.map((row) => [row.getAttribute('data-order'), row.getAttribute('data-state')]),
        ),
      );
    expect(states).toMatchObject({ [paid.id]: 'paid', [plain.id]: 'exported', [failed.id]: 'failed' });
    await shotsAndNarrowCheck('09-orders');

    await page.locator('select[name="state"]').selectOption('paid');
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.waitForURL(/state=paid/);
    expect(
      await page
        .locator('#orders tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-order'))),
    ).toEqual([String(paid.id)]);

    await page.goto(`${fx.console.url}/orders`);
    await page.getByLabel('ID или номер заказа RetailCRM').fill(plain.number);
    await page.getByRole('button', { name: 'Найти' }).click();
    await page.waitForURL(/q=/);
    const row = page.locator(`#orders tr[data-order="${plain.id}"]`);
    expect(await page.locator('#orders tbody tr').count()).toBe(1);
    expect(await row.getByRole('link').getAttribute('href')).toBe(
      `/connections/${connection.id}/orders/${plain.id}`,
    );

    await row.getByRole('button', { name: 'Выгрузить заново' }).click();
    await page.waitForURL(/\/orders\?/);
    expect(await page.locator('.notice.ok').textContent()).toContain(`Заказ ${plain.id}`);
    expect(await pendingJobs('order-export')).toContainEqual({
      connectionId: connection.id,
      orderId: plain.id,
      source: 'manual',
    });
    // Queued now: waiting, on top.
    expect(await page.locator(`#attention tr[data-order="${plain.id}"]`).getAttribute('data-state')).toBe(
      'waiting',
    );
  });
});

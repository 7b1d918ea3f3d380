import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pollUntil, RcTestClient } from './retailcrm/test-client.js';
import { type Sandbox, startSandbox } from './sandbox.js';
import { seedTenant, type Tenant } from './tenant-seed.js';

const SCRIPT = '<script>alert("x")</script>';
const IMG = '<img src=x onerror=alert(1)>';

let sandbox: Sandbox;
let receiver: Server;
let receiverUrl: string;
const received: string[] = [];
let tenant: Tenant;

beforeAll(async () => {
  // Stands in for both the connector's trigger ingress and its LIFE POS notification endpoint.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(`${req.url} ${Buffer.concat(chunks).toString('utf8')}`);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sandbox = await startSandbox({ logLevel: 'error' });
  tenant = await seedTenant(sandbox, { ingressUrl: `${receiverUrl}/retailCRM/update` });
  sandbox.lifepos.subscribe(tenant.orgId, { primaryUrl: `${receiverUrl}/lifepos/notifications/t` });
});

afterAll(async () => {
  await sandbox.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function page(path = '/'): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${sandbox.url}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** Posts a page form the way a browser does (urlencoded) without following the redirect. */
async function submit(path: string, fields: Record<string, string> = {}) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
  const location = response.headers.get('location') ?? '';
  const query = new URL(location, sandbox.url).searchParams;
  return { status: response.status, location, ok: query.get('ok'), error: query.get('error') };
}

describe('the sandbox page', () => {
  it('shows both sides and escapes what customers and cashiers typed', async () => {
    const order = tenant.createOrder({
      store: tenant.stores[0]!.code,
      courier: tenant.couriers[0]!.id,
      customer: { firstName: SCRIPT, lastName: 'Иванов & сыновья' },
      customerComment: IMG,
    });
    const sale = sandbox.lifepos.seedSale(tenant.orgId, {
      number: 'S-"1"<b>',
      total: 84_000,
      comment: SCRIPT,
    });
    const task = await new RcTestClient(tenant.baseUrl, tenant.apiKey).post('/api/v5/tasks/create', {
      task: {
        text: 'Заказ не выгружен в LIFE POS',
        commentary: IMG,
        performerId: tenant.errorGroup.activeUserIds[0],
        order: { id: order.id },
      },
    });
    expect(task.status).toBe(201);

    const { status, type, text } = await page();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/html/);
    expect(text).toContain('<html lang="ru">');
    expect(text).toContain('name="viewport"');
    // RetailCRM: the order with its shop, courier, total and the task.
    expect(text).toContain(`Заказ ${order.number}`);
    expect(text).toContain(tenant.stores[0]!.name);
    expect(text).toContain(`${tenant.couriers[0]!.firstName} ${tenant.couriers[0]!.lastName}`);
    expect(text).toContain('Заказ не выгружен в LIFE POS');
    // LIFE POS: the sale with its states and outlet.
    expect(text).toContain('Продажа S-&quot;1&quot;&lt;b&gt;');
    expect(text).toContain('<code>NotPaid</code>');
    expect(text).toContain('<code>NotShipped</code>');
    expect(text).toContain(`action="/page/lifepos/${tenant.orgId}/sales/${sale.guid}/pay-cash"`);
    // Nothing typed by a person becomes markup.
    expect(text).not.toContain(SCRIPT);
    expect(text).not.toContain(IMG);
    expect(text).not.toContain('S-"1"<b>');
    expect(text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain('Иванов &amp; сыновья');
    expect(text.match(/<script>/g)).toHaveLength(1);
  });

  it('a status form acts as a manager, fires the trigger and redirects back to the order', async () => {
    const order = tenant.createOrder({
      store: tenant.stores[1]!.code,
      deliveryType: tenant.deliveryTypes.pickup,
    });
    const result = await submit(`/page/retailcrm/${tenant.accountCode}/orders/${order.id}/status`, {
      status: tenant.statuses.send,
    });
    expect(result.status).toBe(303);
    expect(result.location).toMatch(new RegExp(`^/\\?ok=.*#rc-${tenant.accountCode}-${order.id}$`));
    expect(result.ok).toBe('Статус заказа изменён на «Передано в комплектацию»');
    expect(sandbox.retailcrm.getOrder(tenant.accountCode, order.id)?.status).toBe(tenant.statuses.send);
    await pollUntil(
      () =>
        received.find(
          (line) => line === `/retailCRM/update client_id=${tenant.orgId}&order_id=${order.id}&status=new`,
        ),
      'the trigger fired by the page',
    );
    await sandbox.retailcrm.triggersSettled(tenant.accountCode);
    const after = await page(result.location);
    expect(after.text).toContain(
      '<div class="flash ok" role="status">Статус заказа изменён на «Передано в комплектацию»</div>',
    );
    expect(after.text).toContain('Доставлен</span>');

    const store = await submit(`/page/retailcrm/${tenant.accountCode}/orders/${order.id}/store`, {
      store: '',
    });
    expect(store.status).toBe(303);
    expect(sandbox.retailcrm.getOrder(tenant.accountCode, order.id)?.shipmentStore).toBeUndefined();

    const payment = await submit(`/page/retailcrm/${tenant.accountCode}/orders/${order.id}/payments`, {
      type: tenant.paymentTypes.card,
      status: tenant.paymentStatuses.paid,
    });
    expect(payment.ok).toBe('Оплата добавлена');
    const payments = Object.values(
      sandbox.retailcrm.getOrder(tenant.accountCode, order.id)?.payments as Record<
        string,
        { id: number; amount: number }
      >,
    );
    expect(payments).toHaveLength(1);
    expect(payments[0]!.amount).toBe(order.totalSumm);
    const refunded = await submit(
      `/page/retailcrm/${tenant.accountCode}/payments/${payments[0]!.id}/status`,
      {
        status: tenant.paymentStatuses.returned,
      },
    );
    expect(refunded.location).toMatch(new RegExp(`#rc-${tenant.accountCode}-${order.id}$`));
    await pollUntil(
      () => received.find((line) => line.endsWith(`order_id=${order.id}&status=refund`)),
      'the refund trigger',
    );
  });

  it('sale buttons take payments, ship, refund — and refused actions come back as an error', async () => {
    const sale = sandbox.lifepos.seedSale(tenant.orgId, { total: 123_456 });
    const base = `/page/lifepos/${tenant.orgId}/sales/${sale.guid}`;

    const paid = await submit(`${base}/pay-mixed`);
    expect(paid.status).toBe(303);
    expect(paid.location).toMatch(new RegExp(`#lp-${sale.guid}$`));
    const afterPayment = sandbox.lifepos.sale(tenant.orgId, sale.guid);
    expect(afterPayment.sale.payment_status).toBe('Paid');
    expect(afterPayment.payments).toHaveLength(1);
    const [payment] = afterPayment.payments;
    expect(payment!.sum_by_cash.value + payment!.sum_by_card.value).toBe(123_456);
    expect(payment!.sum_by_cash.value).toBe(61_700);

    const cancel = await submit(`${base}/cancel`);
    expect(cancel.status).toBe(303);
    expect(cancel.error).toMatch(/^LIFE POS: OperationCannotBePerformed/);
    expect(sandbox.lifepos.sale(tenant.orgId, sale.guid).sale.state).toBe('InProgress');

    expect((await submit(`${base}/ship`)).ok).toBe('Продажа отгружена');
    expect(sandbox.lifepos.sale(tenant.orgId, sale.guid).sale.state).toBe('Completed');
    expect((await submit(`${base}/refund`)).ok).toBe('Возврат проведён');
    expect(sandbox.lifepos.sale(tenant.orgId, sale.guid).sale.payment_status).toBe('Refunded');

    const another = sandbox.lifepos.seedSale(tenant.orgId, { total: 50_000 });
    await submit(`/page/lifepos/${tenant.orgId}/sales/${another.guid}/pay-card`);
    expect(sandbox.lifepos.sale(tenant.orgId, another.guid).payments[0]!.sum_by_card.value).toBe(50_000);

    expect((await submit(`${base}/explode`)).error).toBe('Неизвестное действие explode');

    // The notifications those actions caused are listed.
    await sandbox.lifepos.notificationsIdle();
    const { text } = await page();
    expect(text).toContain('<code>SaleRefund</code>');
    expect(text).toContain('Доставлено</span>');
  });

  it('creates an order for a seeded account and reports bad form input', async () => {
    const before = sandbox.retailcrm.listOrders(tenant.accountCode).length;
    const created = await submit(`/page/retailcrm/${tenant.accountCode}/orders`, {
      store: tenant.stores[2]!.code,
      deliveryType: tenant.deliveryTypes.courier,
      courier: String(tenant.couriers[1]!.id),
    });
    expect(created.ok).toMatch(/^Создан заказ \d+A$/);
    const orders = sandbox.retailcrm.listOrders(tenant.accountCode);
    expect(orders).toHaveLength(before + 1);
    const newest = orders.sort((a, b) => Number(b.id) - Number(a.id))[0]!;
    expect(newest.shipmentStore).toBe(tenant.stores[2]!.code);
    expect((newest.delivery as { data: { id: number } }).data.id).toBe(tenant.couriers[1]!.id);

    const missing = await submit(`/page/retailcrm/${tenant.accountCode}/orders/${newest.id}/status`, {});
    expect(missing.error).toBe('Форма заполнена неверно: status');
    const unknown = await submit(`/page/retailcrm/${tenant.accountCode}/orders/${newest.id}/status`, {
      status: 'no-such-status',
    });
    expect(unknown.error).toContain('RetailCRM: Order is not loaded');
    const noAccount = await submit('/page/retailcrm/nobody/orders/1/status', { status: 'new' });
    expect(noAccount.status).toBe(303);
    expect(noAccount.error).toContain('does not exist');
  });
});

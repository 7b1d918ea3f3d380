import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '../sandbox.js';
import { pollUntil, RcTestClient } from './test-client.js';
import { renderTemplate, type TriggerRuleInput } from './triggers.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let sandbox: Sandbox;
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
/** Status the receiver answers with. */
let answer = 200;
let counter = 0;

beforeAll(async () => {
  sandbox = await startSandbox();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(answer, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received = [];
  answer = 200;
});

afterAll(async () => {
  await sandbox.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const rule = (overrides: Partial<TriggerRuleInput> = {}): TriggerRuleInput => ({
  name: 'LIFE POS: new',
  event: 'order.status',
  statuses: ['assembling'],
  url: `${receiverUrl}/retailCRM/update?token=secret`,
  params: { client_id: 'org-guid-1', order_id: '{{ order.getId() }}', status: 'new' },
  ...overrides,
});

async function account() {
  counter += 1;
  const code = `triggers-${counter}`;
  const info = await sandbox.retailcrm.createAccount({
    code,
    apiKeys: [{ key: `key-${code}` }],
    settings: { rateLimit: { enabled: false } },
  });
  const order = sandbox.retailcrm.createOrder(code, {
    externalId: 'web-77',
    items: [{ productName: 'Латте', initialPrice: 990 }],
  });
  return { code, info, orderId: Number(order.id), api: new RcTestClient(info.baseUrl, `key-${code}`) };
}

async function control(path: string, body: unknown, method = 'POST') {
  const response = await fetch(`${sandbox.url}/_sandbox/retailcrm${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
  return { status: response.status, body: (await response.json()) as any };
}

describe('HTTP triggers', () => {
  it('a status change through the control API POSTs the urlencoded parameters to the rule URL', async () => {
    const { code, orderId } = await account();
    const set = await control(
      `/accounts/${code}/triggers`,
      {
        rules: [
          rule({
            params: {
              client_id: 'org-guid-1',
              order_id: '{{ order.getId() }}',
              number: '{{ order.number }}',
              external: '{{ order.getExternalId() }}',
              code: '{{ order.getStatus().getCode() }}',
              status: 'new',
              note: 'a&b=c д',
            },
          }),
        ],
      },
      'PUT',
    );
    expect(set.status).toBe(200);

    const changed = await control(`/accounts/${code}/orders/${orderId}/status`, { status: 'assembling' });
    expect(changed.status).toBe(200);
    const [request] = await pollUntil(
      () => (received.length > 0 ? received : undefined),
      'the trigger request',
    );

    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/retailCRM/update?token=secret');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.body).toBe(
      `client_id=org-guid-1&order_id=${orderId}&number=${orderId}A&external=web-77&code=assembling&status=new&note=a%26b%3Dc+%D0%B4`,
    );
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      client_id: 'org-guid-1',
      order_id: String(orderId),
      number: `${orderId}A`,
      external: 'web-77',
      code: 'assembling',
      status: 'new',
      note: 'a&b=c д',
    });

    await sandbox.retailcrm.triggersSettled(code);
    const log = await control(`/accounts/${code}/trigger-log`, undefined, 'GET');
    expect(log.body.entries).toEqual([
      expect.objectContaining({
        ruleName: 'LIFE POS: new',
        orderId,
        url: `${receiverUrl}/retailCRM/update?token=secret`,
        method: 'POST',
        params: expect.objectContaining({ order_id: String(orderId), status: 'new' }),
        event: { kind: 'order.status', from: 'new', to: 'assembling', created: false },
        state: 'delivered',
        responseStatus: 200,
        templateErrors: [],
      }),
    ]);
    // The change itself is a manager's: history source user.
    expect(sandbox.retailcrm.history(code, { orderId }).at(-1)).toMatchObject({
      source: 'user',
      user: { id: 2 },
      field: 'status',
    });
  });

  it('fires only for the listed statuses, once per change, and not on creation unless asked', async () => {
    const { code, orderId } = await account();
    sandbox.retailcrm.setTriggerRules(code, [rule({ statuses: ['assembling', 'complete'] })]);
    sandbox.retailcrm.setOrderStatus(code, orderId, 'delivering');
    sandbox.retailcrm.setOrderStatus(code, orderId, 'complete');
    sandbox.retailcrm.editOrder(code, orderId, { managerComment: 'not a status change' });
    sandbox.retailcrm.createOrder(code, { status: 'assembling' });
    await sandbox.retailcrm.triggersSettled(code);
    expect(received).toHaveLength(1);
    expect(sandbox.retailcrm.triggerLog(code).map((entry) => entry.event)).toEqual([
      { kind: 'order.status', from: 'delivering', to: 'complete', created: false },
    ]);

    sandbox.retailcrm.addTriggerRule(code, rule({ name: 'on create', fireOnCreate: true }));
    const created = sandbox.retailcrm.createOrder(code, { status: 'assembling' });
    await sandbox.retailcrm.triggersSettled(code);
    expect(sandbox.retailcrm.triggerLog(code).at(-1)).toMatchObject({
      ruleName: 'on create',
      orderId: created.id,
      event: { created: true, to: 'assembling' },
    });
  });

  it('fires for changes made through the API too, unless the rule ignores API changes', async () => {
    const { code, orderId, api } = await account();
    sandbox.retailcrm.setTriggerRules(code, [
      rule({ name: 'all changes' }),
      rule({ name: 'not from api', ignoreApiChanges: true }),
    ]);
    const edit = await api.post(`/api/v5/orders/${orderId}/edit`, {
      by: 'id',
      order: { status: 'assembling' },
    });
    expect(edit.status).toBe(200);
    await sandbox.retailcrm.triggersSettled(code);
    expect(sandbox.retailcrm.triggerLog(code).map((entry) => entry.ruleName)).toEqual(['all changes']);
    expect(received).toHaveLength(1);
  });

  it('payment status rules fire when a payment reaches one of the statuses, with payment templates', async () => {
    const { code, orderId, api } = await account();
    sandbox.retailcrm.setTriggerRules(code, [
      rule({
        name: 'paid',
        event: 'payment.status',
        statuses: ['paid'],
        params: {
          order_id: '{{ order.id }}',
          payment: '{{ payment.id }}',
          amount: '{{ payment.amount }}',
          type: '{{ payment.getType().getCode() }}',
        },
      }),
    ]);
    const payment = sandbox.retailcrm.addPayment(code, orderId, { type: 'bank-card', amount: 990 });
    await sandbox.retailcrm.triggersSettled(code);
    expect(received).toHaveLength(0);
    sandbox.retailcrm.setPaymentStatus(code, Number(payment.id), 'paid');
    await sandbox.retailcrm.triggersSettled(code);
    expect(received).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(received[0]?.body))).toEqual({
      order_id: String(orderId),
      payment: String(payment.id),
      amount: '990',
      type: 'bank-card',
    });
    const created = await api.post('/api/v5/orders/payments/create', {
      payment: { order: { id: orderId }, type: 'cash', amount: 1, status: 'paid' },
    });
    expect(created.status).toBe(201);
    await sandbox.retailcrm.triggersSettled(code);
    expect(received).toHaveLength(2);
  });

  it('field rules fire once per change of one of their fields (a code condition on the change set)', async () => {
    const { code, orderId } = await account();
    const shop = rule({ name: 'shop', event: 'order.field', statuses: [], fields: ['shipment_store'] });
    sandbox.retailcrm.setTriggerRules(code, [shop]);
    sandbox.retailcrm.editOrder(code, orderId, { managerComment: 'not the shop' });
    sandbox.retailcrm.setOrderStatus(code, orderId, 'assembling');
    sandbox.retailcrm.createOrder(code, { shipmentStore: 'main-warehouse' }); // creation is its own event
    sandbox.retailcrm.setShipmentStore(code, orderId, 'main-warehouse');
    await sandbox.retailcrm.triggersSettled(code);

    expect(sandbox.retailcrm.triggerLog(code).map((entry) => [entry.orderId, entry.event])).toEqual([
      [orderId, { kind: 'order.field', field: 'shipment_store', created: false }],
    ]);
    expect(Object.fromEntries(new URLSearchParams(received[0]?.body))).toEqual({
      client_id: 'org-guid-1',
      order_id: String(orderId),
      status: 'new',
    });
    // What the order history says of the change (a store prints as its `{code}`).
    expect(sandbox.retailcrm.history(code, { orderId }).at(-1)).toMatchObject({
      field: 'shipment_store',
      oldValue: null,
      newValue: { code: 'main-warehouse' },
      source: 'user',
    });

    // Two of its fields in one change: still one request.
    sandbox.retailcrm.setTriggerRules(code, [{ ...shop, fields: ['shipment_store', 'status'] }]);
    sandbox.retailcrm.editOrder(code, orderId, { shipmentStore: null, status: 'complete' });
    await sandbox.retailcrm.triggersSettled(code);
    expect(sandbox.retailcrm.triggerLog(code)).toHaveLength(2);
    expect(received).toHaveLength(2);

    const invalid = await control(`/accounts/${code}/triggers`, { ...shop, fields: [] });
    expect(invalid.status).toBe(400);
  });

  it('switches off per account and per rule', async () => {
    const { code, orderId } = await account();
    const [first] = sandbox.retailcrm.setTriggerRules(code, [rule({ statuses: ['assembling', 'complete'] })]);
    const off = await control(`/accounts/${code}/triggers`, { enabled: false }, 'PATCH');
    expect(off.body.enabled).toBe(false);
    sandbox.retailcrm.setOrderStatus(code, orderId, 'assembling');
    sandbox.retailcrm.setTriggersEnabled(code, true);
    const ruleOff = await control(`/accounts/${code}/triggers/${first?.id}`, { active: false }, 'PATCH');
    expect(ruleOff.body.rule.active).toBe(false);
    sandbox.retailcrm.setOrderStatus(code, orderId, 'complete');
    await sandbox.retailcrm.triggersSettled(code);
    expect(sandbox.retailcrm.triggerLog(code)).toEqual([]);
    expect(received).toEqual([]);
  });

  it('makes one attempt only: an error status or a dead URL is logged, never retried', async () => {
    const { code, orderId } = await account();
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/hook`;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    sandbox.retailcrm.setTriggerRules(code, [
      rule({ name: 'failing' }),
      rule({ name: 'dead', url: deadUrl }),
    ]);
    answer = 500;
    sandbox.retailcrm.setOrderStatus(code, orderId, 'assembling');
    await sandbox.retailcrm.triggersSettled(code);
    expect(received).toHaveLength(1);
    const log = sandbox.retailcrm.triggerLog(code);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ ruleName: 'failing', state: 'failed', responseStatus: 500 });
    expect(log[1]).toMatchObject({
      ruleName: 'dead',
      state: 'failed',
      error: expect.stringContaining('ECONNREFUSED'),
    });
    expect(log[1]?.responseStatus).toBeUndefined();
  });

  it('gives up after the trigger timeout when the receiver never answers', async () => {
    const { code, orderId } = await account();
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      sandbox.retailcrm.configure(code, { triggerTimeoutMs: 100 });
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
      sandbox.retailcrm.setTriggerRules(code, [rule({ url })]);
      sandbox.retailcrm.setOrderStatus(code, orderId, 'assembling');
      await sandbox.retailcrm.triggersSettled(code);
      expect(sandbox.retailcrm.triggerLog(code)[0]).toMatchObject({
        state: 'failed',
        error: 'no answer within 100 ms',
      });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('logs template expressions it cannot evaluate and sends them empty, as Twig does', async () => {
    const { code, orderId } = await account();
    sandbox.retailcrm.setTriggerRules(code, [
      rule({ params: { x: '{{ order.getNothing() }}', y: 'id={{order.id}}' } }),
    ]);
    sandbox.retailcrm.setOrderStatus(code, orderId, 'assembling');
    await sandbox.retailcrm.triggersSettled(code);
    expect(received[0]?.body).toBe(`x=&y=id%3D${orderId}`);
    expect(sandbox.retailcrm.triggerLog(code)[0]?.templateErrors).toEqual(['order.getNothing()']);
  });
});

describe('renderTemplate', () => {
  const context = {
    order: {
      id: 5001,
      number: '5001A',
      status: { code: 'assembling', name: 'Комплектуется' },
      site: { code: 'main-shop' },
      shipped: false,
      call: true,
      managerComment: null,
      customer: { id: 4001, phones: [{ number: '+7' }] },
    },
  };

  it.each([
    ['{{ order.getId() }}', '5001'],
    ['{{order.id}}', '5001'],
    ['{{ order.number }}', '5001A'],
    ['{{ order.getNumber() }}', '5001A'],
    ['{{ order.getStatus().getCode() }}', 'assembling'],
    ['{{ order.status }}', 'assembling'],
    ['{{ order.status.name }}', 'Комплектуется'],
    ['{{ order.getSite().getCode() }}', 'main-shop'],
    ['{{ order.getCustomer().getId() }}', '4001'],
    ['{{ order.isCall() }}/{{ order.shipped }}', '1/'],
    ['{{ order.managerComment|default("none") }}', 'none'],
    ['order {{ order.id }} is {{ order.status }}', 'order 5001 is assembling'],
    ['constant', 'constant'],
  ])('%s → %s', (template, expected) => {
    expect(renderTemplate(template, context)).toEqual({ value: expected, errors: [] });
  });

  it('reports what it cannot evaluate', () => {
    expect(
      renderTemplate('{{ order.missing }}|{{ order.customer.phones }}|{{ order.id|upper }}', context),
    ).toEqual({
      value: '||',
      errors: ['order.missing', 'order.customer.phones', 'order.id|upper'],
    });
  });
});

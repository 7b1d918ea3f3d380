import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO, type Demo, demoSummary, seedDemo } from './demo-seed.js';
import { TestApiClient } from './lifepos/test-client.js';
import { pollUntil, RcTestClient } from './retailcrm/test-client.js';
import { type Sandbox, startSandbox } from './sandbox.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let sandbox: Sandbox;
let ingress: Server;
let ingressUrl: string;
const received: Received[] = [];
let demo: Demo;

async function listenOnFreePort(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** What the connector's ingress would see. */
function ingressServer(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"accepted":true}');
    });
  });
}

async function control(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${sandbox.url}/_sandbox/retailcrm${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  ingress = ingressServer();
  ingressUrl = `http://127.0.0.1:${await listenOnFreePort(ingress)}/retailCRM/update`;
  sandbox = await startSandbox({ logLevel: 'error' });
  demo = await seedDemo(sandbox, { ingressUrl });
});

afterAll(async () => {
  await sandbox.close();
  await close(ingress);
});

describe('seedDemo', () => {
  it('creates the documented demo tenant with working credentials', async () => {
    const { tenant } = demo;
    expect(tenant).toMatchObject({
      accountCode: DEMO.accountCode,
      apiKey: DEMO.apiKey,
      orgId: DEMO.orgId,
      phone: DEMO.phone,
      password: DEMO.password,
      ingressUrl,
    });
    expect(demo.orders.map((order) => [order.number, order.status, order.store, order.deliveryType])).toEqual(
      [
        ['5001A', 'new', 'msk-tverskaya', 'courier'],
        ['5002A', 'new', 'msk-arbat', 'self-delivery'],
        ['5003A', 'new', 'spb-nevsky', 'in-hall'],
        ['5004A', 'send-to-assembling', 'msk-tverskaya', 'courier'],
      ],
    );
    // Created before anyone listened: no trigger has fired yet.
    expect(sandbox.retailcrm.triggerLog(DEMO.accountCode)).toEqual([]);

    const credentials = await new RcTestClient(tenant.baseUrl, DEMO.apiKey).get('/api/credentials');
    expect(credentials.status).toBe(200);
    const lifepos = new TestApiClient(sandbox.lifeposUrl);
    await lifepos.signIn(DEMO.phone, DEMO.password);
    expect((await lifepos.get(`/orgs/${DEMO.orgId}`)).status).toBe(200);

    const summary = demoSummary(sandbox, demo);
    expect(summary).toMatchObject({
      pageUrl: `${sandbox.url}/`,
      lifeposUrl: sandbox.lifeposUrl,
      ingressUrl,
      retailcrm: { accountCode: 'demo', baseUrl: tenant.baseUrl, apiKey: DEMO.apiKey },
      lifepos: { orgId: DEMO.orgId, phone: DEMO.phone, password: DEMO.password },
      connection: {
        lifeposOrgId: DEMO.orgId,
        retailcrmUrl: tenant.baseUrl,
        retailcrmApiKey: DEMO.apiKey,
        errorUserGroupCode: 'integration-errors',
        cashPaymentTypeCode: 'cash',
        cashlessPaymentTypeCode: 'bank-card',
        // The first reconciliation starts before 5004A was created, so it finds the order.
        settings: { reconcileFrom: demo.reconcileFrom },
      },
    });
    const created = sandbox.retailcrm.history(DEMO.accountCode).find((entry) => entry.created);
    expect(Date.parse(demo.reconcileFrom)).toBeLessThan(
      Date.parse(`${String(created?.createdAt).replace(' ', 'T')}+03:00`),
    );
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('a manager status change through the control API fires the urlencoded trigger with the org guid', async () => {
    const [first] = demo.orders;
    const changed = await control(`/accounts/demo/orders/${first!.id}/status`, {
      status: demo.tenant.statuses.send,
    });
    expect(changed.status).toBe(200);

    const hit = await pollUntil(
      () => received.find((request) => request.body.includes(`order_id=${first!.id}&`)),
      'the new trigger',
    );
    expect(hit.method).toBe('POST');
    expect(hit.url).toBe('/retailCRM/update');
    expect(hit.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(hit.body).toBe(`client_id=${DEMO.orgId}&order_id=${first!.id}&status=new`);
    expect(Object.fromEntries(new URLSearchParams(hit.body))).toEqual({
      client_id: DEMO.orgId,
      order_id: String(first!.id),
      status: 'new',
    });
    await sandbox.retailcrm.triggersSettled('demo');
    expect(sandbox.retailcrm.triggerLog('demo').at(-1)).toMatchObject({
      state: 'delivered',
      responseStatus: 202,
    });
  });

  it('cancelling and refunding fire `closed` and `refund`', async () => {
    const second = demo.orders[1]!;
    received.length = 0;
    await control(`/accounts/demo/orders/${second.id}/status`, { status: demo.tenant.statuses.cancelled });
    const closed = await pollUntil(
      () => received.find((request) => request.body.endsWith('status=closed')),
      'closed',
    );
    expect(closed.body).toBe(`client_id=${DEMO.orgId}&order_id=${second.id}&status=closed`);

    const third = demo.orders[2]!;
    const added = await control(`/accounts/demo/orders/${third.id}/payments`, {
      payment: { type: 'bank-card', status: 'paid' },
    });
    expect(added.status).toBe(201);
    const paymentId = (added.body as { payment: { id: number } }).payment.id;
    await control(`/accounts/demo/payments/${paymentId}/status`, { status: 'returned' });
    const refund = await pollUntil(
      () => received.find((request) => request.body.endsWith('status=refund')),
      'refund',
    );
    expect(refund.body).toBe(`client_id=${DEMO.orgId}&order_id=${third.id}&status=refund`);
  });

  it('puts the demo account on the fixed port it is given', async () => {
    const probe = createServer();
    const port = await listenOnFreePort(probe);
    await close(probe);
    const other = await startSandbox({ logLevel: 'error' });
    try {
      const fixed = await seedDemo(other, { retailcrmPort: port });
      expect(fixed.tenant.baseUrl).toBe(`http://127.0.0.1:${port}`);
      expect(fixed.tenant.triggerRules).toEqual([]);
      const credentials = await new RcTestClient(`http://127.0.0.1:${port}`, DEMO.apiKey).get(
        '/api/credentials',
      );
      expect(credentials.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@connector/logger';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '../sandbox.js';
import { DEFAULT_NOTIFICATION_SETTINGS } from './notifications.js';
import type { SeededOrganization } from './simulator.js';
import { pollUntil, TestApiClient } from './test-client.js';

/**
 * Notifications (docs/LIFEPOS-API.md, «Notifications»): delivery to the subscribed URL, retries, and the
 * duplicate / reorder / off switches.
 */

interface Received {
  path: string;
  contentType: string | undefined;
  body: { type_of: string; guid: string; [key: string]: unknown };
}

/** A receiver on 127.0.0.1:0 answering with the statuses queued in `answers` (then 200). */
class Receiver {
  readonly received: Received[] = [];
  readonly answers: number[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        res.statusCode = this.answers.shift() ?? 200;
        res.setHeader('content-type', 'application/json');
        res.end('{"message":"success"}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  ofType(type: string): Received[] {
    return this.received.filter((entry) => entry.body.type_of === type);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let sandbox: Sandbox;
let receiver: Receiver;
let seeded: SeededOrganization;
let org: string;

beforeAll(async () => {
  // The give-up case logs a warning by design; keep the test output quiet.
  sandbox = await startSandbox({ logger: createLogger({ service: 'sandbox-test', level: 'error' }) });
  receiver = new Receiver();
  await receiver.start();
});

beforeEach(async () => {
  sandbox.lifepos.configureNotifications({
    ...DEFAULT_NOTIFICATION_SETTINGS,
    baseDelayMs: 20,
    maxDelayMs: 100,
  });
  seeded = sandbox.lifepos.createOrganization();
  org = seeded.organization.guid;
  receiver.received.length = 0;
  receiver.answers.length = 0;
});

afterEach(async () => {
  await sandbox.lifepos.notificationsIdle();
});

afterAll(async () => {
  await sandbox.close();
  await receiver.stop();
});

/**
 * Subscribes like the connector: JSON Patch of the notification_service extension (docs/LIFEPOS-API.md,
 * «Subscribing»).
 */
async function subscribe(path = '/lifepos/notifications/secret-token', secondary?: string): Promise<void> {
  const api = new TestApiClient(sandbox.lifeposUrl);
  await api.signIn(seeded.credentials.phone, seeded.credentials.password);
  const response = await api.patch(
    `/v6/orgs/${org}`,
    [
      {
        op: 'add',
        path: '/extensions/notification_service',
        value: {
          turned_on: true,
          primary_url_for_notifications: `${receiver.url}${path}`,
          secondary_url_for_notifications: secondary ?? null,
          version: '1.0',
        },
      },
    ],
    { headers: { 'X-LP-Client-Extensions': 'notification_service' } },
  );
  expect(response.status).toBe(204);
}

describe('LIFE POS notifications («Notification delivery», G-10)', () => {
  it('POSTs a payment (SalePayment) and the changed sale (Sale) to the subscribed URL', async () => {
    await subscribe();
    const sale = sandbox.lifepos.seedSale(org, { total: 1_200_00 });
    const payment = sandbox.lifepos.takePayment(org, sale.guid, { cash: 200_00, card: 1_000_00 });

    const [received] = await pollUntil(
      () => receiver.ofType('SalePayment').length === 1 && receiver.ofType('SalePayment'),
      {
        what: 'the SalePayment notification',
      },
    );
    expect(received?.path).toBe('/lifepos/notifications/secret-token');
    expect(received?.contentType).toBe('application/json');
    expect(received?.body).toMatchObject({
      type_of: 'SalePayment',
      guid: payment.guid,
      sale: { guid: sale.guid, type_of: 'Sale' },
      total_sum: { value: 1_200_00 },
      sum_by_cash: { value: 200_00 },
      sum_by_card: { value: 1_000_00 },
      fiscal_document: { guid: expect.any(String) },
    });
    const sales = await pollUntil(
      () =>
        receiver.ofType('Sale').find((entry) => entry.body.payment_status === 'Paid') &&
        receiver.ofType('Sale'),
      { what: 'the paid Sale notification' },
    );
    expect(sales.at(-1)?.body).toMatchObject({
      guid: sale.guid,
      state: 'InProgress',
      payment_status: 'Paid',
    });
    expect(sandbox.lifepos.deliveries({ org, object_guid: payment.guid })).toEqual([
      expect.objectContaining({
        status: 'delivered',
        attempts: [expect.objectContaining({ attempt: 1, status: 200 })],
      }),
    ]);
  });

  it('sends a SaleRefund with for_payment when a payment is refunded', async () => {
    await subscribe();
    const sale = sandbox.lifepos.seedSale(org, { total: 900_00 });
    const payment = sandbox.lifepos.takePayment(org, sale.guid, { card: 900_00 });
    const refund = sandbox.lifepos.refund(org, sale.guid);
    const [received] = await pollUntil(
      () => receiver.ofType('SaleRefund').length > 0 && receiver.ofType('SaleRefund'),
      {
        what: 'the SaleRefund notification',
      },
    );
    expect(received?.body).toMatchObject({
      guid: refund.guid,
      sale: { guid: sale.guid },
      for_payment: { guid: payment.guid },
      total_sum: { value: 900_00 },
      sum_by_card: { value: 900_00 },
    });
  });

  it('retries after a 500 with backoff and delivers the same payload', async () => {
    await subscribe();
    const sale = sandbox.lifepos.seedSale(org);
    await sandbox.lifepos.notificationsIdle();
    receiver.received.length = 0;
    receiver.answers.push(500);
    const payment = sandbox.lifepos.takePayment(org, sale.guid, { cash: sale.total_sum.value });
    await sandbox.lifepos.notificationsIdle();

    const copies = receiver.ofType('SalePayment');
    expect(copies).toHaveLength(2);
    expect(copies[0]?.body).toEqual(copies[1]?.body);
    const [record] = sandbox.lifepos.deliveries({ object_guid: payment.guid });
    expect(record?.status).toBe('delivered');
    expect(record?.attempts.map((attempt) => attempt.status)).toEqual([500, 200]);
  });

  it('gives up after maxAttempts and logs the failure', async () => {
    sandbox.lifepos.configureNotifications({ maxAttempts: 3 });
    await subscribe();
    receiver.answers.push(503, 503, 503);
    const sale = sandbox.lifepos.seedSale(org);
    await sandbox.lifepos.notificationsIdle();
    const [record] = sandbox.lifepos.deliveries({ object_guid: sale.guid });
    expect(record?.status).toBe('failed');
    expect(record?.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 503]);
  });

  it('falls back to the secondary URL within the same attempt', async () => {
    await subscribe('/primary', `${receiver.url}/secondary`);
    receiver.answers.push(500);
    const sale = sandbox.lifepos.seedSale(org);
    await sandbox.lifepos.notificationsIdle();
    expect(receiver.received.map((entry) => entry.path)).toEqual(['/primary', '/secondary']);
    const [record] = sandbox.lifepos.deliveries({ object_guid: sale.guid });
    expect(
      record?.attempts.map((attempt) => [attempt.attempt, attempt.url.replace(receiver.url, '')]),
    ).toEqual([
      [1, '/primary'],
      [1, '/secondary'],
    ]);
  });

  it('delivers a payment twice when the duplicate switch is on', async () => {
    await subscribe();
    sandbox.lifepos.configureNotifications({ duplicateRate: 1 });
    const sale = sandbox.lifepos.seedSale(org);
    const payment = sandbox.lifepos.takePayment(org, sale.guid, { card: sale.total_sum.value });
    await sandbox.lifepos.notificationsIdle();
    const copies = receiver.ofType('SalePayment');
    expect(copies.map((entry) => entry.body.guid)).toEqual([payment.guid, payment.guid]);
    expect(
      sandbox.lifepos.deliveries({ object_guid: payment.guid }).map((record) => record.duplicate),
    ).toEqual([false, true]);
  });

  it('delivers out of order when the reorder switch is on', async () => {
    await subscribe();
    const sale = sandbox.lifepos.seedSale(org);
    await sandbox.lifepos.notificationsIdle();
    receiver.received.length = 0;
    sandbox.lifepos.configureNotifications({ reorderRate: 1, reorderHoldMs: 5_000 });
    sandbox.lifepos.takePayment(org, sale.guid, { cash: sale.total_sum.value });
    await sandbox.lifepos.notificationsIdle();
    // Sent: SalePayment, then Sale. Received: Sale first.
    expect(receiver.received.map((entry) => entry.body.type_of)).toEqual(['Sale', 'SalePayment']);
  });

  it('sends nothing when notifications are switched off; the log says suppressed', async () => {
    await subscribe();
    sandbox.lifepos.configureNotifications({ enabled: false });
    const sale = sandbox.lifepos.seedSale(org);
    sandbox.lifepos.takePayment(org, sale.guid, { cash: sale.total_sum.value });
    await sandbox.lifepos.notificationsIdle();
    expect(receiver.received).toEqual([]);
    expect(sandbox.lifepos.deliveries({ org }).map((record) => record.status)).toEqual([
      'suppressed',
      'suppressed',
      'suppressed',
    ]);
  });

  it('sends nothing to an organization that unsubscribed (turned_on = false)', async () => {
    await subscribe();
    sandbox.lifepos.unsubscribe(org);
    sandbox.lifepos.seedSale(org);
    await sandbox.lifepos.notificationsIdle();
    expect(receiver.received).toEqual([]);
    expect(sandbox.lifepos.deliveries({ org })).toEqual([]);
  });

  it('exposes the delivery log through the control routes', async () => {
    await subscribe();
    const sale = sandbox.lifepos.seedSale(org);
    const idle = await fetch(`${sandbox.url}/_sandbox/lifepos/notifications/idle?timeoutMs=5000`, {
      method: 'POST',
    });
    expect(idle.status).toBe(204);
    const response = await fetch(
      `${sandbox.url}/_sandbox/lifepos/notifications/deliveries?org=${org}&type_of=Sale&status=delivered`,
    );
    expect(response.status).toBe(200);
    const { deliveries } = (await response.json()) as {
      deliveries: { object_guid: string; payload: unknown }[];
    };
    expect(deliveries).toEqual([
      expect.objectContaining({
        object_guid: sale.guid,
        payload: expect.objectContaining({ number: sale.number }),
      }),
    ]);
    const cleared = await fetch(`${sandbox.url}/_sandbox/lifepos/notifications/deliveries`, {
      method: 'DELETE',
    });
    expect(cleared.status).toBe(204);
    expect(sandbox.lifepos.deliveries()).toEqual([]);
  });
});

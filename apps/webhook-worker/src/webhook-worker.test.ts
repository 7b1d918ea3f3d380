import { randomBytes } from 'node:crypto';
import { createEntityLock, jobIdFor, lifeposCheckId, orderLockKey } from '@connector/queue';
import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SALES_CHECK_PRIORITY } from './lifepos-sales-check.js';
import { TIMELINE } from './sale-write-back.js';
import {
  type SeededConnection,
  startWebhookFixture,
  type WebhookFixture,
} from './test-support/webhook-fixture.js';

let fx: WebhookFixture;

beforeAll(async () => {
  fx = await startWebhookFixture();
});

afterAll(async () => {
  await fx?.close();
});

interface CrmPayment {
  id: number;
  type: string;
  amount: number;
  status: string;
  externalId?: string;
  paidAt?: string;
}

const db = () => fx.worker.deps.db;
const orderOf = (t: SeededConnection, orderId: number) =>
  fx.sandbox.retailcrm.getOrder(t.seeded.accountCode, orderId) as {
    status: string;
    payments?: Record<string, CrmPayment>;
  };
const paymentsOf = (t: SeededConnection, orderId: number) =>
  Object.values(orderOf(t, orderId).payments ?? {}).sort((a, b) => a.id - b.id);
const saleOf = (t: SeededConnection, saleId: string) => fx.sandbox.lifepos.sale(t.seeded.orgId, saleId);
/** Status changes of the order made through the API (the connector's writes). */
const apiStatusChanges = (t: SeededConnection, orderId: number) =>
  fx.sandbox.retailcrm
    .history(t.seeded.accountCode, { orderId })
    .filter((entry) => entry.field === 'status' && entry.source === 'api');
const notificationsOf = (t: SeededConnection) =>
  db().prisma.lifeposNotification.findMany({ where: { connectionId: t.connection.id } });
const notificationUrl = (token: string) => `${fx.url}/lifepos/notifications/${token}`;

function post(url: string, body: string, contentType = 'application/json') {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

/** Waits for the order's RetailCRM payments to number `count`: "appears within seconds". */
function paymentsArrive(t: SeededConnection, orderId: number, count: number) {
  return waitFor(
    () => {
      const payments = paymentsOf(t, orderId);
      return payments.length >= count && payments;
    },
    { timeoutMs: 5_000, what: `${count} RetailCRM payment(s) on order ${orderId}` },
  );
}

describe('payments taken in LIFE POS', () => {
  it.each([
    ['cash', (total: number) => ({ cash: total }), ['cash']],
    ['card', (total: number) => ({ card: total }), ['card']],
    ['mixed', (total: number) => ({ cash: 10_000, card: total - 10_000 }), ['cash', 'card']],
  ] as const)(
    'a %s payment appears on the RetailCRM order within seconds, with the right types, amounts and status',
    async (_kind, parts, names) => {
      const t = await fx.seed();
      const { order, saleId } = await fx.exportedOrder(t);
      const total = saleOf(t, saleId).sale.total_sum.value;
      const amounts = parts(total);
      const payment = fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, amounts);

      const booked = await paymentsArrive(t, order.id, names.length);

      const expected = names.map((part) => ({
        type: part === 'cash' ? t.seeded.paymentTypes.cash : t.seeded.paymentTypes.card,
        amount: (amounts as { cash?: number; card?: number })[part]! / 100,
        status: t.seeded.paymentStatuses.paid,
        externalId: `lifepos-${payment.guid}-${part}`,
      }));
      expect(booked).toEqual(expected.map((fields) => expect.objectContaining(fields)));
      for (const crm of booked) expect(crm.paidAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

      await fx.settled();
      expect(paymentsOf(t, order.id)).toHaveLength(names.length);
      const links = await db().paymentLinks.listForOrder(t.connection.id, order.id);
      expect(
        links.map(({ lifeposPaymentId, part, retailcrmPaymentId, status }) => ({
          lifeposPaymentId,
          part,
          retailcrmPaymentId,
          status,
        })),
      ).toEqual(
        expect.arrayContaining(
          booked.map((crm, index) => ({
            lifeposPaymentId: payment.guid,
            part: names[index],
            retailcrmPaymentId: crm.id,
            status: 'paid',
          })),
        ),
      );
      expect(links).toHaveLength(names.length);
      const rows = await notificationsOf(t);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.processedAt !== null)).toBe(true);
      const timeline = await fx.worker.deps.db.orderEvents.list(t.connection.id, order.id);
      expect(timeline.filter((event) => event.type === TIMELINE.payment)).toHaveLength(names.length);
    },
  );

  it('a payment delivered twice is booked once', async () => {
    const t = await fx.seed();
    const { order, saleId } = await fx.exportedOrder(t);
    const total = saleOf(t, saleId).sale.total_sum.value;
    fx.sandbox.lifepos.configureNotifications({ duplicateRate: 1 });
    let paymentGuid: string;
    try {
      paymentGuid = fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, {
        cash: 5_000,
        card: total - 5_000,
      }).guid;
      await fx.settled();
    } finally {
      fx.sandbox.lifepos.configureNotifications({ duplicateRate: 0 });
    }

    const delivered = fx.sandbox.lifepos.deliveries({ object_guid: paymentGuid, status: 'delivered' });
    expect(delivered).toHaveLength(2);
    expect(paymentsOf(t, order.id).map((payment) => payment.externalId)).toEqual([
      `lifepos-${paymentGuid}-cash`,
      `lifepos-${paymentGuid}-card`,
    ]);
    expect(await db().paymentLinks.listForOrder(t.connection.id, order.id)).toHaveLength(2);
    const rows = await notificationsOf(t);
    // Every copy was stored and handled: the sale's creation once, then the payment and the sale twice each.
    expect(rows.map((row) => row.typeOf).sort()).toEqual([
      'Sale',
      'Sale',
      'Sale',
      'SalePayment',
      'SalePayment',
    ]);
    expect(rows.every((row) => row.processedAt !== null)).toBe(true);
  });

  it('notifications out of order give the same final state', async () => {
    const t = await fx.seed();
    const { order, saleId } = await fx.exportedOrder(t);
    const total = saleOf(t, saleId).sale.total_sum.value;
    fx.sandbox.lifepos.configureNotifications({ reorderRate: 1 });
    let paymentGuid: string;
    try {
      paymentGuid = fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: total }).guid;
      fx.sandbox.lifepos.complete(t.seeded.orgId, saleId);
      await fx.settled();
    } finally {
      fx.sandbox.lifepos.configureNotifications({ reorderRate: 0 });
    }

    expect(fx.sandbox.lifepos.deliveries({ org: t.seeded.orgId }).some((record) => record.reordered)).toBe(
      true,
    );
    expect(paymentsOf(t, order.id)).toEqual([
      expect.objectContaining({
        externalId: `lifepos-${paymentGuid}-card`,
        status: t.seeded.paymentStatuses.paid,
      }),
    ]);
    expect(orderOf(t, order.id).status).toBe(t.seeded.statuses.complete);
    expect(apiStatusChanges(t, order.id)).toHaveLength(1);
  });
});

describe('sale state', () => {
  it('completion sets the mapped status once and notes the workplace and courier in the timeline', async () => {
    const t = await fx.seed();
    const { order, saleId } = await fx.exportedOrder(t);
    const { sale } = saleOf(t, saleId);
    const courier = t.seeded.couriers[0]!;
    await db().courierLinks.upsert(t.connection.id, courier.id, {
      lifeposEmployeeId: t.seeded.lifepos.ownerId,
      lifeposWorkplaceId: sale.workplace!.guid,
    });

    fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: sale.total_sum.value });
    fx.sandbox.lifepos.complete(t.seeded.orgId, saleId);
    await waitFor(() => orderOf(t, order.id).status === t.seeded.statuses.complete, {
      timeoutMs: 5_000,
      what: 'the order to be complete',
    });
    await fx.settled();

    expect(apiStatusChanges(t, order.id)).toHaveLength(1);
    const states = (await db().orderEvents.list(t.connection.id, order.id)).filter(
      (event) => event.type === TIMELINE.saleState,
    );
    expect(states).toHaveLength(1);
    expect(states[0]?.data).toMatchObject({
      saleId,
      state: 'Completed',
      outcome: 'set',
      status: t.seeded.statuses.complete,
      workplaceId: sale.workplace!.guid,
      courierId: courier.id,
    });
    expect(states[0]?.message).toContain(`RetailCRM courier ${courier.id}`);
  });

  it('cancellation in LIFE POS sets the mapped cancel status', async () => {
    const t = await fx.seed();
    const { order, saleId } = await fx.exportedOrder(t);

    fx.sandbox.lifepos.cancel(t.seeded.orgId, saleId);

    await waitFor(() => orderOf(t, order.id).status === t.seeded.statuses.cancelled, {
      timeoutMs: 5_000,
      what: 'the order to be cancelled',
    });
    await fx.settled();
    expect(apiStatusChanges(t, order.id)).toHaveLength(1);
    expect(paymentsOf(t, order.id)).toEqual([]);
  });

  it("a sale cancelled after a manager cancelled the order keeps the manager's cancel status", async () => {
    const t = await fx.seed();
    const { order, saleId } = await fx.exportedOrder(t);
    const reason = t.seeded.statuses.cancel.find((status) => status !== t.seeded.statuses.cancelled)!;
    // What the cancel worker does after a manager's cancel: the sale follows the order.
    fx.sandbox.retailcrm.setOrderStatus(t.seeded.accountCode, order.id, reason);
    fx.sandbox.lifepos.cancel(t.seeded.orgId, saleId);
    await fx.settled();

    expect(orderOf(t, order.id).status).toBe(reason);
    expect(apiStatusChanges(t, order.id)).toHaveLength(0);
    const states = (await db().orderEvents.list(t.connection.id, order.id)).filter(
      (event) => event.type === TIMELINE.saleState,
    );
    expect(states.map((event) => event.data)).toEqual([
      expect.objectContaining({ state: 'Cancelled', outcome: 'already-set', status: reason }),
    ]);
  });

  it('a status the order already has is not written again', async () => {
    const t = await fx.seed();
    const { order, saleId } = await fx.exportedOrder(t);
    fx.sandbox.retailcrm.setOrderStatus(t.seeded.accountCode, order.id, t.seeded.statuses.complete);

    fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { cash: saleOf(t, saleId).sale.total_sum.value });
    fx.sandbox.lifepos.complete(t.seeded.orgId, saleId);
    await paymentsArrive(t, order.id, 1);
    await fx.settled();

    expect(apiStatusChanges(t, order.id)).toHaveLength(0);
    const states = (await db().orderEvents.list(t.connection.id, order.id)).filter(
      (event) => event.type === TIMELINE.saleState,
    );
    expect(states.map((event) => (event.data as { outcome: string }).outcome)).toEqual(['already-set']);
  });

  it('a status a manager set after the write-back is not overwritten by a later write-back', async () => {
    const t = await fx.seed();
    const { order, saleId } = await fx.exportedOrder(t);
    fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: saleOf(t, saleId).sale.total_sum.value });
    fx.sandbox.lifepos.complete(t.seeded.orgId, saleId);
    await waitFor(() => orderOf(t, order.id).status === t.seeded.statuses.complete, {
      timeoutMs: 5_000,
      what: 'the order to be complete',
    });
    await fx.settled();
    fx.sandbox.retailcrm.setOrderStatus(t.seeded.accountCode, order.id, t.seeded.statuses.returned);

    // What the periodic check (or a late notification) does: the same write-back again.
    const { id } = await fx.worker.deps.producer.add('lifepos-events', {
      connectionId: t.connection.id,
      saleId,
    });
    const job = await waitFor(
      async () => {
        // The state first, then the job: a job read before it finished would carry no return value.
        if ((await fx.queue('lifepos-events').getJobState(id)) !== 'completed') return undefined;
        return fx.queue('lifepos-events').getJob(id);
      },
      { what: 'the repeated write-back' },
    );

    expect(job.returnvalue).toMatchObject({ outcome: 'written-back', stateOutcome: 'already-handled' });
    expect(orderOf(t, order.id).status).toBe(t.seeded.statuses.returned);
    expect(apiStatusChanges(t, order.id)).toHaveLength(1);
    expect(paymentsOf(t, order.id)).toHaveLength(1);
  });

  it('the notification of a sale just exported is acknowledged without reading anything upstream', async () => {
    const t = await fx.seed({ subscribe: false });
    const { order, saleId } = await fx.exportedOrder(t);
    const { sale } = saleOf(t, saleId);
    const calls: string[] = [];
    const stop = fx.sandbox.requestLog.subscribe((entry) => {
      if (entry.tenant === t.seeded.orgId || entry.tenant === t.seeded.accountCode) {
        calls.push(`${entry.system} ${entry.method} ${entry.path}`);
      }
    });
    try {
      // What LIFE POS posts when the export creates the sale: the sale itself, New and not paid.
      const response = await post(
        notificationUrl(t.connection.notificationToken),
        JSON.stringify({ ...sale, type_of: 'Sale' }),
      );
      const { notificationId } = (await response.json()) as { notificationId: string };
      const job = await waitFor(
        async () => {
          const queued = await fx.queue('lifepos-events').getJob(jobIdFor('lifepos-events', notificationId));
          return queued?.finishedOn !== undefined && queued;
        },
        { what: 'the notification written back' },
      );
      expect(job?.returnvalue).toEqual({ outcome: 'already-written-back', saleId });
      expect((await db().notifications.get(notificationId))?.processedAt).not.toBeNull();
    } finally {
      stop();
    }
    expect(calls).toEqual([]);
    expect(paymentsOf(t, order.id)).toEqual([]);
  });

  it('a sale the connector does not know (made in LIFE POS) is ignored', async () => {
    const t = await fx.seed();
    const sale = fx.sandbox.lifepos.seedSale(t.seeded.orgId, { total: 10_000 });
    fx.sandbox.lifepos.takePayment(t.seeded.orgId, sale.guid, { cash: 10_000 });
    await fx.settled();

    const rows = await notificationsOf(t);
    // Created, paid (the payment and the sale).
    expect(rows.map((row) => row.typeOf).sort()).toEqual(['Sale', 'Sale', 'SalePayment']);
    expect(rows.every((row) => row.processedAt !== null)).toBe(true);
    for (const row of rows) {
      const job = await fx.queue('lifepos-events').getJob(jobIdFor('lifepos-events', row.id));
      expect(job?.returnvalue).toEqual({ outcome: 'unknown-sale', saleId: sale.guid });
    }
    expect(await db().prisma.paymentLink.count({ where: { connectionId: t.connection.id } })).toBe(0);
    expect(await db().prisma.orderEvent.count({ where: { connectionId: t.connection.id } })).toBe(0);
  });
});

describe('receiver', () => {
  it('records a notification of an unknown type and acknowledges it, without a job', async () => {
    const t = await fx.seed({ subscribe: false });
    const url = notificationUrl(t.connection.notificationToken);

    const answers = [];
    for (const body of [
      {
        type_of: 'FiscalDocumentReceipt',
        guid: randomBytes(8).toString('hex'),
        sources: { print_view: 'x' },
      },
      { type_of: 'SomethingNew', guid: 'g-1' },
    ]) {
      const response = await post(url, JSON.stringify(body));
      answers.push({
        status: response.status,
        body: (await response.json()) as { status: string; notificationId: string },
      });
    }

    expect(answers.map((answer) => [answer.status, answer.body.status])).toEqual([
      [200, 'recorded'],
      [200, 'recorded'],
    ]);
    const rows = await notificationsOf(t);
    expect(rows.map((row) => row.typeOf).sort()).toEqual(['FiscalDocumentReceipt', 'SomethingNew']);
    expect(rows.every((row) => row.processedAt !== null)).toBe(true);
    for (const answer of answers) {
      expect(
        await fx.queue('lifepos-events').getJob(jobIdFor('lifepos-events', answer.body.notificationId)),
      ).toBeUndefined();
    }
  });

  it('takes a JSON body whatever its Content-Type, stores it and queues its job before answering', async () => {
    const t = await fx.seed({ subscribe: false });
    const body = { type_of: 'Sale', guid: randomBytes(16).toString('hex') };

    const response = await post(
      notificationUrl(t.connection.notificationToken),
      JSON.stringify(body),
      'text/plain',
    );

    expect(response.status).toBe(200);
    const answer = (await response.json()) as { status: string; notificationId: string };
    expect(answer.status).toBe('queued');
    // Both exist the moment the answer is out.
    expect(await db().notifications.get(answer.notificationId)).toMatchObject({ typeOf: 'Sale', body });
    expect(
      await fx.queue('lifepos-events').getJob(jobIdFor('lifepos-events', answer.notificationId)),
    ).toBeDefined();
    await fx.settled();
  });

  it('answers 404 without detail to an unknown or malformed token, storing nothing', async () => {
    const t = await fx.seed({ subscribe: false });
    const body = JSON.stringify({ type_of: 'Sale', guid: 'x' });
    const before = await db().prisma.lifeposNotification.count();

    for (const token of [
      randomBytes(32).toString('base64url'),
      `${t.connection.notificationToken.slice(0, -1)}${t.connection.notificationToken.endsWith('A') ? 'B' : 'A'}`,
      'short',
      `${t.connection.notificationToken}x`,
    ]) {
      const response = await post(notificationUrl(token), body);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'Not found' } });
    }
    expect(await db().prisma.lifeposNotification.count()).toBe(before);
  });

  it('refuses a body over the limit with 413', async () => {
    const t = await fx.seed({ subscribe: false });
    const body = JSON.stringify({ type_of: 'Sale', guid: 'x', comment: 'x'.repeat(300 * 1024) });

    const response = await post(notificationUrl(t.connection.notificationToken), body);

    expect(response.status).toBe(413);
    expect(await notificationsOf(t)).toEqual([]);
  });

  it('1,000 malformed bodies get 4xx, enqueue nothing and leave the process healthy', async () => {
    const t = await fx.seed({ subscribe: false });
    const url = notificationUrl(t.connection.notificationToken);
    const malformed: Array<[string, string]> = [
      ['{', 'application/json'],
      ['{"type_of": "Sale"', 'application/json'],
      ['null', 'application/json'],
      ['[]', 'application/json'],
      ['"Sale"', 'application/json'],
      ['{"guid": "x"}', 'application/json'],
      ['{"type_of": ""}', 'application/json'],
      ['{"type_of": 5}', 'application/json'],
      ['type_of=Sale', 'application/x-www-form-urlencoded'],
      ['not json at all', 'text/plain'],
    ];
    const statuses: number[] = [];
    for (let round = 0; round < 1_000 / 20; round += 1) {
      const batch = Array.from(
        { length: 20 },
        (_, index) => malformed[(round * 20 + index) % malformed.length]!,
      );
      const responses = await Promise.all(batch.map(([body, type]) => post(url, body, type)));
      for (const response of responses) {
        statuses.push(response.status);
        await response.arrayBuffer();
      }
    }

    expect(statuses).toHaveLength(1_000);
    expect(statuses.filter((status) => status >= 400 && status < 500)).toHaveLength(1_000);
    // 415 for the form body (notifications are JSON), 400 for the rest.
    expect(new Set(statuses)).toEqual(new Set([400, 415]));
    expect(await notificationsOf(t)).toEqual([]);
    const jobs = await fx.jobs('lifepos-events');
    expect(
      jobs.filter((job) => (job.data as { connectionId?: string }).connectionId === t.connection.id),
    ).toEqual([]);
    expect((await fetch(`${fx.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${fx.url}/readyz`)).status).toBe(200);
  });

  it('acknowledges notifications for a disabled connection without storing them', async () => {
    const t = await fx.seed({ subscribe: false });
    await db().connections.update(t.connection.id, { status: 'disabled', disabledReason: 'test' });

    const response = await post(
      notificationUrl(t.connection.notificationToken),
      JSON.stringify({ type_of: 'Sale', guid: 'x' }),
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ignored' });
    expect(await notificationsOf(t)).toEqual([]);
  });
});

describe('missed notifications and subscriptions', () => {
  it('with notifications switched off, the periodic check still books the payment within one period', async () => {
    const t = await fx.seed({ settings: { lifeposPollSeconds: 2 } });
    const { order, saleId } = await fx.exportedOrder(t);
    await fx.worker.schedules.runNow();
    expect(
      await fx.worker.scheduleQueue.getJobScheduler(lifeposCheckId(t.connection.id, 'sales')),
    ).toMatchObject({
      every: 2_000,
    });
    // The scheduler's first check runs at once; the payment is to come with a later, periodic one.
    await waitFor(async () => (await db().syncCursors.get(t.connection.id)).lifeposSalesCursor, {
      what: 'the first sales check',
    });

    fx.sandbox.lifepos.configureNotifications({ enabled: false });
    let paymentGuid: string;
    try {
      paymentGuid = fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, {
        card: saleOf(t, saleId).sale.total_sum.value,
      }).guid;
      // One period, plus the write-back itself.
      await paymentsArrive(t, order.id, 1);
    } finally {
      fx.sandbox.lifepos.configureNotifications({ enabled: true });
    }

    expect(
      fx.sandbox.lifepos.deliveries({ object_guid: paymentGuid }).map((record) => record.status),
    ).toEqual(['suppressed']);
    // Only the sale's creation came in, before the switch.
    expect(
      (await notificationsOf(t)).map((row) => [row.typeOf, (row.body as { state?: string }).state]),
    ).toEqual([['Sale', 'New']]);
    expect(paymentsOf(t, order.id)).toEqual([
      expect.objectContaining({
        externalId: `lifepos-${paymentGuid}-card`,
        status: t.seeded.paymentStatuses.paid,
      }),
    ]);
    await fx.settled();
    expect(paymentsOf(t, order.id)).toHaveLength(1);
  });

  it('runs a check as a job of the connection, not of an order: an order held by a write-back does not stop it', async () => {
    const t = await fx.seed({ subscribe: false });
    const { order, saleId } = await fx.exportedOrder(t);
    // Paid without a notification (none subscribed): something the check has to write back.
    fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: saleOf(t, saleId).sale.total_sum.value });
    const lock = createEntityLock(fx.worker.deps.redis, fx.prefix);
    const events = fx.queue('lifepos-events');

    await lock.withLock(orderLockKey(t.connection.id, order.id), async () => {
      const { id } = await fx.worker.deps.producer.add('lifepos-events', {
        connectionId: t.connection.id,
        check: 'sales',
      });
      const check = await waitFor(
        async () => (await events.getJobState(id)) === 'completed' && events.getJob(id),
        {
          what: 'the sales check to complete while the order is locked',
        },
      );
      expect(check?.returnvalue).toMatchObject({ outcome: 'checked', queued: 1 });
      // The write-back it queued is the order's: it waits for the lock.
      const writeBack = (await events.getJobs()).find((job) => job.data.saleId === saleId);
      expect(writeBack).toBeDefined();
      expect(await events.getJobState(writeBack!.id!)).not.toBe('completed');
    });
    await fx.settled();
    const done = (await events.getJobs(['completed'])).find((job) => job.data.saleId === saleId);
    expect(done?.returnvalue).toMatchObject({ outcome: 'written-back', saleId, orderId: order.id });
  });

  it('queues only the sales with something left to write back, behind the notifications', async () => {
    const t = await fx.seed({ subscribe: false });
    // Just exported (New, not paid): nothing to write back. Paid while no notification came: to repair.
    const fresh = await fx.exportedOrder(t);
    const paid = await fx.exportedOrder(t);
    fx.sandbox.lifepos.takePayment(t.seeded.orgId, paid.saleId, {
      cash: saleOf(t, paid.saleId).sale.total_sum.value,
    });
    const events = fx.queue('lifepos-events');
    const check = async () => {
      const { id } = await fx.worker.deps.producer.add('lifepos-events', {
        connectionId: t.connection.id,
        check: 'sales',
      });
      const job = await waitFor(
        async () => (await events.getJobState(id)) === 'completed' && events.getJob(id),
        {
          what: 'the sales check to complete',
        },
      );
      return job?.returnvalue;
    };

    expect(await check()).toMatchObject({ outcome: 'checked', seen: 2, queued: 1, settled: 1 });
    const queued = (await events.getJobs()).filter(
      (job) => job.data.connectionId === t.connection.id && job.data.saleId !== undefined,
    );
    expect(queued.map((job) => [job.data.saleId, job.opts.priority])).toEqual([
      [paid.saleId, SALES_CHECK_PRIORITY],
    ]);
    await paymentsArrive(t, paid.order.id, 1);
    await fx.settled();

    // Written back now: the next check (its window still holds both sales) queues neither.
    expect(await check()).toMatchObject({ outcome: 'checked', seen: 2, queued: 0, settled: 2 });
    expect(fresh.order.id).not.toBe(paid.order.id);
  });

  it('subscribes an activated connection, repairs a subscription turned off or pointed elsewhere, unsubscribes when disabled', async () => {
    const t = await fx.seed({ subscribe: false });
    const org = t.seeded.orgId;
    const ours = notificationUrl(t.connection.notificationToken);
    const subscribedToUs = () => {
      const service = fx.sandbox.lifepos.subscription(org);
      return service?.turned_on === true && service.primary_url_for_notifications === ours;
    };
    const check = () =>
      fx.worker.deps.producer.add('lifepos-events', { connectionId: t.connection.id, check: 'subscription' });

    // Activation: the schedule pass gives the connection its schedulers; the first subscription check runs at once.
    await fx.worker.schedules.runNow();
    await waitFor(subscribedToUs, { what: 'the subscription on activation' });

    fx.sandbox.lifepos.unsubscribe(org);
    await check();
    await waitFor(subscribedToUs, { what: 'the subscription turned on again' });

    fx.sandbox.lifepos.subscribe(org, { primaryUrl: 'http://127.0.0.1:9/elsewhere' });
    await check();
    await waitFor(subscribedToUs, { what: 'the subscription pointed back at us' });

    await db().connections.update(t.connection.id, { status: 'disabled', disabledReason: 'test' });
    const pass = await fx.worker.schedules.runNow();
    expect(pass.unscheduledConnections).toContain(t.connection.id);
    expect(
      await fx.worker.scheduleQueue.getJobScheduler(lifeposCheckId(t.connection.id, 'subscription')),
    ).toBeUndefined();
    await waitFor(() => fx.sandbox.lifepos.subscription(org)?.turned_on === false, {
      what: 'the subscription turned off',
    });
  });

  it('moves a connection subscribed with a stored random token (before derived tokens) to its derived token', async () => {
    const t = await fx.seed({ subscribe: false });
    const org = t.seeded.orgId;
    const legacy = randomBytes(32).toString('base64url');
    // What the migration left: the hash of the random token LIFE POS was subscribed with.
    await db().prisma
      .$executeRaw`UPDATE "Connection" SET "notificationTokenHash" = encode(sha256(convert_to(${legacy}, 'UTF8')), 'hex') WHERE id = ${t.connection.id}::uuid`;
    fx.sandbox.lifepos.subscribe(org, { primaryUrl: notificationUrl(legacy) });
    const body = JSON.stringify({ type_of: 'SomethingNew', guid: 'g-legacy' });
    expect((await post(notificationUrl(legacy), body)).status).toBe(200);
    expect((await post(notificationUrl(t.connection.notificationToken), body)).status).toBe(404);

    await fx.worker.deps.producer.add('lifepos-events', {
      connectionId: t.connection.id,
      check: 'subscription',
    });
    await waitFor(
      () =>
        fx.sandbox.lifepos.subscription(org)?.primary_url_for_notifications ===
        notificationUrl(t.connection.notificationToken),
      { what: 'the subscription moved to the derived token' },
    );
    await waitFor(
      async () => (await post(notificationUrl(t.connection.notificationToken), body)).status === 200,
      {
        what: 'the derived token accepted',
      },
    );
    expect((await post(notificationUrl(legacy), body)).status).toBe(404);
  });
});

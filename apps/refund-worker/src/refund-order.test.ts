import { waitFor } from '@connector/testkit';
import {
  expectMissingOrderSkipped,
  FAST_RETRIES,
  type SeededConnection,
  startWorkerFixture,
  type WorkerFixture,
} from '@connector/worker-app/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRefundOrderHandler } from './refund-order.js';

let fixture: WorkerFixture;
let tenant: SeededConnection;

beforeAll(async () => {
  fixture = await startWorkerFixture({
    service: 'refund-worker-test',
    owns: ['order-refund'],
    ownsCrmTasks: true,
    handlers: ({ runtime, db }) => [createRefundOrderHandler({ runtime, db })],
    policies: { 'order-refund': FAST_RETRIES, 'crm-tasks': FAST_RETRIES },
  });
  tenant = await fixture.seed();
});

afterAll(async () => {
  await fixture?.close();
});

const org = () => tenant.seeded.orgId;
const saleOf = (saleId: string) => fixture.sandbox.lifepos.sale(org(), saleId);

/**
 * An exported order paid in RetailCRM with one payment of `type` whose status the manager then sets to
 * `status` (by default the refunded one); `paidInLifePos` is what the courier took in LIFE POS.
 */
async function paidOrder({
  paidInLifePos,
  status = tenant.seeded.paymentStatuses.returned,
  linked = true,
}: {
  paidInLifePos: { cash?: number; card?: number } | null;
  status?: string;
  linked?: boolean;
}) {
  const order = tenant.seeded.createOrder({
    store: tenant.seeded.stores[0]!.code,
    status: tenant.seeded.statuses.send,
    payments: [{ type: tenant.seeded.paymentTypes.card, status: tenant.seeded.paymentStatuses.paid }],
  });
  const saleId = await fixture.exportedSale(tenant, order, { linked });
  if (paidInLifePos) fixture.sandbox.lifepos.takePayment(org(), saleId, paidInLifePos);
  const payment = Object.values(order.order.payments as Record<string, { id: number }>)[0]!;
  fixture.sandbox.retailcrm.setPaymentStatus(tenant.seeded.accountCode, payment.id, status);
  return { order, saleId };
}

async function refund(orderId: number) {
  const jobId = await fixture.enqueue('order-refund', tenant.connectionId, orderId);
  return fixture.settled('order-refund', jobId);
}

async function lastOutcome(orderId: number) {
  const events = await fixture.timeline(tenant.connectionId, orderId);
  return (events.filter((event) => event.type === 'job.finished').at(-1)?.data as { outcome?: string })
    ?.outcome;
}

describe('order-refund', () => {
  it('refunds the LIFE POS payment of the order when its RetailCRM payment is «Возвращён»', async () => {
    const { order, saleId } = await paidOrder({ paidInLifePos: null });
    const total = saleOf(saleId).sale.total_sum.value;
    fixture.sandbox.lifepos.takePayment(org(), saleId, { card: total });

    const job = await refund(order.id);

    expect(await job.getState()).toBe('completed');
    const { sale, payments, refunds } = saleOf(saleId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      for_payment: { guid: payments[0]!.guid },
      total_sum: { value: total },
      sum_by_cash: { value: 0 },
      sum_by_card: { value: total },
    });
    expect(sale.payment_status).toBe('Refunded');
    const link = await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id);
    expect(link).toMatchObject({ state: 'refunded', lifeposSaleId: saleId });
    expect(await lastOutcome(order.id)).toBe('refunded');
  });

  it('refunds once when the job runs twice, one after the other and at the same time', async () => {
    const { order, saleId } = await paidOrder({ paidInLifePos: { cash: 20_000 } });
    fixture.sandbox.lifepos.takePayment(org(), saleId, { cash: 1_000, card: 2_050 });

    const first = await refund(order.id);
    const [second, third] = await Promise.all([refund(order.id), refund(order.id)]);

    for (const job of [first, second, third]) expect(await job.getState()).toBe('completed');
    const { payments, refunds } = saleOf(saleId);
    expect(payments).toHaveLength(2);
    expect(refunds).toHaveLength(2);
    const byPayment = Object.fromEntries(
      refunds.map((doc) => [doc.for_payment.guid, [doc.sum_by_cash.value, doc.sum_by_card.value]]),
    );
    expect(byPayment).toEqual({
      [payments[0]!.guid]: [20_000, 0],
      [payments[1]!.guid]: [1_000, 2_050],
    });
    const outcomes = (await fixture.timeline(tenant.connectionId, order.id))
      .filter((event) => event.type === 'job.finished')
      .map((event) => (event.data as { outcome: string }).outcome);
    expect(outcomes).toEqual(['refunded', 'already-refunded', 'already-refunded']);
  });

  it('refunds what is left after a partial refund at the till', async () => {
    const { order, saleId } = await paidOrder({ paidInLifePos: { cash: 30_000, card: 20_000 } });
    fixture.sandbox.lifepos.refund(org(), saleId, { cash: 30_000, card: 5_000 });

    await refund(order.id);

    const { sale, refunds } = saleOf(saleId);
    expect(refunds.map((doc) => [doc.sum_by_cash.value, doc.sum_by_card.value])).toEqual([
      [30_000, 5_000],
      [0, 15_000],
    ]);
    expect(sale.payment_status).toBe('Refunded');
  });

  it('finds an unlinked sale by its meta', async () => {
    const { order, saleId } = await paidOrder({ paidInLifePos: { cash: 5_000 }, linked: false });

    await refund(order.id);

    expect(saleOf(saleId).refunds).toHaveLength(1);
    expect(await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id)).toMatchObject({
      state: 'refunded',
      lifeposSaleId: saleId,
    });
  });

  it('ignores the trigger when no payment of the order is in a refund status', async () => {
    const { order, saleId } = await paidOrder({
      paidInLifePos: { cash: 5_000 },
      status: tenant.seeded.paymentStatuses.paid,
    });

    const job = await refund(order.id);

    expect(await job.getState()).toBe('completed');
    expect(saleOf(saleId).refunds).toHaveLength(0);
    expect(await lastOutcome(order.id)).toBe('ignored');
  });

  it('fails for good when LIFE POS took no payment: one attempt, one task set for the active group members', async () => {
    const { order } = await paidOrder({ paidInLifePos: null });
    const { db } = fixture.app.deps;

    const job = await refund(order.id);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('LIFE POS took no payment for this order');
    await waitFor(
      async () =>
        (await db.incidents.listForOrder(tenant.connectionId, order.id))[0]?.status === 'tasks_created',
      { what: 'the task set' },
    );
    const again = await refund(order.id);
    expect(await again.getState()).toBe('failed');

    const incidents = await db.incidents.listForOrder(tenant.connectionId, order.id);
    expect(incidents).toHaveLength(1);
    const tasks = fixture.sandbox.retailcrm
      .tasks(tenant.seeded.accountCode)
      .filter((task) => (task.order as { id?: number } | undefined)?.id === order.id);
    expect(tasks.map((task) => task.performer).sort()).toEqual(
      [...tenant.seeded.errorGroup.activeUserIds].sort(),
    );
    expect(String(tasks[0]?.commentary)).toContain('LIFE POS не принимал оплату');
  });

  it('ends an order RetailCRM does not have (a forged trigger) with a timeline entry: no incident, no task', () =>
    expectMissingOrderSkipped(fixture, tenant, 'order-refund'));

  it('fails for good when the order has no sale in LIFE POS at all', async () => {
    const order = tenant.seeded.createOrder({
      store: tenant.seeded.stores[0]!.code,
      status: tenant.seeded.statuses.send,
      payments: [{ type: tenant.seeded.paymentTypes.cash, status: tenant.seeded.paymentStatuses.returned }],
    });

    const job = await refund(order.id);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('LIFE POS took no payment for this order');
  });
});

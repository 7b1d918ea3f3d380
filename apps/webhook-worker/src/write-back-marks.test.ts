// The write-back remembers what it did in typed marks (`OrderMark`), not in the timeline: the timeline is for
// people and the retention job deletes its old entries. Each test removes the order's timeline and shows
// that nothing is written, reported or queued again.
import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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

const db = () => fx.worker.deps.db;
const saleOf = (t: SeededConnection, saleId: string) => fx.sandbox.lifepos.sale(t.seeded.orgId, saleId);
const statusOf = (t: SeededConnection, orderId: number) =>
  (fx.sandbox.retailcrm.getOrder(t.seeded.accountCode, orderId) as { status: string }).status;
const timelineOf = (t: SeededConnection, orderId: number) => db().orderEvents.list(t.connection.id, orderId);
const forgetTimeline = (t: SeededConnection, orderId: number) =>
  db().prisma.orderEvent.deleteMany({ where: { connectionId: t.connection.id, retailcrmOrderId: orderId } });

/** Runs the write-back of the sale again (what a late notification or the periodic check does). */
async function writeBackAgain(t: SeededConnection, saleId: string) {
  const queue = fx.queue('lifepos-events');
  const { id } = await fx.worker.deps.producer.add('lifepos-events', {
    connectionId: t.connection.id,
    saleId,
  });
  const job = await waitFor(async () => (await queue.getJobState(id)) === 'completed' && queue.getJob(id), {
    what: 'the repeated write-back',
  });
  return job?.returnvalue;
}

/** Runs the periodic LIFE POS sales check of the connection. */
async function checkSales(t: SeededConnection) {
  const queue = fx.queue('lifepos-events');
  const { id } = await fx.worker.deps.producer.add('lifepos-events', {
    connectionId: t.connection.id,
    check: 'sales',
  });
  const job = await waitFor(async () => (await queue.getJobState(id)) === 'completed' && queue.getJob(id), {
    what: 'the sales check',
  });
  return job?.returnvalue;
}

/** An exported order whose sale was paid by card and completed, all written back. */
async function completedOrder(t: SeededConnection) {
  const exported = await fx.exportedOrder(t);
  const { saleId, order } = exported;
  fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: saleOf(t, saleId).sale.total_sum.value });
  fx.sandbox.lifepos.complete(t.seeded.orgId, saleId);
  await waitFor(() => statusOf(t, order.id) === t.seeded.statuses.complete, {
    timeoutMs: 5_000,
    what: 'the order to be complete',
  });
  await fx.settled();
  return exported;
}

describe('the write-back decides from its marks, not from the timeline', () => {
  it("a state written back before is not written again over a manager's status", async () => {
    const t = await fx.seed();
    const { order, saleId } = await completedOrder(t);
    await forgetTimeline(t, order.id);
    fx.sandbox.retailcrm.setOrderStatus(t.seeded.accountCode, order.id, t.seeded.statuses.returned);

    expect(await writeBackAgain(t, saleId)).toMatchObject({
      outcome: 'written-back',
      paymentsCreated: 0,
      stateOutcome: 'already-handled',
    });
    expect(statusOf(t, order.id)).toBe(t.seeded.statuses.returned);
    expect(await timelineOf(t, order.id)).toEqual([]);
  });

  it('a partial refund is reported once', async () => {
    const t = await fx.seed();
    const { order, saleId } = await fx.exportedOrder(t);
    const total = saleOf(t, saleId).sale.total_sum.value;
    const payment = fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: total });
    await fx.settled();
    fx.sandbox.lifepos.refund(t.seeded.orgId, saleId, { payment: payment.guid, card: 1_000, total: 1_000 });
    const heldBack = async () =>
      (await timelineOf(t, order.id)).filter((event) => event.type === TIMELINE.refundHeldBack);
    await waitFor(async () => (await heldBack()).length > 0, {
      timeoutMs: 5_000,
      what: 'the held-back refund',
    });
    await fx.settled();
    expect(await heldBack()).toHaveLength(1);
    await forgetTimeline(t, order.id);

    expect(await writeBackAgain(t, saleId)).toMatchObject({ outcome: 'written-back', paymentsRefunded: 0 });
    expect(await heldBack()).toEqual([]);
    expect(await db().orderMarks.refundsHeldBack(t.connection.id, order.id)).toEqual([
      { paymentGuid: payment.guid, part: 'card', refundedKopecks: 1_000 },
    ]);
  });

  it('the sales check finds a written-back sale settled', async () => {
    const t = await fx.seed({ subscribe: false });
    const { order, saleId } = await fx.exportedOrder(t);
    fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: saleOf(t, saleId).sale.total_sum.value });
    fx.sandbox.lifepos.complete(t.seeded.orgId, saleId);
    // No notifications: the check queues the write-back, which books the payment and sets the status.
    expect(await checkSales(t)).toMatchObject({ outcome: 'checked', seen: 1, queued: 1 });
    await waitFor(() => statusOf(t, order.id) === t.seeded.statuses.complete, {
      timeoutMs: 5_000,
      what: 'the order to be complete',
    });
    await fx.settled();
    await forgetTimeline(t, order.id);

    // Completed and written back: no sale left open, so the next checks do not read LIFE POS at all…
    expect(await checkSales(t)).toMatchObject({ outcome: 'idle' });
    // …until the full check is due (the last reading check an hour ago), which finds the sale settled.
    await db().prisma.syncCursor.update({
      where: { connectionId: t.connection.id },
      data: { lifeposSalesCursor: new Date(Date.now() - 3_600_000) },
    });
    expect(await checkSales(t)).toMatchObject({ outcome: 'checked', seen: 1, queued: 0, settled: 1 });
  });
});

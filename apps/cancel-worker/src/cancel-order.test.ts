import { waitFor } from '@connector/testkit';
import {
  expectMissingOrderSkipped,
  FAST_RETRIES,
  type SeededConnection,
  startWorkerFixture,
  type WorkerFixture,
} from '@connector/worker-app/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCancelOrderHandler } from './cancel-order.js';

let fixture: WorkerFixture;
let tenant: SeededConnection;

beforeAll(async () => {
  fixture = await startWorkerFixture({
    service: 'cancel-worker-test',
    owns: ['order-cancel'],
    ownsCrmTasks: true,
    handlers: ({ runtime, db }) => [createCancelOrderHandler({ runtime, db })],
    policies: { 'order-cancel': FAST_RETRIES, 'crm-tasks': FAST_RETRIES },
  });
  tenant = await fixture.seed();
});

afterAll(async () => {
  await fixture?.close();
});

/** An order the manager sent to LIFE POS (a sale exists), then moved to `status`. */
async function exportedOrder(status: string, options: { linked?: boolean } = {}) {
  const order = tenant.seeded.createOrder({
    store: tenant.seeded.stores[0]!.code,
    status: tenant.seeded.statuses.send,
  });
  const saleId = await fixture.exportedSale(tenant, order, options);
  fixture.sandbox.retailcrm.setOrderStatus(tenant.seeded.accountCode, order.id, status);
  return { order, saleId };
}

const saleOf = (saleId: string) => fixture.sandbox.lifepos.sale(tenant.seeded.orgId, saleId).sale;

async function cancel(orderId: number) {
  const jobId = await fixture.enqueue('order-cancel', tenant.connectionId, orderId);
  return fixture.settled('order-cancel', jobId);
}

async function finishedOutcome(orderId: number) {
  const events = await fixture.timeline(tenant.connectionId, orderId);
  return (events.filter((event) => event.type === 'job.finished').at(-1)?.data as { outcome?: string })
    ?.outcome;
}

describe('order-cancel', () => {
  it('cancels a New sale when the order is in a cancel status', async () => {
    const { order, saleId } = await exportedOrder(tenant.seeded.statuses.cancelled);

    const job = await cancel(order.id);

    expect(await job.getState()).toBe('completed');
    expect(saleOf(saleId)).toMatchObject({ state: 'Cancelled', deleted_at: null });
    const link = await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id);
    expect(link?.state).toBe('cancelled');
    const events = await fixture.timeline(tenant.connectionId, order.id);
    expect(events.map((event) => event.type)).toEqual(['job.started', 'external.call', 'job.finished']);
    expect(events[1]?.message).toContain('cancelled');
  });

  it('records its trigger as received when it starts, at the time the trigger made the job', async () => {
    // The ingress records it too, but after its answer and best-effort: the job's start is the sure record.
    const { order } = await exportedOrder(tenant.seeded.statuses.cancelled);

    const job = await cancel(order.id);

    const marks = fixture.app.deps.db.orderMarks;
    expect(await marks.lastTriggerReceived(tenant.connectionId, order.id, 'closed')).toEqual(
      new Date(job.timestamp),
    );
    expect(await marks.lastTriggerReceived(tenant.connectionId, order.id, 'new')).toBeNull();
  });

  it('cancels on «Возвращен» too, and a second run changes nothing', async () => {
    const { order, saleId } = await exportedOrder(tenant.seeded.statuses.returned);

    await cancel(order.id);
    const cancelledAt = saleOf(saleId).updated_at;
    const again = await cancel(order.id);

    expect(await again.getState()).toBe('completed');
    expect(saleOf(saleId)).toMatchObject({ state: 'Cancelled', updated_at: cancelledAt });
    expect(await finishedOutcome(order.id)).toBe('nothing');
  });

  it('finds an unlinked sale by its meta (crash between create and link) and cancels it', async () => {
    const { order, saleId } = await exportedOrder(tenant.seeded.statuses.cancelled, { linked: false });

    await cancel(order.id);

    expect(saleOf(saleId).state).toBe('Cancelled');
    const link = await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id);
    expect(link).toMatchObject({ state: 'cancelled', lifeposSaleId: saleId });
  });

  it('leaves a paid sale alone ("closed through LIFE POS")', async () => {
    const { order, saleId } = await exportedOrder(tenant.seeded.statuses.cancelled);
    const before = saleOf(saleId);
    fixture.sandbox.lifepos.takePayment(tenant.seeded.orgId, saleId, { card: before.total_sum.value });
    const paid = saleOf(saleId);

    const job = await cancel(order.id);

    expect(await job.getState()).toBe('completed');
    expect(saleOf(saleId)).toEqual(paid);
    expect(paid).toMatchObject({ state: 'InProgress', payment_status: 'Paid' });
    expect(await finishedOutcome(order.id)).toBe('closed-in-lifepos');
  });

  it('leaves a completed sale alone', async () => {
    const { order, saleId } = await exportedOrder(tenant.seeded.statuses.cancelled);
    fixture.sandbox.lifepos.takePayment(tenant.seeded.orgId, saleId, {
      cash: saleOf(saleId).total_sum.value,
    });
    fixture.sandbox.lifepos.complete(tenant.seeded.orgId, saleId);

    await cancel(order.id);

    expect(saleOf(saleId).state).toBe('Completed');
    expect(await finishedOutcome(order.id)).toBe('closed-in-lifepos');
  });

  it('does nothing but write the timeline for a forged closed trigger (order not in a cancel status)', async () => {
    const { order, saleId } = await exportedOrder(tenant.seeded.statuses.send);
    const before = saleOf(saleId);

    const job = await cancel(order.id);

    expect(await job.getState()).toBe('completed');
    expect(saleOf(saleId)).toEqual(before);
    const events = await fixture.timeline(tenant.connectionId, order.id);
    expect(events.map((event) => event.type)).toEqual(['job.started', 'job.finished']);
    expect(events[1]?.message).toContain(`"${tenant.seeded.statuses.send}" is not a cancel status`);
  });

  it('ends an order RetailCRM does not have (a forged trigger) with a timeline entry: no incident, no task', () =>
    expectMissingOrderSkipped(fixture, tenant, 'order-cancel'));

  it('archives the sale on the erroneous-cancel status, so that a later send exports anew', async () => {
    const { order, saleId } = await exportedOrder(tenant.seeded.statuses.erroneousCancel);

    await cancel(order.id);

    expect(saleOf(saleId).deleted_at).not.toBeNull();
    const link = await fixture.app.deps.db.orderLinks.get(tenant.connectionId, order.id);
    expect(link).toMatchObject({ state: 'deleted', lifeposSaleId: saleId });
    expect(await finishedOutcome(order.id)).toBe('archived');
  });

  it('fails for good on a partially paid sale: one attempt, one task per active group member, once', async () => {
    const { order, saleId } = await exportedOrder(tenant.seeded.statuses.cancelled);
    fixture.sandbox.lifepos.takePayment(tenant.seeded.orgId, saleId, { cash: 10_000 });

    const job = await cancel(order.id);

    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(saleOf(saleId)).toMatchObject({ state: 'InProgress', payment_status: 'PartiallyPaid' });
    const { db } = fixture.app.deps;
    await waitFor(
      async () =>
        (await db.incidents.listForOrder(tenant.connectionId, order.id))[0]?.status === 'tasks_created',
      { what: 'the task set' },
    );
    // The same failure again: the incident exists, no second task set.
    const second = await cancel(order.id);
    expect(await second.getState()).toBe('failed');
    const incidents = await db.incidents.listForOrder(tenant.connectionId, order.id);
    expect(incidents).toHaveLength(1);
    const tasks = fixture.sandbox.retailcrm
      .tasks(tenant.seeded.accountCode)
      .filter((task) => (task.order as { id?: number } | undefined)?.id === order.id);
    expect(tasks.map((task) => task.performer).sort()).toEqual(
      [...tenant.seeded.errorGroup.activeUserIds].sort(),
    );
    expect(tasks.map((task) => task.id).sort()).toEqual([...(incidents[0]?.taskIds ?? [])].sort());
    expect(String(tasks[0]?.commentary)).toContain('частично');
    const failures = (await fixture.timeline(tenant.connectionId, order.id)).filter(
      (e) => e.type === 'job.failed',
    );
    expect(failures.map((event) => (event.data as { newIncident?: boolean }).newIncident)).toEqual([
      true,
      false,
    ]);
  });
});

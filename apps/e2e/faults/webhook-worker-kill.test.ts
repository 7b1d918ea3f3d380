// Fault suite: the webhook worker (receiver of LIFE POS notifications + the lifepos-events consumer, in a
// process of its own) is SIGKILLed again and again while cashiers pay orders in LIFE POS. A kill cuts off
// notifications mid-request, leaves stored ones unprocessed and write-backs half done; while it restarts,
// LIFE POS gives up on the notifications it cannot deliver. Afterwards every LIFE POS payment exists in its
// RetailCRM order exactly once: the jobs the dead process held run again in the next one, and the periodic
// sales check repairs the notifications LIFE POS gave up on (docs/LIFEPOS-API.md, «Notification delivery»).
import { setTimeout as pace } from 'node:timers/promises';
import { paymentExternalId } from '@connector/domain';
import { jobIdFor, queueDrained } from '@connector/queue';
import { type Tenant, waitFor } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import { reportFaultCounts, tally } from './fault-counts.js';
import type { ProcessStack } from './process-stack.js';
import { useProcessStack } from './use-process-stack.js';

const SHOPS = 4;
const ORDERS_PER_SHOP = 15;
const KILLS = 5;
/** One batch of payments per life of the worker: each killed one, and the last that is left running. */
const BATCHES = KILLS + 1;
/** The cashiers' rhythm inside a batch. */
const PAYMENT_GAP_MS = 150;
/** Notifications the running worker has answered 200 before it is killed: it is killed at work. */
const ANSWERS_BEFORE_KILL = 8;
/** The sales check's period: the repair of the notifications LIFE POS gave up on. */
const SALES_CHECK_SECONDS = 10;

interface Payment {
  tenant: Tenant;
  connectionId: string;
  orderId: number;
  saleId: string;
  part: 'cash' | 'card';
  amountKopecks: number;
  /** Set once the cashier took it: the RetailCRM payment's externalId. */
  externalId?: string;
}

interface CrmPayment {
  type: string;
  amount: number;
  status: string;
  externalId?: string;
}

describe('webhook worker SIGKILLed repeatedly while LIFE POS payments are notified', () => {
  const stackOf = useProcessStack();

  it('writes every LIFE POS payment into RetailCRM exactly once', async () => {
    const stack = stackOf();
    const { lifepos } = stack.sandbox;
    const payments = await exportOrders(stack);

    // LIFE POS retries a notification a few times within ~2 s, then gives up: the worker stays down longer,
    // so what is paid while it is down is lost to the notifications and left to the sales check.
    lifepos.configureNotifications({ baseDelayMs: 250, maxDelayMs: 1_000, maxAttempts: 4 });
    lifepos.clearDeliveries();
    /** When the running worker was started: what it received since is its own. */
    let workerSince = new Date();
    await startReceiving(stack, payments);

    const batchSize = Math.ceil(payments.length / BATCHES);
    const kills: { pid: number; unfinished: string[] }[] = [];
    for (let batch = 0; batch < BATCHES; batch += 1) {
      const paying = pay(stack, payments.slice(batch * batchSize, (batch + 1) * batchSize));
      if (batch < KILLS) {
        const worker = stack.webhookWorker()!;
        await waitFor(() => answeredSince(stack, workerSince.toISOString()) >= ANSWERS_BEFORE_KILL, {
          what: `${ANSWERS_BEFORE_KILL} notifications answered before kill ${batch + 1}`,
          timeoutMs: 30_000,
          intervalMs: 10,
        });
        await worker.kill('SIGKILL');
        kills.push({ pid: worker.pid, unfinished: await unfinishedSince(stack, workerSince) });
        // Down until LIFE POS is done retrying what was paid meanwhile: a restart quicker than its retries
        // (a fast machine) would receive them all, and nothing would be left to the sales check.
        await paying;
        await waitFor(() => lifepos.deliveries({ type_of: 'SalePayment', status: 'pending' }).length === 0, {
          what: 'LIFE POS done retrying the notifications of the dead worker',
          timeoutMs: 15_000,
        });
        workerSince = new Date();
        await stack.restartWebhookWorker();
      }
      await paying;
    }
    expect(payments.every((payment) => payment.externalId !== undefined)).toBe(true);

    // The notifications LIFE POS gave up on are repaired at the next sales check; the jobs the killed
    // processes held come back after their lock (see `settle`).
    await waitFor(() => payments.every((payment) => crmPaymentsOf(stack, payment).length > 0), {
      what: 'every LIFE POS payment in RetailCRM',
      timeoutMs: 120_000,
      intervalMs: 250,
    }).catch(() => undefined);
    await settle(stack);

    const notifications = lifepos
      .deliveries({ type_of: 'SalePayment' })
      .filter((record) => !record.duplicate);
    const events = stack.queue('lifepos-events');
    const completed = await events.getJobs(['completed'], 0, -1);
    const unfinishedAtKills = kills.flatMap((kill) => kill.unfinished);
    const storedNotQueued = await stack.db.prisma.lifeposNotification.count({ where: { processedAt: null } });
    const queuedButUnprocessed = await unfinishedSince(stack, new Date(0));
    const repaired = completed.filter(
      (job) => 'saleId' in job.data && (job.returnvalue?.paymentsCreated ?? 0) > 0,
    ).length;
    reportFaultCounts(
      'webhook worker SIGKILLed while LIFE POS payments are notified',
      tally(
        payments,
        (payment) => payment.externalId !== undefined,
        (payment) => crmPaymentsOf(stack, payment).length,
      ),
      {
        kills: kills.length,
        unfinishedAtKills: unfinishedAtKills.length,
        notificationsSent: notifications.length,
        notificationsDelivered: notifications.filter((record) => record.status === 'delivered').length,
        notificationsGivenUp: notifications.filter((record) => record.status === 'failed').length,
        stalledJobs: completed.filter((job) => job.stalledCounter > 0).length,
        repairedBySalesCheck: repaired,
        storedNotQueued: storedNotQueued - queuedButUnprocessed.length,
      },
    );
    expectBookedOnce(stack, payments);

    // The faults really happened: distinct processes killed with write-backs running and notifications
    // queued but not written back, notifications LIFE POS gave up on (which the sales check had to repair).
    expect(new Set(kills.map((kill) => kill.pid)).size).toBe(KILLS);
    expect(completed.filter((job) => job.stalledCounter > 0).length).toBeGreaterThan(0);
    expect(unfinishedAtKills.length).toBeGreaterThan(0);
    expect(notifications.filter((record) => record.status === 'failed').length).toBeGreaterThan(0);
    expect(repaired).toBeGreaterThan(0);
    // Every notification a process queued was written back in the end (by the next one). A row still
    // unprocessed is one a process stored and died before queuing: LIFE POS was not answered, so it sent the
    // notification again (a new row) or gave up on it (the sales check).
    expect(queuedButUnprocessed).toEqual([]);
    expect((await events.getJobCounts('failed')).failed).toBe(0);
  }, 300_000);
});

/** Seeds the shops (their sales checked every few seconds) and exports their orders: one sale each. */
async function exportOrders(stack: ProcessStack): Promise<Payment[]> {
  const shops = await stack.seedShops(SHOPS, ORDERS_PER_SHOP, {
    settings: { lifeposPollSeconds: SALES_CHECK_SECONDS },
  });
  const orders = shops.flatMap(({ tenant, connectionId, orders: list }) =>
    list.map((order) => ({ tenant, connectionId, order })),
  );
  for (const { tenant, order } of orders) expect((await stack.trigger(tenant, order.id)).status).toBe(202);
  await waitFor(() => orders.every(({ tenant, order }) => stack.salesOf(tenant.orgId, order.id).length > 0), {
    what: 'every order exported',
    timeoutMs: 90_000,
    intervalMs: 100,
  });
  await stack.queueIdle('order-export', 30_000);
  return orders.map(({ tenant, connectionId, order }, index) => {
    const sales = stack.salesOf(tenant.orgId, order.id);
    expect(sales).toHaveLength(1);
    const { sale } = sales[0]!;
    return {
      tenant,
      connectionId,
      orderId: order.id,
      saleId: sale.guid,
      part: index % 2 === 0 ? 'cash' : 'card',
      amountKopecks: sale.total_sum.value,
    };
  });
}

/** Starts the webhook worker and waits until every shop's notifications go to it and it is ready. */
async function startReceiving(stack: ProcessStack, payments: readonly Payment[]): Promise<void> {
  const webhook = await stack.startWebhookWorker();
  const shops = new Map(payments.map(({ tenant, connectionId }) => [connectionId, tenant]));
  for (const [connectionId, tenant] of shops) {
    const connection = await stack.db.connections.get(connectionId);
    const url = `${webhook.url}/lifepos/notifications/${connection!.notificationToken}`;
    await waitFor(
      () => {
        const service = stack.sandbox.lifepos.subscription(tenant.orgId);
        return service?.turned_on === true && service.primary_url_for_notifications === url;
      },
      { what: `the notifications of ${tenant.orgId} pointed at the webhook worker`, timeoutMs: 30_000 },
    );
  }
  await waitFor(async () => (await fetch(`${webhook.url}/readyz`)).status === 200, {
    what: 'the webhook worker ready',
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}

/** The cashiers take each payment in full, in cash or by card, one after another. */
async function pay(stack: ProcessStack, batch: readonly Payment[]): Promise<void> {
  for (const [index, payment] of batch.entries()) {
    if (index > 0) await pace(PAYMENT_GAP_MS);
    const { tenant, saleId, part, amountKopecks } = payment;
    const taken = stack.sandbox.lifepos.takePayment(
      tenant.orgId,
      saleId,
      part === 'cash' ? { cash: amountKopecks } : { card: amountKopecks },
    );
    payment.externalId = paymentExternalId(taken.guid, part);
  }
}

/** The notifications received since `since` whose write-back was queued but has not marked them processed. */
async function unfinishedSince(stack: ProcessStack, since: Date): Promise<string[]> {
  const rows = await stack.db.prisma.lifeposNotification.findMany({
    where: { processedAt: null, receivedAt: { gte: since } },
    select: { id: true },
  });
  const events = stack.queue('lifepos-events');
  const queued: string[] = [];
  for (const { id } of rows) if (await events.getJob(jobIdFor('lifepos-events', id))) queued.push(id);
  return queued;
}

/** Notification POSTs answered 200 since `since` (an ISO time). */
function answeredSince(stack: ProcessStack, since: string): number {
  return stack.sandbox.lifepos
    .deliveries()
    .flatMap((record) => record.attempts)
    .filter((attempt) => attempt.status === 200 && attempt.at >= since).length;
}

/**
 * The RetailCRM payments of the payment's order. Each order is paid once in LIFE POS, so every payment on
 * it is a copy of that one, whatever its externalId.
 */
function crmPaymentsOf(stack: ProcessStack, { tenant, orderId }: Payment): CrmPayment[] {
  const order = stack.sandbox.retailcrm.getOrder(tenant.accountCode, orderId) as {
    payments?: Record<string, CrmPayment>;
  };
  return Object.values(order.payments ?? {});
}

/** Waits until nothing is left to deliver or to write back. */
async function settle(stack: ProcessStack): Promise<void> {
  await waitFor(
    () =>
      stack.sandbox.lifepos
        .deliveries()
        .every((record) => record.status !== 'held' && record.status !== 'pending'),
    { what: 'every notification delivered or given up', timeoutMs: 30_000, intervalMs: 100 },
  );
  // A job a killed process held is put back by the stalled check once its lock (30 s) is gone. One worker
  // checks per interval (30 s), and a check only marks the jobs it finds active, which the next one moves: a
  // job taken just after a check comes back up to two intervals after the kill.
  const events = stack.queue('lifepos-events');
  await waitFor(() => queueDrained(events), {
    what: 'the lifepos-events queue drained',
    timeoutMs: 120_000,
    intervalMs: 100,
  });
}

/**
 * Each payment is booked as itself (externalId, type, amount, paid), and RetailCRM's history shows it
 * created once by the connector, never created twice with one copy deleted.
 */
function expectBookedOnce(stack: ProcessStack, payments: readonly Payment[]): void {
  const booked = payments.map((payment) => {
    const { tenant, orderId, part, amountKopecks, externalId } = payment;
    const history = stack.sandbox.retailcrm.history(tenant.accountCode, { orderId }) as {
      source: string;
      field: string;
      oldValue: unknown;
    }[];
    const byConnector = history.filter((entry) => entry.source === 'api' && entry.field === 'payments');
    return {
      orderId,
      payments: crmPaymentsOf(stack, payment).map((crm) => ({
        externalId: crm.externalId,
        type: crm.type,
        amountKopecks: Math.round(crm.amount * 100),
        status: crm.status,
      })),
      created: byConnector.filter((entry) => entry.oldValue === null).length,
      changed: byConnector.filter((entry) => entry.oldValue !== null).length,
      expected: {
        externalId,
        type: part === 'cash' ? tenant.paymentTypes.cash : tenant.paymentTypes.card,
        amountKopecks,
        status: tenant.paymentStatuses.paid,
      },
    };
  });
  // Compared as JSON: the simulator's structured clones are objects of another realm under Jest.
  const wrong = booked.filter(
    ({ payments: crm, created, changed, expected }) =>
      JSON.stringify(crm) !== JSON.stringify([expected]) || created !== 1 || changed !== 0,
  );
  expect(wrong).toEqual([]);
}

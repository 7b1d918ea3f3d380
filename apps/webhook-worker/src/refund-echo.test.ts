import { type RunningIngress, startIngress } from '@connector/ingress';
import { startRefundWorker } from '@connector/refund-worker';
import { waitFor } from '@connector/testkit';
import type { WorkerApp } from '@connector/worker-app';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TIMELINE } from './sale-write-back.js';
import {
  FAST_RETRIES,
  type SeededConnection,
  startWebhookFixture,
  type WebhookFixture,
} from './test-support/webhook-fixture.js';

// The three apps of the refund loop in one process, sharing a database, a Redis and a queue prefix:
// RetailCRM's refund trigger → ingress → refund worker, and LIFE POS's notifications → webhook-worker.
let fx: WebhookFixture;
let ingress: RunningIngress;
let refundWorker: WorkerApp;

beforeAll(async () => {
  fx = await startWebhookFixture();
  const shared = {
    DATABASE_URL: fx.database.url,
    REDIS_URL: fx.redisUrl,
    SECRETS_KEY: fx.secretsKey,
    QUEUE_PREFIX: fx.prefix,
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  };
  ingress = await startIngress({ env: shared, host: '127.0.0.1' });
  refundWorker = await startRefundWorker({
    env: { ...shared, LIFEPOS_API_URL: fx.sandbox.lifeposUrl, RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*' },
    host: '127.0.0.1',
    policies: { 'order-refund': FAST_RETRIES },
  });
});

afterAll(async () => {
  await refundWorker?.close();
  await ingress?.close();
  await fx?.close();
});

interface CrmPayment {
  id: number;
  status: string;
  externalId?: string;
}

const paymentsOf = (t: SeededConnection, orderId: number) =>
  Object.values(
    (
      fx.sandbox.retailcrm.getOrder(t.seeded.accountCode, orderId) as {
        payments?: Record<string, CrmPayment>;
      }
    ).payments ?? {},
  );
const saleOf = (t: SeededConnection, saleId: string) => fx.sandbox.lifepos.sale(t.seeded.orgId, saleId);

/** The refund worker's outcomes for the order, from its `job.finished` timeline entries. */
async function refundOutcomes(t: SeededConnection, orderId: number): Promise<string[]> {
  return (await fx.worker.deps.db.orderEvents.list(t.connection.id, orderId))
    .filter((event) => event.type === 'job.finished')
    .map((event) => (event.data as { outcome: string }).outcome);
}

/** No job of the queue left waiting, delayed or running. */
function drained(name: 'order-refund') {
  return waitFor(
    async () => {
      const counts = await fx.queue(name).getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      return Object.values(counts).every((count) => count === 0);
    },
    { timeoutMs: 10_000, what: `the ${name} queue to drain` },
  );
}

/** A tenant whose RetailCRM account has the three trigger rules pointed at the ingress. */
const seedWithTriggers = () => fx.seed({ tenant: { ingressUrl: `${ingress.url}/retailCRM/update` } });

describe('refund loop', () => {
  it('a refund in LIFE POS sets the RetailCRM payment to the refunded status, and its refund trigger refunds nothing more', async () => {
    const t = await seedWithTriggers();
    const { order, saleId } = await fx.exportedOrder(t);
    const total = saleOf(t, saleId).sale.total_sum.value;
    const payment = fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, {
      cash: 10_000,
      card: total - 10_000,
    });
    await waitFor(() => paymentsOf(t, order.id).length === 2, { timeoutMs: 5_000, what: 'the two payments' });

    // At the till: the whole payment back.
    fx.sandbox.lifepos.refund(t.seeded.orgId, saleId);

    await waitFor(
      () => paymentsOf(t, order.id).every((crm) => crm.status === t.seeded.paymentStatuses.returned),
      { timeoutMs: 5_000, what: 'both RetailCRM payments refunded' },
    );
    // Each status change fired the refund trigger (into one job or two: the ingress merges a trigger into
    // the order's waiting job); the refund worker checked LIFE POS and found nothing left to refund.
    await fx.sandbox.retailcrm.triggersSettled(t.seeded.accountCode);
    const refundTriggers = fx.sandbox.retailcrm
      .triggerLog(t.seeded.accountCode)
      .filter((entry) => entry.orderId === order.id && entry.params.status === 'refund');
    expect(refundTriggers.length).toBeGreaterThanOrEqual(1);
    expect(refundTriggers.every((entry) => entry.state === 'delivered' && entry.responseStatus === 202)).toBe(
      true,
    );
    await fx.settled();
    await drained('order-refund');

    const outcomes = await refundOutcomes(t, order.id);
    expect(outcomes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(outcomes)).toEqual(new Set(['already-refunded']));
    const { sale, refunds } = saleOf(t, saleId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ for_payment: { guid: payment.guid }, total_sum: { value: total } });
    expect(sale.payment_status).toBe('Refunded');
    const links = await fx.worker.deps.db.paymentLinks.listForOrder(t.connection.id, order.id);
    expect(links.map((link) => link.status)).toEqual(['refunded', 'refunded']);
    const timeline = await fx.worker.deps.db.orderEvents.list(t.connection.id, order.id);
    expect(timeline.filter((event) => event.type === TIMELINE.paymentRefunded)).toHaveLength(2);
  });

  it('a refund a manager asks for in RetailCRM is made once, and its write-back fires no second trigger', async () => {
    const t = await seedWithTriggers();
    const { order, saleId } = await fx.exportedOrder(t);
    const total = saleOf(t, saleId).sale.total_sum.value;
    fx.sandbox.lifepos.takePayment(t.seeded.orgId, saleId, { card: total });
    const [booked] = await waitFor(
      () => {
        const payments = paymentsOf(t, order.id);
        return payments.length === 1 && payments;
      },
      { timeoutMs: 5_000, what: 'the payment' },
    );

    // The manager marks the payment «Возвращен»: trigger → ingress → refund worker → refund in LIFE POS →
    // SaleRefund notification → write-back, which finds the payment refunded already.
    fx.sandbox.retailcrm.setPaymentStatus(
      t.seeded.accountCode,
      booked!.id,
      t.seeded.paymentStatuses.returned,
    );
    await waitFor(() => saleOf(t, saleId).refunds.length === 1, {
      timeoutMs: 10_000,
      what: 'the refund in LIFE POS',
    });
    await fx.settled();
    await fx.sandbox.retailcrm.triggersSettled(t.seeded.accountCode);
    await drained('order-refund');

    expect(await refundOutcomes(t, order.id)).toEqual(['refunded']);
    expect(saleOf(t, saleId).refunds).toHaveLength(1);
    const refundTriggers = fx.sandbox.retailcrm
      .triggerLog(t.seeded.accountCode)
      .filter((entry) => entry.orderId === order.id && entry.params.status === 'refund');
    expect(refundTriggers).toHaveLength(1);
    const links = await fx.worker.deps.db.paymentLinks.listForOrder(t.connection.id, order.id);
    expect(links.map((link) => link.status)).toEqual(['refunded']);
  });
});

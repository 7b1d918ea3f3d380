// Fault suite: a storm of RetailCRM 503 answers with its rate-limit body (what RetailCRM's nginx
// sends when an account's limit is exceeded, e.g. by another integration sharing the key). The jobs are
// deferred, not failed: no job fails and none even spends an attempt because of rate limiting, and every
// order is exported once.
import { waitFor } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import { reportFaultCounts, tally } from './fault-counts.js';
import { useProcessStack } from './use-process-stack.js';

const TENANTS = 2;
const ORDERS_PER_TENANT = 25;

describe('RetailCRM 503 storm', () => {
  const stackOf = useProcessStack();

  it('defers the jobs instead of failing them, and exports every order once', async () => {
    const stack = stackOf();
    const tenants = await stack.seedShops(TENANTS, ORDERS_PER_TENANT);
    const orders = tenants.map((shop) => shop.orders);
    // 80 % of the next 400 RetailCRM requests are refused with 503 and the rate-limit body.
    const storm = stack.sandbox.faults.add({
      system: 'retailcrm',
      errorRate: 0.8,
      errorStatus: 503,
      count: 400,
    });

    const statuses = new Map<number, number>();
    for (let round = 0; round < ORDERS_PER_TENANT; round += 1) {
      const answers = await Promise.all(
        tenants.map(({ tenant }, t) => stack.trigger(tenant, orders[t]![round]!.id)),
      );
      for (const [t, answer] of answers.entries()) statuses.set(orders[t]![round]!.id, answer.status);
      // Under the ingress flood limit of 50 triggers per connection and second.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    const everyOrder = tenants.flatMap(({ tenant, connectionId }, t) =>
      orders[t]!.map((order) => ({ tenant, connectionId, order })),
    );
    await waitFor(
      () => everyOrder.every(({ tenant, order }) => stack.salesOf(tenant.orgId, order.id).length >= 1),
      {
        what: 'every order exported',
        timeoutMs: 180_000,
        intervalMs: 250,
      },
    );
    await stack.queueIdle('order-export', 60_000);
    const exportQueue = stack.queue('order-export');

    // The storm really hit the jobs.
    const refused = stack.sandbox.requestLog.count({ system: 'retailcrm', status: 503 });
    expect(refused).toBeGreaterThan(ORDERS_PER_TENANT);
    expect(storm.applied).toBeGreaterThan(0);

    reportFaultCounts(
      'RetailCRM 503 storm',
      tally(
        everyOrder,
        ({ order }) => statuses.get(order.id) === 202,
        ({ tenant, order }) => stack.salesOf(tenant.orgId, order.id).length,
      ),
      { refused503: refused },
    );
    expect((await exportQueue.getJobCounts('failed')).failed).toBe(0);
    const completed = await exportQueue.getJobs(['completed'], 0, -1);
    expect(completed.length).toBeGreaterThanOrEqual(everyOrder.length);
    // Deferred, not retried: the jobs were started again and again, but only the run that completed
    // counts as an attempt (BullMQ counts the finished one).
    expect(completed.filter((job) => job.attemptsStarted > 1).length).toBeGreaterThan(0);
    // On failure, what the extra attempt failed with: the storm's 503s must never be the reason.
    const retried = completed.filter((job) => job.attemptsMade !== 1);
    expect(retried.map(({ id, attemptsMade, failedReason }) => ({ id, attemptsMade, failedReason }))).toEqual(
      [],
    );
    for (const { connectionId, order } of everyOrder) {
      expect(await stack.db.incidents.listForOrder(connectionId, order.id)).toEqual([]);
    }
  }, 300_000);
});

// Fault suite: the export worker process is SIGKILLed again and again while 1,000 orders flow
// through the ingress. Nothing may be lost (every order ends with its sale) and nothing doubled (one sale
// per order `meta` in the LIFE POS simulator): the jobs it was running when it died stall and run again
// in the next process, which finds the sale a dead run may already have created.
import { saleMetaFor } from '@connector/domain';
import { waitFor } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import { reportFaultCounts, tally } from './fault-counts.js';
import { useProcessStack } from './use-process-stack.js';

const TENANTS = 10;
const ORDERS_PER_TENANT = 100;
const KILLS = 5;
/** New sales the worker must have made since its (re)start before it is killed again. */
const SALES_BETWEEN_KILLS = 25;

describe('export worker SIGKILLed repeatedly while 1,000 orders flow', () => {
  const stackOf = useProcessStack();

  it('exports every order exactly once', async () => {
    const stack = stackOf();
    const tenants = await stack.seedShops(TENANTS, ORDERS_PER_TENANT);
    const orders = tenants.map((shop) => shop.orders);
    const totalSales = () =>
      tenants.reduce((sum, { tenant }) => sum + stack.sandbox.lifepos.sales(tenant.orgId).length, 0);

    // Triggers keep arriving (one per tenant every ~20 ms: under the ingress flood limit) while the
    // worker is killed.
    const answers: number[] = [];
    const sending = (async () => {
      for (let round = 0; round < ORDERS_PER_TENANT; round += 1) {
        const sent = tenants.map(({ tenant }, t) => stack.trigger(tenant, orders[t]![round]!.id));
        const statuses = await Promise.all(sent.map(async (answer) => (await answer).status));
        answers.push(...statuses);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const killedPids: number[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      const before = totalSales();
      await waitFor(() => totalSales() >= before + SALES_BETWEEN_KILLS, {
        what: `${SALES_BETWEEN_KILLS} more sales before kill ${kill + 1}`,
        timeoutMs: 90_000,
        intervalMs: 10,
      });
      killedPids.push(stack.exportWorker().pid);
      await stack.restartExportWorker();
    }
    await sending;
    expect(answers).toHaveLength(TENANTS * ORDERS_PER_TENANT);
    expect(answers.every((status) => status === 202)).toBe(true);
    expect(new Set(killedPids).size).toBe(KILLS);

    const salesPerOrder = () =>
      tenants.flatMap(({ tenant }, t) => {
        const perMeta = new Map<string, number>();
        for (const { sale } of stack.sandbox.lifepos.sales(tenant.orgId)) {
          perMeta.set(sale.meta ?? '', (perMeta.get(sale.meta ?? '') ?? 0) + 1);
        }
        return orders[t]!.map((order) => perMeta.get(saleMetaFor(order.id)) ?? 0);
      });
    // Jobs the killed processes held come back once their BullMQ lock expires (30 s).
    await waitFor(() => salesPerOrder().every((count) => count > 0), {
      what: 'every order exported',
      timeoutMs: 180_000,
      intervalMs: 250,
    });
    await stack.queueIdle('order-export', 60_000);
    const exportQueue = stack.queue('order-export');
    const copies = salesPerOrder();
    reportFaultCounts(
      'export worker SIGKILLed repeatedly',
      tally(
        copies,
        // Answers are in sending order (round by round over the tenants), copies tenant by tenant.
        (_, index) =>
          answers[(index % ORDERS_PER_TENANT) * TENANTS + Math.floor(index / ORDERS_PER_TENANT)] === 202,
        (count) => count,
      ),
      { kills: killedPids.length },
    );

    const completed = await exportQueue.getJobs(['completed'], 0, -1);
    // The kills really interrupted running jobs: some finished only after stalling.
    expect(completed.filter((job) => job.stalledCounter > 0).length).toBeGreaterThan(0);
    expect((await exportQueue.getJobCounts('failed')).failed).toBe(0);
  }, 420_000);
});

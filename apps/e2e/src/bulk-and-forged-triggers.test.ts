// Every real trigger converges, and a forged one costs nobody anything. A real RetailCRM account sends each
// trigger once and never retries, so the ingress must accept a shop's bulk status change whole (an order's
// repeats merge into its job instead of being refused); and a trigger naming an order RetailCRM does not
// have ends on the order's timeline, without an incident or tasks for the shop's staff.
import { saleMetaFor } from '@connector/domain';
import { createWorkerRedis } from '@connector/queue';
import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Stack, startStack } from './stack.js';

let stack: Stack;
let redis: Redis;
let crmTasks: Queue;

beforeAll(async () => {
  stack = await startStack();
  redis = createWorkerRedis(stack.env.REDIS_URL!, { name: 'e2e-bulk-view' });
  crmTasks = new Queue('crm-tasks', { connection: redis, prefix: stack.env.QUEUE_PREFIX! });
});
afterAll(async () => {
  await crmTasks?.close();
  await redis?.quit();
  await stack?.close();
});

const BULK = 200;

describe('a bulk status change', () => {
  it(`${BULK} orders moved to the send status at once: ${BULK} × 202 and every order exported`, async () => {
    const { tenant, connectionId } = await stack.seed();
    const orders = Array.from({ length: BULK }, (_, i) =>
      tenant.createOrder({ store: tenant.stores[i % tenant.stores.length]!.code }),
    );

    // What a manager's bulk action does: every order's status changes, each fires its trigger once.
    for (const order of orders) {
      stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
    }
    await stack.sandbox.retailcrm.triggersSettled(tenant.accountCode);

    const sent = stack.sandbox.retailcrm
      .triggerLog(tenant.accountCode)
      .filter((entry) => entry.params.status === 'new');
    expect(sent).toHaveLength(BULK);
    const refused = sent.filter((entry) => entry.responseStatus !== 202);
    expect(refused.map(({ orderId, responseStatus, error }) => ({ orderId, responseStatus, error }))).toEqual(
      [],
    );

    // Paced by the shop's rate limits (10 RetailCRM calls/s): some 25 s for the whole batch.
    const exported = await waitFor(
      async () => {
        const links = await stack.db.prisma.orderLink.findMany({
          where: { connectionId, state: 'exported' },
          select: { retailcrmOrderId: true },
        });
        return links.length === BULK && links;
      },
      { what: `all ${BULK} orders to be exported`, timeoutMs: 150_000, intervalMs: 500 },
    );
    expect(new Set(exported.map((link) => Number(link.retailcrmOrderId)))).toEqual(
      new Set(orders.map((order) => order.id)),
    );
    const sales = stack.sandbox.lifepos.sales(tenant.orgId);
    for (const order of orders) {
      expect(sales.filter(({ sale }) => sale.meta === saleMetaFor(order.id))).toHaveLength(1);
    }
    expect(await stack.db.prisma.incident.count({ where: { connectionId } })).toBe(0);
  }, 240_000);
});

describe('a forged trigger', () => {
  it('a valid client_id with an order id RetailCRM does not have: a timeline entry, no incident, no task', async () => {
    const { tenant, connectionId } = await stack.seed({ triggers: { fireOnCreate: false } });
    const missing = 987_654_321;

    const answer = await stack.trigger(tenant, missing, 'new');
    expect(answer.status).toBe(202);

    const finished = await waitFor(
      async () =>
        (await stack.db.orderEvents.list(connectionId, missing)).find(
          (event) => event.type === 'job.finished',
        ),
      { what: 'the export job to end', timeoutMs: 20_000 },
    );
    expect(finished).toMatchObject({
      message: expect.stringContaining('Заказ не найден в RetailCRM — триггер пропущен'),
      data: { outcome: 'not-found' },
    });
    // The trigger's own entry is written after the 202, best-effort: it may land after the job's.
    const timeline = await waitFor(
      async () => {
        const events = await stack.db.orderEvents.list(connectionId, missing);
        return events.length >= 3 ? events : undefined;
      },
      { what: 'the three timeline entries' },
    );
    expect(timeline.map((event) => event.type).sort()).toEqual([
      'job.finished',
      'job.started',
      'trigger.received',
    ]);

    expect(await stack.db.incidents.listForOrder(connectionId, missing)).toEqual([]);
    const taskJobs = await crmTasks.getJobs();
    expect(taskJobs.filter((job) => job.data.connectionId === connectionId)).toEqual([]);
    expect(stack.sandbox.retailcrm.tasks(tenant.accountCode)).toEqual([]);
    expect(await stack.db.orderLinks.get(connectionId, missing)).toBeNull();
  });
});

// What one order costs the database: orders go the whole way — triggered and exported, paid by card and
// completed at the LIFE POS till, written back into RetailCRM — and the rows and bytes the database grew by
// are counted per table and divided by the orders. Reported (the README quotes it), and bounded loosely so
// that a change that multiplies the footprint is noticed. The retention job (packages/worker-app retention.ts)
// deletes the timeline, notifications and resolved incidents after their RETENTION_*_DAYS.
import { createLogger } from '@connector/logger';
import { testRedisUrl, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ProcessStack, startProcessStack } from './process-stack.js';

const ORDERS = 30;
const report = createLogger({ service: 'order-footprint', level: 'info' });

interface TableState {
  rows: number;
  bytes: number;
}

async function tables(stack: ProcessStack): Promise<Map<string, TableState>> {
  const names = await stack.db.prisma.$queryRaw<{ name: string; bytes: bigint }[]>`
    SELECT relname AS name, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables`;
  const state = new Map<string, TableState>();
  for (const { name, bytes } of names) {
    if (name === '_prisma_migrations') continue;
    const [{ rows }] = await stack.db.prisma.$queryRawUnsafe<[{ rows: bigint }]>(
      `SELECT count(*) AS rows FROM "${name}"`,
    );
    state.set(name, { rows: Number(rows), bytes: Number(bytes) });
  }
  return state;
}

describe('the database footprint of an order', () => {
  let stack: ProcessStack;

  beforeAll(async () => {
    stack = await startProcessStack({ redisUrl: testRedisUrl() });
  }, 120_000);
  afterAll(() => stack?.close(), 60_000);

  it('an exported, paid and completed order costs a few rows and kilobytes', async () => {
    const { tenant, connectionId } = await stack.seed({
      tenant: { sites: 1 },
      rateLimits: { lifeposPerSecond: 15 },
      settings: { lifeposPollSeconds: 3600 },
    });
    const webhook = await stack.startWebhookWorker();
    await waitFor(async () => (await fetch(`${webhook.url}/readyz`)).status === 200, {
      what: 'the webhook worker ready',
      timeoutMs: 30_000,
    });
    // As at every start, the webhook worker points the organization's notifications at itself.
    const connection = await stack.db.connections.get(connectionId);
    const url = `${webhook.url}/lifepos/notifications/${connection!.notificationToken}`;
    await waitFor(
      () => {
        const service = stack.sandbox.lifepos.subscription(tenant.orgId);
        return service?.turned_on === true && service.primary_url_for_notifications === url;
      },
      { what: 'the notifications pointed at the webhook worker', timeoutMs: 30_000 },
    );
    await stack.queueIdle('sync', 30_000);
    const before = await tables(stack);

    const orders = Array.from({ length: ORDERS }, () =>
      tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send }),
    );
    for (const order of orders) expect((await stack.trigger(tenant, order.id)).status).toBe(202);
    await waitFor(() => orders.every((order) => stack.salesOf(tenant.orgId, order.id).length === 1), {
      what: 'every order exported',
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const { lifepos } = stack.sandbox;
    for (const order of orders) {
      const { sale } = stack.salesOf(tenant.orgId, order.id)[0]!;
      lifepos.takePayment(tenant.orgId, sale.guid, { card: sale.total_sum.value });
      lifepos.complete(tenant.orgId, sale.guid);
    }
    const completed = tenant.connection.settings.saleStateToStatus.Completed;
    await waitFor(
      () =>
        orders.every((order) => {
          const crm = stack.sandbox.retailcrm.getOrder(tenant.accountCode, order.id) as {
            status: string;
            payments?: Record<string, unknown>;
          };
          return crm.status === completed && Object.keys(crm.payments ?? {}).length === 1;
        }),
      { what: 'every order paid and completed in RetailCRM', timeoutMs: 60_000, intervalMs: 200 },
    );
    // The periodic LIFE POS checks keep a delayed job in lifepos-events: nothing but it may be left.
    await stack.queueIdle('order-export', 30_000);
    await waitFor(
      async () => {
        const counts = await stack.queue('lifepos-events').getJobCounts('active', 'wait', 'prioritized');
        return Object.values(counts).every((n) => n === 0);
      },
      { what: 'the notifications processed', timeoutMs: 30_000, intervalMs: 100 },
    );
    const after = await tables(stack);

    const perOrder: Record<string, { rows: number; bytes: number }> = {};
    let rows = 0;
    let bytes = 0;
    for (const [name, state] of after) {
      const was = before.get(name) ?? { rows: 0, bytes: 0 };
      const grew = {
        rows: (state.rows - was.rows) / ORDERS,
        bytes: Math.round((state.bytes - was.bytes) / ORDERS),
      };
      if (grew.rows === 0 && grew.bytes === 0) continue;
      perOrder[name] = grew;
      rows += grew.rows;
      bytes += grew.bytes;
    }
    report.info('database footprint per exported, paid and completed order', {
      orders: ORDERS,
      rows,
      bytes,
      perOrder,
    });
    expect(perOrder.OrderLink?.rows).toBe(1);
    expect(rows).toBeLessThan(40);
    expect(bytes).toBeLessThan(64 * 1024);
  }, 180_000);
});

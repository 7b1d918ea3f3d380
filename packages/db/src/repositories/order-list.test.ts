import { describe, expect, it } from '@jest/globals';
import { Prisma } from '../generated/prisma/client.js';
import { useTestTenants } from '../test-support/test-tenants.js';
import { latestFactsQuery, type OrderListFilter, orderListQuery } from './order-list.js';

const tenants = useTestTenants();

const EVENTS = 1_000_000;
const ORDERS = 100_000;

describe('the order list', () => {
  it('pages links newest first by keyset, with filters, and reads the latest facts of a page', async () => {
    const { db } = tenants;
    const connectionId = await tenants.tenant();
    const other = await tenants.tenant();
    const at = (minutes: number) => new Date(Date.UTC(2026, 11, 4, 10, minutes));
    for (let order = 1; order <= 7; order += 1) {
      await db.orderLinks.upsert(connectionId, order, {
        state: order === 3 ? 'failed' : 'exported',
        retailcrmOrderNumber: `${order}A`,
      });
      await db.prisma.orderLink.updateMany({
        where: { connectionId, retailcrmOrderId: order },
        data: { updatedAt: at(order % 4) },
      });
    }
    await db.orderLinks.upsert(other, 1, { state: 'exported', retailcrmOrderNumber: '1A' });

    const seen: number[] = [];
    let after: Awaited<ReturnType<typeof db.orderList.page>>['next'];
    do {
      const page = await db.orderList.page({ connectionId }, { limit: 3, ...(after && { after }) });
      expect(page.links.length).toBeLessThanOrEqual(3);
      seen.push(...page.links.map((link) => link.retailcrmOrderId));
      after = page.next;
    } while (after);
    // updatedAt 10:03 (3, 7), 10:02 (2, 6), 10:01 (1, 5), 10:00 (4): ties broken by id, each order once.
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const minute = (order: number) => order % 4;
    expect(seen.map(minute)).toEqual([3, 3, 2, 2, 1, 1, 0]);

    expect((await db.orderList.page({ states: ['failed'] }, { limit: 10 })).links).toMatchObject([
      { connectionId, retailcrmOrderId: 3, state: 'failed' },
    ]);
    const byNumber = await db.orderList.page({ number: '1A' }, { limit: 10 });
    expect(byNumber.links.map((link) => link.connectionId).sort()).toEqual([connectionId, other].sort());
    expect((await db.orderList.page({ connectionId, number: '5' }, { limit: 10 })).links).toMatchObject([
      { retailcrmOrderId: 5 },
    ]);
    expect(
      (
        await db.orderList.page({ connectionId, updatedFrom: at(1), updatedBefore: at(2) }, { limit: 10 })
      ).links
        .map((link) => link.retailcrmOrderId)
        .sort(),
    ).toEqual([1, 5]);

    await db.orderEvents.append(connectionId, 1, {
      type: 'writeback.payment',
      message: 'first',
      data: { n: 1 },
    });
    await db.orderEvents.append(connectionId, 1, {
      type: 'writeback.payment',
      message: 'second',
      data: { n: 2 },
    });
    await db.orderEvents.append(connectionId, 1, { type: 'job.finished', message: 'done' });
    const facts = await db.orderList.latestFacts(
      [
        { connectionId, retailcrmOrderId: 1 },
        { connectionId, retailcrmOrderId: 2 },
      ],
      ['writeback.payment', 'job.finished', 'job.failed'],
    );
    expect(facts.map((fact) => [fact.retailcrmOrderId, fact.type, fact.data]).sort()).toEqual([
      [1, 'job.finished', null],
      [1, 'writeback.payment', { n: 2 }],
    ]);
  });

  it(`is served by indexes on ${EVENTS.toLocaleString('en')} timeline rows (EXPLAIN)`, async () => {
    const { db } = tenants;
    const connections = [await tenants.tenant(), await tenants.tenant()];
    // A million timeline rows over 100,000 orders of two connections, and a link per order.
    await db.prisma.$executeRaw`
      INSERT INTO "OrderLink" ("id", "connectionId", "retailcrmOrderId", "retailcrmOrderNumber", "state",
        "lastSyncedAt", "createdAt", "updatedAt")
      SELECT gen_random_uuid(), (${connections}::uuid[])[1 + n % 2], 1000 + n, (1000 + n)::text || 'A',
        (CASE WHEN n % 97 = 0 THEN 'failed' ELSE 'exported' END)::"OrderLinkState",
        now(), now(), now() - (n || ' seconds')::interval
      FROM generate_series(1, ${ORDERS}::int) AS n`;
    await db.prisma.$executeRaw`
      INSERT INTO "OrderEvent" ("connectionId", "retailcrmOrderId", "type", "message", "createdAt")
      SELECT (${connections}::uuid[])[1 + (n % ${ORDERS}::int) % 2], 1000 + n % ${ORDERS}::int,
        (ARRAY['trigger.received','job.started','external.call','job.finished','writeback.payment'])[1 + (n / ${ORDERS}::int) % 5],
        'event', now() - (n || ' milliseconds')::interval
      FROM generate_series(1, ${EVENTS}::int) AS n`;
    await db.prisma.$executeRawUnsafe('ANALYZE "OrderLink"');
    await db.prisma.$executeRawUnsafe('ANALYZE "OrderEvent"');

    const plan = async (query: Prisma.Sql) => {
      const rows = await db.prisma.$queryRaw<{ 'QUERY PLAN': string }[]>(
        Prisma.sql`EXPLAIN (ANALYZE, BUFFERS) ${query}`,
      );
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    };
    const listPlan = (filter: OrderListFilter, after?: { updatedAt: Date; id: string }) =>
      plan(orderListQuery(filter, { limit: 51, ...(after && { after }) }));

    const [connectionId] = connections as [string, string];
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    const first = await db.orderList.page({ connectionId }, { limit: 50 });
    expect(first.links).toHaveLength(50);
    // [plan, index it must use, read in index order (no sort for ORDER BY … LIMIT)]
    const cases: [string, string, boolean][] = [
      [await listPlan({}), 'OrderLink_updatedAt_id_idx', true],
      [await listPlan({ connectionId }), 'OrderLink_connectionId_updatedAt_id_idx', true],
      [await listPlan({ connectionId }, first.next), 'OrderLink_connectionId_updatedAt_id_idx', true],
      [await listPlan({ states: ['failed'] }), 'OrderLink_state_updatedAt_id_idx', true],
      // A number finds a row or two; sorting those is nothing.
      [await listPlan({ number: '5000A' }), 'OrderLink_retailcrmOrderNumber_idx', false],
      [await listPlan({ number: '5000' }), 'OrderLink_retailcrmOrderId_idx', false],
    ];
    for (const [text, index, ordered] of cases) {
      expect(text).toContain(index);
      expect(text).not.toMatch(/Seq Scan on "OrderLink"/);
      if (ordered) expect(text).not.toMatch(/Sort Method/);
    }

    // The convergence sweep's links part: a connection's exported links written in its window, read in
    // keyset order off an index (per connection, or across them when the planner finds that cheaper).
    const sweepPlan = await listPlan({
      connectionId,
      states: ['exported'],
      updatedFrom: hoursAgo(10),
      updatedBefore: hoursAgo(0),
    });
    expect(sweepPlan).toMatch(/Index Scan (Backward )?using "OrderLink_(connectionId_)?updatedAt_id_idx"/);
    expect(sweepPlan).not.toMatch(/Seq Scan on "OrderLink"|Sort Method/);

    const orders = first.links.map((link) => ({ connectionId, retailcrmOrderId: link.retailcrmOrderId }));
    const factsPlan = await plan(
      latestFactsQuery(orders, ['writeback.payment', 'job.finished', 'job.failed']),
    );
    expect(factsPlan).toContain('OrderEvent_connectionId_retailcrmOrderId_createdAt_idx');
    expect(factsPlan).not.toMatch(/Seq Scan on "OrderEvent"/);
    const facts = await db.orderList.latestFacts(orders, ['writeback.payment', 'job.finished']);
    expect(facts).toHaveLength(100);
  }, 180_000);
});

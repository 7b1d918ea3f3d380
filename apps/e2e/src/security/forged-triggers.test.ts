// Forged triggers: a trigger is only a signal, every job re-reads both APIs (docs/ARCHITECTURE.md). A
// trigger naming another shop's order, or asking for what the order's state does not say, changes nothing —
// and costs the shop nothing either: no incident, no RetailCRM tasks.
import { saleMetaFor } from '@connector/domain';
import { type Tenant, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Stack, startStack } from '../stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const salesOf = (orgId: string, orderId: number) =>
  stack.sandbox.lifepos.sales(orgId).filter(({ sale }) => sale.meta === saleMetaFor(orderId));

/** The `job.finished` outcomes on the order's timeline. */
async function outcomesOf(connectionId: string, orderId: number): Promise<string[]> {
  return (await stack.db.orderEvents.list(connectionId, orderId)).flatMap((event) => {
    const outcome = (event.data as { outcome?: unknown } | null)?.outcome;
    return event.type === 'job.finished' && typeof outcome === 'string' ? [outcome] : [];
  });
}

/** Requests the simulators answered for a tenant from now on: its RetailCRM account and LIFE POS org. */
function watchRequests(tenant: Tenant) {
  const seen: { system: string; method: string; path: string }[] = [];
  const stop = stack.sandbox.requestLog.subscribe((entry) => {
    if (entry.tenant === tenant.accountCode || entry.tenant === tenant.orgId) {
      seen.push({ system: entry.system, method: entry.method, path: entry.path });
    }
  });
  return {
    stop,
    all: () => seen,
    writes: () => seen.filter((entry) => entry.method !== 'GET'),
  };
}

/** An order of the tenant exported by its own trigger, the sale in LIFE POS. */
async function exportedOrder(
  { tenant, connectionId }: { tenant: Tenant; connectionId: string },
  payments?: { type: string; status: string }[],
) {
  const order = tenant.createOrder({
    store: tenant.stores[0]!.code,
    status: tenant.statuses.send,
    ...(payments ? { payments } : {}),
  });
  expect((await stack.trigger(tenant, order.id, 'new')).status).toBe(202);
  const sale = await waitFor(() => salesOf(tenant.orgId, order.id)[0]?.sale, {
    what: 'the exported sale',
    timeoutMs: 20_000,
  });
  // The export job records the sale on its link just after creating it: later triggers decide from that.
  await waitFor(async () => (await stack.db.orderLinks.get(connectionId, order.id))?.lifeposSaleId, {
    what: 'the exported order’s link',
    timeoutMs: 20_000,
  });
  return { order, sale };
}

describe('forged triggers', () => {
  it("another shop's order under this shop's client_id: no sale anywhere, no incident, the other shop untouched", async () => {
    const a = await stack.seed({ triggers: { fireOnCreate: false } });
    const b = await stack.seed({ triggers: { fireOnCreate: false } });
    // B's order is ready to go; A's account has no orders, so the id is not one of A's.
    const victim = b.tenant.createOrder({ store: b.tenant.stores[0]!.code, status: b.tenant.statuses.send });
    expect(stack.sandbox.retailcrm.getOrder(a.tenant.accountCode, victim.id)).toBeUndefined();
    const bRequests = watchRequests(b.tenant);
    const aRequests = watchRequests(a.tenant);

    const answer = await stack.trigger(a.tenant, victim.id, 'new');
    expect(answer.status).toBe(202);

    // A's job looks the order up in A's account, finds nothing and ends: on the timeline, not as an incident.
    await waitFor(async () => (await outcomesOf(a.connectionId, victim.id)).includes('not-found'), {
      what: "A's export job to end",
      timeoutMs: 20_000,
    });
    expect(await stack.db.incidents.listForOrder(a.connectionId, victim.id)).toEqual([]);
    // A's account has two legal entities and no orders: its store sync may open a connection incident
    // (with its tasks) whenever it runs, on a slow machine before this point. No task may be about the order.
    const namesVictim = new RegExp(`\\b${victim.id}\\b`);
    const tasksOfA = stack.sandbox.retailcrm.tasks(a.tenant.accountCode);
    expect(tasksOfA.filter((task) => namesVictim.test(`${task.text} ${task.commentary}`))).toEqual([]);
    bRequests.stop();
    aRequests.stop();

    expect(salesOf(a.tenant.orgId, victim.id)).toEqual([]);
    expect(salesOf(b.tenant.orgId, victim.id)).toEqual([]);
    // B's own periodic jobs (the store sync, the history scan of its first runs) may read B's account
    // meanwhile; nothing may concern the victim order, and nothing may be written.
    expect(bRequests.all().filter((entry) => entry.path.includes(String(victim.id)))).toEqual([]);
    expect(bRequests.writes()).toEqual([]);
    // A's job asked A's own account (which does not know the order), and wrote nothing to LIFE POS.
    expect(aRequests.all()).toContainEqual({
      system: 'retailcrm',
      method: 'GET',
      path: `/api/v5/orders/${victim.id}`,
    });
    expect(aRequests.writes().filter((entry) => entry.system === 'lifepos')).toEqual([]);
    expect(await stack.db.orderEvents.list(b.connectionId, victim.id)).toEqual([]);
    expect(await stack.db.orderLinks.get(b.connectionId, victim.id)).toBeNull();
    expect(await stack.db.orderLinks.get(a.connectionId, victim.id)).not.toEqual(
      expect.objectContaining({ lifeposSaleId: expect.any(String) }),
    );
  });

  it('`closed` for an order whose status is not a cancel status: the sale stays as it was', async () => {
    const { tenant, connectionId } = await stack.seed();
    const { order, sale } = await exportedOrder({ tenant, connectionId });
    const requests = watchRequests(tenant);

    expect((await stack.trigger(tenant, order.id, 'closed')).status).toBe(202);
    await waitFor(async () => (await outcomesOf(connectionId, order.id)).includes('ignored'), {
      what: 'the cancel job to ignore the trigger',
      timeoutMs: 20_000,
    });
    requests.stop();

    const after = stack.sandbox.lifepos.sale(tenant.orgId, sale.guid).sale;
    expect({ state: after.state, deleted: after.deleted_at }).toEqual({ state: sale.state, deleted: null });
    expect(requests.writes()).toEqual([]);
    expect(stack.sandbox.retailcrm.getOrder(tenant.accountCode, order.id)?.status).toBe(tenant.statuses.send);
  });

  it('`refund` for a paid order none of whose payments is in a refund status: nothing is refunded', async () => {
    const { tenant, connectionId } = await stack.seed();
    const { order, sale } = await exportedOrder({ tenant, connectionId }, [
      { type: tenant.paymentTypes.cash, status: tenant.paymentStatuses.paid },
    ]);
    stack.sandbox.lifepos.takePayment(tenant.orgId, sale.guid, { cash: sale.total_sum.value });
    const requests = watchRequests(tenant);

    expect((await stack.trigger(tenant, order.id, 'refund')).status).toBe(202);
    await waitFor(async () => (await outcomesOf(connectionId, order.id)).includes('ignored'), {
      what: 'the refund job to ignore the trigger',
      timeoutMs: 20_000,
    });
    requests.stop();

    expect(stack.sandbox.lifepos.sale(tenant.orgId, sale.guid).refunds).toEqual([]);
    expect(requests.writes()).toEqual([]);
    expect((await stack.db.incidents.listForOrder(connectionId, order.id)).length).toBe(0);
  });
});

// The order flow end to end: RetailCRM simulator trigger → ingress → queues → workers → LIFE POS
// simulator, with real Redis and PostgreSQL.

import { saleMetaFor } from '@connector/domain';
import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Stack, startStack } from './stack.js';

describe('trigger pipeline, end to end', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const salesOf = (orgId: string, orderId: number) =>
    stack.sandbox.lifepos.sales(orgId).filter(({ sale }) => sale.meta === saleMetaFor(orderId));

  it('a status change fires the trigger and the sale appears in the right outlet with positions, total and courier', async () => {
    const { tenant } = await stack.seed();
    const store = tenant.stores[0]!;
    const courier = tenant.couriers.find((c) => c.phone)!;
    const order = tenant.createOrder({ store: store.code, courier: courier.id });

    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);

    const sale = await waitFor(
      () => {
        const found = salesOf(tenant.orgId, order.id);
        return found.length === 1 ? found[0]!.sale : undefined;
      },
      { what: 'the sale in LIFE POS', timeoutMs: 20_000 },
    );
    expect(sale.number).toBe(order.number);
    expect(sale.total_sum.value).toBe(Math.round(order.totalSumm * 100));
    const itemPositions = (sale.positions ?? []).filter((p) => p.good_type !== 'Service');
    expect(itemPositions.map((p) => [p.name, p.quantity])).toEqual(
      order.items.map((item) => [item.name, item.quantity]),
    );
    expect((sale.positions ?? []).reduce((sum, p) => sum + p.total_sum.value, 0)).toBe(sale.total_sum.value);

    const outlet = stack.sandbox.lifepos.outlets(tenant.orgId).find((o) => o.guid === sale.outlet.guid)!;
    const legalEntity = tenant.lifepos.legalEntities.find(
      (entity) => entity.guid === outlet.legal_entity.guid,
    );
    expect(legalEntity?.inn).toBe(store.inn);
    expect(outlet.name).toBe(store.name);

    const employee = stack.sandbox.lifepos
      .employees(tenant.orgId)
      .find((e) => e.guid === sale.opened_by.guid)!;
    expect(employee.name).toContain(courier.firstName);
    expect(sale.workplace?.guid).toBeDefined();
    expect(sale.workplace?.guid).not.toBe(tenant.lifepos.defaultWorkplaceId);
  });

  it('five identical triggers give one sale', async () => {
    const { tenant } = await stack.seed();
    const order = tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => stack.trigger(tenant, order.id, 'new')),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    await waitFor(() => salesOf(tenant.orgId, order.id).length === 1, {
      what: 'the sale',
      timeoutMs: 20_000,
    });
    // Let every follow-up job run before counting again.
    await stack.trigger(tenant, order.id, 'new');
    const link = await waitFor(
      async () => {
        const { connectionId } = { connectionId: (await stack.db.connections.findByOrgId(tenant.orgId))!.id };
        return stack.db.orderLinks.get(connectionId, order.id);
      },
      { what: 'the order link' },
    );
    expect(link.lifeposSaleId).toBe(salesOf(tenant.orgId, order.id)[0]!.sale.guid);
    await stack.queueIdle('order-export');
    expect(salesOf(tenant.orgId, order.id)).toHaveLength(1);
  });

  it('cancel: a New sale is cancelled, a paid one is left alone, a forged closed changes nothing', async () => {
    const { tenant } = await stack.seed();
    const store = tenant.stores[0]!.code;
    const [toCancel, paid, forged] = [1, 2, 3].map(() =>
      tenant.createOrder({ store, status: tenant.statuses.send }),
    );
    for (const order of [toCancel!, paid!, forged!]) await stack.trigger(tenant, order.id, 'new');
    await waitFor(() => [toCancel!, paid!, forged!].every((o) => salesOf(tenant.orgId, o.id).length === 1), {
      what: 'three sales',
      timeoutMs: 20_000,
    });
    const paidSale = salesOf(tenant.orgId, paid!.id)[0]!.sale;
    stack.sandbox.lifepos.takePayment(tenant.orgId, paidSale.guid, { cash: paidSale.total_sum.value });

    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, toCancel!.id, tenant.statuses.cancelled);
    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, paid!.id, tenant.statuses.cancelled);
    await stack.trigger(tenant, forged!.id, 'closed'); // its status is still the send status

    await waitFor(() => salesOf(tenant.orgId, toCancel!.id)[0]!.sale.state === 'Cancelled', {
      what: 'the cancelled sale',
      timeoutMs: 20_000,
    });
    const connectionId = (await stack.db.connections.findByOrgId(tenant.orgId))!.id;
    const outcomeOf = async (orderId: number) =>
      (await stack.db.orderEvents.list(connectionId, orderId))
        .filter((event) => event.type === 'job.finished' && (event.data as { outcome?: string })?.outcome)
        .map((event) => (event.data as { outcome: string }).outcome);
    await waitFor(async () => (await outcomeOf(paid!.id)).includes('closed-in-lifepos'), {
      what: 'the paid order left alone',
      timeoutMs: 20_000,
    });
    await waitFor(async () => (await outcomeOf(forged!.id)).includes('ignored'), {
      what: 'the forged trigger ignored',
      timeoutMs: 20_000,
    });
    expect(salesOf(tenant.orgId, paid!.id)[0]!.sale.state).not.toBe('Cancelled');
    expect(salesOf(tenant.orgId, forged!.id)[0]!.sale.state).toBe('New');
  });

  it('erroneous cancel then re-send: the old sale archived, a new sale with the edited contents', async () => {
    const { tenant } = await stack.seed();
    const order = tenant.createOrder({
      store: tenant.stores[0]!.code,
      deliveryType: tenant.deliveryTypes.pickup,
    });
    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
    await waitFor(() => salesOf(tenant.orgId, order.id).length === 1, {
      what: 'the first sale',
      timeoutMs: 20_000,
    });
    const first = salesOf(tenant.orgId, order.id)[0]!.sale;

    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.erroneousCancel);
    await waitFor(() => salesOf(tenant.orgId, order.id)[0]!.sale.deleted_at !== null, {
      what: 'the archived sale',
      timeoutMs: 20_000,
    });
    stack.sandbox.retailcrm.setOrderItems(tenant.accountCode, order.id, [
      { productName: 'Капучино большой', initialPrice: 310, quantity: 3 },
    ]);
    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
    const second = await waitFor(
      () => salesOf(tenant.orgId, order.id).find(({ sale }) => sale.guid !== first.guid)?.sale,
      { what: 'the re-sent sale', timeoutMs: 20_000 },
    );
    expect(second.number).toBe(`${order.number}-2`);
    expect(second.total_sum.value).toBe(93_000);
    expect(second.positions?.map((p) => [p.name, p.quantity])).toEqual([['Капучино большой', 3]]);
    expect(stack.sandbox.lifepos.sale(tenant.orgId, first.guid).sale.deleted_at).not.toBeNull();
  });

  it('a shop change after export moves the sale to the other outlet', async () => {
    const { tenant } = await stack.seed();
    const [from, to] = [
      tenant.stores[0]!,
      tenant.stores.find((s) => s.site === tenant.stores[0]!.site && s.code !== tenant.stores[0]!.code) ??
        tenant.stores[1]!,
    ];
    const order = tenant.createOrder({ store: from.code, deliveryType: tenant.deliveryTypes.pickup });
    // As a manager does it: each change fires its own trigger once (the status's, then the shop's).
    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
    const exported = await waitFor(() => salesOf(tenant.orgId, order.id)[0]?.sale, {
      what: 'the sale',
      timeoutMs: 20_000,
    });

    stack.sandbox.retailcrm.setShipmentStore(tenant.accountCode, order.id, to.code);
    const moved = await waitFor(
      () => {
        const sale = salesOf(tenant.orgId, order.id)[0]?.sale;
        return sale && sale.outlet.guid !== exported.outlet.guid ? sale : undefined;
      },
      { what: 'the sale in the other outlet', timeoutMs: 20_000 },
    );
    const outlet = stack.sandbox.lifepos.outlets(tenant.orgId).find((o) => o.guid === moved.outlet.guid)!;
    expect(outlet.name).toBe(to.name);
    expect(moved.guid).toBe(exported.guid);
    expect(salesOf(tenant.orgId, order.id)).toHaveLength(1);
  });

  it('refund: the LIFE POS payment is refunded once; no payment gives one set of tasks', async () => {
    const { tenant, connectionId } = await stack.seed();
    const store = tenant.stores[0]!.code;
    const paid = tenant.createOrder({
      store,
      status: tenant.statuses.send,
      payments: [{ type: tenant.paymentTypes.cash, status: tenant.paymentStatuses.paid }],
    });
    const unpaid = tenant.createOrder({
      store,
      status: tenant.statuses.send,
      payments: [{ type: tenant.paymentTypes.cash, status: tenant.paymentStatuses.paid }],
    });
    for (const order of [paid, unpaid]) await stack.trigger(tenant, order.id, 'new');
    await waitFor(
      () => salesOf(tenant.orgId, paid.id).length === 1 && salesOf(tenant.orgId, unpaid.id).length === 1,
      {
        what: 'both sales',
        timeoutMs: 20_000,
      },
    );
    const sale = salesOf(tenant.orgId, paid.id)[0]!.sale;
    stack.sandbox.lifepos.takePayment(tenant.orgId, sale.guid, { cash: sale.total_sum.value });

    for (const order of [paid, unpaid]) {
      const paymentId = Number(
        Object.keys(stack.sandbox.retailcrm.getOrder(tenant.accountCode, order.id)!.payments as object)[0],
      );
      stack.sandbox.retailcrm.setPaymentStatus(
        tenant.accountCode,
        paymentId,
        tenant.paymentStatuses.returned,
      );
    }
    // The trigger again, as a manager clicking twice would.
    await stack.trigger(tenant, paid.id, 'refund');

    await waitFor(() => stack.sandbox.lifepos.sale(tenant.orgId, sale.guid).refunds.length === 1, {
      what: 'the refund',
      timeoutMs: 20_000,
    });
    const incident = await waitFor(
      async () =>
        (await stack.db.incidents.listForOrder(connectionId, unpaid.id)).find(
          (i) => i.status === 'tasks_created',
        ),
      { what: 'the incident with its tasks', timeoutMs: 20_000 },
    );
    expect(incident.taskPerformerIds.sort()).toEqual([...tenant.errorGroup.activeUserIds].sort());
    // The second refund trigger's job and any task job have run before counting again.
    await stack.queueIdle('order-refund');
    await stack.queueIdle('crm-tasks');
    expect(stack.sandbox.lifepos.sale(tenant.orgId, sale.guid).refunds).toHaveLength(1);
    const tasks = stack.sandbox.retailcrm
      .tasks(tenant.accountCode)
      .filter((task) => (task.order as { id?: number } | undefined)?.id === unpaid.id);
    expect(tasks).toHaveLength(tenant.errorGroup.activeUserIds.length);
  });
});

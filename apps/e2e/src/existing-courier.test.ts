// Couriers who already are LIFE POS employees, end to end: a shop that used LIFE POS before the connector
// has them, so their orders must still reach LIFE POS — on the existing employee, or, when the phone is the
// owner's, on the connection's own employee with one incident for the courier.

import { courierMeta, saleMetaFor } from '@connector/domain';
import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Stack, startStack } from './stack.js';

describe('couriers who already are LIFE POS employees', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const saleOf = (orgId: string, orderId: number) =>
    waitFor(
      () => {
        const found = stack.sandbox.lifepos
          .sales(orgId)
          .filter(({ sale }) => sale.meta === saleMetaFor(orderId));
        return found.length === 1 ? found[0]!.sale : undefined;
      },
      { what: `the sale of order ${orderId} in LIFE POS`, timeoutMs: 20_000 },
    );

  it("opens the sale on the existing employee's workplace, creating no second employee", async () => {
    const { tenant, connectionId } = await stack.seed({
      couriers: [{ id: 61, firstName: 'Олег', lastName: 'Давний', phone: { number: '+7 916 555-00-61' } }],
      lifepos: { employees: [{ name: 'Олег (курьер с 2024)', username: 'oleg', phone: '89165550061' }] },
    });
    const existing = tenant.lifepos.employees[0]!;
    const order = tenant.createOrder({ store: tenant.stores[0]!.code, courier: 61 });

    stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);

    const sale = await saleOf(tenant.orgId, order.id);
    expect(sale.opened_by.guid).toBe(existing.guid);
    const link = await stack.db.courierLinks.get(connectionId, 61);
    expect(link).toMatchObject({ lifeposEmployeeId: existing.guid });
    expect(sale.workplace?.guid).toBe(link?.lifeposWorkplaceId);
    const workplace = stack.sandbox.lifepos
      .workplaces(tenant.orgId)
      .find((w) => w.guid === sale.workplace?.guid);
    expect(workplace).toMatchObject({ workplace_type: 'Mobile', meta: courierMeta(61) });
    const withPhone = stack.sandbox.lifepos
      .employees(tenant.orgId)
      .filter((e) => e.phone.endsWith('5550061'));
    expect(withPhone.map((e) => e.guid)).toEqual([existing.guid]);
  });

  it("exports the orders of a courier with the owner's phone on the connection's own employee, with one incident", async () => {
    const { tenant, connectionId } = await stack.seed({
      lifepos: { phone: '79035550062' },
      couriers: [
        { id: 62, firstName: 'Анна', lastName: 'Владелица', phone: { number: '8 (903) 555-00-62' } },
      ],
    });
    const store = tenant.stores[0]!.code;
    const orders = [1, 2].map(() => tenant.createOrder({ store, courier: 62 }));

    const sales = [];
    for (const order of orders) {
      stack.sandbox.retailcrm.setOrderStatus(tenant.accountCode, order.id, tenant.statuses.send);
      sales.push(await saleOf(tenant.orgId, order.id));
    }

    // The connection signs in as the owner: that is its own employee, and no courier workplace is used.
    for (const sale of sales) {
      expect(sale.opened_by.guid).toBe(tenant.lifepos.ownerId);
      expect(sale.workplace?.guid ?? null).toBeNull();
    }
    const incident = await waitFor(
      async () => {
        const found = await stack.db.incidents.find(connectionId, 'sync:courier:62:sync.courier_phone_taken');
        return found?.status === 'tasks_created' ? found : undefined;
      },
      { what: 'the incident of the courier with its tasks', timeoutMs: 20_000 },
    );
    expect(incident.cause).toMatch(/владельцу организации.*Укажите курьеру в RetailCRM/s);
    expect(incident.cause).toContain(`заказ ${orders[0]!.number}`);
    for (const order of orders) {
      expect(await stack.db.incidents.listForOrder(connectionId, order.id)).toEqual([]);
    }
    // One task per member of the error group, for both orders together.
    const tasks = stack.sandbox.retailcrm.tasks(tenant.accountCode);
    expect(tasks).toHaveLength(tenant.errorGroup.activeUserIds.length);
    expect(await stack.db.courierLinks.get(connectionId, 62)).toBeNull();
  });
});

import { describe, expect, it } from '@jest/globals';
import { useTestTenants } from '../test-support/test-tenants.js';
import { asUniqueViolation, UniqueViolationError } from '../unique-violation.js';

const tenants = useTestTenants();
const tenant = () => tenants.tenant();

describe('order links', () => {
  it('allows one link per (connection, RetailCRM order)', async () => {
    const connectionId = await tenant();
    await tenants.db.prisma.orderLink.create({
      data: { connectionId, retailcrmOrderId: 7, state: 'exported' },
    });

    const error = await tenants.db.prisma.orderLink
      .create({ data: { connectionId, retailcrmOrderId: 7, state: 'failed' } })
      .catch((caught: unknown) => caught);

    expect(asUniqueViolation(error)).toMatchObject({
      model: 'OrderLink',
      fields: ['connectionId', 'retailcrmOrderId'],
    });
    // The same order id of another tenant is another order.
    const other = await tenant();
    await expect(
      tenants.db.prisma.orderLink.create({
        data: { connectionId: other, retailcrmOrderId: 7, state: 'exported' },
      }),
    ).resolves.toMatchObject({ retailcrmOrderId: 7 });
  });

  it('upserts: creates, then updates the given fields and keeps the rest', async () => {
    const connectionId = await tenant();
    const created = await tenants.db.orderLinks.upsert(connectionId, 101, {
      state: 'exported',
      retailcrmOrderNumber: '101A',
      lifeposSaleId: 'sale-1',
      lifeposOutletId: 'outlet-1',
      lifeposSaleNumber: '0001',
    });
    const moved = await tenants.db.orderLinks.upsert(connectionId, 101, {
      state: 'exported',
      lifeposOutletId: 'outlet-2',
    });

    expect(moved).toMatchObject({
      id: created.id,
      retailcrmOrderNumber: '101A',
      lifeposSaleId: 'sale-1',
      lifeposOutletId: 'outlet-2',
      state: 'exported',
    });
    expect(moved.lastSyncedAt.getTime()).toBeGreaterThanOrEqual(created.lastSyncedAt.getTime());
    expect(await tenants.db.orderLinks.get(connectionId, 101)).toEqual(moved);
    expect(await tenants.db.orderLinks.findBySaleId(connectionId, 'sale-1')).toEqual(moved);
    expect(await tenants.db.orderLinks.get(connectionId, 999)).toBeNull();
  });

  it('links a LIFE POS sale to one order of a tenant only', async () => {
    const connectionId = await tenant();
    await tenants.db.orderLinks.upsert(connectionId, 1, { state: 'exported', lifeposSaleId: 'sale-x' });

    await expect(
      tenants.db.orderLinks.upsert(connectionId, 2, { state: 'exported', lifeposSaleId: 'sale-x' }),
    ).rejects.toBeInstanceOf(UniqueViolationError);
    // Orders without a sale yet do not collide with each other.
    await tenants.db.orderLinks.upsert(connectionId, 3, { state: 'failed' });
    await tenants.db.orderLinks.upsert(connectionId, 4, { state: 'failed' });
    const other = await tenant();
    await expect(
      tenants.db.orderLinks.upsert(other, 1, { state: 'exported', lifeposSaleId: 'sale-x' }),
    ).resolves.toMatchObject({ lifeposSaleId: 'sale-x' });
  });

  it('lists links by state, a page at a time', async () => {
    const connectionId = await tenant();
    for (const [orderId, state] of [
      [5, 'exported'],
      [1, 'exported'],
      [3, 'cancelled'],
      [4, 'exported'],
      [2, 'refunded'],
    ] as const)
      await tenants.db.orderLinks.upsert(connectionId, orderId, { state });

    const first = await tenants.db.orderLinks.listByState(connectionId, ['exported', 'refunded'], {
      limit: 2,
    });
    const second = await tenants.db.orderLinks.listByState(connectionId, ['exported', 'refunded'], {
      limit: 2,
      afterOrderId: first.at(-1)?.retailcrmOrderId as number,
    });
    expect(first.map((link) => link.retailcrmOrderId)).toEqual([1, 2]);
    expect(second.map((link) => link.retailcrmOrderId)).toEqual([4, 5]);
  });

  it('reads the links of a page of orders at once, only the tenant’s', async () => {
    const connectionId = await tenant();
    const other = await tenant();
    await tenants.db.orderLinks.upsert(connectionId, 10, { state: 'exported' });
    await tenants.db.orderLinks.upsert(connectionId, 11, { state: 'cancelled' });
    await tenants.db.orderLinks.upsert(other, 12, { state: 'exported' });

    const links = await tenants.db.orderLinks.listForOrders(connectionId, [10, 11, 12, 13]);
    expect(links.map((link) => [link.retailcrmOrderId, link.state]).sort()).toEqual([
      [10, 'exported'],
      [11, 'cancelled'],
    ]);
    expect(await tenants.db.orderLinks.listForOrders(connectionId, [])).toEqual([]);
  });
});

describe('payment links', () => {
  const key = (connectionId: string, part: 'cash' | 'card' = 'cash') => ({
    connectionId,
    lifeposPaymentId: 'payment-1',
    part,
  });

  it('allows one link per (connection, LIFE POS payment, part)', async () => {
    const connectionId = await tenant();
    const data = { ...key(connectionId), retailcrmOrderId: 1, amountKopecks: 100n };
    await tenants.db.prisma.paymentLink.create({ data });

    const error = await tenants.db.prisma.paymentLink.create({ data }).catch((caught: unknown) => caught);
    expect(asUniqueViolation(error)).toMatchObject({
      model: 'PaymentLink',
      fields: ['connectionId', 'lifeposPaymentId', 'part'],
    });
    // The card part of the same payment document is a payment of its own.
    await expect(
      tenants.db.prisma.paymentLink.create({ data: { ...data, part: 'card' } }),
    ).resolves.toBeDefined();
  });

  it('ensures a link: created once, found afterwards', async () => {
    const connectionId = await tenant();
    const first = await tenants.db.paymentLinks.ensure(key(connectionId), {
      retailcrmOrderId: 10,
      amountKopecks: 12_345,
    });
    const second = await tenants.db.paymentLinks.ensure(key(connectionId), {
      retailcrmOrderId: 10,
      amountKopecks: 12_345,
    });

    expect(first.created).toBe(true);
    expect(first.link).toMatchObject({ status: 'pending', retailcrmPaymentId: null, amountKopecks: 12_345 });
    expect(second).toEqual({ link: first.link, created: false });
  });

  it('gives created:true to exactly one of many racing callers', async () => {
    const connectionId = await tenant();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        tenants.db.paymentLinks.ensure(key(connectionId, 'card'), {
          retailcrmOrderId: 11,
          amountKopecks: 500,
        }),
      ),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.link.id)).size).toBe(1);
  });

  it('records the RetailCRM payment and keeps amounts beyond 32 bits exact', async () => {
    const connectionId = await tenant();
    const big = 300_000_000_007; // 3 000 000 000.07 rubles
    await tenants.db.paymentLinks.ensure(key(connectionId), { retailcrmOrderId: 12, amountKopecks: big });
    await tenants.db.paymentLinks.ensure(key(connectionId, 'card'), {
      retailcrmOrderId: 12,
      amountKopecks: 1,
    });

    const paid = await tenants.db.paymentLinks.update(key(connectionId), {
      retailcrmPaymentId: 555,
      status: 'paid',
    });
    expect(paid).toMatchObject({ retailcrmPaymentId: 555, status: 'paid', amountKopecks: big });
    const links = await tenants.db.paymentLinks.listForOrder(connectionId, 12);
    expect(links.map((link) => [link.part, link.amountKopecks])).toEqual([
      ['cash', big],
      ['card', 1],
    ]);
    expect(await tenants.db.paymentLinks.get(key(connectionId, 'card'))).toMatchObject({ status: 'pending' });
    await expect(
      tenants.db.paymentLinks.ensure(key(connectionId), { retailcrmOrderId: 12, amountKopecks: 1.5 }),
    ).rejects.toThrow(RangeError);
  });
});

describe('outlet and courier links', () => {
  it('maps stores to outlets', async () => {
    const connectionId = await tenant();
    await tenants.db.outletLinks.upsert(connectionId, 'shop-1', {
      lifeposOutletId: 'outlet-1',
      legalEntityInn: '7707083893',
      name: 'Main shop',
      address: 'Moscow',
    });
    await tenants.db.outletLinks.upsert(connectionId, 'shop-2', {
      lifeposOutletId: 'outlet-1',
      legalEntityInn: '7707083893',
    });
    const moved = await tenants.db.outletLinks.upsert(connectionId, 'shop-1', {
      lifeposOutletId: 'outlet-9',
      legalEntityInn: '7707083893',
    });

    expect(moved).toMatchObject({ lifeposOutletId: 'outlet-9', name: 'Main shop', address: 'Moscow' });
    expect(
      (await tenants.db.outletLinks.findByOutletId(connectionId, 'outlet-1')).map(
        (l) => l.retailcrmStoreCode,
      ),
    ).toEqual(['shop-2']);
    expect((await tenants.db.outletLinks.list(connectionId)).map((l) => l.retailcrmStoreCode)).toEqual([
      'shop-1',
      'shop-2',
    ]);
    expect(await tenants.db.outletLinks.delete(connectionId, 'shop-2')).toBe(true);
    expect(await tenants.db.outletLinks.get(connectionId, 'shop-2')).toBeNull();
  });

  it('maps couriers to employees, the workplace added later', async () => {
    const connectionId = await tenant();
    await tenants.db.courierLinks.upsert(connectionId, 42, { lifeposEmployeeId: 'employee-1' });
    expect(await tenants.db.courierLinks.get(connectionId, 42)).toMatchObject({ lifeposWorkplaceId: null });

    await tenants.db.courierLinks.upsert(connectionId, 42, {
      lifeposEmployeeId: 'employee-1',
      lifeposWorkplaceId: 'wp-1',
    });
    await tenants.db.courierLinks.upsert(connectionId, 42, { lifeposEmployeeId: 'employee-1' });

    expect(await tenants.db.courierLinks.list(connectionId)).toEqual([
      expect.objectContaining({
        retailcrmCourierId: 42,
        lifeposEmployeeId: 'employee-1',
        lifeposWorkplaceId: 'wp-1',
      }),
    ]);
  });
});

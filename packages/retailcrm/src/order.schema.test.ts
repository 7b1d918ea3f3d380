import { describe, expect, it } from '@jest/globals';
import { historyEntrySchema, orderSchema } from './order.schema.js';

/**
 * GET /api/v5/orders/{id} fixture from the official PHP client tests (docs/RETAILCRM-API.md, «Order JSON»,
 * trimmed there).
 */
const fixtureOrder = {
  slug: 6722,
  id: 6722,
  number: '8123522898559160',
  externalId: '8123522898559160',
  orderMethod: 'shopping-cart',
  countryIso: 'RU',
  createdAt: '2020-12-29 17:35:08',
  statusUpdatedAt: '2020-12-31 15:09:31',
  summ: 1,
  currency: 'RUB',
  totalSumm: 1,
  prepaySum: 0,
  purchaseSumm: 0,
  firstName: 'Kovalenko',
  lastName: 'Pavel',
  call: false,
  expired: false,
  customer: { type: 'customer', id: 4976, externalId: 'ru1067815391', site: 'aliexpress', phones: [] },
  contragent: { contragentType: 'individual' },
  delivery: { cost: 0, netCost: 0, address: { index: '344065', countryIso: 'RU', city: 'Rostov-Na-Donu' } },
  site: 'aliexpress',
  status: 'delivering',
  items: [
    {
      id: 10114,
      initialPrice: 1,
      discountTotal: 0,
      prices: [{ price: 1, quantity: 1 }],
      discounts: [],
      createdAt: '2020-12-29 17:35:08',
      quantity: 1,
      status: 'new',
      offer: {
        id: 1867352,
        externalId: '1005001690749727',
        name: 'Test product',
        unit: { code: 'pc', name: 'Штука', sym: 'шт.' },
      },
      properties: [],
      purchasePrice: 0,
    },
  ],
  payments: {
    '4326': {
      id: 4326,
      type: 'bank-card',
      externalId: 'payment_8123522898559160',
      amount: 0,
      paidAt: '2020-12-29 17:35:12',
    },
  },
  fromApi: true,
  shipmentStore: 'main12',
  shipped: false,
  customFields: { galka: false },
};

describe('orderSchema', () => {
  it('decodes the official GET fixture into the clean shape', () => {
    const order = orderSchema.parse(fixtureOrder);
    expect(order).toMatchObject({
      id: 6722,
      number: '8123522898559160',
      site: 'aliexpress',
      status: 'delivering',
      statusUpdatedAt: '2020-12-31 15:09:31',
      orderMethod: 'shopping-cart',
      shipmentStore: 'main12',
      summ: 1,
      totalSumm: 1,
      customer: { type: 'customer', id: 4976, externalId: 'ru1067815391', phones: [] },
      delivery: { cost: 0, address: { city: 'Rostov-Na-Donu' } },
      customFields: { galka: false },
    });
    expect(order.items[0]).toMatchObject({
      id: 10114,
      quantity: 1,
      initialPrice: 1,
      discountTotal: 0,
      prices: [{ price: 1, quantity: 1 }],
      offer: { name: 'Test product', unit: { sym: 'шт.' } },
      properties: {},
    });
  });

  it('turns `payments` keyed by payment id (GET/list) into an array', () => {
    expect(orderSchema.parse(fixtureOrder).payments).toEqual([
      {
        id: 4326,
        type: 'bank-card',
        externalId: 'payment_8123522898559160',
        amount: 0,
        paidAt: '2020-12-29 17:35:12',
      },
    ]);
  });

  it('accepts `payments` as an array (create answers, history snapshots) with the same result', () => {
    const asArray = { ...fixtureOrder, payments: Object.values(fixtureOrder.payments) };
    expect(orderSchema.parse(asArray).payments).toEqual(orderSchema.parse(fixtureOrder).payments);
  });

  it('treats empty `payments` `{}` and `[]` (and absent) as no payments', () => {
    expect(orderSchema.parse({ ...fixtureOrder, payments: {} }).payments).toEqual([]);
    expect(orderSchema.parse({ ...fixtureOrder, payments: [] }).payments).toEqual([]);
    const { payments: _omit, ...withoutPayments } = fixtureOrder;
    expect(orderSchema.parse(withoutPayments).payments).toEqual([]);
  });

  it('turns empty `customFields: []` into an empty object, keeps real values of every kind', () => {
    expect(orderSchema.parse({ ...fixtureOrder, customFields: [] }).customFields).toEqual({});
    expect(
      orderSchema.parse({ ...fixtureOrder, customFields: { nps: 9, pos_receipt: 'A-1', tags: ['a', 'b'] } })
        .customFields,
    ).toEqual({ nps: 9, pos_receipt: 'A-1', tags: ['a', 'b'] });
  });

  it('reads the courier from `delivery.data`, and accepts `data: []` when there is none', () => {
    const withCourier = {
      ...fixtureOrder,
      delivery: {
        code: 'courier',
        cost: 300,
        date: '2026-05-01',
        time: { from: '09:00', to: '13:00' },
        address: { text: 'ул. Ленина, д. 1, кв. 2' },
        data: {
          courierId: 7,
          firstName: 'Иван',
          lastName: 'Петров',
          phone: { number: '+79990000000' },
          locked: false,
        },
      },
    };
    expect(orderSchema.parse(withCourier).delivery).toMatchObject({
      code: 'courier',
      cost: 300,
      time: { from: '09:00', to: '13:00' },
      address: { text: 'ул. Ленина, д. 1, кв. 2' },
      data: { courierId: 7, firstName: 'Иван', phone: { number: '+79990000000' }, locked: false },
    });
    const empty = orderSchema.parse({
      ...fixtureOrder,
      delivery: { code: 'self-delivery', data: [], address: [] },
    });
    expect(empty.delivery).toMatchObject({ code: 'self-delivery', data: {}, address: {} });
  });

  it('keeps unknown fields and ignores ones we do not model, so new API fields never break decoding', () => {
    const order = orderSchema.parse({ ...fixtureOrder, brandNewField: { x: 1 }, markingObjects: [{}] });
    expect(order.brandNewField).toEqual({ x: 1 });
    expect(order.contragent).toEqual({ contragentType: 'individual' });
  });

  it('accepts amounts and quantities sent as numeric strings, and a numeric order number', () => {
    const order = orderSchema.parse({
      ...fixtureOrder,
      number: 7141,
      totalSumm: '1530.5',
      items: [
        {
          id: 1,
          quantity: '2',
          initialPrice: '765.25',
          vatRate: 20,
          prices: [{ price: '765.25', quantity: 2 }],
        },
      ],
    });
    expect(order.number).toBe('7141');
    expect(order.totalSumm).toBe(1530.5);
    expect(order.items[0]).toMatchObject({
      quantity: 2,
      initialPrice: 765.25,
      vatRate: '20',
      discountTotal: 0,
    });
  });

  it('still rejects what the connector relies on being present', () => {
    const { status: _status, ...withoutStatus } = fixtureOrder;
    expect(orderSchema.safeParse(withoutStatus).success).toBe(false);
    expect(orderSchema.safeParse({ ...fixtureOrder, id: 'abc' }).success).toBe(false);
  });
});

describe('historyEntrySchema', () => {
  it('decodes a status change made by our own key and a payment entry', () => {
    const ownWrite = historyEntrySchema.parse({
      id: 29733,
      createdAt: '2021-02-25 20:41:38',
      source: 'api',
      apiKey: { current: true },
      field: 'status',
      oldValue: { code: 'new' },
      newValue: { code: 'assembling' },
      order: {
        id: 6722,
        externalId: '8123522898559160',
        managerId: 27,
        site: 'aliexpress',
        status: 'assembling',
      },
    });
    expect(ownWrite).toMatchObject({
      created: false,
      deleted: false,
      apiKey: { current: true },
      field: 'status',
    });
    const payment = historyEntrySchema.parse({
      id: 29734,
      createdAt: '2021-02-25 20:41:40',
      source: 'user',
      user: { id: 27 },
      field: 'payments',
      oldValue: null,
      newValue: { id: 1435, type: 'bank-card' },
      order: { id: 6722, site: 'aliexpress', status: 'assembling' },
      payment: { id: 1435, type: 'bank-card' },
    });
    expect(payment).toMatchObject({ user: { id: 27 }, newValue: { id: 1435 }, payment: { id: 1435 } });
  });

  it('keeps the full order snapshot of a creation entry', () => {
    const created = historyEntrySchema.parse({
      id: 1,
      created: true,
      source: 'api',
      field: 'status',
      oldValue: null,
      newValue: { code: 'new' },
      order: { ...fixtureOrder, payments: [] },
    });
    expect(created.created).toBe(true);
    expect(created.order).toMatchObject({ id: 6722, number: '8123522898559160', items: fixtureOrder.items });
  });
});

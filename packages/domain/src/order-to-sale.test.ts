import { describe, expect, it } from '@jest/globals';
import {
  type OrderInput,
  orderToSale,
  PermanentError,
  type SaleMappingContext,
  saleGuidFor,
  saleNumberFor,
} from './index.js';

const context: SaleMappingContext = {
  outletId: 'outlet-1',
  employeeId: 'employee-1',
  uomFor: (code) => (code === 'kg' ? 'uom-kg' : 'uom-pc'),
  deliveryTypeToOrderKind: { courier: 'delivery', 'self-delivery': 'pickup', hall: 'in_hall' },
  openedAt: '2026-11-29T10:00:00.000Z',
};

const order = (overrides: Partial<OrderInput> = {}): OrderInput => ({
  id: 6722,
  number: '7141C',
  site: 'shop',
  firstName: 'Иван',
  lastName: 'Петров',
  phone: '+7 999 000-11-22',
  totalSumm: 1239.8,
  items: [
    {
      id: 1,
      offer: { name: 'Пицца', unit: { code: 'pc' } },
      quantity: 2,
      initialPrice: 499.9,
      discountTotal: 50,
      vatRate: '20.00',
    },
    {
      id: 2,
      productName: 'Сыр',
      offer: { unit: { code: 'kg' } },
      quantity: 0.5,
      initialPrice: 200,
      vatRate: '10',
    },
  ],
  delivery: {
    code: 'courier',
    cost: 240,
    vatRate: 'none',
    date: '2026-11-30',
    time: { from: '10:00', to: '12:00' },
    address: { text: 'Москва, ул. Ленина, 1' },
  },
  ...overrides,
});

describe('orderToSale', () => {
  it('maps positions with final unit prices in kopecks, delivery as a service, and the total', () => {
    const sale = orderToSale(order(), context);
    expect(sale.positions).toEqual([
      expect.objectContaining({
        name: 'Пицца',
        priceKopecks: 44990,
        quantity: 2,
        tax: 'Tax20',
        uomGuid: 'uom-pc',
        totalKopecks: 89980,
      }),
      expect.objectContaining({
        name: 'Сыр',
        priceKopecks: 20000,
        quantity: 0.5,
        tax: 'Tax10',
        uomGuid: 'uom-kg',
        totalKopecks: 10000,
      }),
      expect.objectContaining({
        goodType: 'Service',
        name: 'Доставка',
        priceKopecks: 24000,
        tax: 'TaxFree',
      }),
    ]);
    expect(sale.totalKopecks).toBe(123980);
    expect(sale.number).toBe('7141C');
    expect(sale.meta).toBe('retailcrm-order:6722');
    expect(sale.metaData).toEqual({
      retailcrm_order_id: 6722,
      retailcrm_order_number: '7141C',
      retailcrm_site: 'shop',
      order_kind: 'delivery',
    });
    expect(sale.outletGuid).toBe('outlet-1');
    expect(sale.openedByGuid).toBe('employee-1');
    expect(sale).not.toHaveProperty('workplaceGuid');
  });

  it('writes customer, address and delivery time into the comment', () => {
    const { comment } = orderToSale(order({ customerComment: 'Позвонить заранее' }), context);
    expect(comment).toContain('Доставка, заказ RetailCRM 7141C');
    expect(comment).toContain('Клиент: Петров Иван, +7 999 000-11-22');
    expect(comment).toContain('Адрес: Москва, ул. Ленина, 1');
    expect(comment).toContain('Доставка: 2026-11-30 с 10:00 до 12:00');
    expect(comment).toContain('Комментарий: Позвонить заранее');
  });

  it.each([
    ['self-delivery', 'pickup'],
    ['hall', 'in_hall'],
    ['unknown-type', 'delivery'],
  ] as const)('delivery type %s → kind %s', (code, kind) => {
    const sale = orderToSale(order({ delivery: { code, cost: 0 }, totalSumm: 999.8 }), context);
    expect(sale.metaData?.order_kind).toBe(kind);
    expect(sale.positions.some((p) => p.goodType === 'Service')).toBe(false);
  });

  it('uses price groups when RetailCRM split an item by price', () => {
    const sale = orderToSale(
      order({
        totalSumm: 250,
        delivery: null,
        items: [
          {
            id: 3,
            productName: 'Кофе',
            quantity: 3,
            initialPrice: 100,
            prices: [
              { price: 100, quantity: 2 },
              { price: 50, quantity: 1 },
            ],
            vatRate: 'none',
          },
        ],
      }),
      context,
    );
    expect(sale.positions.map((p) => [p.priceKopecks, p.quantity])).toEqual([
      [10000, 2],
      [5000, 1],
    ]);
  });

  it('is exact where floats drift (0.1 + 0.2)', () => {
    const sale = orderToSale(
      order({
        totalSumm: 0.3,
        delivery: null,
        items: [
          { id: 1, productName: 'a', quantity: 1, initialPrice: 0.1, vatRate: 'none' },
          { id: 2, productName: 'b', quantity: 1, initialPrice: 0.2, vatRate: 'none' },
        ],
      }),
      context,
    );
    expect(sale.totalKopecks).toBe(30);
  });

  it('skips cancelled items and opens on the courier workplace when given', () => {
    const sale = orderToSale(
      order({
        totalSumm: 200,
        delivery: null,
        items: [
          { id: 1, productName: 'kept', quantity: 1, initialPrice: 200, vatRate: 'none' },
          { id: 2, productName: 'gone', quantity: 1, initialPrice: 999, vatRate: 'none', isCanceled: true },
        ],
      }),
      { ...context, employeeId: 'courier-1', workplaceId: 'wp-1' },
    );
    expect(sale.positions.map((p) => p.name)).toEqual(['kept']);
    expect(sale.workplaceGuid).toBe('wp-1');
    expect(sale.openedByGuid).toBe('courier-1');
  });

  it.each([
    ['a total that does not match', { totalSumm: 1 }, 'mapping.total'],
    [
      'an unmapped VAT rate',
      {
        items: [{ id: 1, productName: 'x', quantity: 1, initialPrice: 1, vatRate: '22' }],
        totalSumm: 1,
        delivery: null,
      },
      'mapping.vat',
    ],
    ['no items', { items: [], delivery: null, totalSumm: 0 }, 'mapping.empty'],
    [
      'a zero quantity',
      {
        items: [{ id: 1, productName: 'x', quantity: 0, initialPrice: 1, vatRate: 'none' }],
        totalSumm: 0,
        delivery: null,
      },
      'mapping.quantity',
    ],
  ] as const)('refuses %s permanently, with a message for people', (_label, overrides, code) => {
    let thrown: unknown;
    try {
      orderToSale(order(overrides as Partial<OrderInput>), context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PermanentError);
    expect((thrown as PermanentError).code).toBe(code);
    expect((thrown as PermanentError).userMessage).toMatch(/7141C/);
  });
});

describe('saleNumberFor', () => {
  it.each([
    [{ id: 1, number: '7141C' }, 1, '7141C'],
    [{ id: 1, number: '7141C' }, 2, '7141C-2'],
    [{ id: 99, number: 'X'.repeat(40) }, 1, '99'],
    [{ id: 99, number: 'X'.repeat(35) }, 3, '99-3'],
    [{ id: 5, number: '  ' }, 1, '5'],
  ])('%o attempt %i → %s', (input, attempt, expected) => {
    expect(saleNumberFor(input, attempt)).toBe(expected);
  });
});

describe('saleGuidFor', () => {
  const account = { retailcrmUrl: 'https://shop.retailcrm.ru', lifeposOrgId: 'org-1' };

  it('names the RetailCRM account and the LIFE POS organization, not the connection row', () => {
    const guid = saleGuidFor(account, 6722, 1);
    expect(guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // A connection created again for the same account (the URL typed differently) makes the same guids.
    expect(saleGuidFor({ ...account, retailcrmUrl: 'https://SHOP.retailcrm.ru/' }, 6722, 1)).toBe(guid);
  });

  it('differs by order, export attempt, account and organization', () => {
    const guid = saleGuidFor(account, 6722, 1);
    expect(
      new Set([
        guid,
        saleGuidFor(account, 6723, 1),
        saleGuidFor(account, 6722, 2),
        saleGuidFor({ ...account, retailcrmUrl: 'https://other.retailcrm.ru' }, 6722, 1),
        saleGuidFor({ ...account, lifeposOrgId: 'org-2' }, 6722, 1),
      ]).size,
    ).toBe(5);
  });
});

// Gap ids (G-n) in the test names are those of docs/LIFEPOS-API.md.
import { rublesToKopecks } from '@connector/domain';
import { describe, expect, it } from '@jest/globals';
import { moneyCodec } from './money.js';
import { encodeSaleCreate, toSale, wireSaleSchema } from './sale.js';
import { UnexpectedResponseError } from './unexpected-response.js';
import { listEnvelopeSchema, toPage } from './wire.js';

const kopecks = moneyCodec('kopecks');

/** A sale as GET /orgs/:org/deals/sales/:deal?presentation=full returns it (R18 schema + common tail). */
function saleJson(overrides: Record<string, unknown> = {}) {
  return {
    guid: '5b7e0c7a-1f0e-4a3c-9e0a-0c1d2e3f4a5b',
    type_of: 'Sale',
    number: '10234A',
    state: 'InProgress',
    payment_status: 'PartiallyPaid',
    shipping_status: 'NotShipped',
    outlet: { guid: '0e8a1c55-3a4b-4c5d-8e9f-0a1b2c3d4e5f', type_of: 'Outlet', name: 'Склад на Ленина' },
    workplace: { guid: '9a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9', type_of: 'Workplace' },
    opened_by: { guid: '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5', type_of: 'Employee', name: 'Иван Курьеров' },
    opened_at: '2026-02-14T09:30:00+03:00',
    comment: 'Позвонить за час',
    total_sum: { value: 123456, currency: 'RUB', type_of: 'Money' },
    positions: [
      {
        good_type: 'Product',
        name: 'Кофе в зёрнах 1 кг',
        uom: { guid: '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910', type_of: 'Uom', name: 'шт' },
        tax: 'Tax20',
        sale_price: { value: 99990, currency: 'RUB', type_of: 'Money' },
        quantity: 1,
        total_sum: { value: 99990, currency: 'RUB', type_of: 'Money' },
        origin_country: 'RUS',
        is_markable: false,
      },
      {
        good_type: 'Product',
        name: 'Сыр весовой',
        uom: { guid: '2a3b4c5d-6e7f-4081-9203-a4b5c6d7e8f9', type_of: 'Uom' },
        tax: 'Tax10',
        sale_price: { value: 78000, currency: 'RUB', type_of: 'Money' },
        quantity: '0.301',
        total_sum: { value: 23478, currency: 'RUB', type_of: 'Money' },
      },
    ],
    custom_properties: { delivery_slot: '12-14' },
    deal_permissions: { can_be_edited: true },
    meta: 'retailcrm:order:4711',
    meta_data: { retailcrm_order_id: 4711 },
    created_at: '2026-02-14T06:30:01.123Z',
    updated_at: '2026-02-14T07:02:11.000Z',
    deleted_at: null,
    some_future_field: { nested: [1, 2, 3] },
    ...overrides,
  };
}

describe('sale decoding', () => {
  it('decodes a full sale into clean types with kopeck money, ignoring unknown fields', () => {
    const sale = toSale(wireSaleSchema.parse(saleJson()), kopecks);
    expect(sale).toMatchObject({
      guid: '5b7e0c7a-1f0e-4a3c-9e0a-0c1d2e3f4a5b',
      number: '10234A',
      state: 'InProgress',
      paymentStatus: 'PartiallyPaid',
      shippingStatus: 'NotShipped',
      outlet: { guid: '0e8a1c55-3a4b-4c5d-8e9f-0a1b2c3d4e5f', name: 'Склад на Ленина' },
      openedBy: { guid: '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5', name: 'Иван Курьеров' },
      openedAt: '2026-02-14T09:30:00+03:00',
      comment: 'Позвонить за час',
      totalKopecks: 123456,
      meta: 'retailcrm:order:4711',
      metaData: { retailcrm_order_id: 4711 },
      createdAt: '2026-02-14T06:30:01.123Z',
      archived: false,
    });
    expect(sale.positions).toEqual([
      {
        guid: null,
        name: 'Кофе в зёрнах 1 кг',
        quantity: 1,
        priceKopecks: 99990,
        totalKopecks: 99990,
        uom: { guid: '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910', name: 'шт' },
        tax: 'Tax20',
        goodType: 'Product',
        barcode: null,
        isMarkable: false,
      },
      expect.objectContaining({
        name: 'Сыр весовой',
        quantity: 0.301,
        priceKopecks: 78000,
        totalKopecks: 23478,
      }),
    ]);
  });

  it('accepts `id` where `guid` is expected, a numeric number and null positions; archived = deleted_at set', () => {
    const { guid: _guid, ...withoutGuid } = saleJson();
    const sale = toSale(
      wireSaleSchema.parse({
        ...withoutGuid,
        id: 'abc-123',
        number: 10234,
        positions: null,
        deleted_at: '2026-02-15T00:00:00Z',
      }),
      kopecks,
    );
    expect(sale.guid).toBe('abc-123');
    expect(sale.number).toBe('10234');
    expect(sale.positions).toEqual([]);
    expect(sale.archived).toBe(true);
  });

  it('reads the guide’s shipping names Refunded/PartiallyRefunded as Returned/PartiallyReturned (gap G-6)', () => {
    expect(
      toSale(wireSaleSchema.parse(saleJson({ shipping_status: 'Refunded' })), kopecks).shippingStatus,
    ).toBe('Returned');
    expect(
      toSale(wireSaleSchema.parse(saleJson({ shipping_status: 'PartiallyRefunded' })), kopecks)
        .shippingStatus,
    ).toBe('PartiallyReturned');
  });

  it('refuses a sale whose status fields are missing or unknown rather than guessing', () => {
    const { state: _state, ...withoutState } = saleJson();
    expect(wireSaleSchema.safeParse(withoutState).success).toBe(false);
    expect(wireSaleSchema.safeParse(saleJson({ state: 'Opened' })).success).toBe(false);
    expect(wireSaleSchema.safeParse(saleJson({ payment_status: 'Unknown' })).success).toBe(false);
  });

  it('refuses fractional kopecks (a wrong money-unit assumption must not pass silently)', () => {
    const wire = wireSaleSchema.parse(saleJson({ total_sum: { value: 1234.56, currency: 'RUB' } }));
    expect(() => toSale(wire, kopecks)).toThrow(UnexpectedResponseError);
    expect(() => toSale(wire, kopecks)).toThrow(/total_sum.*moneyUnit/);
    // The same body read with moneyUnit 'rubles' is exact.
    expect(toSale(wire, moneyCodec('rubles')).totalKopecks).toBe(123456);
  });
});

describe('list envelope', () => {
  const envelope = listEnvelopeSchema(wireSaleSchema);

  it('maps items and next_page_token, with unknown envelope fields ignored', () => {
    const page = toPage(
      envelope.parse({
        items: [saleJson()],
        next_page_token: 'eyJvZmZzZXQiOjUwfQ==',
        page_number: 1,
        pages_total: 3,
        items_per_page: 50,
        items_total: 120,
        type_of: 'SaleList',
      }),
      (wire) => toSale(wire, kopecks),
    );
    expect(page.items.map((sale) => sale.number)).toEqual(['10234A']);
    expect(page.nextPageToken).toBe('eyJvZmZzZXQiOjUwfQ==');
    expect(page.itemsTotal).toBe(120);
  });

  it('treats items: null and an empty or null token as the last, empty page', () => {
    for (const token of ['', null, undefined]) {
      const page = toPage(envelope.parse({ items: null, next_page_token: token }), (wire) =>
        toSale(wire, kopecks),
      );
      expect(page).toEqual({ items: [], nextPageToken: undefined, itemsTotal: undefined });
    }
  });

  it('accepts a bare array as one page', () => {
    const page = toPage(envelope.parse([saleJson()]), (wire) => toSale(wire, kopecks));
    expect(page.items).toHaveLength(1);
    expect(page.nextPageToken).toBeUndefined();
  });
});

describe('sale create encoding', () => {
  it('encodes references, ISO dates and integer kopecks, omits unset fields, lets named fields win over extra', () => {
    const body = encodeSaleCreate(
      {
        guid: 'c0ffee00-0000-4000-8000-000000004711',
        number: '4711A',
        outletGuid: 'outlet-1',
        openedByGuid: 'employee-1',
        openedAt: new Date('2026-02-14T06:30:00.000Z'),
        comment: 'Домофон 12',
        totalKopecks: rublesToKopecks(0.1 + 0.2),
        positions: [
          {
            name: 'Пакет',
            quantity: 1,
            priceKopecks: rublesToKopecks('0.30'),
            uomGuid: 'uom-1',
            tax: 'Tax20',
          },
        ],
        meta: 'retailcrm:order:4711',
        extra: { customer: { name: 'Анна' }, number: 'ignored' },
      },
      kopecks,
    );
    expect(body).toEqual({
      customer: { name: 'Анна' },
      guid: 'c0ffee00-0000-4000-8000-000000004711',
      number: '4711A',
      outlet: { guid: 'outlet-1' },
      opened_by: { guid: 'employee-1' },
      opened_at: '2026-02-14T06:30:00.000Z',
      comment: 'Домофон 12',
      total_sum: { value: 30, currency: 'RUB' },
      positions: [
        {
          name: 'Пакет',
          quantity: 1,
          sale_price: { value: 30, currency: 'RUB' },
          uom: { guid: 'uom-1' },
          tax: 'Tax20',
        },
      ],
      meta: 'retailcrm:order:4711',
    });
  });

  it('refuses amounts that are not whole kopecks', () => {
    expect(() =>
      encodeSaleCreate(
        {
          number: '1',
          outletGuid: 'o',
          openedByGuid: 'e',
          openedAt: '2026-01-01T00:00:00Z',
          totalKopecks: (0.1 + 0.2) * 100,
          positions: [],
        },
        kopecks,
      ),
    ).toThrow(RangeError);
  });
});

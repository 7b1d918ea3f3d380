import { describe, expect, it } from '@jest/globals';
import { decideExport, type ExportDecision, type SaleFacts, saleMetaFor } from './index.js';

const order = { id: 6722, number: '7141C' };
const META = saleMetaFor(order.id);

const sale = (overrides: Partial<SaleFacts> = {}): SaleFacts => ({
  guid: 'sale-1',
  number: '7141C',
  state: 'New',
  paymentStatus: 'NotPaid',
  shippingStatus: 'NotShipped',
  archived: false,
  outlet: { guid: 'outlet-a' },
  meta: META,
  ...overrides,
});

describe('decideExport', () => {
  const cases: Array<{
    name: string;
    sales: SaleFacts[];
    linkedSaleId?: string;
    target?: string;
    expected: Partial<ExportDecision> & { action: ExportDecision['action'] };
  }> = [
    { name: 'no sale anywhere → first export', sales: [], expected: { action: 'create', attempt: 1 } },
    {
      name: 'linked living sale in the same outlet → keep',
      sales: [sale()],
      linkedSaleId: 'sale-1',
      expected: { action: 'keep' },
    },
    {
      name: 'linked living sale, shop changed → move',
      sales: [sale()],
      linkedSaleId: 'sale-1',
      target: 'outlet-b',
      expected: { action: 'move', fromOutletId: 'outlet-a', toOutletId: 'outlet-b' },
    },
    {
      name: 'paid sale (alive) in the same outlet → keep, contents are never rewritten',
      sales: [sale({ state: 'InProgress', paymentStatus: 'Paid' })],
      linkedSaleId: 'sale-1',
      expected: { action: 'keep' },
    },
    {
      name: 'unlinked sale found by meta (crash between create and link) → keep',
      sales: [sale()],
      expected: { action: 'keep' },
    },
    {
      name: 'archived linked sale (erroneous cancel) → re-export with the next attempt',
      sales: [sale({ archived: true })],
      linkedSaleId: 'sale-1',
      expected: { action: 'create', attempt: 2 },
    },
    {
      name: 'cancelled sale → re-export',
      sales: [sale({ state: 'Cancelled' })],
      linkedSaleId: 'sale-1',
      expected: { action: 'create', attempt: 2 },
    },
    {
      name: 'second re-export counts past every dead sale',
      sales: [sale({ archived: true }), sale({ guid: 'sale-2', number: '7141C-2', archived: true })],
      linkedSaleId: 'sale-2',
      expected: { action: 'create', attempt: 3 },
    },
    {
      name: 'dead linked sale and a living unlinked re-export (crash) → keep the living one',
      sales: [
        sale({ archived: true }),
        sale({ guid: 'sale-2', number: '7141C-2', outlet: { guid: 'outlet-b' } }),
      ],
      linkedSaleId: 'sale-1',
      target: 'outlet-b',
      expected: { action: 'keep' },
    },
    {
      name: 'a sale of another order found by the free-text search is not this order’s',
      sales: [sale({ guid: 'other', meta: saleMetaFor(67221) })],
      expected: { action: 'create', attempt: 1 },
    },
    {
      name: 'a sale without an outlet moves to the target',
      sales: [sale({ outlet: null })],
      linkedSaleId: 'sale-1',
      expected: { action: 'move', fromOutletId: null, toOutletId: 'outlet-a' },
    },
  ];

  it.each(cases)('$name', ({ sales, linkedSaleId, target, expected }) => {
    const decision = decideExport({
      order,
      sales,
      linkedSaleId,
      targetOutletId: target ?? 'outlet-a',
    });
    expect(decision).toMatchObject(expected);
  });

  it('keeps the linked sale when several living sales carry the meta', () => {
    const decision = decideExport({
      order,
      sales: [sale({ guid: 'newer', number: '7141C-2' }), sale({ guid: 'linked' })],
      linkedSaleId: 'linked',
      targetOutletId: 'outlet-a',
    });
    expect(decision).toMatchObject({ action: 'keep', sale: { guid: 'linked' } });
  });

  it('names the dead sale a re-export replaces', () => {
    const dead = sale({ archived: true });
    expect(decideExport({ order, sales: [dead], linkedSaleId: 'sale-1', targetOutletId: 'x' })).toEqual({
      action: 'create',
      attempt: 2,
      replaces: dead,
    });
  });
});

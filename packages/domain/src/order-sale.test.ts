import { describe, expect, it } from '@jest/globals';
import { currentSaleOf, exportAttemptOf, type SaleFacts, saleMetaFor, salesOfOrder } from './index.js';

const order = { id: 6722, number: '7141C' };

const sale = (overrides: Partial<SaleFacts> = {}): SaleFacts => ({
  guid: 'sale-1',
  number: '7141C',
  state: 'New',
  paymentStatus: 'NotPaid',
  shippingStatus: 'NotShipped',
  archived: false,
  outlet: { guid: 'outlet-a' },
  meta: saleMetaFor(order.id),
  ...overrides,
});

describe('exportAttemptOf', () => {
  it.each([
    ['7141C', 1],
    ['7141C-2', 2],
    ['7141C-17', 17],
    ['6722-3', 3],
    ['6722', 1],
    ['OTHER-4', 1],
    ['7141C-', 1],
  ])('%s → attempt %i', (number, attempt) => {
    expect(exportAttemptOf(order, number)).toBe(attempt);
  });

  it('reads an order number that itself ends in -N as the first attempt', () => {
    expect(exportAttemptOf({ id: 5, number: '5-2' }, '5-2')).toBe(1);
    expect(exportAttemptOf({ id: 5, number: '5-2' }, '5-2-3')).toBe(3);
    expect(exportAttemptOf({ id: 9, number: 'A-2' }, 'A-2')).toBe(1);
  });
});

describe('salesOfOrder', () => {
  it('keeps the linked sale and exact meta matches, once each', () => {
    const linked = sale({ guid: 'linked', meta: null });
    const byMeta = sale({ guid: 'by-meta' });
    const other = sale({ guid: 'other', meta: saleMetaFor(67_220) });
    expect(salesOfOrder(order, [linked, byMeta, other, byMeta], 'linked')).toEqual([linked, byMeta]);
  });
});

describe('currentSaleOf', () => {
  it.each<[string, SaleFacts[], string | undefined, string | undefined]>([
    ['none', [], undefined, undefined],
    ['the linked living sale', [sale({ guid: 'a', number: '7141C-2' }), sale({ guid: 'b' })], 'b', 'b'],
    [
      'the latest living sale when the link is dead',
      [sale({ guid: 'a', archived: true }), sale({ guid: 'b', number: '7141C-2' })],
      'a',
      'b',
    ],
    [
      'the latest living sale without a link',
      [sale({ guid: 'a' }), sale({ guid: 'b', number: '7141C-3' })],
      undefined,
      'b',
    ],
    [
      'the linked dead sale when none lives',
      [sale({ guid: 'a', state: 'Cancelled' }), sale({ guid: 'b', number: '7141C-2', archived: true })],
      'a',
      'a',
    ],
    [
      'the latest dead sale without a link',
      [sale({ guid: 'a', archived: true }), sale({ guid: 'b', number: '7141C-2', archived: true })],
      undefined,
      'b',
    ],
    ['not a sale of another order', [sale({ guid: 'x', meta: saleMetaFor(1) })], undefined, undefined],
  ])('%s', (_name, candidates, linked, expected) => {
    expect(currentSaleOf(order, candidates, linked)?.guid).toBe(expected);
  });
});

import { describe, expect, it } from '@jest/globals';
import {
  decideSaleStateWriteBack,
  orderIdOfSaleMeta,
  type SaleState,
  type SaleStateWriteBack,
  type SaleStateWriteBackInput,
  saleMetaFor,
} from './index.js';

const mapping = { Completed: 'complete', Cancelled: 'cancel-other' };

const input = (
  state: SaleState,
  overrides: Partial<Omit<SaleStateWriteBackInput, 'sale'>> & { archived?: boolean } = {},
): SaleStateWriteBackInput => ({
  sale: { state, archived: overrides.archived ?? false },
  mapping,
  orderStatus: 'send-to-assembling',
  statusSettings: { cancelStatuses: ['no-call', 'cancel-other'], deleteStatuses: ['erroneous-cancel'] },
  isOrderSale: true,
  handledStates: [],
  ...overrides,
});

describe('decideSaleStateWriteBack', () => {
  it.each<[string, SaleStateWriteBackInput, SaleStateWriteBack]>([
    [
      'Completed → the mapped status',
      input('Completed'),
      { outcome: 'set', status: 'complete', record: true },
    ],
    [
      'Cancelled → the mapped status',
      input('Cancelled'),
      { outcome: 'set', status: 'cancel-other', record: true },
    ],
    [
      'order already in the mapped status → not written again, noted once',
      input('Completed', { orderStatus: 'complete' }),
      { outcome: 'already-set', status: 'complete', record: true },
    ],
    [
      'cancelled sale of an order a manager cancelled (another cancel status) → the reason stays',
      input('Cancelled', { orderStatus: 'no-call' }),
      { outcome: 'already-set', status: 'no-call', record: true },
    ],
    [
      'cancelled sale of an order in a delete status → left alone',
      input('Cancelled', { orderStatus: 'erroneous-cancel' }),
      { outcome: 'already-set', status: 'erroneous-cancel', record: true },
    ],
    [
      'completed sale of an order in a cancel status → the mapped status (LIFE POS took the money)',
      input('Completed', { orderStatus: 'no-call' }),
      { outcome: 'set', status: 'complete', record: true },
    ],
    [
      'state handled before (duplicate / late notification) → nothing',
      input('Completed', { handledStates: ['InProgress', 'Completed'] }),
      { outcome: 'already-handled', status: 'complete', record: false },
    ],
    [
      'handled before and a manager moved the order on → not undone',
      input('Completed', { orderStatus: 'returned', handledStates: ['Completed'] }),
      { outcome: 'already-handled', status: 'complete', record: false },
    ],
    [
      'other mapped state (InProgress) → its status',
      input('InProgress', { mapping: { ...mapping, InProgress: 'delivering' } }),
      { outcome: 'set', status: 'delivering', record: true },
    ],
    [
      'unmapped InProgress → nothing, not noted',
      input('InProgress'),
      { outcome: 'unmapped', status: undefined, record: false },
    ],
    ['unmapped New → nothing', input('New'), { outcome: 'unmapped', status: undefined, record: false }],
    [
      'unmapped Completed → no status, the completion is noted',
      input('Completed', { mapping: {} }),
      { outcome: 'unmapped', status: undefined, record: true },
    ],
    [
      'an earlier sale of a re-sent order → nothing',
      input('Cancelled', { isOrderSale: false }),
      { outcome: 'not-order-sale', status: undefined, record: false },
    ],
    [
      'archived sale (erroneous cancel) → nothing',
      input('New', { archived: true }),
      { outcome: 'archived', status: undefined, record: false },
    ],
  ])('%s', (_name, given, expected) => {
    expect(decideSaleStateWriteBack(given)).toEqual(expected);
  });
});

describe('orderIdOfSaleMeta', () => {
  it.each<[string | null | undefined, number | undefined]>([
    [saleMetaFor(42), 42],
    [saleMetaFor(9_007_199_254), 9_007_199_254],
    ['retailcrm-order:042', undefined],
    ['retailcrm-order:0', undefined],
    ['retailcrm-order:12x', undefined],
    ['retailcrm-order:99999999999999999', undefined],
    ['courier:7', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%j → %j', (meta, expected) => {
    expect(orderIdOfSaleMeta(meta)).toBe(expected);
  });
});

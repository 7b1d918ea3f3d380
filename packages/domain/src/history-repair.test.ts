import { describe, expect, it } from '@jest/globals';
import {
  everEnteredExportStatus,
  type HistoryEntryFacts,
  type HistoryRepair,
  type HistoryRepairSettings,
  isOwnWrite,
  repairForHistoryEntry,
} from './index.js';

const settings: HistoryRepairSettings = {
  exportStatuses: ['send-to-assembling'],
  cancelStatuses: ['cancel-other', 'returned'],
  deleteStatuses: ['erroneous-cancel'],
  refundPaymentStatuses: ['returned'],
};

const ORDER = 42;

/** A manager's change in the RetailCRM UI unless said otherwise. */
const entry = (overrides: Partial<HistoryEntryFacts>): HistoryEntryFacts => ({
  id: 1001,
  source: 'user',
  field: 'status',
  newValue: { code: 'new' },
  order: { id: ORDER },
  ...overrides,
});

const status = (code: unknown, overrides: Partial<HistoryEntryFacts> = {}) =>
  entry({ field: 'status', newValue: code === null ? null : { code }, ...overrides });
const payment = (field: string, newValue: unknown, paymentStatus?: string) =>
  entry({
    field,
    newValue,
    payment: { id: 7, ...(paymentStatus === undefined ? {} : { status: paymentStatus }) },
  });

const enqueue = (
  trigger: 'new' | 'closed' | 'refund',
  queue: 'order-export' | 'order-cancel' | 'order-refund',
  code: string,
): HistoryRepair => ({
  action: 'enqueue',
  trigger,
  queue,
  orderId: ORDER,
  change: trigger === 'refund' ? 'payment-status' : 'status',
  status: code,
});
const moveSale = (store: string): HistoryRepair => ({
  action: 'enqueue',
  trigger: 'new',
  queue: 'order-export',
  orderId: ORDER,
  change: 'shop',
  status: store,
});
const skip = (reason: 'own-write' | 'order-deleted' | 'not-exported' | 'not-a-trigger'): HistoryRepair => ({
  action: 'skip',
  reason,
});
const shop = (newValue: unknown, overrides: Partial<HistoryEntryFacts> = {}) =>
  entry({ field: 'shipment_store', newValue, ...overrides });

describe('repairForHistoryEntry', () => {
  it.each<[string, HistoryEntryFacts, HistoryRepair]>([
    // status changes
    [
      'into an export status',
      status('send-to-assembling'),
      enqueue('new', 'order-export', 'send-to-assembling'),
    ],
    ['into a cancel status', status('cancel-other'), enqueue('closed', 'order-cancel', 'cancel-other')],
    ['into the other cancel status', status('returned'), enqueue('closed', 'order-cancel', 'returned')],
    [
      'into a delete ("erroneous cancel") status',
      status('erroneous-cancel'),
      enqueue('closed', 'order-cancel', 'erroneous-cancel'),
    ],
    ['into any other status', status('complete'), skip('not-a-trigger')],
    [
      'with a bare code',
      entry({ newValue: 'send-to-assembling' }),
      enqueue('new', 'order-export', 'send-to-assembling'),
    ],
    ['to no status', status(null), skip('not-a-trigger')],
    ['with an empty code', status(''), skip('not-a-trigger')],
    ['with an unreadable value', entry({ newValue: { id: 3 } }), skip('not-a-trigger')],
    [
      'on creation straight into an export status',
      status('send-to-assembling', { created: true }),
      enqueue('new', 'order-export', 'send-to-assembling'),
    ],
    ['on creation in the first status', status('new', { created: true }), skip('not-a-trigger')],
    // who made it
    [
      'made with another API key',
      status('send-to-assembling', { source: 'api', apiKey: { current: false } }),
      enqueue('new', 'order-export', 'send-to-assembling'),
    ],
    [
      'made by an automation rule',
      status('cancel-other', { source: 'rule' }),
      enqueue('closed', 'order-cancel', 'cancel-other'),
    ],
    [
      "made with the connector's own key",
      status('send-to-assembling', { source: 'api', apiKey: { current: true } }),
      skip('own-write'),
    ],
    [
      "the connector's own cancel write-back",
      status('cancel-other', { source: 'api', apiKey: { current: true } }),
      skip('own-write'),
    ],
    [
      'apiKey.current without source api',
      status('send-to-assembling', { source: 'user', apiKey: { current: true } }),
      enqueue('new', 'order-export', 'send-to-assembling'),
    ],
    ['on a deleted order', status('cancel-other', { deleted: true }), skip('order-deleted')],
    // payments
    [
      'a payment status into a refund status',
      payment('payments.status', { code: 'returned' }, 'returned'),
      enqueue('refund', 'order-refund', 'returned'),
    ],
    [
      'a payment status read from the payment when the value is missing',
      payment('payments.status', null, 'returned'),
      enqueue('refund', 'order-refund', 'returned'),
    ],
    [
      'a payment status into paid',
      payment('payments.status', { code: 'paid' }, 'paid'),
      skip('not-a-trigger'),
    ],
    [
      'a payment added already refunded',
      payment('payments', { id: 7, type: 'cash' }, 'returned'),
      enqueue('refund', 'order-refund', 'returned'),
    ],
    ['a payment added as paid', payment('payments', { id: 7, type: 'cash' }, 'paid'), skip('not-a-trigger')],
    ['a refunded payment removed', payment('payments', null, 'returned'), skip('not-a-trigger')],
    ['a payment amount change', payment('payments.amount', 100, 'returned'), skip('not-a-trigger')],
    [
      "the connector's own refund write-back",
      {
        ...payment('payments.status', { code: 'returned' }, 'returned'),
        source: 'api',
        apiKey: { current: true },
      },
      skip('own-write'),
    ],
    // everything else
    ['a shop change of an order never exported', shop({ code: 'msk-arbat' }), skip('not-exported')],
    ['a comment', entry({ field: 'manager_comment', newValue: 'call first' }), skip('not-a-trigger')],
  ])('%s', (_case, input, expected) => {
    expect(repairForHistoryEntry(input, settings)).toEqual(expected);
  });

  // The shop-change trigger's job: the export worker moves the sale to the new shop's outlet.
  it.each<[string, HistoryEntryFacts, boolean | undefined, HistoryRepair]>([
    ['an exported order moved to another shop', shop({ code: 'msk-arbat' }), true, moveSale('msk-arbat')],
    ['with a bare store code', shop('msk-arbat'), true, moveSale('msk-arbat')],
    ['its shop cleared (the site store takes over)', shop(null), true, moveSale('')],
    ['by an automation rule', shop({ code: 'msk-arbat' }, { source: 'rule' }), true, moveSale('msk-arbat')],
    ['an order not exported yet', shop({ code: 'msk-arbat' }), false, skip('not-exported')],
    ['an order the connector knows nothing of', shop({ code: 'msk-arbat' }), undefined, skip('not-exported')],
    [
      "with the connector's own key",
      shop({ code: 'msk-arbat' }, { source: 'api', apiKey: { current: true } }),
      true,
      skip('own-write'),
    ],
    ['of a deleted order', shop({ code: 'msk-arbat' }, { deleted: true }), true, skip('order-deleted')],
    [
      'a shipment date change',
      entry({ field: 'shipment_date', newValue: '2026-05-01' }),
      true,
      skip('not-a-trigger'),
    ],
  ])('a shop change: %s', (_case, input, exported, expected) => {
    expect(repairForHistoryEntry(input, settings, { exported })).toEqual(expected);
  });

  it('takes a status in both the export and the cancel lists as a cancel status', () => {
    const both = { ...settings, exportStatuses: ['cancel-other'] };
    expect(repairForHistoryEntry(status('cancel-other'), both)).toEqual(
      enqueue('closed', 'order-cancel', 'cancel-other'),
    );
  });

  it('enqueues nothing when the connection has no export statuses', () => {
    expect(repairForHistoryEntry(status('send-to-assembling'), { ...settings, exportStatuses: [] })).toEqual(
      skip('not-a-trigger'),
    );
  });
});

describe('everEnteredExportStatus', () => {
  const statusEntry = (code: string) => ({ field: 'status', newValue: { code } });
  it.each<[string, { field: string; newValue: unknown }[], boolean]>([
    ['no history', [], false],
    ['only earlier statuses and a shop change', [statusEntry('new'), shop({ code: 'msk-arbat' })], false],
    [
      'through the export status and on',
      [statusEntry('send-to-assembling'), statusEntry('assembling')],
      true,
    ],
    ['created in the export status', [{ field: 'status', newValue: 'send-to-assembling' }], true],
    [
      'a payment in a status named like one',
      [payment('payments.status', { code: 'send-to-assembling' })],
      false,
    ],
  ])('%s', (_case, entries, expected) => {
    expect(everEnteredExportStatus(entries, settings)).toBe(expected);
  });
});

describe('isOwnWrite', () => {
  it.each<[Pick<HistoryEntryFacts, 'source' | 'apiKey'>, boolean]>([
    [{ source: 'api', apiKey: { current: true } }, true],
    [{ source: 'api', apiKey: { current: false } }, false],
    [{ source: 'api', apiKey: {} }, false],
    [{ source: 'api', apiKey: null }, false],
    [{ source: 'api' }, false],
    [{ source: 'user', apiKey: { current: true } }, false],
    [{}, false],
  ])('%j → %s', (input, expected) => {
    expect(isOwnWrite(input)).toBe(expected);
  });
});

import { describe, expect, it } from '@jest/globals';
import {
  type SweepInput,
  type SweepLinkFacts,
  type SweepOrderFacts,
  type SweepSettings,
  sweepRepairs,
} from './index.js';

const settings: SweepSettings = {
  exportStatuses: ['send-to-assembling', 'new'],
  cancelStatuses: ['cancel-other', 'returned'],
  deleteStatuses: ['erroneous-cancel'],
  refundPaymentStatuses: ['returned'],
};

const OUTLETS: Record<string, string> = { main: 'outlet-main', second: 'outlet-second' };
const ENTERED = new Date('2026-05-01T10:00:00Z');
const BEFORE = new Date('2026-05-01T09:00:00Z');
const AFTER = new Date('2026-05-01T11:00:00Z');

const order = (overrides: Partial<SweepOrderFacts> = {}): SweepOrderFacts => ({
  id: 42,
  status: 'send-to-assembling',
  statusUpdatedAt: ENTERED,
  storeCode: 'main',
  payments: [],
  ...overrides,
});
const link = (state: SweepLinkFacts['state'], overrides: Partial<SweepLinkFacts> = {}): SweepLinkFacts => ({
  state,
  lifeposOutletId: 'outlet-main',
  lastSyncedAt: BEFORE,
  ...overrides,
});
const decide = (o: SweepOrderFacts, l: SweepLinkFacts | null, extra: Partial<SweepInput> = {}) =>
  sweepRepairs({ order: o, link: l, outletOfStore: (code) => OUTLETS[code], settings, ...extra }).map(
    (repair) => `${repair.queue}:${repair.reason}:${repair.status}`,
  );

describe('sweepRepairs', () => {
  it.each<[string, SweepOrderFacts, SweepLinkFacts | null, string[]]>([
    // Export statuses.
    ['export status, never linked', order(), null, ['order-export:not-exported:send-to-assembling']],
    [
      'export status, export failed',
      order(),
      link('failed'),
      ['order-export:export-failed:send-to-assembling'],
    ],
    ['export status, exported to its outlet', order(), link('exported'), []],
    [
      'exported without a shop named (site store): not compared',
      order({ storeCode: undefined }),
      link('exported'),
      [],
    ],
    [
      'exported link without an outlet recorded',
      order({ storeCode: 'second' }),
      link('exported', { lifeposOutletId: null }),
      [],
    ],
    [
      'sent again after its sale was deleted (erroneous cancel)',
      order(),
      link('deleted'),
      ['order-export:sale-gone:send-to-assembling'],
    ],
    [
      'sent again after its sale was cancelled',
      order({ status: 'new' }),
      link('cancelled'),
      ['order-export:sale-gone:new'],
    ],
    [
      'sale cancelled at the till after the order entered its status: stays',
      order(),
      link('cancelled', { lastSyncedAt: AFTER }),
      [],
    ],
    ['refunded link in an export status: done', order(), link('refunded'), []],
    // The shop: in any status but a cancel one.
    [
      'shop changed after export',
      order({ storeCode: 'second' }),
      link('exported'),
      ['order-export:outlet-changed:send-to-assembling'],
    ],
    [
      'shop changed later in the order’s life',
      order({ status: 'assembling', storeCode: 'second' }),
      link('exported', { lastSyncedAt: AFTER }),
      ['order-export:outlet-changed:assembling'],
    ],
    [
      'shop changed to a store without an outlet yet',
      order({ storeCode: 'new-store' }),
      link('exported'),
      ['order-export:outlet-changed:send-to-assembling'],
    ],
    // Other statuses: never exported by the sweep.
    ['other status, never linked', order({ status: 'assembling' }), null, []],
    ['other status, sale cancelled', order({ status: 'assembling' }), link('cancelled'), []],
    // Cancel and delete statuses.
    [
      'cancel status, sale still exported',
      order({ status: 'cancel-other' }),
      link('exported'),
      ['order-cancel:not-cancelled:cancel-other'],
    ],
    [
      'cancel status, the cancel job looked after the change (closed in LIFE POS)',
      order({ status: 'cancel-other' }),
      link('exported', { lastSyncedAt: AFTER }),
      [],
    ],
    ['cancel status without a sale', order({ status: 'cancel-other' }), null, []],
    ['cancel status, cancelled', order({ status: 'cancel-other' }), link('cancelled'), []],
    [
      'cancel status unknown time: asks',
      order({ status: 'cancel-other', statusUpdatedAt: undefined }),
      link('exported'),
      ['order-cancel:not-cancelled:cancel-other'],
    ],
    [
      'cancel status, shop changed: no move',
      order({ status: 'cancel-other', storeCode: 'second' }),
      link('cancelled'),
      [],
    ],
    [
      'delete status, sale exported',
      order({ status: 'erroneous-cancel' }),
      link('exported'),
      ['order-cancel:not-deleted:erroneous-cancel'],
    ],
    [
      'delete status, sale cancelled',
      order({ status: 'erroneous-cancel' }),
      link('cancelled'),
      ['order-cancel:not-deleted:erroneous-cancel'],
    ],
    ['delete status, deleted', order({ status: 'erroneous-cancel' }), link('deleted'), []],
    // Refunds.
    [
      'refund payment, sale exported',
      order({ status: 'complete', payments: [{ status: 'paid' }, { status: 'returned' }] }),
      link('exported'),
      ['order-refund:not-refunded:returned'],
    ],
    [
      'refund payment, refunded',
      order({ status: 'complete', payments: [{ status: 'returned' }] }),
      link('refunded'),
      [],
    ],
    ['refund payment, no sale', order({ status: 'complete', payments: [{ status: 'returned' }] }), null, []],
    [
      'refund payment, sale cancelled',
      order({ status: 'complete', payments: [{ status: 'returned' }] }),
      link('cancelled'),
      [],
    ],
    [
      'returned order: cancel and refund both',
      order({ status: 'returned', payments: [{ status: 'returned' }] }),
      link('exported'),
      ['order-cancel:not-cancelled:returned', 'order-refund:not-refunded:returned'],
    ],
    [
      'no refund status among the payments',
      order({ payments: [{ status: 'paid' }, { status: null }] }),
      link('exported'),
      [],
    ],
  ])('%s', (_name, o, l, expected) => {
    expect(decide(o, l)).toEqual(expected);
  });

  it('takes a link written in the second the status changed as written before it (RetailCRM prints seconds)', () => {
    const sameSecond = new Date(ENTERED.getTime() + 999);
    expect(decide(order({ status: 'cancel-other' }), link('exported', { lastSyncedAt: sameSecond }))).toEqual(
      ['order-cancel:not-cancelled:cancel-other'],
    );
    const nextSecond = new Date(ENTERED.getTime() + 1_000);
    expect(decide(order({ status: 'cancel-other' }), link('exported', { lastSyncedAt: nextSecond }))).toEqual(
      [],
    );
  });

  it('leaves an order that has just entered its status to its trigger', () => {
    const settledBefore = new Date(ENTERED.getTime() - 1);
    expect(decide(order(), null, { settledBefore })).toEqual([]);
    expect(decide(order(), null, { settledBefore: ENTERED })).toEqual([
      'order-export:not-exported:send-to-assembling',
    ]);
    // Without a time RetailCRM gave, the order is looked at.
    expect(decide(order({ statusUpdatedAt: undefined }), null, { settledBefore })).toHaveLength(1);
  });

  it('takes a status in both lists as a delete status, as the workers do', () => {
    const both = { ...settings, exportStatuses: ['erroneous-cancel'] };
    expect(
      sweepRepairs({
        order: order({ status: 'erroneous-cancel' }),
        link: null,
        outletOfStore: () => undefined,
        settings: both,
      }),
    ).toEqual([]);
  });
});

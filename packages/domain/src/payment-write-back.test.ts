import { describe, expect, it } from '@jest/globals';
import {
  type CrmPaymentFacts,
  type PaymentPartPlan,
  type PaymentWriteBackSettings,
  paymentExternalId,
  planPaymentWriteBack,
  type RefundFacts,
  type WriteBackPaymentFacts,
} from './index.js';

const settings: PaymentWriteBackSettings = {
  cashPaymentType: 'cash',
  cashlessPaymentType: 'bank-card',
  paidStatus: 'paid',
  refundedStatus: 'returned',
};
const paidAt = '2026-05-01T10:00:00.000Z';
const payment = (guid: string, cash: number, card: number, archived = false): WriteBackPaymentFacts => ({
  guid,
  cashKopecks: cash,
  cardKopecks: card,
  archived,
  paidAt,
});
const refund = (forPayment: string, cash: number, card: number, archived = false): RefundFacts => ({
  forPaymentGuid: forPayment,
  cashKopecks: cash,
  cardKopecks: card,
  archived,
});
const crm = (id: number, guid: string, part: 'cash' | 'card', status: string): CrmPaymentFacts => ({
  id,
  externalId: paymentExternalId(guid, part),
  status,
});

/** `<guid>.<part>:<action>:<status>:<kopecks>` — compact rows for the table. */
const summary = (parts: PaymentPartPlan[]) =>
  parts.map((p) => `${p.paymentGuid}.${p.part}:${p.action}:${p.status}:${p.amountKopecks}`);

describe('planPaymentWriteBack', () => {
  it.each<[string, WriteBackPaymentFacts[], RefundFacts[], CrmPaymentFacts[], string[], string[]]>([
    ['no payment → nothing', [], [], [], [], []],
    [
      'cash payment → one cash payment, paid',
      [payment('p1', 50_000, 0)],
      [],
      [],
      ['p1.cash:create:paid:50000'],
      [],
    ],
    [
      'card payment → one card payment',
      [payment('p1', 0, 12_345)],
      [],
      [],
      ['p1.card:create:paid:12345'],
      [],
    ],
    [
      'mixed payment → a cash and a card payment',
      [payment('p1', 20_000, 30_050)],
      [],
      [],
      ['p1.cash:create:paid:20000', 'p1.card:create:paid:30050'],
      [],
    ],
    [
      'already booked (a duplicated notification) → nothing',
      [payment('p1', 20_000, 30_050)],
      [],
      [crm(7, 'p1', 'cash', 'paid'), crm(8, 'p1', 'card', 'paid')],
      ['p1.cash:none:paid:20000', 'p1.card:none:paid:30050'],
      [],
    ],
    [
      'one part booked before a crash → only the other',
      [payment('p1', 20_000, 30_050)],
      [],
      [crm(7, 'p1', 'cash', 'paid')],
      ['p1.cash:none:paid:20000', 'p1.card:create:paid:30050'],
      [],
    ],
    [
      'second payment → only the new one',
      [payment('p1', 10_000, 0), payment('p2', 0, 5_000)],
      [],
      [crm(7, 'p1', 'cash', 'paid')],
      ['p1.cash:none:paid:10000', 'p2.card:create:paid:5000'],
      [],
    ],
    ['archived payment → nothing', [payment('p1', 10_000, 0, true)], [], [], [], []],
    [
      'refunded in full → the booked payments become refunded',
      [payment('p1', 20_000, 30_050)],
      [refund('p1', 20_000, 30_050)],
      [crm(7, 'p1', 'cash', 'paid'), crm(8, 'p1', 'card', 'paid')],
      ['p1.cash:refund:returned:20000', 'p1.card:refund:returned:30050'],
      [],
    ],
    [
      'refunded in two refunds → refunded once both are in',
      [payment('p1', 20_000, 0)],
      [refund('p1', 5_000, 0), refund('p1', 15_000, 0)],
      [crm(7, 'p1', 'cash', 'paid')],
      ['p1.cash:refund:returned:20000'],
      [],
    ],
    [
      'refund notification before the payment was booked → created refunded',
      [payment('p1', 20_000, 0)],
      [refund('p1', 20_000, 0)],
      [],
      ['p1.cash:create:returned:20000'],
      [],
    ],
    [
      'already refunded (the echo of our own edit) → nothing',
      [payment('p1', 20_000, 0)],
      [refund('p1', 20_000, 0)],
      [crm(7, 'p1', 'cash', 'returned')],
      ['p1.cash:none:returned:20000'],
      [],
    ],
    [
      'archived refund counts for nothing',
      [payment('p1', 20_000, 0)],
      [refund('p1', 20_000, 0, true)],
      [crm(7, 'p1', 'cash', 'paid')],
      ['p1.cash:none:paid:20000'],
      [],
    ],
    [
      'partial refund of a part → held back (the refund trigger would refund the rest)',
      [payment('p1', 20_000, 0)],
      [refund('p1', 5_000, 0)],
      [crm(7, 'p1', 'cash', 'paid')],
      ['p1.cash:none:paid:20000'],
      ['p1.cash:partial:5000/20000'],
    ],
    [
      'cash part of a mixed payment refunded → held back while the card part is not',
      [payment('p1', 20_000, 30_000)],
      [refund('p1', 20_000, 0)],
      [crm(7, 'p1', 'cash', 'paid'), crm(8, 'p1', 'card', 'paid')],
      ['p1.cash:none:paid:20000', 'p1.card:none:paid:30000'],
      ['p1.cash:rest-unrefunded:20000/20000'],
    ],
    [
      'one of two payments refunded → held back',
      [payment('p1', 10_000, 0), payment('p2', 0, 5_000)],
      [refund('p2', 0, 5_000)],
      [crm(7, 'p1', 'cash', 'paid'), crm(8, 'p2', 'card', 'paid')],
      ['p1.cash:none:paid:10000', 'p2.card:none:paid:5000'],
      ['p2.card:rest-unrefunded:5000/5000'],
    ],
    [
      'both payments refunded → both refunded',
      [payment('p1', 10_000, 0), payment('p2', 0, 5_000)],
      [refund('p2', 0, 5_000), refund('p1', 10_000, 0)],
      [crm(7, 'p1', 'cash', 'paid'), crm(8, 'p2', 'card', 'paid')],
      ['p1.cash:refund:returned:10000', 'p2.card:refund:returned:5000'],
      [],
    ],
    [
      'a manager already gave the payment another status → kept (never taken back to paid)',
      [payment('p1', 10_000, 0)],
      [],
      [crm(7, 'p1', 'cash', 'returned')],
      ['p1.cash:none:paid:10000'],
      [],
    ],
  ])('%s', (_name, payments, refunds, crmPayments, parts, heldBack) => {
    const plan = planPaymentWriteBack({ payments, refunds, crmPayments, settings });
    expect(summary(plan.parts)).toEqual(parts);
    expect(
      plan.heldBack.map(
        (h) => `${h.paymentGuid}.${h.part}:${h.reason}:${h.refundedKopecks}/${h.amountKopecks}`,
      ),
    ).toEqual(heldBack);
  });

  it('books each part under the connection codes with a unique external id and the payment time', () => {
    const plan = planPaymentWriteBack({
      payments: [payment('5c1a', 100, 250)],
      refunds: [],
      crmPayments: [{ id: 1, externalId: 'manual-1', status: 'paid' }],
      settings,
    });
    expect(plan.parts).toEqual([
      {
        paymentGuid: '5c1a',
        part: 'cash',
        externalId: 'lifepos-5c1a-cash',
        amountKopecks: 100,
        type: 'cash',
        paidAt,
        status: 'paid',
        existing: undefined,
        action: 'create',
      },
      {
        paymentGuid: '5c1a',
        part: 'card',
        externalId: 'lifepos-5c1a-card',
        amountKopecks: 250,
        type: 'bank-card',
        paidAt,
        status: 'paid',
        existing: undefined,
        action: 'create',
      },
    ]);
    expect(paymentExternalId('5c1a', 'cash')).not.toBe(paymentExternalId('5c1a', 'card'));
  });
});

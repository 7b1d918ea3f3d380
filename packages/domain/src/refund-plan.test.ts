import { describe, expect, it } from '@jest/globals';
import { type PaymentFacts, type RefundFacts, refundsToCreate } from './index.js';

const payment = (guid: string, cash: number, card: number, archived = false): PaymentFacts => ({
  guid,
  cashKopecks: cash,
  cardKopecks: card,
  archived,
});
const refund = (forPayment: string | null, cash: number, card: number, archived = false): RefundFacts => ({
  forPaymentGuid: forPayment,
  cashKopecks: cash,
  cardKopecks: card,
  archived,
});

describe('refundsToCreate', () => {
  it.each<[string, PaymentFacts[], RefundFacts[], ReturnType<typeof refundsToCreate>]>([
    ['no payment → nothing', [], [], []],
    [
      'one cash payment → its full refund',
      [payment('p1', 50_000, 0)],
      [],
      [{ paymentGuid: 'p1', cashKopecks: 50_000, cardKopecks: 0, refundedBeforeKopecks: 0 }],
    ],
    [
      'mixed payment → both parts',
      [payment('p1', 20_000, 30_050)],
      [],
      [{ paymentGuid: 'p1', cashKopecks: 20_000, cardKopecks: 30_050, refundedBeforeKopecks: 0 }],
    ],
    ['already refunded (second run) → nothing', [payment('p1', 50_000, 0)], [refund('p1', 50_000, 0)], []],
    [
      'refunded in part at the till → the rest',
      [payment('p1', 20_000, 30_000)],
      [refund('p1', 20_000, 10_000)],
      [{ paymentGuid: 'p1', cashKopecks: 0, cardKopecks: 20_000, refundedBeforeKopecks: 30_000 }],
    ],
    [
      'two payments, one refunded → the other',
      [payment('p1', 10_000, 0), payment('p2', 0, 5_000)],
      [refund('p1', 10_000, 0)],
      [{ paymentGuid: 'p2', cashKopecks: 0, cardKopecks: 5_000, refundedBeforeKopecks: 0 }],
    ],
    [
      'a refund of another payment does not count',
      [payment('p1', 10_000, 0)],
      [refund('p9', 10_000, 0), refund(null, 10_000, 0)],
      [{ paymentGuid: 'p1', cashKopecks: 10_000, cardKopecks: 0, refundedBeforeKopecks: 0 }],
    ],
    [
      'an archived refund does not count',
      [payment('p1', 10_000, 0)],
      [refund('p1', 10_000, 0, true)],
      [{ paymentGuid: 'p1', cashKopecks: 10_000, cardKopecks: 0, refundedBeforeKopecks: 0 }],
    ],
    ['an archived payment is not refunded', [payment('p1', 10_000, 0, true)], [], []],
  ])('%s', (_name, payments, refunds, expected) => {
    expect(refundsToCreate(payments, refunds)).toEqual(expected);
  });
});

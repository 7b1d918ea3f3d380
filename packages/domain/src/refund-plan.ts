import type { Kopecks } from './money.js';

/**
 * A LIFE POS payment document: one document carries both the cash and the card part (docs/LIFEPOS-API.md,
 * «Money documents»).
 */
export interface PaymentFacts {
  guid: string;
  cashKopecks: number;
  cardKopecks: number;
  archived?: boolean;
}

export interface RefundFacts {
  forPaymentGuid: string | null;
  cashKopecks: number;
  cardKopecks: number;
  archived?: boolean;
}

export interface PlannedRefund {
  paymentGuid: string;
  cashKopecks: Kopecks;
  cardKopecks: Kopecks;
  /** What was refunded of this payment before; part of the refund's idempotency key. */
  refundedBeforeKopecks: Kopecks;
}

/**
 * The refunds that return what is left of each payment, part by part. A payment already refunded in full
 * (by an earlier run of the job, or at the till) gets none, so running the refund twice refunds once.
 * Archived documents count for nothing.
 */
export function refundsToCreate(
  payments: readonly PaymentFacts[],
  refunds: readonly RefundFacts[],
): PlannedRefund[] {
  const plans: PlannedRefund[] = [];
  for (const payment of payments) {
    if (payment.archived) continue;
    const earlier = refunds.filter((refund) => !refund.archived && refund.forPaymentGuid === payment.guid);
    const refundedCash = earlier.reduce((total, refund) => total + refund.cashKopecks, 0);
    const refundedCard = earlier.reduce((total, refund) => total + refund.cardKopecks, 0);
    const cash = Math.max(0, payment.cashKopecks - refundedCash);
    const card = Math.max(0, payment.cardKopecks - refundedCard);
    if (cash + card === 0) continue;
    plans.push({
      paymentGuid: payment.guid,
      cashKopecks: cash as Kopecks,
      cardKopecks: card as Kopecks,
      refundedBeforeKopecks: (refundedCash + refundedCard) as Kopecks,
    });
  }
  return plans;
}

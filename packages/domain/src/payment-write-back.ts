import type { Kopecks } from './money.js';
import { type PaymentFacts, type RefundFacts, refundsToCreate } from './refund-plan.js';

/**
 * LIFE POS money documents → RetailCRM payments of the linked order (docs/LIFEPOS-API.md, «Money documents»;
 * docs/RETAILCRM-API.md, «Payments»). One LIFE POS payment document carries a cash part and a card part; each
 * part with money becomes a RetailCRM payment of its own, under the connection's cash or cashless payment
 * type, with an `externalId` derived from (document, part) so it can be found again and is unique in the
 * account.
 */

export type PaymentPartName = 'cash' | 'card';

export const PAYMENT_PARTS: readonly PaymentPartName[] = ['cash', 'card'];

/** A LIFE POS payment document and when it was taken. */
export interface WriteBackPaymentFacts extends PaymentFacts {
  /** ISO time the payment was taken (the document's creation); null when LIFE POS does not say. */
  paidAt: string | null;
}

/** A payment of the RetailCRM order as it stands. */
export interface CrmPaymentFacts {
  id: number;
  externalId?: string | null | undefined;
  status?: string | null | undefined;
}

/** The connection's codes (Connection columns and settings). */
export interface PaymentWriteBackSettings {
  cashPaymentType: string;
  cashlessPaymentType: string;
  paidStatus: string;
  refundedStatus: string;
}

export interface PaymentPartPlan {
  paymentGuid: string;
  part: PaymentPartName;
  externalId: string;
  amountKopecks: Kopecks;
  /** RetailCRM payment-type code. */
  type: string;
  paidAt: string | null;
  /** The status the RetailCRM payment should have: paid, or refunded once LIFE POS refunded it. */
  status: string;
  /** The RetailCRM payment found by `externalId`, if there is one already. */
  existing: CrmPaymentFacts | undefined;
  /**
   * `create`: no RetailCRM payment yet; `refund`: it exists and is to be set to the refunded status;
   * `none`: it is as it should be (a status a manager gave it is never taken back to paid).
   */
  action: 'create' | 'refund' | 'none';
}

/** A part LIFE POS refunded (in full or in part) whose RetailCRM payment keeps its status, and why. */
export interface HeldBackRefund {
  paymentGuid: string;
  part: PaymentPartName;
  refundedKopecks: Kopecks;
  amountKopecks: Kopecks;
  reason: 'partial' | 'rest-unrefunded';
}

export interface PaymentWriteBack {
  parts: PaymentPartPlan[];
  heldBack: HeldBackRefund[];
}

/** `lifepos-<payment guid>-<part>`: stable, and unique per account because LIFE POS guids are. */
export function paymentExternalId(paymentGuid: string, part: PaymentPartName): string {
  return `lifepos-${paymentGuid}-${part}`;
}

const partAmount = (facts: { cashKopecks: number; cardKopecks: number }, part: PaymentPartName) =>
  part === 'cash' ? facts.cashKopecks : facts.cardKopecks;

/**
 * What to write to RetailCRM for the sale's money documents. Idempotent: parts already booked are found by
 * `externalId` and left alone, so duplicated, late or out-of-order notifications change nothing more.
 *
 * Refunds are mirrored only once nothing of the sale is left to refund. Setting a RetailCRM payment to the
 * refunded status fires the tenant's `refund` trigger, and the refund worker then refunds whatever LIFE POS
 * still holds of the sale: mirroring a partial refund (one part of a mixed payment, one of two payments, part
 * of an amount) would make it refund the rest as well. Such refunds are reported in `heldBack` instead.
 */
export function planPaymentWriteBack(input: {
  payments: readonly WriteBackPaymentFacts[];
  refunds: readonly RefundFacts[];
  crmPayments: readonly CrmPaymentFacts[];
  settings: PaymentWriteBackSettings;
}): PaymentWriteBack {
  const { payments, refunds, crmPayments, settings } = input;
  const livePayments = payments.filter((payment) => !payment.archived);
  const liveRefunds = refunds.filter((refund) => !refund.archived);
  const nothingLeft = refundsToCreate(livePayments, liveRefunds).length === 0;
  const parts: PaymentPartPlan[] = [];
  const heldBack: HeldBackRefund[] = [];

  for (const payment of livePayments) {
    const refundsOfPayment = liveRefunds.filter((refund) => refund.forPaymentGuid === payment.guid);
    for (const part of PAYMENT_PARTS) {
      const amount = partAmount(payment, part);
      if (amount <= 0) continue;
      const refunded = refundsOfPayment.reduce((total, refund) => total + partAmount(refund, part), 0);
      const mirrorRefund = refunded >= amount && nothingLeft;
      if (refunded > 0 && !mirrorRefund) {
        heldBack.push({
          paymentGuid: payment.guid,
          part,
          refundedKopecks: refunded as Kopecks,
          amountKopecks: amount as Kopecks,
          reason: refunded < amount ? 'partial' : 'rest-unrefunded',
        });
      }
      const externalId = paymentExternalId(payment.guid, part);
      const existing = crmPayments.find((crm) => crm.externalId === externalId);
      const status = mirrorRefund ? settings.refundedStatus : settings.paidStatus;
      parts.push({
        paymentGuid: payment.guid,
        part,
        externalId,
        amountKopecks: amount as Kopecks,
        type: part === 'cash' ? settings.cashPaymentType : settings.cashlessPaymentType,
        paidAt: payment.paidAt,
        status,
        existing,
        action: !existing
          ? 'create'
          : mirrorRefund && existing.status !== settings.refundedStatus
            ? 'refund'
            : 'none',
      });
    }
  }
  return { parts, heldBack };
}

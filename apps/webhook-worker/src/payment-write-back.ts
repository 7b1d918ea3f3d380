import type { Database, PaymentLinkKey } from '@connector/db';
import {
  type HeldBackRefund,
  kopecksToDecimalString,
  kopecksToRubles,
  type PaymentPartPlan,
  type PaymentWriteBack,
  planPaymentWriteBack,
} from '@connector/domain';
import type { Sale } from '@connector/lifepos';
import type { RetailCrmOrder } from '@connector/retailcrm';
import type { readMoneyDocuments, Tenant } from '@connector/tenant';

/**
 * The payments half of a sale's write-back: the sale's LIFE POS payment documents become RetailCRM payments
 * of its order, a refund in LIFE POS marks them refunded, and a refund that cannot be mirrored is reported
 * once. What to write is `planPaymentWriteBack`'s decision; this file does the writes it asks for.
 */

/** Timeline entry types of the payments write-back (for people: decisions read the order's marks). */
export const PAYMENT_TIMELINE = {
  payment: 'writeback.payment',
  paymentRefunded: 'writeback.payment_refunded',
  refundHeldBack: 'writeback.refund_held_back',
} as const;

/** One sale's payments write-back: what was read (the sale, its money documents, the order), under the order lock. */
export interface PaymentWriteBackRun {
  db: Database;
  tenant: Tenant;
  sale: Sale;
  orderId: number;
  order: RetailCrmOrder;
  documents: Awaited<ReturnType<typeof readMoneyDocuments>>;
  signal: AbortSignal;
}

export interface PaymentWriteBackCounts {
  paymentsCreated: number;
  paymentsRefunded: number;
}

const rubles = (kopecks: number) => `${kopecksToDecimalString(kopecks)} ₽`;
const PART_NAMES = { cash: 'наличные', card: 'карта' } as const;

/** Writes the sale's payments to its order: books new parts, refunds refunded ones, reports held-back refunds. */
export async function writeBackPayments(run: PaymentWriteBackRun): Promise<PaymentWriteBackCounts> {
  const plan = planFor(run);
  const counts: PaymentWriteBackCounts = { paymentsCreated: 0, paymentsRefunded: 0 };
  for (const part of plan.parts) {
    run.signal.throwIfAborted();
    if (part.action === 'create') {
      await bookPart(run, part);
      counts.paymentsCreated += 1;
    } else if (part.action === 'refund' && part.existing) {
      await refundPart(run, part, part.existing.id);
      counts.paymentsRefunded += 1;
    } else if (part.existing) {
      await linkPart(run, part, part.existing.id, linkStatus(run, part.existing.status));
    }
  }
  await reportHeldBackRefunds(run, plan.heldBack);
  return counts;
}

function planFor({ tenant, order, documents }: PaymentWriteBackRun): PaymentWriteBack {
  const { connection, settings } = tenant;
  return planPaymentWriteBack({
    payments: documents.payments.map((payment) => ({ ...payment, paidAt: payment.createdAt })),
    refunds: documents.refunds,
    crmPayments: order.payments,
    settings: {
      cashPaymentType: connection.cashPaymentTypeCode,
      cashlessPaymentType: connection.cashlessPaymentTypeCode,
      paidStatus: settings.paidPaymentStatus,
      refundedStatus: settings.refundedPaymentStatus,
    },
  });
}

const linkStatus = ({ tenant }: PaymentWriteBackRun, status: string | null | undefined) =>
  status === tenant.settings.refundedPaymentStatus ? 'refunded' : 'paid';

const linkKey = ({ tenant }: PaymentWriteBackRun, part: PaymentPartPlan): PaymentLinkKey => ({
  connectionId: tenant.connection.id,
  lifeposPaymentId: part.paymentGuid,
  part: part.part,
});

/** What every timeline entry of a part says about it. */
const partData = ({ sale }: PaymentWriteBackRun, part: PaymentPartPlan) => ({
  saleId: sale.guid,
  paymentId: part.paymentGuid,
  part: part.part,
  amountKopecks: part.amountKopecks,
  externalId: part.externalId,
});

/**
 * Creates the part's RetailCRM payment. Its link is claimed before the RetailCRM call, so it exists whatever
 * happens next; a crash after the call is caught by the next run, which finds the payment on the order by its
 * externalId.
 */
async function bookPart(run: PaymentWriteBackRun, part: PaymentPartPlan): Promise<void> {
  const { db, tenant, sale, orderId } = run;
  const key = linkKey(run, part);
  await db.paymentLinks.ensure(key, { retailcrmOrderId: orderId, amountKopecks: part.amountKopecks });
  const paymentId = await createCrmPayment(tenant, orderId, part, sale.number);
  await db.paymentLinks.update(key, { retailcrmPaymentId: paymentId, status: linkStatus(run, part.status) });
  await db.orderMarks.writeBackRecorded([
    {
      kind: 'payment_booked',
      connectionId: key.connectionId,
      retailcrmOrderId: orderId,
      saleGuid: sale.guid,
      paymentGuid: part.paymentGuid,
      part: part.part,
      at: new Date(),
    },
  ]);
  await tenant.timeline.append(orderId, {
    type: PAYMENT_TIMELINE.payment,
    message: `payment of ${rubles(part.amountKopecks)} (${part.part}) from LIFE POS sale ${sale.number} booked in RetailCRM as ${part.type}, status ${part.status}`,
    data: { ...partData(run, part), retailcrmPaymentId: paymentId, type: part.type, status: part.status },
  });
}

/** Sets the part's RetailCRM payment to the refunded status. */
async function refundPart(run: PaymentWriteBackRun, part: PaymentPartPlan, paymentId: number): Promise<void> {
  const { tenant, orderId } = run;
  const refundedStatus = tenant.settings.refundedPaymentStatus;
  await tenant.retailcrm.editPayment(paymentId, { status: refundedStatus });
  await linkPart(run, part, paymentId, 'refunded');
  await tenant.timeline.append(orderId, {
    type: PAYMENT_TIMELINE.paymentRefunded,
    message: `payment of ${rubles(part.amountKopecks)} (${part.part}) refunded in LIFE POS: RetailCRM payment ${paymentId} set to ${refundedStatus}`,
    data: { ...partData(run, part), retailcrmPaymentId: paymentId, status: refundedStatus },
  });
}

/** The payment link of a part points at its RetailCRM payment (also after a crash between create and link). */
async function linkPart(
  run: PaymentWriteBackRun,
  part: PaymentPartPlan,
  paymentId: number,
  status: 'paid' | 'refunded',
): Promise<void> {
  const key = linkKey(run, part);
  const { link: existing } = await run.db.paymentLinks.ensure(key, {
    retailcrmOrderId: run.orderId,
    amountKopecks: part.amountKopecks,
  });
  if (existing.retailcrmPaymentId !== paymentId || existing.status !== status) {
    await run.db.paymentLinks.update(key, { retailcrmPaymentId: paymentId, status });
  }
}

/** Reports each partial refund the payments keep their status through, once (its mark remembers it). */
async function reportHeldBackRefunds(run: PaymentWriteBackRun, heldBack: readonly HeldBackRefund[]) {
  if (heldBack.length === 0) return;
  const { db, tenant, sale, orderId } = run;
  const reported = await db.orderMarks.refundsHeldBack(tenant.connection.id, orderId);
  const reportedBefore = (held: HeldBackRefund) =>
    reported.some(
      (mark) =>
        mark.paymentGuid === held.paymentGuid &&
        mark.part === held.part &&
        mark.refundedKopecks === held.refundedKopecks,
    );
  for (const held of heldBack) {
    if (reportedBefore(held)) continue;
    const { paymentGuid, part, refundedKopecks } = held;
    await db.orderMarks.writeBackRecorded([
      {
        kind: 'refund_held_back',
        connectionId: tenant.connection.id,
        retailcrmOrderId: orderId,
        paymentGuid,
        part,
        refundedKopecks,
        at: new Date(),
      },
    ]);
    await tenant.timeline.append(orderId, {
      type: PAYMENT_TIMELINE.refundHeldBack,
      message:
        `LIFE POS refunded ${rubles(refundedKopecks)} of the ${part} part (${rubles(held.amountKopecks)}) of payment ${paymentGuid}; ` +
        'the RetailCRM payment keeps its status while the sale is not refunded in full: the refund trigger would refund the rest as well',
      data: {
        saleId: sale.guid,
        paymentId: paymentGuid,
        part,
        refundedKopecks,
        amountKopecks: held.amountKopecks,
        reason: held.reason,
      },
    });
  }
}

/** Creates the part's RetailCRM payment; the client answers one an earlier run created (answer lost). */
async function createCrmPayment(
  tenant: Tenant,
  orderId: number,
  part: PaymentPartPlan,
  saleNumber: string,
): Promise<number> {
  const { id } = await tenant.retailcrm.createPayment({
    order: { id: orderId },
    type: part.type,
    amount: kopecksToRubles(part.amountKopecks),
    status: part.status,
    ...(part.paidAt ? { paidAt: new Date(part.paidAt) } : {}),
    externalId: part.externalId,
    comment: `LIFE POS, продажа ${saleNumber}: ${PART_NAMES[part.part]}`,
  });
  return id;
}

import type { Database, OrderEventRecord, PaymentLinkKey } from '@connector/db';
import {
  decideSaleStateWriteBack,
  type HeldBackRefund,
  kopecksToDecimalString,
  kopecksToRubles,
  orderIdOfSaleMeta,
  type PaymentPartPlan,
  planPaymentWriteBack,
  type SaleState,
  type SaleStateOutcome,
} from '@connector/domain';
import type { LifePosClient, Sale } from '@connector/lifepos';
import type { Logger } from '@connector/logger';
import { type OrderLock, orderLockKey } from '@connector/queue';
import type { RetailCrmOrder } from '@connector/retailcrm';
import { readMoneyDocuments, type Tenant } from '@connector/tenant';

/**
 * The write-back of one LIFE POS sale into its RetailCRM order: the sale's payment documents
 * become RetailCRM payments (a refund in LIFE POS marks them refunded), and the sale's state sets the order
 * status the connection maps it to. Everything is re-read first — the sale, its money documents, the order —
 * so a duplicated, late or out-of-order notification leads to the same final state; the decisions are the
 * pure ones of @connector/domain, and this file only does the I/O they ask for.
 */

/** Timeline entry types of the write-back (the sale-state entry also marks the state as handled). */
export const TIMELINE = {
  payment: 'writeback.payment',
  paymentRefunded: 'writeback.payment_refunded',
  refundHeldBack: 'writeback.refund_held_back',
  saleState: 'writeback.sale_state',
} as const;

export interface SaleWriteBackDeps {
  db: Database;
  /** The order lock shared with the order workers ("one order, one writer"). */
  lock: OrderLock;
  logger: Logger;
}

export type SaleWriteBackResult =
  /** The sale was not made by the connector (created directly in LIFE POS): nothing to write to. */
  | { outcome: 'unknown-sale'; saleId: string }
  | { outcome: 'sale-gone'; saleId: string; orderId?: number }
  | { outcome: 'order-gone'; saleId: string; orderId: number }
  | {
      outcome: 'written-back';
      saleId: string;
      orderId: number;
      paymentsCreated: number;
      paymentsRefunded: number;
      state: SaleState;
      stateOutcome: SaleStateOutcome;
      status: string | null;
    };

const rubles = (kopecks: number) => `${kopecksToDecimalString(kopecks)} ₽`;
const PART_NAMES = { cash: 'наличные', card: 'карта' } as const;

/** The sale, or null when LIFE POS does not know it (any more). */
const readSale = (lifepos: LifePosClient, saleGuid: string): Promise<Sale | null> =>
  lifepos.sales.find(saleGuid);

const readOrder = (tenant: Tenant, orderId: number): Promise<RetailCrmOrder | null> =>
  tenant.retailcrm.getOrderOrNull(orderId);

function eventData(event: OrderEventRecord): Record<string, unknown> {
  return typeof event.data === 'object' && event.data !== null && !Array.isArray(event.data)
    ? (event.data as Record<string, unknown>)
    : {};
}

/** States of this sale written back before: the order's timeline is where the write-back remembers them. */
function handledStatesOf(timeline: readonly OrderEventRecord[], saleGuid: string): SaleState[] {
  return timeline
    .filter((event) => event.type === TIMELINE.saleState && eventData(event).saleId === saleGuid)
    .map((event) => eventData(event).state as SaleState);
}

/**
 * What the write-back recorded of this sale on its order's timeline: the states handled, and the payment
 * parts booked in RetailCRM (and refunded since). The sales check compares a listed sale with it.
 */
export function writtenBackOf(
  timeline: readonly OrderEventRecord[],
  saleGuid: string,
  refundedStatus: string,
): { handledStates: SaleState[]; booked: { parts: number; kopecks: number; refundedParts: number } } {
  const ofSale = (type: string) =>
    timeline.filter((event) => event.type === type && eventData(event).saleId === saleGuid);
  const partKey = (event: OrderEventRecord) => `${eventData(event).paymentId}:${eventData(event).part}`;
  const paid = new Map(ofSale(TIMELINE.payment).map((event) => [partKey(event), event]));
  // Refunded since, or booked refunded straight away (the sale was refunded before its first write-back).
  const refunded = new Set([
    ...ofSale(TIMELINE.paymentRefunded).map(partKey),
    ...[...paid].filter(([, event]) => eventData(event).status === refundedStatus).map(([key]) => key),
  ]);
  let kopecks = 0;
  for (const event of paid.values()) kopecks += Number(eventData(event).amountKopecks ?? 0);
  return {
    handledStates: handledStatesOf(timeline, saleGuid),
    booked: {
      parts: paid.size,
      kopecks,
      refundedParts: [...paid.keys()].filter((k) => refunded.has(k)).length,
    },
  };
}

function heldBackBefore(timeline: readonly OrderEventRecord[], held: HeldBackRefund): boolean {
  return timeline.some((event) => {
    const data = eventData(event);
    return (
      event.type === TIMELINE.refundHeldBack &&
      data.paymentId === held.paymentGuid &&
      data.part === held.part &&
      data.refundedKopecks === held.refundedKopecks
    );
  });
}

/**
 * Runs the write-back of `saleGuid` for its order, under the order lock. Unknown sales are ignored (logged:
 * there is no order whose timeline could show them).
 */
export async function writeBackSale(
  deps: SaleWriteBackDeps,
  tenant: Tenant,
  saleGuid: string,
  signal: AbortSignal,
): Promise<SaleWriteBackResult> {
  const { db, lock, logger } = deps;
  const connectionId = tenant.connection.id;

  let orderId = (await db.orderLinks.findBySaleId(connectionId, saleGuid))?.retailcrmOrderId;
  if (orderId === undefined) {
    // Not linked: a sale the connector made still carries its order in `meta` (a crash between create
    // and link, or an earlier sale of a re-sent order); any other sale was made in LIFE POS itself.
    const sale = await readSale(tenant.lifepos, saleGuid);
    orderId = orderIdOfSaleMeta(sale?.meta);
    if (orderId === undefined) {
      logger.info('LIFE POS sale not made by the connector: ignored', {
        saleId: saleGuid,
        saleNumber: sale?.number ?? null,
        reason: sale ? 'no order of the connector' : 'not found in LIFE POS',
      });
      return { outcome: 'unknown-sale', saleId: saleGuid };
    }
  }
  const order = orderId;
  return lock.withLock(orderLockKey(connectionId, order), async (lockSignal) => {
    // The sale is read first and the money documents after it: a slot for that first read is reserved
    // before anything is read, so a write-back the LIFE POS limit defers has read nothing yet.
    const ticket = await tenant.limits.lifepos.reserve();
    return tenant.limits.lifepos.spend(ticket, () =>
      writeBackLocked(deps, tenant, saleGuid, order, AbortSignal.any([signal, lockSignal])),
    );
  });
}

async function writeBackLocked(
  { db, logger }: SaleWriteBackDeps,
  tenant: Tenant,
  saleGuid: string,
  orderId: number,
  signal: AbortSignal,
): Promise<SaleWriteBackResult> {
  const { connection, settings, retailcrm } = tenant;
  const connectionId = connection.id;
  const sale = await readSale(tenant.lifepos, saleGuid);
  if (!sale) {
    logger.warn('LIFE POS sale no longer exists: nothing to write back', { saleId: saleGuid, orderId });
    return { outcome: 'sale-gone', saleId: saleGuid, orderId };
  }
  const refunded = sale.paymentStatus === 'Refunded' || sale.paymentStatus === 'PartiallyRefunded';
  const [{ payments, refunds }, order, link, timeline] = await Promise.all([
    readMoneyDocuments(tenant.lifepos, saleGuid, { refunds: refunded }),
    readOrder(tenant, orderId),
    db.orderLinks.get(connectionId, orderId),
    db.orderEvents.list(connectionId, orderId),
  ]);
  if (!order) {
    logger.warn('RetailCRM order no longer exists: nothing to write back', { saleId: saleGuid, orderId });
    return { outcome: 'order-gone', saleId: saleGuid, orderId };
  }

  // ---- payments
  const refundedStatus = settings.refundedPaymentStatus;
  const plan = planPaymentWriteBack({
    payments: payments.map((payment) => ({ ...payment, paidAt: payment.createdAt })),
    refunds,
    crmPayments: order.payments,
    settings: {
      cashPaymentType: connection.cashPaymentTypeCode,
      cashlessPaymentType: connection.cashlessPaymentTypeCode,
      paidStatus: settings.paidPaymentStatus,
      refundedStatus,
    },
  });

  const linkStatus = (status: string | null | undefined) => (status === refundedStatus ? 'refunded' : 'paid');
  /** The payment link of a part points at its RetailCRM payment (also after a crash between create and link). */
  const linkPart = async (part: PaymentPartPlan, paymentId: number, status: 'paid' | 'refunded') => {
    const key: PaymentLinkKey = { connectionId, lifeposPaymentId: part.paymentGuid, part: part.part };
    const { link: existing } = await db.paymentLinks.ensure(key, {
      retailcrmOrderId: orderId,
      amountKopecks: part.amountKopecks,
    });
    if (existing.retailcrmPaymentId !== paymentId || existing.status !== status) {
      await db.paymentLinks.update(key, { retailcrmPaymentId: paymentId, status });
    }
  };

  let paymentsCreated = 0;
  let paymentsRefunded = 0;
  for (const part of plan.parts) {
    signal.throwIfAborted();
    const data = {
      saleId: sale.guid,
      paymentId: part.paymentGuid,
      part: part.part,
      amountKopecks: part.amountKopecks,
      externalId: part.externalId,
    };
    if (part.action === 'create') {
      // Claimed before the RetailCRM call, so the link exists whatever happens next; a crash after the
      // call is caught by the next run, which finds the payment on the order by its externalId.
      const key: PaymentLinkKey = { connectionId, lifeposPaymentId: part.paymentGuid, part: part.part };
      await db.paymentLinks.ensure(key, { retailcrmOrderId: orderId, amountKopecks: part.amountKopecks });
      const paymentId = await createCrmPayment(tenant, orderId, part, sale.number);
      await db.paymentLinks.update(key, { retailcrmPaymentId: paymentId, status: linkStatus(part.status) });
      paymentsCreated += 1;
      await tenant.record(orderId, {
        type: TIMELINE.payment,
        message: `payment of ${rubles(part.amountKopecks)} (${part.part}) from LIFE POS sale ${sale.number} booked in RetailCRM as ${part.type}, status ${part.status}`,
        data: { ...data, retailcrmPaymentId: paymentId, type: part.type, status: part.status },
      });
    } else if (part.action === 'refund' && part.existing) {
      await retailcrm.editPayment(part.existing.id, { status: refundedStatus });
      await linkPart(part, part.existing.id, 'refunded');
      paymentsRefunded += 1;
      await tenant.record(orderId, {
        type: TIMELINE.paymentRefunded,
        message: `payment of ${rubles(part.amountKopecks)} (${part.part}) refunded in LIFE POS: RetailCRM payment ${part.existing.id} set to ${refundedStatus}`,
        data: { ...data, retailcrmPaymentId: part.existing.id, status: refundedStatus },
      });
    } else if (part.existing) {
      await linkPart(part, part.existing.id, linkStatus(part.existing.status));
    }
  }
  for (const held of plan.heldBack) {
    if (heldBackBefore(timeline, held)) continue;
    await tenant.record(orderId, {
      type: TIMELINE.refundHeldBack,
      message:
        `LIFE POS refunded ${rubles(held.refundedKopecks)} of the ${held.part} part (${rubles(held.amountKopecks)}) of payment ${held.paymentGuid}; ` +
        'the RetailCRM payment keeps its status while the sale is not refunded in full: the refund trigger would refund the rest as well',
      data: {
        saleId: sale.guid,
        paymentId: held.paymentGuid,
        part: held.part,
        refundedKopecks: held.refundedKopecks,
        amountKopecks: held.amountKopecks,
        reason: held.reason,
      },
    });
  }

  // ---- sale state → order status
  signal.throwIfAborted();
  const decision = decideSaleStateWriteBack({
    sale,
    mapping: settings.saleStateToStatus,
    orderStatus: order.status,
    statusSettings: settings,
    isOrderSale: link?.lifeposSaleId === sale.guid,
    handledStates: handledStatesOf(timeline, sale.guid),
  });
  if (decision.outcome === 'set' && decision.status !== undefined) {
    await retailcrm.editOrder(orderId, { status: decision.status });
  }
  if (decision.record) {
    const where = await workplaceOf(db, connectionId, sale);
    const status =
      decision.outcome === 'set'
        ? `order status set to ${decision.status}`
        : decision.outcome === 'already-set'
          ? `order already in status ${decision.status}`
          : 'no order status is mapped to this state';
    await tenant.record(orderId, {
      type: TIMELINE.saleState,
      message: `LIFE POS sale ${sale.number} is ${sale.state}${where.text}: ${status}`,
      data: {
        saleId: sale.guid,
        saleNumber: sale.number,
        state: sale.state,
        outcome: decision.outcome,
        status: decision.status ?? null,
        workplaceId: where.workplaceId,
        workplaceName: where.workplaceName,
        courierId: where.courierId,
      },
    });
  }
  logger.info('sale written back', {
    saleId: sale.guid,
    orderId,
    paymentsCreated,
    paymentsRefunded,
    state: sale.state,
    stateOutcome: decision.outcome,
  });
  return {
    outcome: 'written-back',
    saleId: sale.guid,
    orderId,
    paymentsCreated,
    paymentsRefunded,
    state: sale.state,
    stateOutcome: decision.outcome,
    status: decision.outcome === 'set' ? (decision.status ?? null) : null,
  };
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

/**
 * Where the sale was (last) worked on: its workplace, and the RetailCRM courier whose workplace that is.
 * LIFE POS does not say who completed a sale; the courier's own workplace is the one the sale was given.
 */
async function workplaceOf(
  db: Database,
  connectionId: string,
  sale: Sale,
): Promise<{
  text: string;
  workplaceId: string | null;
  workplaceName: string | null;
  courierId: number | null;
}> {
  if (!sale.workplace) return { text: '', workplaceId: null, workplaceName: null, courierId: null };
  const workplaceId = sale.workplace.guid;
  const courier = (await db.courierLinks.list(connectionId)).find(
    (link) => link.lifeposWorkplaceId === workplaceId,
  );
  const name = sale.workplace.name ?? null;
  const text = ` at workplace ${name ? `«${name}»` : workplaceId}${courier ? ` (RetailCRM courier ${courier.retailcrmCourierId})` : ''}`;
  return { text, workplaceId, workplaceName: name, courierId: courier?.retailcrmCourierId ?? null };
}

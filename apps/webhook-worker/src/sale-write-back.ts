import type { Database } from '@connector/db';
import { orderIdOfSaleMeta, type SaleState, type SaleStateOutcome } from '@connector/domain';
import type { LifePosClient, Sale } from '@connector/lifepos';
import type { Logger } from '@connector/logger';
import { type EntityLock, orderLockKey, withLinkedSignal } from '@connector/queue';
import type { RetailCrmOrder } from '@connector/retailcrm';
import { readMoneyDocuments, type Tenant } from '@connector/tenant';
import { PAYMENT_TIMELINE, type PaymentWriteBackCounts, writeBackPayments } from './payment-write-back.js';
import { STATE_TIMELINE, writeBackState } from './state-write-back.js';

/**
 * The write-back of one LIFE POS sale into its RetailCRM order: the sale's payment documents
 * become RetailCRM payments (a refund in LIFE POS marks them refunded), and the sale's state sets the order
 * status the connection maps it to. Everything is re-read first — the sale, its money documents, the order —
 * so a duplicated, late or out-of-order notification leads to the same final state; the decisions are the
 * pure ones of @connector/domain, taken from what was read and the order's marks (`OrderMark`: what the
 * write-back did before), never from its timeline. This file reads and hands over to the payments
 * (payment-write-back.ts) and the state (state-write-back.ts) halves.
 */

/** Timeline entry types of the write-back: for people, no decision reads them. */
export const TIMELINE = { ...PAYMENT_TIMELINE, ...STATE_TIMELINE } as const;

export interface SaleWriteBackDeps {
  db: Database;
  /** The order lock shared with the order workers ("one order, one writer"). */
  lock: EntityLock;
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

/** The sale, or null when LIFE POS does not know it (any more). */
const readSale = (lifepos: LifePosClient, saleGuid: string): Promise<Sale | null> =>
  lifepos.sales.find(saleGuid);

const readOrder = (tenant: Tenant, orderId: number): Promise<RetailCrmOrder | null> =>
  tenant.retailcrm.getOrderOrNull(orderId);

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
      withLinkedSignal([signal, lockSignal], (both) => writeBackLocked(deps, tenant, saleGuid, order, both)),
    );
  });
}

/** Everything the write-back decides from (with the order's marks), read anew. */
interface WriteBackInput {
  sale: Sale;
  documents: Awaited<ReturnType<typeof readMoneyDocuments>>;
  order: RetailCrmOrder;
  isOrderSale: boolean;
}

type NothingToWriteTo = Extract<SaleWriteBackResult, { outcome: 'sale-gone' | 'order-gone' }>;

/** Reads the sale first, then its money documents, its order and the order's link. */
async function readWriteBack(
  { db, logger }: SaleWriteBackDeps,
  tenant: Tenant,
  saleGuid: string,
  orderId: number,
): Promise<WriteBackInput | NothingToWriteTo> {
  const sale = await readSale(tenant.lifepos, saleGuid);
  if (!sale) {
    logger.warn('LIFE POS sale no longer exists: nothing to write back', { saleId: saleGuid, orderId });
    return { outcome: 'sale-gone', saleId: saleGuid, orderId };
  }
  const refunded = sale.paymentStatus === 'Refunded' || sale.paymentStatus === 'PartiallyRefunded';
  const [documents, order, link] = await Promise.all([
    readMoneyDocuments(tenant.lifepos, saleGuid, { refunds: refunded }),
    readOrder(tenant, orderId),
    db.orderLinks.get(tenant.connection.id, orderId),
  ]);
  if (!order) {
    logger.warn('RetailCRM order no longer exists: nothing to write back', { saleId: saleGuid, orderId });
    return { outcome: 'order-gone', saleId: saleGuid, orderId };
  }
  return { sale, documents, order, isOrderSale: link?.lifeposSaleId === sale.guid };
}

/** Reads what the write-back decides from, then writes the sale's payments and then its state. */
async function writeBackLocked(
  deps: SaleWriteBackDeps,
  tenant: Tenant,
  saleGuid: string,
  orderId: number,
  signal: AbortSignal,
): Promise<SaleWriteBackResult> {
  const read = await readWriteBack(deps, tenant, saleGuid, orderId);
  if ('outcome' in read) return read;
  const { sale, documents, order, isOrderSale } = read;
  const run = { db: deps.db, tenant, sale, orderId, order, signal };
  const counts = await writeBackPayments({ ...run, documents });
  const decision = await writeBackState({ ...run, isOrderSale });
  return writtenBack(deps.logger, sale, orderId, counts, decision);
}

function writtenBack(
  logger: Logger,
  sale: Sale,
  orderId: number,
  counts: PaymentWriteBackCounts,
  decision: { outcome: SaleStateOutcome; status: string | undefined },
): SaleWriteBackResult {
  logger.info('sale written back', {
    saleId: sale.guid,
    orderId,
    ...counts,
    state: sale.state,
    stateOutcome: decision.outcome,
  });
  return {
    outcome: 'written-back',
    saleId: sale.guid,
    orderId,
    ...counts,
    state: sale.state,
    stateOutcome: decision.outcome,
    status: decision.outcome === 'set' ? (decision.status ?? null) : null,
  };
}

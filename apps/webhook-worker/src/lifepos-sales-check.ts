import type { ConnectionSettings, Database } from '@connector/db';
import { orderIdOfSaleMeta, type SaleCheckInput, saleWrittenBack } from '@connector/domain';
import { isLifePosPagingError, LIFEPOS_PAGING_CODES, type Sale } from '@connector/lifepos';
import type { Logger } from '@connector/logger';
import { jobIdFor, type Producer } from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';

/**
 * Looked back before the cursor: sales updated in the last moments of the previous check (and LIFE POS's
 * clock being a little behind ours) are seen again rather than missed. Seeing a sale twice costs one
 * write-back that finds nothing to do.
 */
export const SALES_CHECK_OVERLAP_MS = 30_000;

/**
 * A check reads LIFE POS at least this often even with no open sale (see `salesCheckDue`), from the cursor
 * of the last check that did: a sale that changed while nothing was expected (a refund of a completed
 * sale whose notification was lost) is written back within this period.
 */
export const SALES_FULL_CHECK_EVERY_MS = 3_600_000;

/**
 * How long after its order link was last written a sale with no final state written back counts as open:
 * a sale left open longer than this (never completed in LIFE POS) no longer keeps its connection's checks
 * reading every period; its later changes come with their notifications, or within the full check.
 */
export const OPEN_SALE_HORIZON_MS = 48 * 3_600_000;

export interface LifeposSalesCheckDeps {
  db: Database;
  runtime: TenantRuntime;
  producer: Producer;
  logger: Logger;
  now?: () => Date;
}

export interface LifeposSalesCheckResult {
  /** `idle`: no open sale and the full check not due yet: LIFE POS not read, the cursor left where it was. */
  outcome: 'checked' | 'connection-inactive' | 'idle';
  /** Sales updated in the window, those of them the connector made that were queued for write-back, */
  seen?: number;
  queued?: number;
  /** and those whose every change was written back already (see `saleWrittenBack`): not queued. */
  settled?: number;
  since?: string;
  /** More sales than one check may page through: the cursor moved to the last one handled, the next check goes on. */
  truncated?: boolean;
}

/**
 * BullMQ priority of the write-backs the check queues (a larger number runs later). Notifications are
 * added without a priority, and BullMQ hands out its plain waiting list before any prioritized job: a
 * payment notification is written back ahead of however many repairs the check has queued.
 */
export const SALES_CHECK_PRIORITY = 10;

/**
 * What the write-back did of a sale, from its order's marks: the states it handled, and the payment parts it
 * booked in RetailCRM with their amounts and whether they are refunded now (their payment links).
 */
async function writtenBackOf(
  db: Database,
  connectionId: string,
  orderId: number,
  saleGuid: string,
): Promise<Pick<SaleCheckInput, 'handledStates' | 'booked'>> {
  const [marks, links] = await Promise.all([
    db.orderMarks.writeBackOfSale(connectionId, orderId, saleGuid),
    db.paymentLinks.listForOrder(connectionId, orderId),
  ]);
  const bookedLinks = links.filter((link) =>
    marks.bookedParts.some((part) => part.paymentGuid === link.lifeposPaymentId && part.part === link.part),
  );
  return {
    handledStates: marks.states,
    booked: {
      parts: bookedLinks.length,
      kopecks: bookedLinks.reduce((sum, link) => sum + link.amountKopecks, 0),
      refundedParts: bookedLinks.filter((link) => link.status === 'refunded').length,
    },
  };
}

/**
 * A linked sale the write-back has nothing left to do for: its order's marks hold its state and payments.
 * Also asked of a `Sale` notification, with the state the notification carries.
 */
export async function alreadyWrittenBack(
  db: Database,
  connectionId: string,
  settings: ConnectionSettings,
  link: { retailcrmOrderId: number; lifeposSaleId: string | null },
  sale: SaleCheckInput['sale'],
): Promise<boolean> {
  return saleWrittenBack({
    sale,
    isOrderSale: link.lifeposSaleId === sale.guid,
    mapping: settings.saleStateToStatus,
    ...(await writtenBackOf(db, connectionId, link.retailcrmOrderId, sale.guid)),
  });
}

/**
 * Whether a check reads LIFE POS now (the first check, without a cursor, always does): when the last check
 * that read is a full-check period ago (half a poll period early counts: the scheduler drifts), otherwise
 * only while the connection has an open sale — one the write-back still follows, exported within the
 * horizon and without a final state written back (`openSaleLinkedSince`). A check that does not read
 * leaves the cursor alone: the next one that reads starts from the last one that did, so no update is lost.
 */
async function salesCheckDue(
  db: Database,
  connectionId: string,
  cursor: Date,
  { now, pollMs }: { now: Date; pollMs: number },
): Promise<boolean> {
  if (now.getTime() - cursor.getTime() >= SALES_FULL_CHECK_EVERY_MS - pollMs / 2) return true;
  return db.orderMarks.openSaleLinkedSince(connectionId, new Date(now.getTime() - OPEN_SALE_HORIZON_MS));
}

/**
 * `lifepos-events` check `sales`: the LIFE POS sales updated since the connection's cursor (minus the
 * overlap) go through the same write-back as notifications, so a lost notification is repaired within one
 * period. Only sales the connector made and whose changes are not all written back yet are queued; the cursor moves to the check's start once every one
 * of them is queued, so a failed check is repeated in full. While no sale is open, LIFE POS is read only
 * once per full-check period (`salesCheckDue`).
 */
export async function checkLifeposSales(
  { db, runtime, producer, logger, now = () => new Date() }: LifeposSalesCheckDeps,
  connectionId: string,
): Promise<LifeposSalesCheckResult> {
  const connection = await db.connections.get(connectionId);
  if (connection?.status !== 'active') return { outcome: 'connection-inactive' };
  const startedAt = now();
  const cursor = (await db.syncCursors.get(connectionId)).lifeposSalesCursor;
  const pollMs = connection.settings.lifeposPollSeconds * 1000;
  if (cursor !== null && !(await salesCheckDue(db, connectionId, cursor, { now: startedAt, pollMs }))) {
    return { outcome: 'idle', since: new Date(cursor.getTime() - SALES_CHECK_OVERLAP_MS).toISOString() };
  }
  const tenant = await runtime.open(connectionId);
  // First check: one period back, not the whole history (notifications covered what came before).
  const from = cursor ?? new Date(startedAt.getTime() - pollMs);
  const since = new Date(from.getTime() - SALES_CHECK_OVERLAP_MS);

  let seen = 0;
  let queued = 0;
  let settled = 0;
  let lastUpdatedAt: string | null = null;
  const handle = async (sale: Sale) => {
    seen += 1;
    lastUpdatedAt = sale.updatedAt ?? lastUpdatedAt;
    const link = await db.orderLinks.findBySaleId(connectionId, sale.guid);
    if (link === null && orderIdOfSaleMeta(sale.meta) === undefined) return;
    if (link !== null && (await alreadyWrittenBack(db, connectionId, tenant.settings, link, sale))) {
      settled += 1;
      return;
    }
    // Collapses with a write-back of the same sale still waiting (a notification's job is separate), and
    // waits behind every notification: those are the fast path, this is the repair.
    await producer.add(
      'lifepos-events',
      { connectionId, saleId: sale.guid },
      { dedupeId: jobIdFor('lifepos-events', connectionId, sale.guid), priority: SALES_CHECK_PRIORITY },
    );
    queued += 1;
  };
  let advanceTo = startedAt;
  let truncated = false;
  try {
    for await (const sale of tenant.lifepos.sales.iterate({
      updatedFrom: since,
      orderBy: 'updated_at_asc',
      selection: 'all',
      itemsPerPage: 100,
    }))
      await handle(sale);
  } catch (error) {
    // After a long outage more sales may have changed than one check pages through. They come oldest first,
    // so everything up to the last one seen is handled: move the cursor there and let the next check go on,
    // instead of failing the same way for ever.
    const stopped = isLifePosPagingError(error) && error.code === LIFEPOS_PAGING_CODES.tooManyPages;
    if (!stopped || lastUpdatedAt === null) throw error;
    advanceTo = new Date(lastUpdatedAt);
    truncated = true;
    logger.warn('LIFE POS sales check stopped at its page limit; the next check goes on', {
      seen,
      advanceTo,
    });
  }
  await db.syncCursors.advance(connectionId, { lifeposSalesCursor: advanceTo });
  if (queued > 0)
    logger.info('LIFE POS sales checked', { seen, queued, settled, since: since.toISOString() });
  if (truncated) return { outcome: 'checked', seen, queued, settled, since: since.toISOString(), truncated };
  return { outcome: 'checked', seen, queued, settled, since: since.toISOString() };
}

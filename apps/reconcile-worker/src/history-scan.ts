import type { OrderEventsRepository, OrderLinksRepository, SyncCursorsRepository } from '@connector/db';
import { type HistoryRepair, repairForHistoryEntry, SHOP_HISTORY_FIELD } from '@connector/domain';
import type { Logger } from '@connector/logger';
import { backgroundPace, jobIdFor, orderExportPace, orderJobId, type Producer } from '@connector/queue';
import type { PageLimit, RetailCrmClient, RetailCrmHistoryEntry } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';
import { activationStart } from './history-start.js';
import { countRepair } from './reconcile-metrics.js';

/**
 * The RetailCRM half of reconciliation: read `orders/history` after the connection's stored cursor and
 * enqueue, for every change a trigger should have announced, the job that trigger would have enqueued.
 * RetailCRM sends a trigger once and never again; this is what makes a lost one harmless. A shop change of
 * an exported order counts as well, so the sale moves even on an account without the shop-change trigger.
 * Without a cursor the scan starts at `reconcileFrom`, else at the connection's activation (`history-start.ts`).
 *
 * The cursor (`SyncCursor.retailcrmHistorySinceId`) only ever moves past entries that were handled — the
 * job is in Redis, or the entry needs none — and it is stored after every page, so a failure (RetailCRM
 * 5xx or rate limit, Redis down) loses no entry and redoes at most one page. Redoing is harmless: each
 * job id is derived from its history entry, and every job re-reads both APIs anyway.
 */

export interface HistoryScanOptions {
  /** Pages read in one run at most; the next run goes on from the cursor. Default 50 (5,000 entries). */
  maxPages?: number;
  /** Entries per page (RetailCRM allows 20, 50 or 100). Default 100. */
  pageLimit?: PageLimit;
}

export interface HistoryScanDeps extends HistoryScanOptions {
  cursors: Pick<SyncCursorsRepository, 'get' | 'advance'>;
  orderEvents: Pick<OrderEventsRepository, 'list'>;
  /** Whether the connector exported an order (a shop change moves only an exported order's sale). */
  orderLinks: Pick<OrderLinksRepository, 'get'>;
  producer: Pick<Producer, 'add'>;
  logger: Logger;
  now?: () => Date;
  /** Aborts when the run's lock is lost: another run may be reading the same pages now. */
  signal?: AbortSignal;
}

export type HistoryScanTenant = Pick<Tenant, 'connection' | 'settings' | 'retailcrm' | 'record'>;

export type HistoryScanResult =
  /**
   * First run of a connection activated before activation times were recorded, without a start date:
   * the cursor was set to the newest entry, nothing else was read.
   */
  | { outcome: 'started'; sinceId: number }
  | {
      outcome: 'scanned';
      /** False when `maxPages` stopped the run before the end of the feed. */
      complete: boolean;
      pages: number;
      entries: number;
      /** Jobs whose trigger never arrived. */
      repaired: number;
      /** Jobs whose trigger had arrived (queued anyway: the jobs are idempotent and cheap). */
      checked: number;
      /** The stored cursor after the run (null: nothing read yet since `reconcileFrom` or activation). */
      sinceId: number | null;
    };

/**
 * How long before the previous complete run a trigger may have been received and still belong to a change
 * this run reads: a change made just before that run started may only show up now, its trigger earlier.
 */
const TRIGGER_LOOKBACK_MS = 60_000;
/** Timeline entries looked at per order when asking whether a trigger arrived. */
const TIMELINE_WINDOW = 100;
const DEFAULT_MAX_PAGES = 50;

const TRIGGER_EVENTS = new Set(['trigger.received', 'trigger.rejected']);

/**
 * The newest history id, for a first run "from now" of a connection with no activation time. RetailCRM
 * has no "latest id" call, but lists the feed in ascending id order with a page count, so the last page
 * holds the newest entry: two requests, and no clock involved. (A `startDate` = now query would depend on our clock
 * matching the account's wall clock and time zone, and finds nothing to anchor on while the account is
 * quiet.) Entries added between the two requests are counted as before "now", which is what "now" is.
 */
async function newestHistoryId(retailcrm: RetailCrmClient, limit: PageLimit): Promise<number> {
  const newest = (entries: readonly RetailCrmHistoryEntry[]) =>
    entries.reduce((max, entry) => Math.max(max, entry.id), 0);
  const first = await retailcrm.orderHistory({ limit });
  const lastPage = first.pagination.totalPageCount;
  if (lastPage <= 1) return newest(first.history);
  const last = await retailcrm.orderHistory({ limit, page: lastPage });
  return Math.max(newest(first.history), newest(last.history));
}

/**
 * `reconcileFrom` as a history `startDate`: a date is midnight of the account's own wall clock (sent as
 * text, as RetailCRM reads it); an instant is converted by the client into the account's wall clock.
 */
function historyStart(reconcileFrom: string): Date | string {
  return /^\d{4}-\d{2}-\d{2}$/.test(reconcileFrom) ? `${reconcileFrom} 00:00:00` : new Date(reconcileFrom);
}

type Enqueue = Extract<HistoryRepair, { action: 'enqueue' }>;

function describeChange(repair: Enqueue): string {
  if (repair.change === 'payment-status') return `a payment of the order entered "${repair.status}"`;
  if (repair.change === 'shop') {
    return repair.status ? `the order's shop changed to "${repair.status}"` : "the order's shop was cleared";
  }
  return `the order entered "${repair.status}"`;
}

export async function scanOrderHistory(
  deps: HistoryScanDeps,
  tenant: HistoryScanTenant,
): Promise<HistoryScanResult> {
  const { cursors, orderEvents, producer, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const limit = deps.pageLimit ?? 100;
  const maxPages = deps.maxPages ?? DEFAULT_MAX_PAGES;
  const connectionId = tenant.connection.id;
  const startedAt = now();
  const cursor = await cursors.get(connectionId);
  const { reconcileFrom } = tenant.settings;

  // Until the first entry is handled there is no cursor, and each run starts again from the same start.
  let start: { sinceId: number } | { startDate: Date | string };
  const { activatedAt } = tenant.connection;
  if (cursor.retailcrmHistorySinceId !== null) {
    start = { sinceId: cursor.retailcrmHistorySinceId };
  } else if (reconcileFrom !== undefined) {
    start = { startDate: historyStart(reconcileFrom) };
  } else if (activatedAt) {
    start = { startDate: await activationStart(tenant.retailcrm, activatedAt, now) };
    logger.info('order history reconciliation starts from the activation', { activatedAt, start });
  } else {
    const sinceId = await newestHistoryId(tenant.retailcrm, limit);
    await cursors.advance(connectionId, { retailcrmHistorySinceId: sinceId, lastReconciledAt: startedAt });
    logger.info('order history reconciliation starts from now', { sinceId });
    return { outcome: 'started', sinceId };
  }
  const pages = tenant.retailcrm.orderHistoryPages({ ...start, limit });
  const triggersSince =
    cursor.lastReconciledAt === null
      ? undefined
      : new Date(cursor.lastReconciledAt.getTime() - TRIGGER_LOOKBACK_MS);

  async function triggerArrived(repair: Enqueue): Promise<boolean> {
    const events = await orderEvents.list(connectionId, repair.orderId, { limit: TIMELINE_WINDOW });
    return events.some((event) => {
      const data = event.data as { status?: unknown } | null;
      return (
        TRIGGER_EVENTS.has(event.type) &&
        data?.status === repair.trigger &&
        (triggersSince === undefined || event.createdAt >= triggersSince)
      );
    });
  }

  /** The job the trigger would have enqueued; then a timeline line saying whether the trigger was lost. */
  async function enqueue(entry: RetailCrmHistoryEntry, repair: Enqueue): Promise<'repaired' | 'checked'> {
    const { queue, orderId } = repair;
    const jobId = jobIdFor(queue, connectionId, orderId, `history-${entry.id}`);
    const added = await producer.add(
      queue,
      { connectionId, orderId, source: 'reconcile' },
      {
        dedupeId: orderJobId(queue, connectionId, orderId),
        jobId,
        // Background work, like the sweep's repairs: paced after the shop's live (trigger) slots and at half
        // its rate, so a back-fill never holds a live trigger's job back (docs/ARCHITECTURE.md, «Pacing and
        // fairness»).
        ...(queue === 'order-export' && {
          pace: backgroundPace(orderExportPace(connectionId, tenant.settings.rateLimits)),
        }),
      },
    );
    // The job is queued: what follows only informs people and must not turn that into a failure.
    let outcome: 'repaired' | 'checked' = 'repaired';
    try {
      outcome = (await triggerArrived(repair)) ? 'checked' : 'repaired';
      const data = {
        historyId: entry.id,
        trigger: repair.trigger,
        status: repair.status,
        queue,
        jobId: added.id,
        deduplicated: added.id !== jobId,
      };
      await tenant.record(
        orderId,
        outcome === 'repaired'
          ? {
              type: 'reconcile.repaired',
              message: `repaired by reconciliation: ${describeChange(repair)} (RetailCRM history #${entry.id}) but its "${repair.trigger}" trigger never arrived; ${queue} job queued`,
              data,
            }
          : {
              type: 'reconcile.checked',
              message: `checked by reconciliation: ${describeChange(repair)} (RetailCRM history #${entry.id}) and its "${repair.trigger}" trigger had arrived; ${queue} job queued to re-check`,
              data,
            },
      );
    } catch (error) {
      logger.warn('could not record the reconciliation in the timeline', { error, orderId, queue });
    }
    countRepair(queue, outcome);
    if (outcome === 'repaired') {
      logger.warn('lost trigger repaired', { orderId, queue, historyId: entry.id, status: repair.status });
    }
    return outcome;
  }

  // One job per (queue, order) and run: later entries of the same order are covered by that job's re-read.
  const queued = new Set<string>();
  const exportedOrders = new Map<number, boolean>();
  async function isExported(orderId: number): Promise<boolean> {
    let exported = exportedOrders.get(orderId);
    if (exported === undefined) {
      const link = await deps.orderLinks.get(connectionId, orderId);
      exported = link?.state === 'exported' && link.lifeposSaleId !== null;
      exportedOrders.set(orderId, exported);
    }
    return exported;
  }
  const result = { pages: 0, entries: 0, repaired: 0, checked: 0 };
  let sinceId = cursor.retailcrmHistorySinceId;
  let complete = true;
  for await (const page of pages) {
    deps.signal?.throwIfAborted();
    result.pages += 1;
    let handled: number | undefined;
    try {
      for (const entry of [...page.history].sort((a, b) => a.id - b.id)) {
        const exported = entry.field === SHOP_HISTORY_FIELD && (await isExported(entry.order.id));
        const repair = repairForHistoryEntry(entry, tenant.settings, { exported });
        if (repair.action === 'enqueue') {
          const key = `${repair.queue}.${repair.orderId}`;
          if (!queued.has(key)) {
            result[await enqueue(entry, repair)] += 1;
            queued.add(key);
          }
        }
        handled = entry.id;
        result.entries += 1;
      }
    } catch (error) {
      // Keep what was handled before the failure; the next run starts at the entry that failed.
      if (handled !== undefined) {
        await cursors
          .advance(connectionId, { retailcrmHistorySinceId: handled })
          .catch((advanceError: unknown) =>
            logger.warn('could not store the history cursor', { error: advanceError, sinceId: handled }),
          );
      }
      throw error;
    }
    if (handled !== undefined) {
      sinceId = (await cursors.advance(connectionId, { retailcrmHistorySinceId: handled }))
        .retailcrmHistorySinceId;
    }
    // `totalPageCount` counts the pages after this page's `sinceId`: more than one means more to read.
    if (result.pages >= maxPages && page.pagination.totalPageCount > 1) {
      complete = false;
      break;
    }
  }
  // Only a run that reached the end of the feed moves the trigger look-back window on.
  if (complete) await cursors.advance(connectionId, { lastReconciledAt: startedAt });
  return { outcome: 'scanned', complete, ...result, sinceId };
}

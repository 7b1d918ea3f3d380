import type {
  OrderLinksRepository,
  OrderMarksRepository,
  SyncCursorRecord,
  SyncCursorsRepository,
} from '@connector/db';
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
  /** When each order's triggers were last received: tells a lost trigger from one that arrived. */
  orderMarks: Pick<OrderMarksRepository, 'lastTriggerReceived'>;
  /** Whether the connector exported an order (a shop change moves only an exported order's sale). */
  orderLinks: Pick<OrderLinksRepository, 'get'>;
  producer: Pick<Producer, 'add'>;
  logger: Logger;
  now?: () => Date;
  /** Aborts when the run's lock is lost: another run may be reading the same pages now. */
  signal?: AbortSignal;
}

export type HistoryScanTenant = Pick<Tenant, 'connection' | 'settings' | 'retailcrm' | 'timeline'>;

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
const DEFAULT_MAX_PAGES = 50;

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

type HistoryStart = { sinceId: number } | { startDate: Date | string };

/** Where a run reads from: the cursor, else `reconcileFrom`, else the activation; null: no start yet. */
async function scanStart(
  deps: HistoryScanDeps,
  tenant: HistoryScanTenant,
  cursor: SyncCursorRecord,
  now: () => Date,
): Promise<HistoryStart | null> {
  // Until the first entry is handled there is no cursor, and each run starts again from the same start.
  const { activatedAt } = tenant.connection;
  const { reconcileFrom } = tenant.settings;
  if (cursor.retailcrmHistorySinceId !== null) return { sinceId: cursor.retailcrmHistorySinceId };
  if (reconcileFrom !== undefined) return { startDate: historyStart(reconcileFrom) };
  if (!activatedAt) return null;
  const start = { startDate: await activationStart(tenant.retailcrm, activatedAt, now) };
  deps.logger.info('order history reconciliation starts from the activation', { activatedAt, start });
  return start;
}

/** One run's state: what it queued and looked up so far, and its counts. */
interface ScanRun {
  deps: HistoryScanDeps;
  tenant: HistoryScanTenant;
  connectionId: string;
  /** Triggers received before this do not count for the changes this run reads (undefined: all count). */
  triggersSince: Date | undefined;
  /** One job per (queue, order) and run: later entries of the same order are covered by that job's re-read. */
  queued: Set<string>;
  exportedOrders: Map<number, boolean>;
  result: { pages: number; entries: number; repaired: number; checked: number };
}

/** Whether the trigger of the change was received (by the ingress or its job), read from `OrderMark`. */
async function triggerArrived(run: ScanRun, repair: Enqueue): Promise<boolean> {
  const receivedAt = await run.deps.orderMarks.lastTriggerReceived(
    run.connectionId,
    repair.orderId,
    repair.trigger,
  );
  return receivedAt !== null && (run.triggersSince === undefined || receivedAt >= run.triggersSince);
}

/** Says on the timeline whether the trigger was lost (`repaired`) or had arrived (`checked`). */
async function recordRepair(
  run: ScanRun,
  entry: RetailCrmHistoryEntry,
  repair: Enqueue,
  job: { id: string; deduplicated: boolean },
): Promise<'repaired' | 'checked'> {
  const { queue } = repair;
  const outcome = (await triggerArrived(run, repair)) ? 'checked' : 'repaired';
  const data = {
    historyId: entry.id,
    trigger: repair.trigger,
    status: repair.status,
    queue,
    jobId: job.id,
    deduplicated: job.deduplicated,
  };
  await run.tenant.timeline.append(
    repair.orderId,
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
  return outcome;
}

/** The job the trigger would have enqueued; then a timeline line saying whether the trigger was lost. */
async function enqueue(
  run: ScanRun,
  entry: RetailCrmHistoryEntry,
  repair: Enqueue,
): Promise<'repaired' | 'checked'> {
  const { connectionId, deps, tenant } = run;
  const { queue, orderId } = repair;
  const jobId = jobIdFor(queue, connectionId, orderId, `history-${entry.id}`);
  const added = await deps.producer.add(
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
    outcome = await recordRepair(run, entry, repair, { id: added.id, deduplicated: added.id !== jobId });
  } catch (error) {
    deps.logger.warn('could not record the reconciliation in the timeline', { error, orderId, queue });
  }
  countRepair(queue, outcome);
  if (outcome === 'repaired') {
    deps.logger.warn('lost trigger repaired', { orderId, queue, historyId: entry.id, status: repair.status });
  }
  return outcome;
}

async function isExported(run: ScanRun, orderId: number): Promise<boolean> {
  let exported = run.exportedOrders.get(orderId);
  if (exported === undefined) {
    const link = await run.deps.orderLinks.get(run.connectionId, orderId);
    exported = link?.state === 'exported' && link.lifeposSaleId !== null;
    run.exportedOrders.set(orderId, exported);
  }
  return exported;
}

/** Handles one entry: queues the job its trigger would have queued, once per (queue, order) and run. */
async function handleEntry(run: ScanRun, entry: RetailCrmHistoryEntry): Promise<void> {
  const exported = entry.field === SHOP_HISTORY_FIELD && (await isExported(run, entry.order.id));
  const repair = repairForHistoryEntry(entry, run.tenant.settings, { exported });
  if (repair.action !== 'enqueue') return;
  const key = `${repair.queue}.${repair.orderId}`;
  if (run.queued.has(key)) return;
  run.result[await enqueue(run, entry, repair)] += 1;
  run.queued.add(key);
}

/**
 * Handles one page's entries in id order and stores the cursor after the last one handled; on a failure
 * it keeps what was handled before it (the next run starts at the entry that failed). Returns the stored
 * cursor, or undefined when the page held no entry.
 */
async function scanPage(
  run: ScanRun,
  history: readonly RetailCrmHistoryEntry[],
): Promise<number | null | undefined> {
  const { cursors, logger } = run.deps;
  let handled: number | undefined;
  try {
    for (const entry of [...history].sort((a, b) => a.id - b.id)) {
      await handleEntry(run, entry);
      handled = entry.id;
      run.result.entries += 1;
    }
  } catch (error) {
    if (handled !== undefined) {
      await cursors
        .advance(run.connectionId, { retailcrmHistorySinceId: handled })
        .catch((advanceError: unknown) =>
          logger.warn('could not store the history cursor', { error: advanceError, sinceId: handled }),
        );
    }
    throw error;
  }
  if (handled === undefined) return undefined;
  return (await cursors.advance(run.connectionId, { retailcrmHistorySinceId: handled }))
    .retailcrmHistorySinceId;
}

/** A first run "from now" (no cursor, no `reconcileFrom`, no activation time): sets the cursor only. */
async function startFromNow(
  deps: HistoryScanDeps,
  tenant: HistoryScanTenant,
  startedAt: Date,
): Promise<HistoryScanResult> {
  const sinceId = await newestHistoryId(tenant.retailcrm, deps.pageLimit ?? 100);
  await deps.cursors.advance(tenant.connection.id, {
    retailcrmHistorySinceId: sinceId,
    lastReconciledAt: startedAt,
  });
  deps.logger.info('order history reconciliation starts from now', { sinceId });
  return { outcome: 'started', sinceId };
}

export async function scanOrderHistory(
  deps: HistoryScanDeps,
  tenant: HistoryScanTenant,
): Promise<HistoryScanResult> {
  const now = deps.now ?? (() => new Date());
  const maxPages = deps.maxPages ?? DEFAULT_MAX_PAGES;
  const connectionId = tenant.connection.id;
  const startedAt = now();
  const cursor = await deps.cursors.get(connectionId);
  const start = await scanStart(deps, tenant, cursor, now);
  if (!start) return startFromNow(deps, tenant, startedAt);

  const run: ScanRun = {
    deps,
    tenant,
    connectionId,
    triggersSince:
      cursor.lastReconciledAt === null
        ? undefined
        : new Date(cursor.lastReconciledAt.getTime() - TRIGGER_LOOKBACK_MS),
    queued: new Set(),
    exportedOrders: new Map(),
    result: { pages: 0, entries: 0, repaired: 0, checked: 0 },
  };
  let sinceId = cursor.retailcrmHistorySinceId;
  let complete = true;
  for await (const page of tenant.retailcrm.orderHistoryPages({ ...start, limit: deps.pageLimit ?? 100 })) {
    deps.signal?.throwIfAborted();
    run.result.pages += 1;
    const stored = await scanPage(run, page.history);
    if (stored !== undefined) sinceId = stored;
    // `totalPageCount` counts the pages after this page's `sinceId`: more than one means more to read.
    if (run.result.pages >= maxPages && page.pagination.totalPageCount > 1) {
      complete = false;
      break;
    }
  }
  // Only a run that reached the end of the feed moves the trigger look-back window on.
  if (complete) await deps.cursors.advance(connectionId, { lastReconciledAt: startedAt });
  return { outcome: 'scanned', complete, ...run.result, sinceId };
}

import type {
  OrderLink,
  OrderLinksRepository,
  OrderListCursor,
  OrderListRepository,
  OutletLinksRepository,
} from '@connector/db';
import { type SweepReason, type SweepRepair, sweepRepairs } from '@connector/domain';
import type { Logger } from '@connector/logger';
import {
  backgroundPace,
  jobIdFor,
  orderExportPace,
  orderJobId,
  type Pace,
  type Producer,
} from '@connector/queue';
import { type PageLimit, parseRetailCrmDate, type RetailCrmOrder } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';
import { countSweepRepair } from './reconcile-metrics.js';
import {
  type LinksCursor,
  type RestMarker,
  restAfter,
  restKey,
  type SweepProgress,
  type SweepState,
} from './sweep-state.js';

/**
 * The convergence sweep: every recent order is compared with its order link (`sweepRepairs` in
 * `@connector/domain`), and the jobs that bring the two together are enqueued. A cursor only repairs what
 * it has not passed; this compares state, so it heals whatever was lost — a trigger, a job, Redis's data
 * (a flush), jobs that ran out of retries during an outage.
 *
 * A pass has two parts. The orders part lists the orders whose status changed in the look-back window
 * (`filter[statusUpdatedAtFrom]`). RetailCRM's order list has no filter on other changes
 * (docs/RETAILCRM-API.md, «Order list»), so an order whose status stayed the same while its shop or a
 * payment changed is not among them: the links part reads the connection's exported links written in the
 * window (a keyset over the links' `(connectionId, updatedAt, id)` index) and the orders of those the
 * orders part did not compare, by id, 100 a call.
 *
 * Cost per pass: one RetailCRM list call per 100 orders whose status changed in the window, plus one per
 * 100 exported links written in the window (whose orders the orders part did not read), one database query
 * per such page, and no LIFE POS call (the jobs it enqueues read LIFE POS, for the orders that disagree
 * only). The repairs are background work: paced after the tenant's live (trigger) jobs, at half its rate,
 * and at most one period's worth per run.
 */

export interface SweepOptions {
  /** RetailCRM list calls in one run at most; the next run goes on from there. Default 20 (2,000 orders). */
  maxPages?: number;
  /** Orders per list call, and exported links per batch (RetailCRM allows 20, 50 or 100). Default 100. */
  pageLimit?: PageLimit;
  /**
   * Orders that entered their status less than this long ago are left to their trigger, which is probably
   * on its way (its job would otherwise merge into the sweep's, slower one). Default 1 minute.
   */
  settleMs?: number;
  /** Share of the tenant's rate the repairs may take (see `backgroundPace`). Default 0.5. */
  backgroundShare?: number;
}

export interface SweepDeps extends SweepOptions {
  db: {
    orderLinks: Pick<OrderLinksRepository, 'listForOrders'>;
    orderList: Pick<OrderListRepository, 'page'>;
    outletLinks: Pick<OutletLinksRepository, 'list'>;
  };
  state: Omit<SweepState, 'close'>;
  producer: Pick<Producer, 'add'>;
  logger: Logger;
  now?: () => Date;
  /** Aborts when the run's lock is lost. */
  signal?: AbortSignal;
}

export type SweepTenant = Pick<Tenant, 'connection' | 'settings' | 'retailcrm' | 'timeline'>;

export interface SweepResult {
  outcome: 'swept';
  /** True when the run finished the pass (both parts); false: the next run goes on where it stopped. */
  complete: boolean;
  /** The start of the window this pass reads (ISO). */
  from: string;
  /** RetailCRM list calls. */
  pages: number;
  /** Orders compared. */
  orders: number;
  /** Exported links read by the links part (those whose order the orders part compared included). */
  links: number;
  /** Jobs enqueued. */
  repaired: number;
  /** Disagreements whose order already had a job of that kind waiting or running. */
  pending: number;
  /** Disagreements repaired lately and left to rest (see `RestMarker`). */
  resting: number;
}

const DEFAULT_MAX_PAGES = 20;
const DEFAULT_SETTLE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The orders part's window: `sweepWindowHours` back, but never before the connection was activated (an
 * order that changed before is not the connector's business). The links part's window is not bounded by
 * the activation: an exported link is a sale the connector made, which stays its business.
 */
export function sweepWindowStart(tenant: Pick<SweepTenant, 'connection' | 'settings'>, now: Date): Date {
  const windowStart = new Date(now.getTime() - tenant.settings.sweepWindowHours * HOUR_MS);
  const { activatedAt } = tenant.connection;
  return activatedAt && activatedAt > windowStart ? activatedAt : windowStart;
}

const MESSAGES: Record<SweepReason, (repair: SweepRepair, order: RetailCrmOrder) => string> = {
  'not-exported': ({ status }) =>
    `Сверка: заказ в статусе «${status}» должен быть в LIFE POS, но не выгружен — выгрузка поставлена в очередь`,
  'export-failed': ({ status }) =>
    `Сверка: заказ в статусе «${status}» должен быть в LIFE POS, но его выгрузка не удалась — выгрузка снова поставлена в очередь`,
  'sale-gone': ({ status }) =>
    `Сверка: заказ снова в статусе «${status}», а его продажа в LIFE POS отменена или удалена — выгрузка заново поставлена в очередь`,
  'outlet-changed': (_repair, order) =>
    `Сверка: магазин заказа в RetailCRM — «${order.shipmentStore}», а продажа в LIFE POS в другой торговой точке — перенос продажи поставлен в очередь`,
  'not-cancelled': ({ status }) =>
    `Сверка: заказ в статусе отмены «${status}», а продажа в LIFE POS не отменена — отмена поставлена в очередь`,
  'not-deleted': ({ status }) =>
    `Сверка: заказ в статусе ошибочной отмены «${status}», а продажа в LIFE POS не удалена — удаление поставлено в очередь`,
  'not-refunded': ({ status }) =>
    `Сверка: оплата заказа в статусе возврата «${status}», а в LIFE POS возврат не оформлен — возврат поставлен в очередь`,
};

interface Candidate {
  order: RetailCrmOrder;
  repair: SweepRepair;
  /** The disagreement itself: a rest marker of another disagreement does not hold this repair back. */
  fingerprint: string;
}

function fingerprintOf(repair: SweepRepair, order: RetailCrmOrder, link: OrderLink | null): string {
  return [repair.reason, repair.status, order.shipmentStore ?? '', link?.updatedAt.getTime() ?? 0].join('|');
}

/** What the parts of one run share. */
interface SweepRun {
  deps: SweepDeps;
  tenant: SweepTenant;
  connectionId: string;
  startedAt: Date;
  settledBefore: Date;
  /** RetailCRM store code → LIFE POS outlet id. */
  outlets: Map<string, string>;
  pace: Pace;
  /** One period's worth of background slots: the repairs never book the tenant's rate further ahead. */
  maxRepairs: number;
  runTag: string;
  periodMs: number;
  windowMs: number;
  limit: PageLimit;
  /** RetailCRM list calls this run may still make. */
  callsLeft: number;
  result: SweepResult;
}

function enteredAt(run: SweepRun, order: RetailCrmOrder): Date | undefined {
  if (!order.statusUpdatedAt) return undefined;
  try {
    return parseRetailCrmDate(order.statusUpdatedAt, run.tenant.retailcrm.timeZone);
  } catch {
    return undefined;
  }
}

/** The disagreements of these orders; their links are read in one query unless the caller has them. */
async function candidatesOf(
  run: SweepRun,
  orders: readonly RetailCrmOrder[],
  known?: readonly OrderLink[],
): Promise<Candidate[]> {
  const ids = orders.map((order) => order.id);
  const found = known ?? (await run.deps.db.orderLinks.listForOrders(run.connectionId, ids));
  const links = new Map(found.map((link) => [link.retailcrmOrderId, link]));
  return orders.flatMap((order) => {
    const link = links.get(order.id) ?? null;
    const repairs = sweepRepairs({
      order: {
        id: order.id,
        status: order.status,
        statusUpdatedAt: enteredAt(run, order),
        storeCode: order.shipmentStore,
        payments: order.payments,
      },
      link,
      outletOfStore: (storeCode) => run.outlets.get(storeCode),
      settings: run.tenant.settings,
      settledBefore: run.settledBefore,
    });
    return repairs.map((repair) => ({ order, repair, fingerprint: fingerprintOf(repair, order, link) }));
  });
}

async function repairOrder(run: SweepRun, candidate: Candidate, marker: RestMarker | undefined) {
  const { deps, tenant, connectionId, startedAt } = run;
  const { order, repair: wanted, fingerprint } = candidate;
  const { queue } = wanted;
  const jobId = jobIdFor(queue, connectionId, order.id, run.runTag);
  const added = await deps.producer.add(
    queue,
    { connectionId, orderId: order.id, source: 'reconcile' },
    // The ingress's dedupe id: a trigger arriving meanwhile merges. A job id of this run's own: never one
    // that a job failed for good still holds, so the add does make a runnable job.
    { dedupeId: orderJobId(queue, connectionId, order.id), jobId, pace: run.pace },
  );
  const count = marker?.fingerprint === fingerprint ? marker.count + 1 : 1;
  await deps.state.rest(
    connectionId,
    { queue, orderId: order.id },
    { fingerprint, count, until: startedAt.getTime() + restAfter(count, run.periodMs) },
    run.windowMs,
  );
  countSweepRepair(queue, wanted.reason);
  deps.logger.info('convergence sweep repaired an order', {
    orderId: order.id,
    queue,
    reason: wanted.reason,
  });
  // The job is queued: what follows only informs people and must not turn that into a failure.
  await tenant.timeline
    .append(order.id, {
      type: 'sweep.repaired',
      message: MESSAGES[wanted.reason](wanted, order),
      data: { queue, reason: wanted.reason, status: wanted.status, jobId: added.id, repairs: count },
    })
    .catch((error: unknown) =>
      deps.logger.warn('could not record the sweep repair', { error, orderId: order.id }),
    );
}

/** Compares the orders and repairs their disagreements; false when the run's share of repairs is used up. */
async function compareOrders(
  run: SweepRun,
  orders: readonly RetailCrmOrder[],
  links?: readonly OrderLink[],
): Promise<boolean> {
  const { deps, connectionId, result, startedAt } = run;
  result.orders += orders.length;
  const candidates = await candidatesOf(run, orders, links);
  const markers = await deps.state.markers(
    connectionId,
    candidates.map(({ order, repair }) => ({ queue: repair.queue, orderId: order.id })),
  );
  for (const candidate of candidates) {
    const { order, repair: wanted, fingerprint } = candidate;
    const marker = markers.get(restKey({ queue: wanted.queue, orderId: order.id }));
    if (marker?.fingerprint === fingerprint && marker.until > startedAt.getTime()) {
      result.resting += 1;
    } else if (await deps.state.pendingJob(wanted.queue, connectionId, order.id)) {
      result.pending += 1;
    } else {
      if (result.repaired >= run.maxRepairs) return false;
      deps.signal?.throwIfAborted();
      await repairOrder(run, candidate, marker);
      result.repaired += 1;
    }
  }
  return true;
}

type OrdersPass = Extract<SweepProgress, { phase: 'orders' }>;
type LinksPass = Extract<SweepProgress, { phase: 'links' }>;

/**
 * The orders part: the orders whose status changed since the pass's start, a page per call. Returns the
 * links part to go on with, or undefined when the run stops here (its calls or repairs used up).
 */
async function sweepOrders(run: SweepRun, pass: OrdersPass): Promise<LinksPass | undefined> {
  const { deps, tenant, connectionId, result } = run;
  const from = new Date(pass.from);
  const fromSecond = Math.floor(from.getTime() / 1000) * 1000;
  let { page } = pass;
  while (run.callsLeft > 0) {
    deps.signal?.throwIfAborted();
    const listed = await tenant.retailcrm.listOrders(
      { statusUpdatedAtFrom: from },
      { page, limit: run.limit },
    );
    run.callsLeft -= 1;
    result.pages += 1;
    // The filter is a date (from that day's midnight): the window starts at its instant — to the second,
    // as RetailCRM prints the orders' times.
    const orders = listed.orders.filter((order) => (enteredAt(run, order) ?? from).getTime() >= fromSecond);
    await deps.state.markCompared(
      connectionId,
      orders.map((order) => order.id),
    );
    if (!(await compareOrders(run, orders))) {
      // Out of this run's repairs: the next run reads this page again (what was queued is skipped then).
      await deps.state.saveProgress(connectionId, { ...pass, page });
      return undefined;
    }
    if (listed.orders.length === 0 || page >= listed.pagination.totalPageCount) {
      const next: LinksPass = { phase: 'links', from: pass.from, startedAt: pass.startedAt };
      await deps.state.saveProgress(connectionId, next);
      return next;
    }
    page += 1;
    await deps.state.saveProgress(connectionId, { ...pass, page });
  }
  return undefined;
}

const toCursor = (after: LinksCursor): OrderListCursor => ({
  updatedAt: new Date(after.updatedAt),
  id: after.id,
});
const fromCursor = (after: OrderListCursor): LinksCursor => ({
  updatedAt: after.updatedAt.toISOString(),
  id: after.id,
});

/**
 * The next exported links of the window whose orders the orders part did not compare, up to a list call's
 * worth, and the cursor after them (undefined: the window's links are all read).
 */
async function nextLinks(
  run: SweepRun,
  window: { from: Date; before: Date },
  after: OrderListCursor | undefined,
): Promise<{ links: OrderLink[]; next: OrderListCursor | undefined }> {
  const { deps, connectionId, result, limit } = run;
  const links: OrderLink[] = [];
  let cursor = after;
  do {
    deps.signal?.throwIfAborted();
    const page = await deps.db.orderList.page(
      { connectionId, states: ['exported'], updatedFrom: window.from, updatedBefore: window.before },
      { limit: limit - links.length, ...(cursor && { after: cursor }) },
    );
    result.links += page.links.length;
    const compared = await deps.state.compared(
      connectionId,
      page.links.map((link) => link.retailcrmOrderId),
    );
    links.push(...page.links.filter((link) => !compared.has(link.retailcrmOrderId)));
    cursor = page.next;
  } while (cursor && links.length < limit);
  return { links, next: cursor };
}

/**
 * The links part: the exported links written in the window (before the pass started: a link written since
 * was written by a job that just looked), their orders read by id. Returns true when it reached the end.
 */
async function sweepLinks(run: SweepRun, pass: LinksPass): Promise<boolean> {
  const { deps, tenant, connectionId, result } = run;
  const before = new Date(pass.startedAt);
  const window = { from: new Date(before.getTime() - run.windowMs), before };
  let after = pass.after && toCursor(pass.after);
  while (run.callsLeft > 0) {
    const { links, next } = await nextLinks(run, window, after);
    if (links.length > 0) {
      deps.signal?.throwIfAborted();
      const listed = await tenant.retailcrm.listOrders(
        { ids: links.map((link) => link.retailcrmOrderId) },
        { page: 1, limit: run.limit },
      );
      run.callsLeft -= 1;
      result.pages += 1;
      if (!(await compareOrders(run, listed.orders, links))) {
        // Out of this run's repairs: the next run reads these links again.
        await deps.state.saveProgress(connectionId, pass);
        return false;
      }
    }
    if (!next) return true;
    after = next;
    pass = { ...pass, after: fromCursor(next) };
    await deps.state.saveProgress(connectionId, pass);
  }
  return false;
}

async function openRun(
  deps: SweepDeps,
  tenant: SweepTenant,
  startedAt: Date,
  from: string,
): Promise<SweepRun> {
  const connectionId = tenant.connection.id;
  const { settings } = tenant;
  const periodMs = settings.sweepEverySeconds * 1000;
  const pace = backgroundPace(orderExportPace(connectionId, settings.rateLimits), deps.backgroundShare);
  const outlets = await deps.db.outletLinks.list(connectionId);
  return {
    deps,
    tenant,
    connectionId,
    startedAt,
    settledBefore: new Date(startedAt.getTime() - (deps.settleMs ?? DEFAULT_SETTLE_MS)),
    outlets: new Map(outlets.map((link) => [link.retailcrmStoreCode, link.lifeposOutletId])),
    pace,
    maxRepairs: Math.max(1, Math.floor(periodMs / pace.intervalMs)),
    runTag: `sweep-${startedAt.getTime()}`,
    periodMs,
    windowMs: settings.sweepWindowHours * HOUR_MS,
    limit: deps.pageLimit ?? 100,
    callsLeft: deps.maxPages ?? DEFAULT_MAX_PAGES,
    result: {
      outcome: 'swept',
      complete: false,
      from,
      pages: 0,
      orders: 0,
      links: 0,
      repaired: 0,
      pending: 0,
      resting: 0,
    },
  };
}

export async function runSweep(deps: SweepDeps, tenant: SweepTenant): Promise<SweepResult> {
  const startedAt = (deps.now ?? (() => new Date()))();
  const connectionId = tenant.connection.id;
  let pass = await deps.state.progress(connectionId);
  if (!pass) {
    // A new pass: forget what an unfinished one (its progress expired) had compared.
    await deps.state.saveProgress(connectionId, null);
    pass = {
      phase: 'orders',
      from: sweepWindowStart(tenant, startedAt).toISOString(),
      startedAt: startedAt.toISOString(),
      page: 1,
    };
  }
  const run = await openRun(deps, tenant, startedAt, pass.from);
  const links = pass.phase === 'orders' ? await sweepOrders(run, pass) : pass;
  if (links && (await sweepLinks(run, links))) {
    await deps.state.saveProgress(connectionId, null);
    run.result.complete = true;
  }
  return run.result;
}

import type { OrderLink, OrderLinksRepository, OutletLinksRepository } from '@connector/db';
import { type SweepReason, type SweepRepair, sweepRepairs } from '@connector/domain';
import type { Logger } from '@connector/logger';
import { backgroundPace, jobIdFor, orderExportPace, orderJobId, type Producer } from '@connector/queue';
import { type PageLimit, parseRetailCrmDate, type RetailCrmOrder } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';
import { countSweepRepair } from './reconcile-metrics.js';
import { type RestMarker, restAfter, restKey, type SweepState } from './sweep-state.js';

/**
 * The convergence sweep: every order whose status changed in the look-back window is compared with its
 * order link (`sweepRepairs` in `@connector/domain`), and the jobs that bring the two together are
 * enqueued. A cursor only repairs what it has not passed; this compares state, so it heals whatever was
 * lost — a trigger, a job, Redis's data (a flush), jobs that ran out of retries during an outage.
 *
 * Cost: one RetailCRM list call per 100 orders whose status changed in the window, one database query per
 * such page, and no LIFE POS call (the jobs it enqueues read LIFE POS, for the orders that disagree only).
 * The repairs are background work: paced after the tenant's live (trigger) jobs, at half its rate, and at
 * most one period's worth per run.
 */

export interface SweepOptions {
  /** Pages read in one run at most; the next run goes on from there. Default 20 (2,000 orders). */
  maxPages?: number;
  /** Orders per page (RetailCRM allows 20, 50 or 100). Default 100. */
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
    outletLinks: Pick<OutletLinksRepository, 'list'>;
  };
  state: Omit<SweepState, 'close'>;
  producer: Pick<Producer, 'add'>;
  logger: Logger;
  now?: () => Date;
  /** Aborts when the run's lock is lost. */
  signal?: AbortSignal;
}

export type SweepTenant = Pick<Tenant, 'connection' | 'settings' | 'retailcrm' | 'record'>;

export interface SweepResult {
  outcome: 'swept';
  /** True when the run reached the end of the window; false: the next run goes on from `page`. */
  complete: boolean;
  /** The start of the window this pass reads (ISO). */
  from: string;
  pages: number;
  orders: number;
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

/** The window: `sweepWindowHours` back, but never before the connection was activated. */
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

export async function runSweep(deps: SweepDeps, tenant: SweepTenant): Promise<SweepResult> {
  const { db, state, producer, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const limit = deps.pageLimit ?? 100;
  const maxPages = deps.maxPages ?? DEFAULT_MAX_PAGES;
  const connectionId = tenant.connection.id;
  const { settings } = tenant;
  const startedAt = now();
  const periodMs = settings.sweepEverySeconds * 1000;
  const windowMs = settings.sweepWindowHours * HOUR_MS;
  const pass = (await state.progress(connectionId)) ?? {
    from: sweepWindowStart(tenant, startedAt).toISOString(),
    page: 1,
  };
  const from = new Date(pass.from);
  const fromSecond = Math.floor(from.getTime() / 1000) * 1000;
  const settledBefore = new Date(startedAt.getTime() - (deps.settleMs ?? DEFAULT_SETTLE_MS));
  const outlets = new Map(
    (await db.outletLinks.list(connectionId)).map((link) => [link.retailcrmStoreCode, link.lifeposOutletId]),
  );
  const pace = backgroundPace(orderExportPace(connectionId, settings.rateLimits), deps.backgroundShare);
  // One period's worth of background slots per run: the repairs never book the tenant's rate further ahead.
  const maxRepairs = Math.max(1, Math.floor(periodMs / pace.intervalMs));
  const runTag = `sweep-${startedAt.getTime()}`;
  const result: SweepResult = {
    outcome: 'swept',
    complete: false,
    from: pass.from,
    pages: 0,
    orders: 0,
    repaired: 0,
    pending: 0,
    resting: 0,
  };

  const enteredAt = (order: RetailCrmOrder): Date | undefined => {
    if (!order.statusUpdatedAt) return undefined;
    try {
      return parseRetailCrmDate(order.statusUpdatedAt, tenant.retailcrm.timeZone);
    } catch {
      return undefined;
    }
  };

  /** The page's disagreements: the links of all its orders in one query. */
  async function candidatesOf(orders: readonly RetailCrmOrder[]): Promise<Candidate[]> {
    const links = new Map(
      (
        await db.orderLinks.listForOrders(
          connectionId,
          orders.map((order) => order.id),
        )
      ).map((link) => [link.retailcrmOrderId, link]),
    );
    return orders.flatMap((order) => {
      const link = links.get(order.id) ?? null;
      const repairs = sweepRepairs({
        order: {
          id: order.id,
          status: order.status,
          statusUpdatedAt: enteredAt(order),
          storeCode: order.shipmentStore,
          payments: order.payments,
        },
        link,
        outletOfStore: (storeCode) => outlets.get(storeCode),
        settings,
        settledBefore,
      });
      return repairs.map((repair) => ({ order, repair, fingerprint: fingerprintOf(repair, order, link) }));
    });
  }

  async function repair({ order, repair: wanted, fingerprint }: Candidate, marker: RestMarker | undefined) {
    const { queue } = wanted;
    const jobId = jobIdFor(queue, connectionId, order.id, runTag);
    const added = await producer.add(
      queue,
      { connectionId, orderId: order.id, source: 'reconcile' },
      // The ingress's dedupe id: a trigger arriving meanwhile merges. A job id of this run's own: never one
      // that a job failed for good still holds, so the add does make a runnable job.
      { dedupeId: orderJobId(queue, connectionId, order.id), jobId, pace },
    );
    const count = marker?.fingerprint === fingerprint ? marker.count + 1 : 1;
    await state.rest(
      connectionId,
      { queue, orderId: order.id },
      { fingerprint, count, until: startedAt.getTime() + restAfter(count, periodMs) },
      windowMs,
    );
    countSweepRepair(queue, wanted.reason);
    logger.info('convergence sweep repaired an order', { orderId: order.id, queue, reason: wanted.reason });
    // The job is queued: what follows only informs people and must not turn that into a failure.
    await tenant
      .record(order.id, {
        type: 'sweep.repaired',
        message: MESSAGES[wanted.reason](wanted, order),
        data: { queue, reason: wanted.reason, status: wanted.status, jobId: added.id, repairs: count },
      })
      .catch((error: unknown) =>
        logger.warn('could not record the sweep repair', { error, orderId: order.id }),
      );
  }

  /** Repairs the page's disagreements; false when the run's share of repairs is used up. */
  async function sweepPage(orders: readonly RetailCrmOrder[]): Promise<boolean> {
    const candidates = await candidatesOf(orders);
    const markers = await state.markers(
      connectionId,
      candidates.map(({ order, repair }) => ({ queue: repair.queue, orderId: order.id })),
    );
    for (const candidate of candidates) {
      const { order, repair: wanted, fingerprint } = candidate;
      const marker = markers.get(restKey({ queue: wanted.queue, orderId: order.id }));
      if (marker?.fingerprint === fingerprint && marker.until > startedAt.getTime()) {
        result.resting += 1;
      } else if (await state.pendingJob(wanted.queue, connectionId, order.id)) {
        result.pending += 1;
      } else {
        if (result.repaired >= maxRepairs) return false;
        deps.signal?.throwIfAborted();
        await repair(candidate, marker);
        result.repaired += 1;
      }
    }
    return true;
  }

  let page = pass.page;
  for (let read = 0; read < maxPages; read += 1) {
    deps.signal?.throwIfAborted();
    const listed = await tenant.retailcrm.listOrders({ statusUpdatedAtFrom: from }, { page, limit });
    result.pages += 1;
    // The filter is a date (from that day's midnight): the window starts at its instant — to the second,
    // as RetailCRM prints the orders' times.
    const orders = listed.orders.filter((order) => (enteredAt(order) ?? from).getTime() >= fromSecond);
    result.orders += orders.length;
    if (!(await sweepPage(orders))) {
      // Out of this run's repairs: the next run reads this page again (what was queued is skipped then).
      await state.saveProgress(connectionId, { from: pass.from, page });
      return result;
    }
    if (listed.orders.length === 0 || page >= listed.pagination.totalPageCount) {
      await state.saveProgress(connectionId, null);
      result.complete = true;
      return result;
    }
    page += 1;
    await state.saveProgress(connectionId, { from: pass.from, page });
  }
  return result;
}

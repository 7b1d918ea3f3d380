import type { OrderLink } from '@connector/db';
import {
  decideExport,
  type ExportDecision,
  everEnteredExportStatus,
  orderStatusRole,
} from '@connector/domain';
import { jsonPointer, type Sale } from '@connector/lifepos';
import { defineHandler, type JobHandler } from '@connector/queue';
import type { RetailCrmOrder } from '@connector/retailcrm';
import { type OrderJob, readOrderSales, startOrderJob, type Tenant } from '@connector/tenant';
import { CONFLICT, createSale, type SaleTarget } from './create-sale.js';
import { createExportContext, type ExportContext, type ExportOrderDeps } from './export-context.js';
import { shopOf } from './shop.js';

export type { ExportOrderDeps, OrderSync } from './export-context.js';

type Outcome = 'created' | 'kept' | 'moved' | 'skipped';
type ExportJob = OrderJob<Outcome>;

/** History pages read at most to learn whether an order ever entered an export status. */
const MAX_HISTORY_PAGES = 5;

/** One order's export once its outlet is known: its sale's target, its link, and how the job ends. */
interface OrderExport extends SaleTarget {
  storeCode: string;
  link: OrderLink | null;
  finished: ExportJob['finished'];
}

/**
 * `order-export`: RetailCRM order → LIFE POS sale. Re-reads the order and the sales LIFE POS holds for it,
 * then creates the sale (once: linked, or found by `meta` after a crash, or answered `Duplicate` for its
 * stable guid), moves it when the shop changed, or leaves it as it is. A sale the erroneous-cancel path
 * archived (or a cancelled one) is exported again as a new sale with the order's current contents.
 * The runner holds the order lock, so this is the only writer of the order while it runs.
 */
export function createExportOrderHandler(deps: ExportOrderDeps): JobHandler<'order-export'> {
  const ctx = createExportContext(deps);
  return defineHandler('order-export', async ({ data, job, signal }) => {
    const orderJob = await startOrderJob<Outcome>(
      deps.runtime,
      'order-export',
      data,
      job,
      'export to LIFE POS',
    );
    const { limits } = orderJob.tenant;
    // Every export makes a LIFE POS call after the order read. Its slot is reserved first (deferred here
    // when that bucket's backlog is longer than the limiter's maxWait), so a job the limit holds back has
    // not read the order yet: under a backlog each order is read once, not once per deferral.
    const ticket = await limits.lifepos.reserve();
    return limits.lifepos.spend(ticket, () => exportOrder(ctx, orderJob, data.orderId, signal));
  });
}

/** The export itself, once the job holds its LIFE POS slot: reads the order, and skips one not to export. */
async function exportOrder(
  ctx: ExportContext,
  { tenant, finished, notFound }: ExportJob,
  orderId: number,
  signal: AbortSignal,
) {
  // A forged trigger, or an order deleted since: recorded on the timeline, no incident (see `notFound`).
  const order = await tenant.retailcrm.getOrderOrNull(orderId);
  if (!order) return notFound();
  const role = orderStatusRole(order.status, tenant.settings);
  if (role !== 'other') {
    return finished('skipped', `not exported: the order is in the ${role} status "${order.status}"`, {
      status: order.status,
    });
  }
  const link = await ctx.db.orderLinks.get(tenant.connection.id, orderId);
  if (!link && !(await isDue(tenant, order))) {
    return finished(
      'skipped',
      `not exported: the order is in "${order.status}" and has not reached an export status yet`,
      { status: order.status },
    );
  }
  const { storeCode, outletId } = await outletFor(ctx, tenant, order);
  const run: OrderExport = { tenant, order, outletId, signal, storeCode, link, finished };
  if (!link) {
    const created = await exportNeverLinked(ctx, run);
    if (created) return created;
  }
  return exportByDecision(ctx, run);
}

/**
 * Whether an order the connector never exported is due: it is in an export status, or went through one
 * before this job ran. A `new` for an order still short of that (the shop-change trigger fires on any
 * order; a forged trigger may name any) must not send it early.
 */
async function isDue(tenant: Tenant, order: RetailCrmOrder): Promise<boolean> {
  if (tenant.settings.exportStatuses.includes(order.status)) return true;
  for (let page = 1; page <= MAX_HISTORY_PAGES; page += 1) {
    const answer = await tenant.retailcrm.orderHistory({ orderId: order.id, limit: 100, page });
    if (everEnteredExportStatus(answer.history, tenant.settings)) return true;
    if (page >= answer.pagination.totalPageCount) return false;
  }
  return false;
}

/** The order's shop and its LIFE POS outlet, running the store sync for a store not synced yet. */
async function outletFor(ctx: ExportContext, tenant: Tenant, order: RetailCrmOrder) {
  const storeCode = await shopOf(tenant, order);
  const linked = await ctx.db.outletLinks.get(tenant.connection.id, storeCode);
  if (linked) return { storeCode, outletId: linked.lifeposOutletId };
  await tenant.timeline.append(order.id, {
    type: 'sync.store',
    message: `store ${storeCode} has no LIFE POS outlet yet: running the store sync`,
    data: { storeCode },
  });
  const { outletId } = await ctx.sync.ensureOutlet(tenant, storeCode);
  return { storeCode, outletId };
}

/**
 * Never linked: almost always a first export, so its sale is created straight away instead of first
 * searching LIFE POS by meta (one call fewer per order). Whatever the search would have found makes the
 * create fail: the sale an earlier run created but did not link has this very guid (`Duplicate`), and any
 * other sale of the order holds its number (`NotUnique`). Then it answers undefined, and the full path
 * (`exportByDecision`) decides.
 */
async function exportNeverLinked(ctx: ExportContext, run: OrderExport) {
  const sale = await createSale(ctx, run, { action: 'create', attempt: 1, replaces: undefined }, true);
  if (sale !== CONFLICT) return linkAndFinish(ctx, run, sale, 'created');
  await run.tenant.timeline.append(run.order.id, {
    type: 'external.call',
    message: 'LIFE POS already holds a sale of this order: looking its sales up',
    data: {},
  });
  return undefined;
}

/** The full path: the sales LIFE POS holds for the order decide whether its sale is kept, moved or created. */
async function exportByDecision(ctx: ExportContext, run: OrderExport) {
  const { tenant, order, link, outletId } = run;
  const sales = await readOrderSales(tenant.lifepos, order.id, link?.lifeposSaleId);
  const decision = decideExport({
    order,
    sales,
    linkedSaleId: link?.lifeposSaleId,
    targetOutletId: outletId,
  });
  if (decision.action === 'keep') return linkAndFinish(ctx, run, decision.sale, 'kept');
  if (decision.action === 'move') {
    await moveSale(run, decision);
    return linkAndFinish(ctx, run, decision.sale, 'moved');
  }
  return linkAndFinish(ctx, run, await createSale(ctx, run, decision), 'created');
}

async function moveSale(
  { tenant, order, outletId, storeCode, signal }: OrderExport,
  { sale, fromOutletId }: Extract<ExportDecision, { action: 'move' }>,
) {
  signal.throwIfAborted();
  await tenant.lifepos.sales.patch(sale.guid, [
    { op: 'replace', path: jsonPointer('outlet'), value: { guid: outletId } },
  ]);
  await tenant.timeline.append(order.id, {
    type: 'external.call',
    message: `sale ${sale.number} moved from outlet ${fromOutletId ?? 'none'} to ${outletId} (store ${storeCode})`,
    data: { saleId: sale.guid, fromOutletId, toOutletId: outletId, storeCode },
  });
}

/** Links the order to its sale in LIFE POS and ends the job with what became of the sale. */
async function linkAndFinish(
  ctx: ExportContext,
  { tenant, order, outletId, storeCode, finished }: OrderExport,
  sale: Pick<Sale, 'guid' | 'number'>,
  outcome: Exclude<Outcome, 'skipped'>,
) {
  await ctx.db.orderLinks.upsert(tenant.connection.id, order.id, {
    state: 'exported',
    retailcrmOrderNumber: order.number,
    lifeposSaleId: sale.guid,
    lifeposOutletId: outletId,
    lifeposSaleNumber: sale.number,
  });
  const message = {
    created: `sale ${sale.number} created in LIFE POS`,
    kept: `sale ${sale.number} is already in LIFE POS; nothing to change`,
    moved: `sale ${sale.number} moved to the outlet of store ${storeCode}`,
  }[outcome];
  return finished(outcome, message, { saleId: sale.guid, outletId });
}

import type { Database } from '@connector/db';
import {
  decideExport,
  type ExportDecision,
  everEnteredExportStatus,
  orderKindOf,
  orderStatusRole,
  orderToSale,
  PermanentError,
  saleGuidFor,
  uomResolver,
} from '@connector/domain';
import { type Employee, isDuplicate, isNotUnique, jsonPointer, type Sale } from '@connector/lifepos';
import { defineHandler, type JobHandler, type Producer } from '@connector/queue';
import type { RetailCrmOrder } from '@connector/retailcrm';
import { courierIdOf, isCourierPhoneConflict, type Sync } from '@connector/sync';
import type { OrderJob, Tenant, TenantRuntime } from '@connector/tenant';
import { openIncident, readOrderSales, startOrderJob } from '@connector/tenant';
import { saleCreateInput } from './sale-create-input.js';
import { shopOf } from './shop.js';
import { createTenantCache } from './tenant-cache.js';

/** The part of `@connector/sync` the export needs: outlets for stores, employees + workplaces for couriers. */
export type OrderSync = Pick<Sync, 'ensureOutlet' | 'ensureCourier'>;

export interface ExportOrderDeps {
  runtime: TenantRuntime;
  db: Database;
  sync: OrderSync;
  /**
   * Opens the incident of a courier LIFE POS gives no employee (see `openerFor`). Without it (a test stack
   * that reports no incidents) such a courier fails the export instead.
   */
  producer?: Producer;
  /** The clock of the sales' `opened_at`. */
  now?: () => Date;
}

/** A number taken by another sale moves the suffix on; after this many tries a person has to look. */
const MAX_NUMBER_TRIES = 5;
/** The connection's own employee and the units of measure change rarely; re-read them this often. */
const CACHE_TTL_MS = 10 * 60_000;

type Outcome = 'created' | 'kept' | 'moved' | 'skipped';

/** History pages read at most to learn whether an order ever entered an export status. */
const MAX_HISTORY_PAGES = 5;

/** The optimistic first export met a sale it cannot place without the full search (see the handler). */
const CONFLICT = Symbol('conflict');

/**
 * `order-export`: RetailCRM order → LIFE POS sale. Re-reads the order and the sales LIFE POS holds for it,
 * then creates the sale (once: linked, or found by `meta` after a crash, or answered `Duplicate` for its
 * stable guid), moves it when the shop changed, or leaves it as it is. A sale the erroneous-cancel path
 * archived (or a cancelled one) is exported again as a new sale with the order's current contents.
 * The runner holds the order lock, so this is the only writer of the order while it runs.
 */
export function createExportOrderHandler({
  runtime,
  db,
  sync,
  producer,
  now = () => new Date(),
}: ExportOrderDeps): JobHandler<'order-export'> {
  const ownEmployee = createTenantCache<Employee>(CACHE_TTL_MS);
  const unitsOf = createTenantCache<(unitCode: string | undefined) => string>(CACHE_TTL_MS);

  async function outletFor(tenant: Tenant, order: RetailCrmOrder) {
    const storeCode = await shopOf(tenant, order);
    const linked = await db.outletLinks.get(tenant.connection.id, storeCode);
    if (linked) return { storeCode, outletId: linked.lifeposOutletId };
    await tenant.record(order.id, {
      type: 'sync.store',
      message: `store ${storeCode} has no LIFE POS outlet yet: running the store sync`,
      data: { storeCode },
    });
    const { outletId } = await sync.ensureOutlet(tenant, storeCode);
    return { storeCode, outletId };
  }

  /** The connection's own employee (the LIFE POS user it signs in as), without a workplace. */
  async function ownOpener(tenant: Tenant) {
    const me = await ownEmployee(tenant, () => tenant.lifepos.orgs.me());
    return {
      employeeId: me.guid,
      workplaceId: undefined,
      courierId: undefined,
      name: me.name ?? me.username,
    };
  }

  /**
   * A courier LIFE POS gives no employee (its phone is the owner's, or kept for an archived employee): the
   * order is exported all the same, opened by the connection's own employee, and a person hears about the
   * courier once — one incident per courier (the key a failed courier sync would use), not per order.
   */
  async function openerWithoutCourier(
    tenant: Tenant,
    order: RetailCrmOrder,
    courierId: number,
    conflict: PermanentError,
  ) {
    if (!producer) throw conflict;
    const opener = await ownOpener(tenant);
    const { incident, created } = await openIncident(
      { db, producer },
      {
        connectionId: tenant.connection.id,
        queue: 'sync',
        dedupeKey: `sync:courier:${courierId}:${conflict.code}`,
        cause:
          `${conflict.userMessage} Пока это не исправлено, заказы этого курьера выгружаются в LIFE POS от имени ` +
          `сотрудника «${opener.name ?? opener.employeeId}», под которым работает коннектор, без рабочего места ` +
          `курьера (первым так выгружен заказ ${order.number}).`,
      },
    );
    await tenant.record(order.id, {
      type: 'sync.courier',
      message: `Курьеру ${courierId} нельзя дать сотрудника LIFE POS: продажу открывает сотрудник коннектора «${opener.name ?? opener.employeeId}». ${conflict.userMessage}`,
      data: { courierId, code: conflict.code, incidentId: incident.id, newIncident: created },
    });
    return opener;
  }

  /** The courier's employee and workplace for a delivery with a courier, else the connection's own employee. */
  async function openerFor(tenant: Tenant, order: RetailCrmOrder) {
    const kind = orderKindOf(order, { deliveryTypeToOrderKind: tenant.settings.deliveryTypeToOrderKind });
    const courierId = kind === 'delivery' ? courierIdOf(order) : undefined;
    if (courierId === undefined) return ownOpener(tenant);
    const link = await db.courierLinks.get(tenant.connection.id, courierId);
    if (link?.lifeposWorkplaceId) {
      return { employeeId: link.lifeposEmployeeId, workplaceId: link.lifeposWorkplaceId, courierId };
    }
    await tenant.record(order.id, {
      type: 'sync.courier',
      message: `courier ${courierId} has no LIFE POS employee and workplace yet: running the courier sync`,
      data: { courierId },
    });
    try {
      return { ...(await sync.ensureCourier(tenant, courierId)), courierId };
    } catch (error) {
      if (!isCourierPhoneConflict(error)) throw error;
      return openerWithoutCourier(tenant, order, courierId, error);
    }
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

  type CreateDecision = Extract<ExportDecision, { action: 'create' }>;
  /** Creates the decided sale; `optimistic` reports a conflict instead of resolving it (see the handler). */
  async function create(
    ...args: [Tenant, RetailCrmOrder, CreateDecision, string, AbortSignal, optimistic: true]
  ): Promise<Sale | typeof CONFLICT>;
  async function create(
    ...args: [Tenant, RetailCrmOrder, CreateDecision, string, AbortSignal]
  ): Promise<Sale>;
  async function create(
    tenant: Tenant,
    order: RetailCrmOrder,
    decision: CreateDecision,
    outletId: string,
    signal: AbortSignal,
    optimistic = false,
  ): Promise<Sale | typeof CONFLICT> {
    const opener = await openerFor(tenant, order);
    const uomFor = await unitsOf(tenant, async () => uomResolver(await tenant.lifepos.unitsOfMeasure.all()));
    const openedAt = now().toISOString();
    const taken: string[] = [];
    for (let attempt = decision.attempt; attempt < decision.attempt + MAX_NUMBER_TRIES; attempt += 1) {
      const draft = orderToSale(order, {
        outletId,
        employeeId: opener.employeeId,
        workplaceId: opener.workplaceId,
        uomFor,
        deliveryTypeToOrderKind: tenant.settings.deliveryTypeToOrderKind,
        openedAt,
        exportAttempt: attempt,
      });
      const guid = saleGuidFor(tenant.connection, order.id, attempt);
      signal.throwIfAborted();
      try {
        const sale = await tenant.lifepos.sales.create(saleCreateInput(draft, guid));
        await tenant.record(order.id, {
          type: 'external.call',
          message: `sale ${sale.number} created in outlet ${outletId}${opener.courierId === undefined ? '' : ` for courier ${opener.courierId}`}`,
          data: {
            saleId: sale.guid,
            number: sale.number,
            outletId,
            employeeId: opener.employeeId,
            workplaceId: opener.workplaceId ?? null,
            courierId: opener.courierId ?? null,
            totalKopecks: sale.totalKopecks,
            replaces: decision.replaces?.guid ?? null,
          },
        });
        return sale;
      } catch (error) {
        // Some sale of the order may exist after all: only the full search can tell which to keep.
        if (optimistic && (isDuplicate(error) || isNotUnique(error))) return CONFLICT;
        if (isDuplicate(error)) {
          // This very sale was created by an earlier run whose answer was lost.
          const sale = await tenant.lifepos.sales.get(guid);
          await tenant.record(order.id, {
            type: 'external.call',
            message: `sale ${sale.number} had already been created; linked`,
            data: { saleId: sale.guid, number: sale.number },
          });
          return sale;
        }
        if (!isNotUnique(error)) throw error;
        taken.push(draft.number);
        await tenant.record(order.id, {
          type: 'external.call',
          message: `sale number ${draft.number} is taken in LIFE POS; trying the next suffix`,
          data: { number: draft.number },
        });
      }
    }
    throw new PermanentError(
      `order ${order.number}: sale numbers ${taken.join(', ')} are all taken in LIFE POS`,
      {
        code: 'export.number_taken',
        userMessage: `Номера продажи ${taken.join(', ')} для заказа ${order.number} уже заняты другими продажами в LIFE POS. Переименуйте или удалите лишние продажи в LIFE POS и отправьте заказ снова.`,
        details: { taken },
      },
    );
  }

  /** The export itself, once the job holds its LIFE POS slot (see the handler). */
  async function exportOrder(
    tenant: Tenant,
    finished: OrderJob<Outcome>['finished'],
    notFound: OrderJob<Outcome>['notFound'],
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

    const link = await db.orderLinks.get(tenant.connection.id, orderId);
    if (!link && !(await isDue(tenant, order))) {
      return finished(
        'skipped',
        `not exported: the order is in "${order.status}" and has not reached an export status yet`,
        { status: order.status },
      );
    }
    const { storeCode, outletId } = await outletFor(tenant, order);
    const linkTo = (sale: Pick<Sale, 'guid' | 'number'>) =>
      db.orderLinks.upsert(tenant.connection.id, orderId, {
        state: 'exported',
        retailcrmOrderNumber: order.number,
        lifeposSaleId: sale.guid,
        lifeposOutletId: outletId,
        lifeposSaleNumber: sale.number,
      });

    if (!link) {
      // Never linked: almost always a first export, so create its sale straight away instead of first
      // searching LIFE POS by meta (one call fewer per order). Whatever the search would have found makes
      // the create fail: the sale an earlier run created but did not link has this very guid (`Duplicate`),
      // and any other sale of the order holds its number (`NotUnique`) — then the full path below decides.
      const sale = await create(
        tenant,
        order,
        { action: 'create', attempt: 1, replaces: undefined },
        outletId,
        signal,
        true,
      );
      if (sale !== CONFLICT) {
        await linkTo(sale);
        return finished('created', `sale ${sale.number} created in LIFE POS`, {
          saleId: sale.guid,
          outletId,
        });
      }
      await tenant.record(orderId, {
        type: 'external.call',
        message: 'LIFE POS already holds a sale of this order: looking its sales up',
        data: {},
      });
    }

    const sales = await readOrderSales(tenant.lifepos, orderId, link?.lifeposSaleId);
    const decision = decideExport({
      order,
      sales,
      linkedSaleId: link?.lifeposSaleId,
      targetOutletId: outletId,
    });
    if (decision.action === 'keep') {
      await linkTo(decision.sale);
      return finished('kept', `sale ${decision.sale.number} is already in LIFE POS; nothing to change`, {
        saleId: decision.sale.guid,
        outletId,
      });
    }
    if (decision.action === 'move') {
      signal.throwIfAborted();
      await tenant.lifepos.sales.patch(decision.sale.guid, [
        { op: 'replace', path: jsonPointer('outlet'), value: { guid: outletId } },
      ]);
      await tenant.record(orderId, {
        type: 'external.call',
        message: `sale ${decision.sale.number} moved from outlet ${decision.fromOutletId ?? 'none'} to ${outletId} (store ${storeCode})`,
        data: {
          saleId: decision.sale.guid,
          fromOutletId: decision.fromOutletId,
          toOutletId: outletId,
          storeCode,
        },
      });
      await linkTo(decision.sale);
      return finished('moved', `sale ${decision.sale.number} moved to the outlet of store ${storeCode}`, {
        saleId: decision.sale.guid,
        outletId,
      });
    }
    const sale = await create(tenant, order, decision, outletId, signal);
    await linkTo(sale);
    return finished('created', `sale ${sale.number} created in LIFE POS`, { saleId: sale.guid, outletId });
  }

  return defineHandler('order-export', async ({ data, job, signal }) => {
    const { orderId } = data;
    const { tenant, finished, notFound } = await startOrderJob<Outcome>(
      runtime,
      'order-export',
      data,
      job,
      'export to LIFE POS',
    );

    // Every export makes a LIFE POS call after the order read. Its slot is reserved first (deferred here
    // when that bucket's backlog is longer than the limiter's maxWait), so a job the limit holds back has
    // not read the order yet: under a backlog each order is read once, not once per deferral.
    const ticket = await tenant.limits.lifepos.reserve();
    return tenant.limits.lifepos.spend(ticket, () =>
      exportOrder(tenant, finished, notFound, orderId, signal),
    );
  });
}

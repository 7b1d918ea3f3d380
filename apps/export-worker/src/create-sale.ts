import {
  type ExportDecision,
  orderToSale,
  PermanentError,
  saleGuidFor,
  uomResolver,
} from '@connector/domain';
import { isDuplicate, isNotUnique, type Sale } from '@connector/lifepos';
import type { RetailCrmOrder } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';
import type { ExportContext } from './export-context.js';
import { openerFor, type SaleOpener } from './sale-opener.js';

/** A number taken by another sale moves the suffix on; after this many tries a person has to look. */
const MAX_NUMBER_TRIES = 5;

/** The optimistic first export met a sale only the full search can place (see `exportNeverLinked`). */
export const CONFLICT = Symbol('conflict');

export type CreateDecision = Extract<ExportDecision, { action: 'create' }>;

/** The order's sale to create: in which outlet, for which order, aborted with the job. */
export interface SaleTarget {
  tenant: Tenant;
  order: RetailCrmOrder;
  outletId: string;
  signal: AbortSignal;
}

/**
 * What a create LIFE POS refused means. `conflict`: the optimistic first export met some sale of the order
 * (only the full search can tell which to keep); `created-before`: this very sale (its stable guid) was
 * created by an earlier run whose answer was lost; `number-taken`: another sale holds the number.
 * Anything else is no refusal of this export, and the job's retry classification deals with it.
 */
function refusalOf(error: unknown, optimistic: boolean) {
  if (optimistic && (isDuplicate(error) || isNotUnique(error))) return 'conflict';
  if (isDuplicate(error)) return 'created-before';
  if (isNotUnique(error)) return 'number-taken';
  return undefined;
}

/**
 * Creates the decided sale, moving the number suffix on while the number is taken; `optimistic` reports a
 * conflict instead of resolving it (see `exportNeverLinked` in export-order.ts).
 */
export async function createSale(
  ...args: [ExportContext, SaleTarget, CreateDecision, optimistic: true]
): Promise<Sale | typeof CONFLICT>;
export async function createSale(...args: [ExportContext, SaleTarget, CreateDecision]): Promise<Sale>;
export async function createSale(
  ctx: ExportContext,
  { tenant, order, outletId, signal }: SaleTarget,
  decision: CreateDecision,
  optimistic = false,
): Promise<Sale | typeof CONFLICT> {
  const opener = await openerFor(ctx, tenant, order);
  const uomFor = await ctx.unitsOf(tenant, async () =>
    uomResolver(await tenant.lifepos.unitsOfMeasure.all()),
  );
  const openedAt = ctx.now().toISOString();
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
      const sale = await tenant.lifepos.sales.create({ ...draft, guid });
      await recordCreated(tenant, order, { sale, outletId, opener, decision });
      return sale;
    } catch (error) {
      const refusal = refusalOf(error, optimistic);
      if (refusal === 'conflict') return CONFLICT;
      if (refusal === 'created-before') return adoptCreatedBefore(tenant, order, guid);
      if (refusal !== 'number-taken') throw error;
      taken.push(draft.number);
      await tenant.timeline.append(order.id, {
        type: 'external.call',
        message: `sale number ${draft.number} is taken in LIFE POS; trying the next suffix`,
        data: { number: draft.number },
      });
    }
  }
  throw numbersTaken(order, taken);
}

async function recordCreated(
  tenant: Tenant,
  order: RetailCrmOrder,
  created: { sale: Sale; outletId: string; opener: SaleOpener; decision: CreateDecision },
) {
  const { sale, outletId, opener, decision } = created;
  await tenant.timeline.append(order.id, {
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
}

/** The sale an earlier run created under this stable guid, whose answer was lost: linked, not made again. */
async function adoptCreatedBefore(tenant: Tenant, order: RetailCrmOrder, guid: string): Promise<Sale> {
  const sale = await tenant.lifepos.sales.get(guid);
  await tenant.timeline.append(order.id, {
    type: 'external.call',
    message: `sale ${sale.number} had already been created; linked`,
    data: { saleId: sale.guid, number: sale.number },
  });
  return sale;
}

function numbersTaken(order: RetailCrmOrder, taken: string[]): PermanentError {
  return new PermanentError(
    `order ${order.number}: sale numbers ${taken.join(', ')} are all taken in LIFE POS`,
    {
      code: 'export.number_taken',
      userMessage: `Номера продажи ${taken.join(', ')} для заказа ${order.number} уже заняты другими продажами в LIFE POS. Переименуйте или удалите лишние продажи в LIFE POS и отправьте заказ снова.`,
      details: { taken },
    },
  );
}

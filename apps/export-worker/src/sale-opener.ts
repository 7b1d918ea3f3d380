import { orderKindOf, type PermanentError } from '@connector/domain';
import { openIncident } from '@connector/incidents';
import type { RetailCrmOrder } from '@connector/retailcrm';
import { courierIdOf, isCourierPhoneConflict } from '@connector/sync';
import type { Tenant } from '@connector/tenant';
import type { ExportContext } from './export-context.js';

/** Who opens the sale in LIFE POS: an employee, at the courier's workplace for a delivery with a courier. */
export interface SaleOpener {
  employeeId: string;
  workplaceId: string | undefined;
  courierId: number | undefined;
}

/** The courier's employee and workplace for a delivery with a courier, else the connection's own employee. */
export async function openerFor(
  ctx: ExportContext,
  tenant: Tenant,
  order: RetailCrmOrder,
): Promise<SaleOpener> {
  const kind = orderKindOf(order, { deliveryTypeToOrderKind: tenant.settings.deliveryTypeToOrderKind });
  const courierId = kind === 'delivery' ? courierIdOf(order) : undefined;
  if (courierId === undefined) return ownOpener(ctx, tenant);
  const link = await ctx.db.courierLinks.get(tenant.connection.id, courierId);
  if (link?.lifeposWorkplaceId) {
    return { employeeId: link.lifeposEmployeeId, workplaceId: link.lifeposWorkplaceId, courierId };
  }
  await tenant.timeline.append(order.id, {
    type: 'sync.courier',
    message: `courier ${courierId} has no LIFE POS employee and workplace yet: running the courier sync`,
    data: { courierId },
  });
  try {
    return { ...(await ctx.sync.ensureCourier(tenant, courierId)), courierId };
  } catch (error) {
    if (!isCourierPhoneConflict(error)) throw error;
    return openerWithoutCourier(ctx, tenant, order, courierId, error);
  }
}

/** The connection's own employee (the LIFE POS user it signs in as), without a workplace. */
async function ownOpener(ctx: ExportContext, tenant: Tenant) {
  const me = await ctx.ownEmployee(tenant, () => tenant.lifepos.orgs.me());
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
  ctx: ExportContext,
  tenant: Tenant,
  order: RetailCrmOrder,
  courierId: number,
  conflict: PermanentError,
) {
  const { db, producer } = ctx;
  if (!producer) throw conflict;
  const opener = await ownOpener(ctx, tenant);
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
  await tenant.timeline.append(order.id, {
    type: 'sync.courier',
    message: `Курьеру ${courierId} нельзя дать сотрудника LIFE POS: продажу открывает сотрудник коннектора «${opener.name ?? opener.employeeId}». ${conflict.userMessage}`,
    data: { courierId, code: conflict.code, incidentId: incident.id, newIncident: created },
  });
  return opener;
}

import type { OrderLink, OrderLinkState, PrismaClient } from '../generated/prisma/client.js';
import { translateUniqueViolation } from '../unique-violation.js';

export interface OrderLinkData {
  state: OrderLinkState;
  retailcrmOrderNumber?: string | null;
  lifeposSaleId?: string | null;
  lifeposOutletId?: string | null;
  lifeposSaleNumber?: string | null;
}

export function createOrderLinksRepository(prisma: PrismaClient) {
  return {
    get: (connectionId: string, retailcrmOrderId: number): Promise<OrderLink | null> =>
      prisma.orderLink.findUnique({
        where: { connectionId_retailcrmOrderId: { connectionId, retailcrmOrderId } },
      }),

    /** The order a LIFE POS sale was made from (notifications name the sale). */
    findBySaleId: (connectionId: string, lifeposSaleId: string): Promise<OrderLink | null> =>
      prisma.orderLink.findUnique({ where: { connectionId_lifeposSaleId: { connectionId, lifeposSaleId } } }),

    /**
     * Creates or updates the order's link and stamps `lastSyncedAt`; fields left out keep their value.
     * Throws UniqueViolationError when the sale is already linked to another order of the tenant.
     */
    upsert: (connectionId: string, retailcrmOrderId: number, data: OrderLinkData): Promise<OrderLink> =>
      translateUniqueViolation(() =>
        prisma.orderLink.upsert({
          where: { connectionId_retailcrmOrderId: { connectionId, retailcrmOrderId } },
          create: { ...data, connectionId, retailcrmOrderId, lastSyncedAt: new Date() },
          update: { ...data, lastSyncedAt: new Date() },
        }),
      ),

    /** The links of these orders of the tenant (those that have one), in one query. */
    listForOrders: (connectionId: string, retailcrmOrderIds: readonly number[]): Promise<OrderLink[]> =>
      retailcrmOrderIds.length === 0
        ? Promise.resolve([])
        : prisma.orderLink.findMany({
            where: { connectionId, retailcrmOrderId: { in: [...retailcrmOrderIds] } },
          }),

    /** Links of the tenant in the given states, by order id, `limit` at a time after `afterOrderId`. */
    listByState: (
      connectionId: string,
      states: OrderLinkState[],
      page: { limit: number; afterOrderId?: number },
    ): Promise<OrderLink[]> =>
      prisma.orderLink.findMany({
        where: {
          connectionId,
          state: { in: states },
          ...(page.afterOrderId !== undefined && { retailcrmOrderId: { gt: page.afterOrderId } }),
        },
        orderBy: { retailcrmOrderId: 'asc' },
        take: page.limit,
      }),
  };
}

export type OrderLinksRepository = ReturnType<typeof createOrderLinksRepository>;

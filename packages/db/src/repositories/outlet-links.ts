import type { OutletLink, PrismaClient } from '../generated/prisma/client.js';

export interface OutletLinkData {
  lifeposOutletId: string;
  legalEntityInn: string;
  /** Snapshot of the RetailCRM store, for operators. */
  name?: string | null;
  address?: string | null;
}

export function createOutletLinksRepository(prisma: PrismaClient) {
  return {
    get: (connectionId: string, retailcrmStoreCode: string): Promise<OutletLink | null> =>
      prisma.outletLink.findUnique({
        where: { connectionId_retailcrmStoreCode: { connectionId, retailcrmStoreCode } },
      }),

    /** Stores mapped to a LIFE POS outlet (several stores may share one). */
    findByOutletId: (connectionId: string, lifeposOutletId: string): Promise<OutletLink[]> =>
      prisma.outletLink.findMany({
        where: { connectionId, lifeposOutletId },
        orderBy: { retailcrmStoreCode: 'asc' },
      }),

    upsert: (connectionId: string, retailcrmStoreCode: string, data: OutletLinkData): Promise<OutletLink> =>
      prisma.outletLink.upsert({
        where: { connectionId_retailcrmStoreCode: { connectionId, retailcrmStoreCode } },
        create: { ...data, connectionId, retailcrmStoreCode },
        update: data,
      }),

    list: (connectionId: string): Promise<OutletLink[]> =>
      prisma.outletLink.findMany({ where: { connectionId }, orderBy: { retailcrmStoreCode: 'asc' } }),

    async delete(connectionId: string, retailcrmStoreCode: string): Promise<boolean> {
      const { count } = await prisma.outletLink.deleteMany({ where: { connectionId, retailcrmStoreCode } });
      return count > 0;
    },
  };
}

export type OutletLinksRepository = ReturnType<typeof createOutletLinksRepository>;

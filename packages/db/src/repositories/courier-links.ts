import type { CourierLink, PrismaClient } from '../generated/prisma/client.js';

export interface CourierLinkData {
  lifeposEmployeeId: string;
  /** Left out while the workplace is not created yet; keeps the stored value on update. */
  lifeposWorkplaceId?: string | null;
}

export function createCourierLinksRepository(prisma: PrismaClient) {
  return {
    get: (connectionId: string, retailcrmCourierId: number): Promise<CourierLink | null> =>
      prisma.courierLink.findUnique({
        where: { connectionId_retailcrmCourierId: { connectionId, retailcrmCourierId } },
      }),

    upsert: (connectionId: string, retailcrmCourierId: number, data: CourierLinkData): Promise<CourierLink> =>
      prisma.courierLink.upsert({
        where: { connectionId_retailcrmCourierId: { connectionId, retailcrmCourierId } },
        create: { ...data, connectionId, retailcrmCourierId },
        update: data,
      }),

    list: (connectionId: string): Promise<CourierLink[]> =>
      prisma.courierLink.findMany({ where: { connectionId }, orderBy: { retailcrmCourierId: 'asc' } }),
  };
}

export type CourierLinksRepository = ReturnType<typeof createCourierLinksRepository>;

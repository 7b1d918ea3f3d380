import type { LifeposNotification, Prisma, PrismaClient } from '../generated/prisma/client.js';

export function createNotificationsRepository(prisma: PrismaClient) {
  return {
    /** Stores a notification as received, before it is queued; the job carries the returned id. */
    record: (
      connectionId: string,
      notification: { typeOf: string; body: Prisma.InputJsonValue },
    ): Promise<LifeposNotification> =>
      prisma.lifeposNotification.create({
        data: { connectionId, typeOf: notification.typeOf, body: notification.body },
      }),

    get: (id: string): Promise<LifeposNotification | null> =>
      prisma.lifeposNotification.findUnique({ where: { id } }),

    async markProcessed(id: string, at = new Date()): Promise<void> {
      await prisma.lifeposNotification.update({ where: { id }, data: { processedAt: at } });
    },

    /** Notifications received before `receivedBefore` and never processed, oldest first (for redrive). */
    listUnprocessed: (options: { receivedBefore: Date; limit: number }): Promise<LifeposNotification[]> =>
      prisma.lifeposNotification.findMany({
        where: { processedAt: null, receivedAt: { lt: options.receivedBefore } },
        orderBy: { receivedAt: 'asc' },
        take: options.limit,
      }),
  };
}

export type NotificationsRepository = ReturnType<typeof createNotificationsRepository>;

import type { PrismaClient } from '../generated/prisma/client.js';

/**
 * Deletes of old rows, one bounded batch per call: each statement takes at most `limit` rows (picked by
 * an index, oldest first), so it holds its row locks briefly and never locks a table; the caller pauses
 * between batches. Each returns how many rows it deleted (fewer than `limit`: nothing is left).
 * Times are UTC wall time, as Prisma writes its DateTimes.
 */
export function createRetentionRepository(prisma: PrismaClient) {
  const utc = (date: Date) => date.toISOString();
  return {
    /** Timeline entries written before `before`. */
    deleteOrderEvents: (before: Date, limit: number): Promise<number> =>
      prisma.$executeRaw`
        DELETE FROM "OrderEvent" WHERE "id" IN (
          SELECT "id" FROM "OrderEvent" WHERE "createdAt" < ${utc(before)}::timestamp(3)
          ORDER BY "createdAt" LIMIT ${limit}
        )`,

    /** Stored LIFE POS notifications processed before `before`; unprocessed ones are kept. */
    deleteProcessedNotifications: (before: Date, limit: number): Promise<number> =>
      prisma.$executeRaw`
        DELETE FROM "LifeposNotification" WHERE "id" IN (
          SELECT "id" FROM "LifeposNotification" WHERE "processedAt" < ${utc(before)}::timestamp(3)
          ORDER BY "processedAt" LIMIT ${limit}
        )`,

    /**
     * Incidents resolved before `before` (their subjects go with them); open ones are kept however old.
     * `createdAt` (never after `resolvedAt`) narrows the search through the (status, createdAt) index.
     */
    deleteResolvedIncidents: (before: Date, limit: number): Promise<number> =>
      prisma.$executeRaw`
        DELETE FROM "Incident" WHERE "id" IN (
          SELECT "id" FROM "Incident"
          WHERE "status" = 'resolved' AND "createdAt" < ${utc(before)}::timestamp(3)
            AND COALESCE("resolvedAt", "createdAt") < ${utc(before)}::timestamp(3)
          ORDER BY "createdAt" LIMIT ${limit}
        )`,
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;

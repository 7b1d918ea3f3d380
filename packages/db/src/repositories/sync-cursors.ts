import type { PrismaClient } from '../generated/prisma/client.js';

/** Reconciliation progress of a tenant; all null before its first run. */
export interface SyncCursorRecord {
  connectionId: string;
  /** RetailCRM `orders/history` sinceId (stored as BIGINT; history ids stay far below 2^53). */
  retailcrmHistorySinceId: number | null;
  lastReconciledAt: Date | null;
  lifeposSalesCursor: Date | null;
}

export type SyncCursorAdvance = Partial<Omit<SyncCursorRecord, 'connectionId'>>;

interface SyncCursorRow {
  connectionId: string;
  retailcrmHistorySinceId: bigint | null;
  lastReconciledAt: Date | null;
  lifeposSalesCursor: Date | null;
}

function toRecord(row: SyncCursorRow): SyncCursorRecord {
  return {
    connectionId: row.connectionId,
    retailcrmHistorySinceId:
      row.retailcrmHistorySinceId === null ? null : Number(row.retailcrmHistorySinceId),
    lastReconciledAt: row.lastReconciledAt,
    lifeposSalesCursor: row.lifeposSalesCursor,
  };
}

export function createSyncCursorsRepository(prisma: PrismaClient) {
  return {
    async get(connectionId: string): Promise<SyncCursorRecord> {
      const row = await prisma.syncCursor.findUnique({ where: { connectionId } });
      return row
        ? toRecord(row)
        : { connectionId, retailcrmHistorySinceId: null, lastReconciledAt: null, lifeposSalesCursor: null };
    },

    /**
     * Moves the given cursors forward, never back: a slow reconciliation that finishes after a faster one
     * cannot rewind progress. Cursors left out are kept. Returns the cursors as stored.
     */
    async advance(connectionId: string, to: SyncCursorAdvance): Promise<SyncCursorRecord> {
      const sinceId = to.retailcrmHistorySinceId ?? null;
      if (sinceId !== null && !Number.isSafeInteger(sinceId))
        throw new RangeError(`retailcrmHistorySinceId must be an integer, got ${sinceId}`);
      const now = new Date();
      // GREATEST ignores NULLs, so a cursor that is not given keeps its stored value.
      const rows = await prisma.$queryRaw<SyncCursorRow[]>`
        INSERT INTO "SyncCursor" ("connectionId", "retailcrmHistorySinceId", "lastReconciledAt", "lifeposSalesCursor", "updatedAt")
        VALUES (${connectionId}::uuid, ${sinceId === null ? null : BigInt(sinceId)}::bigint,
                ${to.lastReconciledAt ?? null}::timestamp(3), ${to.lifeposSalesCursor ?? null}::timestamp(3), ${now}::timestamp(3))
        ON CONFLICT ("connectionId") DO UPDATE SET
          "retailcrmHistorySinceId" = GREATEST("SyncCursor"."retailcrmHistorySinceId", EXCLUDED."retailcrmHistorySinceId"),
          "lastReconciledAt" = GREATEST("SyncCursor"."lastReconciledAt", EXCLUDED."lastReconciledAt"),
          "lifeposSalesCursor" = GREATEST("SyncCursor"."lifeposSalesCursor", EXCLUDED."lifeposSalesCursor"),
          "updatedAt" = EXCLUDED."updatedAt"
        RETURNING "connectionId"::text, "retailcrmHistorySinceId", "lastReconciledAt", "lifeposSalesCursor"`;
      const [row] = rows;
      if (!row) throw new Error(`SyncCursor upsert for ${connectionId} returned no row`);
      return toRecord(row);
    },
  };
}

export type SyncCursorsRepository = ReturnType<typeof createSyncCursorsRepository>;

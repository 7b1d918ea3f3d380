import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

export interface NewOutboxEntry {
  connectionId: string;
  queue: string;
  /** The id the job gets when drained; BullMQ ignores a second job with the same id. */
  jobId: string;
  payload: Prisma.InputJsonValue;
}

/** A stored job; the BIGINT id is a string so that entries serialise to JSON as they are. */
export interface OutboxEntry {
  id: string;
  connectionId: string;
  queue: string;
  jobId: string;
  payload: Prisma.JsonValue;
  /** How many times a drainer has claimed it. */
  attempts: number;
  claimedUntil: Date | null;
  createdAt: Date;
}

interface OutboxRow extends Omit<OutboxEntry, 'id'> {
  id: bigint;
}

/**
 * Jobs accepted while Redis was down. A drainer claims a batch for a lease, enqueues each entry under its
 * jobId and deletes it; if the drainer dies, the lease runs out and another drainer takes the entries over,
 * and the jobId keeps the re-enqueue from making a second job.
 */
export function createOutboxRepository(prisma: PrismaClient) {
  return {
    /** Stores a job; false when an entry with this jobId is already waiting. */
    async add(entry: NewOutboxEntry): Promise<boolean> {
      const { count } = await prisma.outbox.createMany({ data: [entry], skipDuplicates: true });
      return count === 1;
    },

    /** Up to `limit` unclaimed (or lease-expired) entries, oldest first, now held for `leaseMs`. */
    async claimBatch({ limit, leaseMs }: { limit: number; leaseMs: number }): Promise<OutboxEntry[]> {
      // The lease is computed and compared on the database clock, the one clock all drainers share.
      const rows = await prisma.$queryRaw<OutboxRow[]>`
        UPDATE "Outbox"
        SET "claimedUntil" = (now() AT TIME ZONE 'UTC') + ${leaseMs}::int * interval '1 millisecond',
            "attempts" = "attempts" + 1
        WHERE "id" IN (
          SELECT "id" FROM "Outbox"
          WHERE "claimedUntil" IS NULL OR "claimedUntil" < (now() AT TIME ZONE 'UTC')
          ORDER BY "id"
          LIMIT ${limit}::int
          FOR UPDATE SKIP LOCKED
        )
        RETURNING "id", "connectionId"::text, "queue", "jobId", "payload", "attempts", "claimedUntil", "createdAt"`;
      return rows.sort((a, b) => (a.id < b.id ? -1 : 1)).map((row) => ({ ...row, id: row.id.toString() }));
    },

    /** Removes a drained entry; false if it was already gone. */
    async delete(id: string): Promise<boolean> {
      const { count } = await prisma.outbox.deleteMany({ where: { id: BigInt(id) } });
      return count > 0;
    },

    /** Entries still waiting (for readiness and metrics). */
    count: (): Promise<number> => prisma.outbox.count(),
  };
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>;

import type { OrderMarkKind, PrismaClient } from '../generated/prisma/client.js';

/**
 * Typed facts about an order's past that decisions read (docs/ARCHITECTURE.md, «Data model»): the timeline
 * (`OrderEvent`) is for people, its wording and JSON may change, so a decision never reads it. A mark is
 * (connection, order, kind, subject) with when it was first and last recorded; recording it again only
 * moves those times (never back), so any number of writers may record the same fact in any order.
 *
 * Kinds so far: `trigger_received` (subject: the trigger's status). The write-back's memory — a sale state
 * handled (subject `<sale guid>:<state>`), a partial refund held back (`<payment guid>:<part>:<kopecks>`) —
 * fits the same rows: a kind of its own and a method pair like the trigger's below.
 */

/** The status a RetailCRM trigger carries (what it asks for: export, cancel, refund). */
export type OrderTrigger = 'new' | 'closed' | 'refund';

/** A trigger of an order received (by the ingress, or found by its job's start). */
export interface TriggerReceipt {
  connectionId: string;
  retailcrmOrderId: number;
  trigger: OrderTrigger;
  receivedAt: Date;
}

interface Mark {
  connectionId: string;
  retailcrmOrderId: number;
  kind: OrderMarkKind;
  subject: string;
  at: Date;
}

export function createOrderMarksRepository(prisma: PrismaClient) {
  /**
   * Records marks of any orders in one statement (through `unnest`, the same statement whatever their
   * number). Repeats of one mark within the batch are folded first: an upsert may touch a row only once.
   * Times are stored as UTC wall time, as Prisma writes its DateTimes.
   */
  async function record(marks: readonly Mark[]): Promise<void> {
    if (marks.length === 0) return;
    await prisma.$executeRaw`
      INSERT INTO "OrderMark" ("connectionId", "retailcrmOrderId", "kind", "subject", "firstAt", "lastAt")
      SELECT m.c, m.o, m.k::"OrderMarkKind", m.s, min(m.at) AT TIME ZONE 'UTC', max(m.at) AT TIME ZONE 'UTC'
      FROM unnest(
        ${marks.map((mark) => mark.connectionId)}::uuid[],
        ${marks.map((mark) => mark.retailcrmOrderId)}::int[],
        ${marks.map((mark) => mark.kind)}::text[],
        ${marks.map((mark) => mark.subject)}::text[],
        ${marks.map((mark) => mark.at.toISOString())}::timestamptz[]
      ) AS m(c, o, k, s, at)
      GROUP BY m.c, m.o, m.k, m.s
      ON CONFLICT ("connectionId", "retailcrmOrderId", "kind", "subject") DO UPDATE SET
        "firstAt" = LEAST("OrderMark"."firstAt", EXCLUDED."firstAt"),
        "lastAt" = GREATEST("OrderMark"."lastAt", EXCLUDED."lastAt")`;
  }

  async function lastAt(
    connectionId: string,
    retailcrmOrderId: number,
    kind: OrderMarkKind,
    subject: string,
  ): Promise<Date | null> {
    const row = await prisma.orderMark.findUnique({
      where: {
        connectionId_retailcrmOrderId_kind_subject: { connectionId, retailcrmOrderId, kind, subject },
      },
      select: { lastAt: true },
    });
    return row?.lastAt ?? null;
  }

  return {
    /** Records triggers received (any orders, one statement). */
    triggersReceived(receipts: readonly TriggerReceipt[]): Promise<void> {
      return record(
        receipts.map(({ connectionId, retailcrmOrderId, trigger, receivedAt }) => ({
          connectionId,
          retailcrmOrderId,
          kind: 'trigger_received',
          subject: trigger,
          at: receivedAt,
        })),
      );
    },

    /** When a trigger of this status was last received for the order; null when none ever was. */
    lastTriggerReceived(
      connectionId: string,
      retailcrmOrderId: number,
      trigger: OrderTrigger,
    ): Promise<Date | null> {
      return lastAt(connectionId, retailcrmOrderId, 'trigger_received', trigger);
    },
  };
}

export type OrderMarksRepository = ReturnType<typeof createOrderMarksRepository>;

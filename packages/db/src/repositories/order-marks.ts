import { SALE_STATES, type SaleState } from '@connector/domain';
import type { OrderMarkKind, PaymentPart, PrismaClient } from '../generated/prisma/client.js';

/**
 * Typed facts about an order's past that decisions read (docs/ARCHITECTURE.md, «Data model»): the timeline
 * (`OrderEvent`) is for people, its wording and JSON may change, so a decision never reads it. A mark is
 * (connection, order, kind, subject) with when it was first and last recorded; recording it again only
 * moves those times (never back), so any number of writers may record the same fact in any order.
 *
 * Kinds: `trigger_received` (subject: the trigger's status), and the LIFE POS write-back's memory:
 * `sale_state_written` (`<sale guid>:<state>`), `payment_booked` (`<sale guid>:<payment guid>:<part>`) and
 * `refund_held_back` (`<payment guid>:<part>:<refunded kopecks>`). Subjects are made and read only here.
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

/** A fact of the LIFE POS write-back about one order (see the kinds above). */
export type WriteBackMark = { connectionId: string; retailcrmOrderId: number; at: Date } & (
  | { kind: 'sale_state_written'; saleGuid: string; state: SaleState }
  | { kind: 'payment_booked'; saleGuid: string; paymentGuid: string; part: PaymentPart }
  | { kind: 'refund_held_back'; paymentGuid: string; part: PaymentPart; refundedKopecks: number }
);

/** A partial refund of a payment part reported before (`refund_held_back`). */
export interface HeldBackRefundMark {
  paymentGuid: string;
  part: PaymentPart;
  refundedKopecks: number;
}

/** What the write-back recorded of one sale of an order: the states it handled, the payment parts it booked. */
export interface SaleWriteBackMarks {
  states: SaleState[];
  bookedParts: Array<{ paymentGuid: string; part: PaymentPart }>;
}

function writeBackSubject(mark: WriteBackMark): string {
  switch (mark.kind) {
    case 'sale_state_written':
      return `${mark.saleGuid}:${mark.state}`;
    case 'payment_booked':
      return `${mark.saleGuid}:${mark.paymentGuid}:${mark.part}`;
    case 'refund_held_back':
      return `${mark.paymentGuid}:${mark.part}:${mark.refundedKopecks}`;
  }
}

/** States after which a sale changes no more for the write-back (subjects `<sale guid>:<state>`). */
const SALE_FINAL_STATES = ['Completed', 'Cancelled'] as const satisfies readonly SaleState[];

const isSaleState = (value: string | undefined): value is SaleState =>
  (SALE_STATES as readonly (string | undefined)[]).includes(value);
const isPart = (value: string | undefined): value is PaymentPart => value === 'cash' || value === 'card';

/** The sale's marks, from their subjects (`<sale guid>:…`); a subject of another shape is skipped. */
function saleMarksOf(rows: ReadonlyArray<{ kind: OrderMarkKind; subject: string }>): SaleWriteBackMarks {
  const marks: SaleWriteBackMarks = { states: [], bookedParts: [] };
  for (const { kind, subject } of rows) {
    const [, first, second] = subject.split(':');
    if (kind === 'sale_state_written' && isSaleState(first)) marks.states.push(first);
    if (kind === 'payment_booked' && first && isPart(second))
      marks.bookedParts.push({ paymentGuid: first, part: second });
  }
  return marks;
}

function heldBackOf(subject: string): HeldBackRefundMark | null {
  const [paymentGuid, part, kopecks] = subject.split(':');
  const refundedKopecks = Number(kopecks);
  if (!paymentGuid || !isPart(part) || !kopecks || !Number.isSafeInteger(refundedKopecks)) return null;
  return { paymentGuid, part, refundedKopecks };
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

  async function subjectsOf(
    where: { connectionId: string; retailcrmOrderId: number; kind: OrderMarkKind | { in: OrderMarkKind[] } },
    startsWith?: string,
  ) {
    return prisma.orderMark.findMany({
      where: { ...where, ...(startsWith === undefined ? {} : { subject: { startsWith } }) },
      select: { kind: true, subject: true },
      orderBy: { firstAt: 'asc' },
    });
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

    /**
     * Whether a trigger of any order of the connection was received since then (the history scan's sign of
     * a shop in motion). Read through the primary key's connection prefix.
     */
    async triggerReceivedSince(connectionId: string, since: Date): Promise<boolean> {
      const row = await prisma.orderMark.findFirst({
        where: { connectionId, kind: 'trigger_received', lastAt: { gte: since } },
        select: { lastAt: true },
      });
      return row !== null;
    },

    /**
     * Whether the connection has a sale the LIFE POS write-back may still have to follow: an `exported`
     * order link written since `linkedSince` whose sale has no final state (`Completed`, `Cancelled`)
     * written back yet (a `sale_state_written` mark). The sales check reads LIFE POS only while there is one.
     */
    async openSaleLinkedSince(connectionId: string, linkedSince: Date): Promise<boolean> {
      const final = SALE_FINAL_STATES.map((state) => `:${state}`);
      const rows = await prisma.$queryRaw<Array<{ open: boolean }>>`
        SELECT EXISTS (
          SELECT 1 FROM "OrderLink" l
          WHERE l."connectionId" = ${connectionId}::uuid
            AND l."updatedAt" >= ${linkedSince.toISOString()}::timestamp
            AND l."state" = 'exported' AND l."lifeposSaleId" IS NOT NULL
            AND NOT EXISTS (
              SELECT 1 FROM "OrderMark" m
              WHERE m."connectionId" = l."connectionId" AND m."retailcrmOrderId" = l."retailcrmOrderId"
                AND m."kind" = 'sale_state_written'
                AND m."subject" IN (l."lifeposSaleId" || ${final[0]}, l."lifeposSaleId" || ${final[1]}))
        ) AS "open"`;
      return rows[0]?.open === true;
    },

    /** Records facts of the LIFE POS write-back (any orders, one statement). */
    writeBackRecorded(marks: readonly WriteBackMark[]): Promise<void> {
      return record(marks.map((mark) => ({ ...mark, subject: writeBackSubject(mark) })));
    },

    /** The states of the sale written back to the order, and the sale's payment parts booked on it. */
    async writeBackOfSale(
      connectionId: string,
      retailcrmOrderId: number,
      saleGuid: string,
    ): Promise<SaleWriteBackMarks> {
      const kind = { in: ['sale_state_written', 'payment_booked'] satisfies OrderMarkKind[] };
      return saleMarksOf(await subjectsOf({ connectionId, retailcrmOrderId, kind }, `${saleGuid}:`));
    },

    /** The partial refunds of the order's payments reported before. */
    async refundsHeldBack(connectionId: string, retailcrmOrderId: number): Promise<HeldBackRefundMark[]> {
      const rows = await subjectsOf({ connectionId, retailcrmOrderId, kind: 'refund_held_back' });
      return rows.map((row) => heldBackOf(row.subject)).filter((mark) => mark !== null);
    },
  };
}

export type OrderMarksRepository = ReturnType<typeof createOrderMarksRepository>;

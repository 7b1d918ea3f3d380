import { redactString, redactValue } from '@connector/logger';
import type { OrderEvent, Prisma, PrismaClient } from '../generated/prisma/client.js';

/** Conventional event types; any dotted string is accepted. */
export type OrderEventType =
  | 'trigger.received'
  | 'job.started'
  | 'job.finished'
  | 'job.failed'
  | 'external.call'
  | 'task.created'
  | (string & {});

export interface NewOrderEvent {
  type: OrderEventType;
  message: string;
  data?: Prisma.InputJsonValue;
}

/** A timeline entry; the BIGINT id is a string so that records serialise to JSON as they are. */
export interface OrderEventRecord extends Omit<OrderEvent, 'id'> {
  id: string;
}

function toRecord(row: OrderEvent): OrderEventRecord {
  return { ...row, id: row.id.toString() };
}

/** One timeline entry of `appendMany`. */
export interface OrderEventEntry {
  connectionId: string;
  retailcrmOrderId: number;
  event: NewOrderEvent;
}

function rowOf({ connectionId, retailcrmOrderId, event }: OrderEventEntry): Prisma.OrderEventCreateManyInput {
  return {
    connectionId,
    retailcrmOrderId,
    type: event.type,
    message: redactString(event.message),
    ...(event.data !== undefined && { data: redactValue(event.data) as Prisma.InputJsonValue }),
  };
}

export function createOrderEventsRepository(prisma: PrismaClient) {
  return {
    /** Appends to the order's timeline. Operators read it, so secrets are masked as in the logs. */
    async append(
      connectionId: string,
      retailcrmOrderId: number,
      event: NewOrderEvent,
    ): Promise<OrderEventRecord> {
      const row = await prisma.orderEvent.create({ data: rowOf({ connectionId, retailcrmOrderId, event }) });
      return toRecord(row);
    },

    /**
     * Appends entries of any orders in one statement (in this order), masked like `append`. The rows go
     * in as arrays through `unnest`, so the statement is the same whatever the number of entries: the
     * ingress group-commits its triggers' entries with it, and a statement of its own per batch size
     * would be planned anew each time. `createdAt` is UTC wall time, as Prisma writes its DateTimes.
     */
    async appendMany(entries: readonly OrderEventEntry[]): Promise<void> {
      if (entries.length === 0) return;
      const rows = entries.map(rowOf);
      await prisma.$executeRaw`
        INSERT INTO "OrderEvent" ("connectionId", "retailcrmOrderId", "type", "message", "data", "createdAt")
        SELECT e.c, e.o, e.t, e.m, e.d, now() AT TIME ZONE 'UTC'
        FROM unnest(
          ${rows.map((row) => row.connectionId)}::uuid[],
          ${rows.map((row) => row.retailcrmOrderId)}::int[],
          ${rows.map((row) => row.type)}::text[],
          ${rows.map((row) => row.message)}::text[],
          ${rows.map((row) => (row.data === undefined ? null : JSON.stringify(row.data)))}::jsonb[]
        ) WITH ORDINALITY AS e(c, o, t, m, d, n)
        ORDER BY e.n`;
    },

    /**
     * The order's timeline, oldest first (the last `limit` entries when given), in the order the entries
     * were written: by the id sequence, since entries of one millisecond (or one group commit) share a time.
     */
    async list(
      connectionId: string,
      retailcrmOrderId: number,
      options: { limit?: number } = {},
    ): Promise<OrderEventRecord[]> {
      const rows = await prisma.orderEvent.findMany({
        where: { connectionId, retailcrmOrderId },
        orderBy: { id: 'desc' },
        ...(options.limit !== undefined && { take: options.limit }),
      });
      return rows.reverse().map(toRecord);
    },
  };
}

export type OrderEventsRepository = ReturnType<typeof createOrderEventsRepository>;

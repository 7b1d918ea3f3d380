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

export function createOrderEventsRepository(prisma: PrismaClient) {
  return {
    /** Appends to the order's timeline. Operators read it, so secrets are masked as in the logs. */
    async append(
      connectionId: string,
      retailcrmOrderId: number,
      event: NewOrderEvent,
    ): Promise<OrderEventRecord> {
      const row = await prisma.orderEvent.create({
        data: {
          connectionId,
          retailcrmOrderId,
          type: event.type,
          message: redactString(event.message),
          ...(event.data !== undefined && { data: redactValue(event.data) as Prisma.InputJsonValue }),
        },
      });
      return toRecord(row);
    },

    /** The order's timeline, oldest first (the last `limit` entries when given). */
    async list(
      connectionId: string,
      retailcrmOrderId: number,
      options: { limit?: number } = {},
    ): Promise<OrderEventRecord[]> {
      const rows = await prisma.orderEvent.findMany({
        where: { connectionId, retailcrmOrderId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        ...(options.limit !== undefined && { take: options.limit }),
      });
      return rows.reverse().map(toRecord);
    },
  };
}

export type OrderEventsRepository = ReturnType<typeof createOrderEventsRepository>;

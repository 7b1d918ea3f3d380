import {
  type OrderLink,
  type OrderLinkState,
  Prisma,
  type PrismaClient,
} from '../generated/prisma/client.js';

/**
 * The console's order list: order links, most recently changed first, a page at a time by keyset (never
 * OFFSET), and the latest timeline facts of the orders of one page. Each query is built here as SQL, so
 * that a test can EXPLAIN exactly what the repository runs (order-list.test.ts proves the indexes are used
 * on a million timeline rows). The convergence sweep pages a connection's exported links written in its
 * window through `page` as well.
 */

export interface OrderListFilter {
  connectionId?: string | undefined;
  /** Link states the wanted orders may be in. */
  states?: readonly OrderLinkState[] | undefined;
  /** RetailCRM order number, or (when it is a number) the order id. */
  number?: string | undefined;
  /** Changed at or after / before these instants. */
  updatedFrom?: Date | undefined;
  updatedBefore?: Date | undefined;
}

/** Where the previous page ended: its last row's `updatedAt` and `id`. */
export interface OrderListCursor {
  updatedAt: Date;
  id: string;
}

/** A `timestamp` column holds UTC wall time: an ISO instant cast to it (its zone ignored) compares right. */
const wall = (at: Date) => Prisma.sql`${at.toISOString()}::timestamp`;

const ORDER_ID_MAX = 2_147_483_647;

function numberCondition(number: string): Prisma.Sql {
  const id = /^\d{1,10}$/.test(number) ? Number(number) : undefined;
  return id !== undefined && id >= 1 && id <= ORDER_ID_MAX
    ? Prisma.sql`("retailcrmOrderNumber" = ${number} OR "retailcrmOrderId" = ${id})`
    : Prisma.sql`"retailcrmOrderNumber" = ${number}`;
}

/** The SELECT of one page of links (`limit` rows after `cursor`). */
export function orderListQuery(filter: OrderListFilter, page: { limit: number; after?: OrderListCursor }) {
  const conditions: Prisma.Sql[] = [];
  if (filter.connectionId) conditions.push(Prisma.sql`"connectionId" = ${filter.connectionId}::uuid`);
  // One state is an equality, which the ("state", "updatedAt", "id") index serves in order; several are
  // common states, read in "updatedAt" order and filtered.
  if (filter.states?.length === 1)
    conditions.push(Prisma.sql`"state" = ${filter.states[0]}::"OrderLinkState"`);
  else if (filter.states && filter.states.length > 1) {
    conditions.push(Prisma.sql`"state" = ANY(${[...filter.states]}::"OrderLinkState"[])`);
  }
  if (filter.number) conditions.push(numberCondition(filter.number));
  if (filter.updatedFrom) conditions.push(Prisma.sql`"updatedAt" >= ${wall(filter.updatedFrom)}`);
  if (filter.updatedBefore) conditions.push(Prisma.sql`"updatedAt" < ${wall(filter.updatedBefore)}`);
  if (page.after) {
    conditions.push(
      Prisma.sql`("updatedAt", "id") < (${wall(page.after.updatedAt)}, ${page.after.id}::uuid)`,
    );
  }
  const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  return Prisma.sql`SELECT "id", "connectionId", "retailcrmOrderId", "retailcrmOrderNumber", "lifeposSaleId",
    "lifeposOutletId", "lifeposSaleNumber", "state"::text AS "state", "lastSyncedAt", "createdAt", "updatedAt"
    FROM "OrderLink" ${where} ORDER BY "updatedAt" DESC, "id" DESC LIMIT ${page.limit}`;
}

/** An order of one connection. */
export interface OrderRef {
  connectionId: string;
  retailcrmOrderId: number;
}

/** The latest timeline entry of one type of one order. */
export interface OrderFact {
  connectionId: string;
  retailcrmOrderId: number;
  type: string;
  data: Prisma.JsonValue;
  createdAt: Date;
}

/**
 * The latest entry of each of `types` of each order: one backward walk of the timeline index
 * ("connectionId", "retailcrmOrderId", "createdAt") per order, whatever the size of the table.
 */
export function latestFactsQuery(orders: readonly OrderRef[], types: readonly string[]) {
  return Prisma.sql`SELECT o.c AS "connectionId", o.n AS "retailcrmOrderId", f."type", f."data", f."createdAt"
    FROM unnest(${orders.map((order) => order.connectionId)}::uuid[], ${orders.map((order) => order.retailcrmOrderId)}::int[]) AS o(c, n)
    CROSS JOIN LATERAL unnest(${[...types]}::text[]) AS t(type)
    CROSS JOIN LATERAL (
      SELECT e."type", e."data", e."createdAt" FROM "OrderEvent" e
      WHERE e."connectionId" = o.c AND e."retailcrmOrderId" = o.n AND e."type" = t.type
      ORDER BY e."createdAt" DESC, e."id" DESC LIMIT 1
    ) f`;
}

export function createOrderListRepository(prisma: PrismaClient) {
  return {
    /** One page of links, the most recently changed first; `next` is the cursor of the following page. */
    async page(
      filter: OrderListFilter,
      page: { limit: number; after?: OrderListCursor },
    ): Promise<{ links: OrderLink[]; next: OrderListCursor | undefined }> {
      const rows = await prisma.$queryRaw<OrderLink[]>(
        orderListQuery(filter, { ...page, limit: page.limit + 1 }),
      );
      const links = rows.slice(0, page.limit);
      const last = links.at(-1);
      return {
        links,
        next: rows.length > page.limit && last ? { updatedAt: last.updatedAt, id: last.id } : undefined,
      };
    },

    /** The links of these orders (those that have one), in one query. */
    linksOf: (orders: readonly OrderRef[]): Promise<OrderLink[]> =>
      orders.length === 0
        ? Promise.resolve([])
        : prisma.$queryRaw<OrderLink[]>(Prisma.sql`SELECT l."id", l."connectionId", l."retailcrmOrderId",
            l."retailcrmOrderNumber", l."lifeposSaleId", l."lifeposOutletId", l."lifeposSaleNumber",
            l."state"::text AS "state", l."lastSyncedAt", l."createdAt", l."updatedAt"
          FROM unnest(${orders.map((order) => order.connectionId)}::uuid[], ${orders.map((order) => order.retailcrmOrderId)}::int[]) AS o(c, n)
          JOIN "OrderLink" l ON l."connectionId" = o.c AND l."retailcrmOrderId" = o.n`),

    /** The latest fact of each type of each order (none for a type the order's timeline lacks). */
    latestFacts: (orders: readonly OrderRef[], types: readonly string[]): Promise<OrderFact[]> =>
      orders.length === 0 || types.length === 0
        ? Promise.resolve([])
        : prisma.$queryRaw<OrderFact[]>(latestFactsQuery(orders, types)),
  };
}

export type OrderListRepository = ReturnType<typeof createOrderListRepository>;

import { z } from 'zod';
import type { CrmApi } from './api-context.js';
import type {
  By,
  OrderHistoryPage,
  OrderHistoryQuery,
  OrderRef,
  PageRequest,
  RetailCrmOrderFilter,
  RetailCrmOrderPatch,
} from './client-types.js';
import { isRetailCrmNotFound } from './errors.js';
import {
  historyEntrySchema,
  orderSchema,
  orderStatusSchema,
  type RetailCrmOrder,
  type RetailCrmOrderStatus,
} from './order.schema.js';
import { defaultPagination, optionalString, type Pagination, paginationSchema } from './php-json-quirks.js';

const pagination = paginationSchema.default(() => ({ ...defaultPagination }));
const schemas = {
  order: z.looseObject({ order: orderSchema }),
  orders: z.looseObject({ orders: z.array(orderSchema), pagination }),
  // The edit has happened once RetailCRM answers success: an echoed order we cannot read must not turn
  // that into a failure (the job would report an error for a write that went through).
  editedOrder: z.looseObject({
    id: z.number().int().optional(),
    order: orderSchema.optional().catch(undefined),
  }),
  history: z.looseObject({ history: z.array(historyEntrySchema), pagination, generatedAt: optionalString }),
  statuses: z.looseObject({ orders: z.array(orderStatusSchema) }),
};

type OrderOptions = { by?: By; site?: string };

/** Orders: read, list, edit (docs/RETAILCRM-API.md, «One order», «Order list», «Order edit»). */
export function ordersApi(api: CrmApi) {
  /** `by` defaults to `id` (the API's own default is `externalId`; it is always sent explicitly). */
  async function getOrder(id: string | number, opts: OrderOptions = {}): Promise<RetailCrmOrder> {
    const answer = await api.call('GET', api.v5(`/orders/${api.segment(id)}`), schemas.order, {
      query: { by: opts.by ?? 'id', site: opts.site },
    });
    return answer.order;
  }

  async function listOrders(
    filter: RetailCrmOrderFilter = {},
    page?: PageRequest,
  ): Promise<{ orders: RetailCrmOrder[]; pagination: Pagination }> {
    const dated = Object.fromEntries(
      Object.entries(filter).map(([key, value]) => [
        key,
        value instanceof Date ? api.date(value, 'date') : value,
      ]),
    );
    const { orders, pagination: pages } = await api.call('GET', api.v5('/orders'), schemas.orders, {
      query: { filter: dated, ...api.paging(page) },
    });
    return { orders, pagination: pages };
  }

  /**
   * The order, or null when the account has no such order (404 `Not found`, e.g. a trigger naming a
   * made-up or deleted order). Every other failure throws as `getOrder` does: an unknown account or API
   * path is a 404 too, but a permanent `account_not_found` / `method_not_found`, never "no order".
   */
  async function getOrderOrNull(
    id: string | number,
    opts: OrderOptions = {},
  ): Promise<RetailCrmOrder | null> {
    try {
      return await getOrder(id, opts);
    } catch (error) {
      if (isRetailCrmNotFound(error)) return null;
      throw error;
    }
  }

  /** The order an `OrderRef` names (a `number` is looked up through the list), or null when there is none. */
  async function findOrderByRef(ref: OrderRef, site?: string): Promise<RetailCrmOrder | null> {
    if ('id' in ref) return getOrderOrNull(ref.id, { site });
    if ('externalId' in ref) return getOrderOrNull(ref.externalId, { by: 'externalId', site });
    const { orders } = await listOrders({ numbers: [ref.number], ...(site ? { sites: [site] } : {}) });
    return orders.find((order) => order.number === ref.number) ?? null;
  }

  async function editOrder(
    id: string | number,
    patch: RetailCrmOrderPatch,
    opts: OrderOptions = {},
  ): Promise<{ id: number | undefined; order: RetailCrmOrder | undefined }> {
    const order: Record<string, unknown> = { ...patch };
    if (patch.shipmentDate !== undefined) order.shipmentDate = api.date(patch.shipmentDate, 'date');
    if (patch.delivery) {
      order.delivery = {
        ...patch.delivery,
        ...(patch.delivery.date === undefined ? {} : { date: api.date(patch.delivery.date, 'date') }),
        ...(patch.delivery.cost === undefined ? {} : { cost: api.rubles(patch.delivery.cost) }),
      };
    }
    const answer = await api.call('POST', api.v5(`/orders/${api.segment(id)}/edit`), schemas.editedOrder, {
      form: { by: opts.by ?? 'id', site: opts.site, order },
    });
    return { id: answer.id, order: answer.order };
  }

  async function orderStatuses(query: {
    ids?: readonly number[];
    externalIds?: readonly string[];
  }): Promise<RetailCrmOrderStatus[]> {
    const answer = await api.call('GET', api.v5('/orders/statuses'), schemas.statuses, {
      query: { ids: query.ids, externalIds: query.externalIds },
    });
    return answer.orders;
  }

  return { getOrder, getOrderOrNull, findOrderByRef, listOrders, editOrder, orderStatuses };
}

/** The order history feed (docs/RETAILCRM-API.md, «Order history»). */
export function orderHistoryApi(api: CrmApi) {
  async function orderHistory(query: OrderHistoryQuery = {}): Promise<OrderHistoryPage> {
    const {
      history,
      pagination: pages,
      generatedAt,
    } = await api.call('GET', api.v5('/orders/history'), schemas.history, {
      query: {
        filter: {
          sinceId: query.sinceId,
          orderId: query.orderId,
          startDate: api.date(query.startDate, 'date-time'),
          endDate: api.date(query.endDate, 'date-time'),
        },
        limit: query.limit,
        page: query.page,
      },
    });
    return { history, pagination: pages, generatedAt };
  }

  /**
   * Pages of history after `sinceId` (or from `startDate`), re-querying with the last entry's id as the
   * next `sinceId` — the official clients' algorithm, stable while new entries keep arriving. Persist
   * the last id of each page after processing it.
   */
  async function* orderHistoryPages(
    query: Pick<OrderHistoryQuery, 'sinceId' | 'startDate' | 'limit'> = {},
  ): AsyncGenerator<OrderHistoryPage & { lastId: number }, void, undefined> {
    let sinceId = query.sinceId;
    let startDate = sinceId === undefined ? query.startDate : undefined;
    for (;;) {
      const page = await orderHistory({
        ...(sinceId === undefined ? {} : { sinceId }),
        ...(startDate === undefined ? {} : { startDate }),
        limit: query.limit ?? 100,
      });
      const lastId = page.history.reduce((max, entry) => Math.max(max, entry.id), sinceId ?? 0);
      // An empty page, or one that does not move the cursor, ends the feed (no endless loop).
      if (page.history.length === 0 || (sinceId !== undefined && lastId <= sinceId)) return;
      yield { ...page, lastId };
      if (page.pagination.totalPageCount <= 1) return;
      sinceId = lastId;
      startDate = undefined;
    }
  }

  return { orderHistory, orderHistoryPages };
}

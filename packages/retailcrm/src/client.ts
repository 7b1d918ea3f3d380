import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { kopecksToRubles, rublesToKopecks } from '@connector/domain';
import { createLogger, registerSecret } from '@connector/logger';
import got, { type Got, RequestError, TimeoutError } from 'got';
import { z } from 'zod';
import { checkRetailCrmUrl, guardedDnsLookup, type HostLookup, systemLookup } from './allowed-url.js';
import {
  apiVersionsSchema,
  credentialsSchema,
  type RetailCrmCredentials,
  type RetailCrmSystemSettings,
  systemSettingsSchema,
} from './credentials.schema.js';
import {
  type RequestContext,
  RetailCrmApiError,
  RetailCrmUnavailableError,
  RetailCrmUrlNotAllowedError,
} from './errors.js';
import {
  historyEntrySchema,
  orderSchema,
  orderStatusSchema,
  type RetailCrmHistoryEntry,
  type RetailCrmOrder,
  type RetailCrmOrderStatus,
} from './order.schema.js';
import { defaultPagination, optionalString, type Pagination, paginationSchema } from './php-json-quirks.js';
import {
  type RetailCrmCourier,
  type RetailCrmDeliveryType,
  type RetailCrmLegalEntity,
  type RetailCrmPaymentStatus,
  type RetailCrmPaymentType,
  type RetailCrmSite,
  type RetailCrmStatus,
  type RetailCrmStatusGroup,
  type RetailCrmStore,
  referenceBooks,
} from './reference.schema.js';
import { encodeForm, encodeQuery, type FormValue, type QueryValue } from './request-encoding.js';
import { decodeResponse } from './response-decoding.js';
import { assertTimeZone, formatRetailCrmDate, isTimeZone } from './retailcrm-dates.js';
import { type RetailCrmTask, taskSchema } from './task.schema.js';
import { type RetailCrmUser, type RetailCrmUserGroup, userGroupSchema, userSchema } from './user.schema.js';

/** The per-account rate limiter; `acquire` may throw a DeferredError, which propagates unchanged. */
export interface RateLimiter {
  acquire(): Promise<void>;
}

/** What the client logs through (a winston logger fits). Records never contain the key or bodies. */
export interface RetailCrmLogger {
  debug(message: string, meta: Record<string, unknown>): unknown;
  warn(message: string, meta: Record<string, unknown>): unknown;
}

/** Per-phase limits in milliseconds (got's `timeout`). */
export interface RetailCrmTimeouts {
  lookup: number;
  connect: number;
  secureConnect: number;
  /** Writing the request once connected. */
  send: number;
  /** Request written → response headers. */
  response: number;
  /** Whole request, end to end. */
  request: number;
}

export const DEFAULT_TIMEOUTS: RetailCrmTimeouts = {
  lookup: 3_000,
  connect: 5_000,
  secureConnect: 5_000,
  send: 10_000,
  response: 30_000,
  request: 45_000,
};

export interface RetailCrmClientOptions {
  /** Account address, e.g. `https://shop.retailcrm.ru` (checked by the SSRF guard). */
  baseUrl: string;
  apiKey: string;
  /** `RETAILCRM_ALLOWED_HOSTS`: `.domain`, `host`, `host:port` entries. */
  allowedHosts: readonly string[];
  limiter?: RateLimiter;
  logger?: RetailCrmLogger;
  timeouts?: Partial<RetailCrmTimeouts>;
  /** The account's IANA time zone: `Date` values are sent as wall-clock text in it. */
  timeZone?: string;
  /** DNS resolution (tests map names to addresses); checked on every new connection. */
  lookup?: HostLookup;
  /** Keep-alive agents; by default ones shared by every client of the process. */
  agents?: { http?: http.Agent; https?: https.Agent };
}

export type PageLimit = 20 | 50 | 100;
export interface PageRequest {
  page?: number;
  limit?: PageLimit;
}

export type OrderRef = { id: number } | { externalId: string } | { number: string };
export type By = 'id' | 'externalId';

/**
 * Order list filters (docs/RETAILCRM-API.md, «Order list»). Date ranges (`createdAtFrom`,
 * `statusUpdatedAtFrom`, …) are dates: `Y-m-d` text, or an instant, which the client sends as the account's
 * date it falls on (so a range from an instant starts at that day's midnight; filter finer on the orders' own
 * times). Other documented filters pass through.
 */
export interface RetailCrmOrderFilter {
  ids?: readonly number[];
  externalIds?: readonly string[];
  numbers?: readonly string[];
  sites?: readonly string[];
  /** Status codes or status-group codes (there is no `statuses` filter). */
  extendedStatus?: readonly string[];
  paymentStatuses?: readonly string[];
  shipmentStores?: readonly string[];
  couriers?: readonly number[];
  createdAtFrom?: Date | string;
  createdAtTo?: Date | string;
  /** When the order entered its current status. */
  statusUpdatedAtFrom?: Date | string;
  statusUpdatedAtTo?: Date | string;
  customFields?: { readonly [code: string]: QueryValue };
  [filter: string]: QueryValue | Date;
}

/** Partial order for `orders/{id}/edit`; fields not sent stay untouched. Amounts in rubles. */
export interface RetailCrmOrderPatch {
  status?: string;
  statusComment?: string;
  managerComment?: string;
  shipmentStore?: string;
  shipped?: boolean;
  shipmentDate?: Date | string;
  customFields?: Record<string, unknown>;
  delivery?: {
    code?: string;
    cost?: number;
    date?: Date | string;
    time?: { from?: string; to?: string };
    address?: Record<string, unknown>;
    /** Integration data; for courier deliveries `{courierId}`. */
    data?: Record<string, unknown>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export interface RetailCrmPaymentCreate {
  order: OrderRef;
  /** Payment-type code. */
  type: string;
  /** Rubles. */
  amount?: number;
  /** Payment-status code. */
  status?: string;
  paidAt?: Date | string;
  externalId?: string;
  comment?: string;
}

export type RetailCrmPaymentPatch = Partial<Omit<RetailCrmPaymentCreate, 'order'>>;

export interface RetailCrmTaskCreate {
  text: string;
  commentary?: string;
  /** Deadline; text must be `Y-m-d H:i`. */
  datetime?: Date | string;
  performerId: number;
  performerType?: string;
  order?: OrderRef;
  complete?: boolean;
}

/** A task edit (docs/RETAILCRM-API.md, «Tasks» `tasks/{id}/edit`): only the fields given change. */
export type RetailCrmTaskPatch = Partial<Omit<RetailCrmTaskCreate, 'performerId'>> & { performerId?: number };

export interface RetailCrmTaskFilter {
  performers?: readonly number[];
  creators?: readonly number[];
  ids?: readonly number[];
  status?: 'completed' | 'performing';
  orderNumber?: string;
  text?: string;
  [filter: string]: QueryValue;
}

export interface RetailCrmUserFilter {
  /** Group codes. */
  groups?: readonly string[];
  active?: boolean;
  email?: string;
  isManager?: boolean;
  [filter: string]: QueryValue;
}

export interface OrderHistoryQuery {
  /** Only entries with a larger id (the persisted cursor). */
  sinceId?: number;
  /** First run without a cursor: entries from this moment (`Y-m-d H:i:s` or an instant). */
  startDate?: Date | string;
  endDate?: Date | string;
  orderId?: number;
  limit?: PageLimit;
  page?: number;
}

export interface OrderHistoryPage {
  history: RetailCrmHistoryEntry[];
  pagination: Pagination;
  generatedAt: string | undefined;
}

const pagination = paginationSchema.default(() => ({ ...defaultPagination }));
const successSchema = z.looseObject({});
const idSchema = z.looseObject({ id: z.number().int() });
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
  tasks: z.looseObject({ tasks: z.array(taskSchema), pagination }),
  task: z.looseObject({ task: taskSchema }),
  users: z.looseObject({ users: z.array(userSchema), pagination }),
  user: z.looseObject({ user: userSchema }),
  groups: z.looseObject({ groups: z.array(userGroupSchema), pagination }),
};

let sharedAgents: { http: http.Agent; https: https.Agent } | undefined;

/**
 * One keep-alive pool per process: many tenants, few sockets each (the API allows ~10 requests/s).
 * Sockets are pooled per host:port and were address-checked when opened; every client of a process is
 * built from the same allowed-host list, so a socket checked for one client is valid for all.
 */
function defaultAgents(): { http: http.Agent; https: https.Agent } {
  const options = {
    keepAlive: true,
    maxSockets: 10,
    maxFreeSockets: 10,
    timeout: 30_000,
    scheduling: 'lifo' as const,
  };
  sharedAgents ??= { http: new http.Agent(options), https: new https.Agent(options) };
  return sharedAgents;
}

let fallbackLogger: RetailCrmLogger | undefined;

function defaultLogger(): RetailCrmLogger {
  fallbackLogger ??= createLogger({ service: 'retailcrm-client' });
  return fallbackLogger;
}

export type RetailCrmClient = ReturnType<typeof createRetailCrmClient>;

/**
 * A typed RetailCRM API v5 client for one account. Throws `RetailCrmUrlNotAllowedError` at once when the
 * base URL fails the static SSRF checks; resolved addresses are checked on every new connection.
 * Every call awaits `limiter.acquire()` first, sends the key only in `X-API-KEY`, never retries (the
 * queue does), and fails with the package's error classes (retryable / permanent / deferred).
 */
export function createRetailCrmClient(options: RetailCrmClientOptions) {
  const target = checkRetailCrmUrl(options.baseUrl, options.allowedHosts);
  const timeZone = options.timeZone ?? 'Europe/Moscow';
  assertTimeZone(timeZone);
  registerSecret(options.apiKey);
  const { limiter } = options;
  const log = options.logger ?? defaultLogger();
  const agents = { ...defaultAgents(), ...options.agents };

  const client: Got = got.extend({
    headers: {
      'x-api-key': options.apiKey,
      accept: 'application/json',
      'user-agent': 'retailcrm-lifepos-connector',
    },
    timeout: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    agent: { http: agents.http, https: agents.https },
    dnsLookup: guardedDnsLookup(target, options.lookup ?? systemLookup),
  });

  async function call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    payload: {
      query?: { readonly [key: string]: QueryValue };
      form?: { readonly [key: string]: FormValue };
    } = {},
  ): Promise<z.output<S>> {
    await limiter?.acquire();
    const context: RequestContext = { method, path, requestId: randomUUID() };
    const query = payload.query ? encodeQuery(payload.query) : '';
    const url = `${target.origin}${path}${query ? `?${query}` : ''}`;
    const started = performance.now();
    let response: {
      statusCode: number;
      headers: Record<string, string | string[] | undefined>;
      body: string;
    };
    try {
      response = await client(url, {
        method,
        headers: {
          'x-request-id': context.requestId,
          ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(method === 'POST' ? { body: payload.form ? encodeForm(payload.form) : '' } : {}),
      });
    } catch (error) {
      const mapped = transportError(error, context);
      log.warn('retailcrm request failed', { ...context, code: mapped.code, reason: mapped.message });
      throw mapped;
    }
    const meta = {
      ...context,
      status: response.statusCode,
      durationMs: Math.round(performance.now() - started),
    };
    log.debug('retailcrm request', meta);
    try {
      return decodeResponse(
        { status: response.statusCode, headers: response.headers, body: response.body },
        schema,
        context,
      );
    } catch (error) {
      const { code, details } = error as { code?: string; details?: Record<string, unknown> };
      log.warn('retailcrm request refused', {
        ...meta,
        code,
        errorMsg: details?.errorMsg,
        errors: details?.errors,
      });
      throw error;
    }
  }

  const v5 = (path: string) => `/api/v5${path}`;
  const segment = (id: string | number) => encodeURIComponent(String(id));
  const paging = (page?: PageRequest) => ({ page: page?.page, limit: page?.limit });
  const date = (value: Date | string | undefined, form: Parameters<typeof formatRetailCrmDate>[1]) =>
    value === undefined ? undefined : formatRetailCrmDate(value, form, timeZone);
  /** Rubles rounded to whole kopecks, so float noise (0.1 + 0.2) never reaches the API. */
  const rubles = (value: number | undefined) =>
    value === undefined ? undefined : kopecksToRubles(rublesToKopecks(value));

  async function orderHistory(query: OrderHistoryQuery = {}): Promise<OrderHistoryPage> {
    const {
      history,
      pagination: pages,
      generatedAt,
    } = await call('GET', v5('/orders/history'), schemas.history, {
      query: {
        filter: {
          sinceId: query.sinceId,
          orderId: query.orderId,
          startDate: date(query.startDate, 'date-time'),
          endDate: date(query.endDate, 'date-time'),
        },
        limit: query.limit,
        page: query.page,
      },
    });
    return { history, pagination: pages, generatedAt };
  }

  async function getOrder(
    id: string | number,
    opts: { by?: By; site?: string } = {},
  ): Promise<RetailCrmOrder> {
    const answer = await call('GET', v5(`/orders/${segment(id)}`), schemas.order, {
      query: { by: opts.by ?? 'id', site: opts.site },
    });
    return answer.order;
  }

  return {
    /** Base origin the client talks to (after validation). */
    origin: target.origin,
    /** The account's time zone: RetailCRM dates (`Y-m-d H:i:s`) are its wall clock. */
    timeZone,

    async apiVersions(): Promise<string[]> {
      return (await call('GET', '/api/api-versions', apiVersionsSchema)).versions;
    },

    async credentials(): Promise<RetailCrmCredentials> {
      return call('GET', '/api/credentials', credentialsSchema);
    },

    /** The account's settings: its time zone, currency and language (a zone Intl does not know is left out). */
    async systemSettings(): Promise<RetailCrmSystemSettings> {
      const { settings } = await call('GET', v5('/settings'), systemSettingsSchema);
      const zone = settings.timezone?.value;
      return {
        timeZone: zone !== undefined && isTimeZone(zone) ? zone : undefined,
        currency: settings.default_currency?.value,
        language: settings.system_language?.value,
      };
    },

    /** `by` defaults to `id` (the API's own default is `externalId`; it is always sent explicitly). */
    getOrder,

    /**
     * The order, or null when the account has no such order (404 `Not found`, e.g. a trigger naming a
     * made-up or deleted order). Every other failure throws as `getOrder` does: an unknown account or API
     * path is a 404 too, but a permanent `account_not_found` / `method_not_found`, never "no order".
     */
    async getOrderOrNull(
      id: string | number,
      opts: { by?: By; site?: string } = {},
    ): Promise<RetailCrmOrder | null> {
      try {
        return await getOrder(id, opts);
      } catch (error) {
        if (error instanceof RetailCrmApiError && error.code === 'retailcrm.not_found') return null;
        throw error;
      }
    },

    async listOrders(
      filter: RetailCrmOrderFilter = {},
      page?: PageRequest,
    ): Promise<{ orders: RetailCrmOrder[]; pagination: Pagination }> {
      const dated = Object.fromEntries(
        Object.entries(filter).map(([key, value]) => [
          key,
          value instanceof Date ? date(value, 'date') : value,
        ]),
      );
      const { orders, pagination: pages } = await call('GET', v5('/orders'), schemas.orders, {
        query: { filter: dated, ...paging(page) },
      });
      return { orders, pagination: pages };
    },

    async editOrder(
      id: string | number,
      patch: RetailCrmOrderPatch,
      opts: { by?: By; site?: string } = {},
    ): Promise<{ id: number | undefined; order: RetailCrmOrder | undefined }> {
      const order: Record<string, unknown> = { ...patch };
      if (patch.shipmentDate !== undefined) order.shipmentDate = date(patch.shipmentDate, 'date');
      if (patch.delivery) {
        order.delivery = {
          ...patch.delivery,
          ...(patch.delivery.date === undefined ? {} : { date: date(patch.delivery.date, 'date') }),
          ...(patch.delivery.cost === undefined ? {} : { cost: rubles(patch.delivery.cost) }),
        };
      }
      const answer = await call('POST', v5(`/orders/${segment(id)}/edit`), schemas.editedOrder, {
        form: { by: opts.by ?? 'id', site: opts.site, order },
      });
      return { id: answer.id, order: answer.order };
    },

    orderHistory,

    /**
     * Pages of history after `sinceId` (or from `startDate`), re-querying with the last entry's id as the
     * next `sinceId` — the official clients' algorithm, stable while new entries keep arriving. Persist
     * the last id of each page after processing it.
     */
    async *orderHistoryPages(
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
    },

    async orderStatuses(query: {
      ids?: readonly number[];
      externalIds?: readonly string[];
    }): Promise<RetailCrmOrderStatus[]> {
      const answer = await call('GET', v5('/orders/statuses'), schemas.statuses, {
        query: { ids: query.ids, externalIds: query.externalIds },
      });
      return answer.orders;
    },

    async createPayment(
      payment: RetailCrmPaymentCreate,
      opts: { site?: string } = {},
    ): Promise<{ id: number }> {
      const answer = await call('POST', v5('/orders/payments/create'), idSchema, {
        form: { site: opts.site, payment: paymentBody(payment) },
      });
      return { id: answer.id };
    },

    async editPayment(
      id: string | number,
      patch: RetailCrmPaymentPatch,
      opts: { by?: By; site?: string } = {},
    ): Promise<void> {
      await call('POST', v5(`/orders/payments/${segment(id)}/edit`), successSchema, {
        form: { by: opts.by ?? 'id', site: opts.site, payment: paymentBody(patch) },
      });
    },

    async deletePayment(id: number): Promise<void> {
      await call('POST', v5(`/orders/payments/${segment(id)}/delete`), successSchema, { form: { id } });
    },

    async createTask(task: RetailCrmTaskCreate, opts: { site?: string } = {}): Promise<{ id: number }> {
      const body = { ...task, datetime: date(task.datetime, 'date-time-minutes') };
      const answer = await call('POST', v5('/tasks/create'), idSchema, {
        form: { site: opts.site, task: body },
      });
      return { id: answer.id };
    },

    /** Edits a task, e.g. `{ complete: true }` once the problem it reports is gone. Answers `{success:true}`. */
    async editTask(id: number, patch: RetailCrmTaskPatch, opts: { site?: string } = {}): Promise<void> {
      const task =
        patch.datetime === undefined
          ? patch
          : { ...patch, datetime: date(patch.datetime, 'date-time-minutes') };
      await call('POST', v5(`/tasks/${segment(id)}/edit`), successSchema, {
        form: { site: opts.site, task },
      });
    },

    async getTask(id: number): Promise<RetailCrmTask> {
      return (await call('GET', v5(`/tasks/${segment(id)}`), schemas.task)).task;
    },

    async listTasks(
      filter: RetailCrmTaskFilter = {},
      page?: PageRequest,
    ): Promise<{ tasks: RetailCrmTask[]; pagination: Pagination }> {
      const { tasks, pagination: pages } = await call('GET', v5('/tasks'), schemas.tasks, {
        query: { filter, ...paging(page) },
      });
      return { tasks, pagination: pages };
    },

    async listUsers(
      filter: RetailCrmUserFilter = {},
      page?: PageRequest,
    ): Promise<{ users: RetailCrmUser[]; pagination: Pagination }> {
      const { users, pagination: pages } = await call('GET', v5('/users'), schemas.users, {
        query: { filter, ...paging(page) },
      });
      return { users, pagination: pages };
    },

    async getUser(id: number): Promise<RetailCrmUser> {
      return (await call('GET', v5(`/users/${segment(id)}`), schemas.user)).user;
    },

    async userGroups(page?: PageRequest): Promise<{ groups: RetailCrmUserGroup[]; pagination: Pagination }> {
      const { groups, pagination: pages } = await call('GET', v5('/user-groups'), schemas.groups, {
        query: paging(page),
      });
      return { groups, pagination: pages };
    },

    async sites(): Promise<RetailCrmSite[]> {
      return (await call('GET', v5('/reference/sites'), referenceBooks.sites)).sites;
    },
    async stores(): Promise<RetailCrmStore[]> {
      return (await call('GET', v5('/reference/stores'), referenceBooks.stores)).stores;
    },
    async statuses(): Promise<RetailCrmStatus[]> {
      return (await call('GET', v5('/reference/statuses'), referenceBooks.statuses)).statuses;
    },
    async statusGroups(): Promise<RetailCrmStatusGroup[]> {
      return (await call('GET', v5('/reference/status-groups'), referenceBooks.statusGroups)).statusGroups;
    },
    async paymentTypes(): Promise<RetailCrmPaymentType[]> {
      return (await call('GET', v5('/reference/payment-types'), referenceBooks.paymentTypes)).paymentTypes;
    },
    async paymentStatuses(): Promise<RetailCrmPaymentStatus[]> {
      return (await call('GET', v5('/reference/payment-statuses'), referenceBooks.paymentStatuses))
        .paymentStatuses;
    },
    async deliveryTypes(): Promise<RetailCrmDeliveryType[]> {
      return (await call('GET', v5('/reference/delivery-types'), referenceBooks.deliveryTypes)).deliveryTypes;
    },
    async legalEntities(): Promise<RetailCrmLegalEntity[]> {
      return (await call('GET', v5('/reference/legal-entities'), referenceBooks.legalEntities)).legalEntities;
    },
    async couriers(): Promise<RetailCrmCourier[]> {
      return (await call('GET', v5('/reference/couriers'), referenceBooks.couriers)).couriers;
    },
  };

  function paymentBody(payment: RetailCrmPaymentPatch & { order?: OrderRef }): Record<string, unknown> {
    return { ...payment, amount: rubles(payment.amount), paidAt: date(payment.paidAt, 'date-time') };
  }
}

/** Maps a got failure (no HTTP answer) to the package's errors; the SSRF refusal comes through as is. */
function transportError(
  error: unknown,
  context: RequestContext,
): RetailCrmUnavailableError | RetailCrmUrlNotAllowedError {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof RetailCrmUrlNotAllowedError) return cause;
  }
  if (error instanceof TimeoutError) {
    return new RetailCrmUnavailableError('retailcrm.timeout', {
      context,
      reason: `timeout in phase ${error.event}`,
      cause: error,
    });
  }
  const code = error instanceof RequestError ? error.code : undefined;
  return new RetailCrmUnavailableError('retailcrm.network', {
    context,
    reason: code ?? (error instanceof Error ? error.message : String(error)),
    cause: error,
  });
}

import type http from 'node:http';
import type https from 'node:https';
import type { HostLookup } from './allowed-url.js';
import type { RetailCrmHistoryEntry } from './order.schema.js';
import type { Pagination } from './php-json-quirks.js';
import type { QueryValue } from './request-encoding.js';

/** Options, filters and inputs of the RetailCRM client (docs/RETAILCRM-API.md, «Methods the connector uses»). */

/** The per-account rate limiter; `acquire` may throw a DeferredError, which propagates unchanged. */
export interface RateLimiter {
  /** Waits for the call's slot; what it returns names the slot for `sent`. */
  acquire(): Promise<unknown>;
  /** The call of that slot left at `sentAt` (ms since the epoch): the limiter measures its lateness. */
  sent?(grant: unknown, sentAt: number): void;
  /** The upstream refused the call as over its rate although the limiter granted it. */
  refused?(): void;
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

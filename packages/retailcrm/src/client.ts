import { registerSecret } from '@connector/logger';
import { accountApi, referenceApi } from './account-api.js';
import { checkRetailCrmUrl } from './allowed-url.js';
import { createCrmApi } from './api-context.js';
import type { RetailCrmClientOptions } from './client-types.js';
import { createApiCall, defaultLogger } from './http-call.js';
import { orderHistoryApi, ordersApi } from './orders-api.js';
import { paymentsApi } from './payments-api.js';
import { assertTimeZone } from './retailcrm-dates.js';
import { tasksApi, usersApi } from './tasks-api.js';

export {
  type By,
  DEFAULT_TIMEOUTS,
  type OrderHistoryPage,
  type OrderHistoryQuery,
  type OrderRef,
  type PageLimit,
  type PageRequest,
  type RateLimiter,
  type RetailCrmClientOptions,
  type RetailCrmLogger,
  type RetailCrmOrderFilter,
  type RetailCrmOrderPatch,
  type RetailCrmPaymentCreate,
  type RetailCrmPaymentPatch,
  type RetailCrmTaskCreate,
  type RetailCrmTaskFilter,
  type RetailCrmTaskPatch,
  type RetailCrmTimeouts,
  type RetailCrmUserFilter,
} from './client-types.js';
export type { CreatedPayment } from './payments-api.js';

export type RetailCrmClient = ReturnType<typeof createRetailCrmClient>;

/**
 * A typed RetailCRM API v5 client for one account, composed of per-resource builders. Throws
 * `RetailCrmUrlNotAllowedError` at once when the base URL fails the static SSRF checks; resolved addresses
 * are checked on every new connection. Every call awaits `limiter.acquire()` first, sends the key only in
 * `X-API-KEY`, never retries (the queue does), and fails with the package's error classes (retryable /
 * permanent / deferred). The API's quirks are handled here (docs/RETAILCRM-API.md, «Quirks»).
 */
export function createRetailCrmClient(options: RetailCrmClientOptions) {
  const target = checkRetailCrmUrl(options.baseUrl, options.allowedHosts);
  const timeZone = options.timeZone ?? 'Europe/Moscow';
  assertTimeZone(timeZone);
  registerSecret(options.apiKey);
  const api = createCrmApi(createApiCall(options, target, options.logger ?? defaultLogger()), timeZone);
  const orders = ordersApi(api);

  return {
    /** Base origin the client talks to (after validation). */
    origin: target.origin,
    /** The account's time zone: RetailCRM dates (`Y-m-d H:i:s`) are its wall clock. */
    timeZone,
    ...accountApi(api),
    ...orders,
    ...orderHistoryApi(api),
    ...paymentsApi(api, orders.findOrderByRef),
    ...tasksApi(api),
    ...usersApi(api),
    ...referenceApi(api),
  };
}

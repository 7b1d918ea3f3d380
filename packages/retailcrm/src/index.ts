export {
  type AllowedRetailCrmUrl,
  assertAllowedRetailCrmUrl,
  type HostLookup,
} from './allowed-url.js';
export {
  type By,
  type CreatedPayment,
  createRetailCrmClient,
  DEFAULT_TIMEOUTS,
  type OrderHistoryPage,
  type OrderHistoryQuery,
  type OrderRef,
  type PageLimit,
  type PageRequest,
  type RateLimiter,
  type RetailCrmClient,
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
} from './client.js';
export type { RetailCrmCredentials, RetailCrmSystemSettings } from './credentials.schema.js';
export {
  isRetailCrmAuthRefused,
  isRetailCrmNotFound,
  RETAILCRM_ERROR_CODES,
  type RequestContext,
  RetailCrmApiError,
  type RetailCrmErrorCode,
  type RetailCrmPermanentCode,
  RetailCrmRateLimitError,
  RetailCrmUnavailableError,
  RetailCrmUrlNotAllowedError,
  retailCrmErrorCode,
} from './errors.js';
export type {
  RetailCrmHistoryEntry,
  RetailCrmOrder,
  RetailCrmOrderDelivery,
  RetailCrmOrderItem,
  RetailCrmOrderStatus,
  RetailCrmPayment,
} from './order.schema.js';
export type { Pagination } from './php-json-quirks.js';
export type {
  RetailCrmCourier,
  RetailCrmDeliveryType,
  RetailCrmLegalEntity,
  RetailCrmPaymentStatus,
  RetailCrmPaymentType,
  RetailCrmSite,
  RetailCrmStatus,
  RetailCrmStatusGroup,
  RetailCrmStore,
} from './reference.schema.js';
export {
  formatRetailCrmDate,
  isTimeZone,
  parseRetailCrmDate,
  type RetailCrmDateForm,
} from './retailcrm-dates.js';
export type { RetailCrmTask } from './task.schema.js';
export type { RetailCrmUser, RetailCrmUserGroup } from './user.schema.js';

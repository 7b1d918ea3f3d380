export {
  createLifePosClient,
  DEFAULT_TOKEN_TTL_MS,
  type LifePosClient,
  type LifePosClientOptions,
  type RateLimiter,
} from './client.js';
export type { Employee, EmployeeCreateInput } from './employee.js';
export {
  errorForResponse,
  hasLifePosApiCode,
  isDuplicate,
  isLifePosError,
  isLifePosNotFound,
  isNotUnique,
  LIFEPOS_API_CODES,
  LIFEPOS_ERROR_CODES,
  type LifePosApiCode,
  type LifePosApiError,
  LifePosDeferredError,
  type LifePosError,
  type LifePosFailure,
  LifePosPermanentError,
  LifePosRetryableError,
  lifePosErrorCode,
  parseApiErrorBody,
  retryAfterMs,
} from './errors.js';
export { DEFAULT_CLIENT_ID, DEFAULT_LANGUAGE, lifePosHeaders } from './headers.js';
export { DEFAULT_TIMEOUTS, type LifePosTimeouts } from './http-transport.js';
export {
  type JsonPatchOperation,
  jsonPointer,
  NOTIFICATION_EXTENSION,
  type NotificationSubscriptionInput,
  replaceFields,
  subscribeNotificationsPatch,
  unsubscribeNotificationsPatch,
} from './json-patch.js';
export type { LegalEntity } from './legal-entity.js';
export type { LifePosLogger } from './logger.js';
export { type MoneyCodec, type MoneyUnit, moneyCodec } from './money.js';
export type { MoneyDocument, Payment, Refund, RefundCreateInput } from './money-document.js';
export type { NotificationSubscription, Organization } from './organization.js';
export type { Outlet, OutletCreateInput } from './outlet.js';
export {
  DEFAULT_MAX_PAGES,
  isLifePosPagingError,
  LIFEPOS_PAGE_SIZE,
  LIFEPOS_PAGING_CODES,
  type LifePosPagingCode,
  LifePosPagingError,
  type Listing,
  listAll,
  type PageReader,
  type PagingOptions,
  pagedItems,
} from './paging.js';
export type { Role } from './role.js';
export type { Sale, SaleListParams, SalePosition } from './sale.js';
export { createMemoryTokenStore, type TokenStore } from './token-store.js';
export type { UnitOfMeasure } from './unit-of-measure.js';
export type { ListParams, Page, Presentation, Reference, Selection } from './wire.js';
export type { Workplace, WorkplaceCreateInput, WorkplaceType } from './workplace.js';

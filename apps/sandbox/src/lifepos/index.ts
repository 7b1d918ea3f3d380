export type { UndeclaredExtensionMode } from './catalog.js';
export { ERROR_CODES, LifePosApiError, type LifePosErrorBody, type LifePosErrorCode } from './errors.js';
export { applyJsonPatch, type JsonPatchOperation } from './json-patch.js';
export { DEFAULT_PAGE_SIZE, type ListEnvelope, MAX_PAGE_SIZE } from './listing.js';
export type {
  DealState,
  Employee,
  LegalEntity,
  Money,
  MoneyDocument,
  NotificationServiceExtension,
  Organization,
  Outlet,
  PaymentStatus,
  Reference,
  Role,
  RoleType,
  Sale,
  SalePayment,
  SalePosition,
  SaleRefund,
  ShippingStatus,
  Uom,
  Workplace,
} from './model.js';
export {
  DEFAULT_NOTIFICATION_SETTINGS,
  type DeliveryAttempt,
  type DeliveryFilter,
  type DeliveryRecord,
  type DeliveryStatus,
  type NotificationSettings,
} from './notifications.js';
export { DEFAULT_RATE_LIMIT, type RateLimitSettings } from './rate-limiter.js';
export type { NumberUniqueness, PaymentInput } from './sales.js';
export { LifePosSimulator } from './simulator.js';
export type {
  AddEmployeeInput,
  CreateOrganizationInput,
  LifePosSimulatorOptions,
  LifePosSnapshot,
  RefundActionInput,
  SaleWithDocuments,
  SeededOrganization,
  SeedSaleInput,
  SubscriptionInput,
} from './simulator-types.js';
export { ROLE_GUIDS, UOM_GUIDS } from './store.js';

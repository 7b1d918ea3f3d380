export {
  CONNECTION_ERROR_CODES,
  type ConnectionErrorCode,
  connectionErrorCode,
  isConnectionMissing,
} from './connection-errors.js';
export { readMoneyDocuments } from './money-documents.js';
export {
  isSubscribedTo,
  NOTIFICATION_ROUTE,
  notificationUrl,
  type SubscriptionChange,
  subscribeConnection,
  unsubscribeConnection,
} from './notification-subscription.js';
export { type OrderJob, orderNotFoundMessage, startOrderJob } from './order-job.js';
export { readOrderSales } from './order-sales.js';
export {
  createTenantRuntime,
  type OpenOptions,
  type Tenant,
  type TenantRuntime,
  type TenantRuntimeOptions,
} from './tenant-runtime.js';

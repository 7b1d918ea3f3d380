export {
  createLifeposEventsHandler,
  type LifeposEventsDeps,
} from './lifepos-events.js';
export {
  checkLifeposSales,
  type LifeposSalesCheckDeps,
  type LifeposSalesCheckResult,
  OPEN_SALE_HORIZON_MS,
  SALES_CHECK_OVERLAP_MS,
  SALES_FULL_CHECK_EVERY_MS,
} from './lifepos-sales-check.js';
export {
  isSaleNotificationType,
  parseNotificationEnvelope,
  SALE_NOTIFICATION_TYPES,
  type SaleNotificationType,
  saleGuidOfNotification,
} from './notification.schema.js';
export {
  NOTIFICATION_BODY_LIMIT,
  type NotificationAnswer,
  type NotificationRouteDeps,
  registerNotificationRoute,
} from './notification-route.js';
export {
  type SaleWriteBackDeps,
  type SaleWriteBackResult,
  TIMELINE,
  writeBackSale,
} from './sale-write-back.js';
export {
  startWebhookWorker,
  WEBHOOK_SERVICE,
  WEBHOOK_WORKER_QUEUES,
  type WebhookWorker,
  type WebhookWorkerOptions,
} from './start-webhook-worker.js';
export {
  checkSubscription,
  type SubscriptionCheckDeps,
  type SubscriptionCheckOutcome,
} from './subscription-check.js';
export { type WebhookEnv, webhookEnvShape } from './webhook-env.js';

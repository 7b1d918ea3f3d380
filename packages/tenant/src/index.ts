export {
  createCrmTasksHandler,
  createFinalFailureHook,
  type IncidentReport,
  type IncidentReporterOptions,
  openIncident,
  timelineUrl,
} from './incidents.js';
export { readMoneyDocuments } from './money-documents.js';
export {
  isSubscribedTo,
  NOTIFICATION_ROUTE,
  notificationUrl,
  type SubscriptionChange,
  subscribeConnection,
  unsubscribeConnection,
} from './notification-subscription.js';
export { type OrderJob, startOrderJob } from './order-job.js';
export { readOrderSales } from './order-sales.js';
export {
  createTenantRuntime,
  type OpenOptions,
  type Tenant,
  type TenantRuntime,
  type TenantRuntimeOptions,
} from './tenant-runtime.js';
export {
  startWorkerApp,
  type WorkerApp,
  type WorkerAppOptions,
  type WorkerDeps,
  type WorkerEnv,
  workerEnvShape,
} from './worker-app.js';

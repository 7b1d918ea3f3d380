export {
  isPeriodicJob,
  OUTAGE_WINDOW_MS,
  type OutageCause,
  outageOf,
  subjectOfJob,
} from './incident-causes.js';
export { type CrmTasksDeps, createCrmTasksHandler, outageMessage } from './incident-tasks.js';
export { type IncidentWatchOptions, startIncidentWatch } from './incident-watch.js';
export {
  createFinalFailureHook,
  createSuccessHook,
  DEFAULT_PERIODIC_GRACE_MS,
  enqueueIncidentJob,
  type IncidentReport,
  type IncidentReporterOptions,
  openIncident,
  openOutageIncident,
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
export { type OrderJob, orderNotFoundMessage, startOrderJob } from './order-job.js';
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

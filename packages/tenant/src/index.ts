export {
  CONNECTION_ERROR_CODES,
  type ConnectionErrorCode,
  connectionErrorCode,
  isConnectionMissing,
} from './connection-errors.js';
export { closeIncidentByHand, type IncidentActionDeps, redriveSubjects } from './incident-actions.js';
export {
  isPeriodicJob,
  OUTAGE_TEXT,
  OUTAGE_WINDOW_MS,
  type OutageCause,
  outageOf,
  type PeriodicRun,
  periodicRunOf,
  subjectOfJob,
} from './incident-causes.js';
export { type CrmTasksDeps, createCrmTasksHandler, outageMessage } from './incident-tasks.js';
export { type IncidentWatchOptions, startIncidentWatch } from './incident-watch.js';
export {
  ACTION as JOB_ACTION,
  createFinalFailureHook,
  createSuccessHook,
  DEFAULT_PERIODIC_GRACE_MS,
  enqueueIncidentJob,
  type IncidentReport,
  type IncidentReporterOptions,
  incidentAdvice,
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
  type Retention,
  type RetentionAges,
  type RetentionOptions,
  type RetentionSummary,
  type RetentionTuning,
  startRetention,
} from './retention.js';
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

export {
  type HistoryScanDeps,
  type HistoryScanOptions,
  type HistoryScanResult,
  type HistoryScanTenant,
  scanOrderHistory,
} from './history-scan.js';
export { createReconcileHandler, historyScanLockKey, type ReconcileHandlerDeps } from './reconcile-job.js';
export type { RepairOutcome } from './reconcile-metrics.js';
export {
  applyHistorySchedules,
  createReconcileScheduleQueue,
  historySchedulerId,
  type ReconciledConnection,
  unscheduleHistory,
} from './reconcile-schedule.js';
export {
  type ReconcileWorker,
  type ReconcileWorkerOptions,
  startReconcileWorker,
} from './start-reconcile-worker.js';

/** Asks for a sweep now (what the console's «Сверить сейчас» does). */
export { requestSweep } from '@connector/queue';
export {
  createHistoryPace,
  type HistoryPace,
  type PacedScanResult,
  pacedHistoryScan,
} from './history-pace.js';
export {
  type HistoryScanDeps,
  type HistoryScanOptions,
  type HistoryScanResult,
  type HistoryScanTenant,
  scanOrderHistory,
} from './history-scan.js';
export {
  createReconcileHandler,
  historyScanLockKey,
  historySchedulerId,
  type ReconcileHandlerDeps,
  sweepSchedulerId,
} from './reconcile-job.js';
export type { RepairOutcome } from './reconcile-metrics.js';
export {
  RECONCILE_WORKER_QUEUES,
  type ReconcileWorker,
  type ReconcileWorkerOptions,
  startReconcileWorker,
} from './start-reconcile-worker.js';
export {
  runSweep,
  type SweepDeps,
  type SweepOptions,
  type SweepResult,
  type SweepTenant,
  sweepWindowStart,
} from './sweep.js';
export { sweepLockKey } from './sweep-job.js';
export { createSweepState, type SweepProgress, type SweepState } from './sweep-state.js';

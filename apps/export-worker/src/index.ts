export { createExportOrderHandler, type ExportOrderDeps, type OrderSync } from './export-order.js';
export { EXPORT_WORKER_QUEUES, type ExportWorkerOptions, startExportWorker } from './start-export-worker.js';

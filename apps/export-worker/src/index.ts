export { createExportOrderHandler, type ExportOrderDeps, type OrderSync } from './export-order.js';
export { type ExportWorkerOptions, startExportWorker } from './start-export-worker.js';

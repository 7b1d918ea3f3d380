export { createExportOrderHandler, type ExportOrderDeps, type OrderSync } from './export-order.js';

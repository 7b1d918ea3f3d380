export { createRefundOrderHandler, type RefundOrderDeps } from './refund-order.js';
export { type RefundWorkerOptions, startRefundWorker } from './start-refund-worker.js';

export { createRefundOrderHandler, type RefundOrderDeps } from './refund-order.js';
export { REFUND_WORKER_QUEUES, type RefundWorkerOptions, startRefundWorker } from './start-refund-worker.js';

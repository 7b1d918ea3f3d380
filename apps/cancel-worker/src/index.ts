export { type CancelOrderDeps, createCancelOrderHandler } from './cancel-order.js';
export { CANCEL_WORKER_QUEUES, type CancelWorkerOptions, startCancelWorker } from './start-cancel-worker.js';

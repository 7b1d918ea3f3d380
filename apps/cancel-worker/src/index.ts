export { type CancelOrderDeps, createCancelOrderHandler } from './cancel-order.js';
export { type CancelWorkerOptions, startCancelWorker } from './start-cancel-worker.js';

export { type CancelOrderDeps, createCancelOrderHandler } from './cancel-order.js';

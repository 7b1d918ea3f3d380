export { createRefundOrderHandler, type RefundOrderDeps } from './refund-order.js';

import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/tenant';
import { createRefundOrderHandler } from './refund-order.js';

export type RefundWorkerOptions = Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers'>;

/** The refund-worker: consumes `order-refund`: refunds each LIFE POS payment of the order once. */
export function startRefundWorker(options: RefundWorkerOptions = {}): Promise<WorkerApp> {
  return startWorkerApp({
    ...options,
    service: 'refund-worker',
    owns: ['order-refund'],
    handlers: ({ runtime, db }) => [createRefundOrderHandler({ runtime, db })],
  });
}

import type { QueueName } from '@connector/queue';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/worker-app';
import { createRefundOrderHandler } from './refund-order.js';

/** The queues this app consumes (each queue has exactly one consumer app; see queue-consumers.test.ts in e2e). */
export const REFUND_WORKER_QUEUES = ['order-refund'] as const satisfies readonly QueueName[];

export type RefundWorkerOptions = Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers'>;

/** The refund-worker: consumes `order-refund`: refunds each LIFE POS payment of the order once. */
export function startRefundWorker(options: RefundWorkerOptions = {}): Promise<WorkerApp> {
  return startWorkerApp({
    ...options,
    service: 'refund-worker',
    owns: REFUND_WORKER_QUEUES,
    handlers: ({ runtime, db }) => [createRefundOrderHandler({ runtime, db })],
  });
}

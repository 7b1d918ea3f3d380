import type { QueueName } from '@connector/queue';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/worker-app';
import { createCancelOrderHandler } from './cancel-order.js';

/** The queues this app consumes (each queue has exactly one consumer app; see queue-consumers.test.ts in e2e). */
export const CANCEL_WORKER_QUEUES = ['order-cancel'] as const satisfies readonly QueueName[];

export type CancelWorkerOptions = Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers'>;

/** The cancel-worker: consumes `order-cancel`: cancels, archives or leaves the order's sale. */
export function startCancelWorker(options: CancelWorkerOptions = {}): Promise<WorkerApp> {
  return startWorkerApp({
    ...options,
    service: 'cancel-worker',
    owns: CANCEL_WORKER_QUEUES,
    handlers: ({ runtime, db }) => [createCancelOrderHandler({ runtime, db })],
  });
}

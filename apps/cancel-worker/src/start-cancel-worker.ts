import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/tenant';
import { createCancelOrderHandler } from './cancel-order.js';

export type CancelWorkerOptions = Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers'>;

/** The cancel-worker: consumes `order-cancel`: cancels, archives or leaves the order's sale. */
export function startCancelWorker(options: CancelWorkerOptions = {}): Promise<WorkerApp> {
  return startWorkerApp({
    ...options,
    service: 'cancel-worker',
    owns: ['order-cancel'],
    handlers: ({ runtime, db }) => [createCancelOrderHandler({ runtime, db })],
  });
}

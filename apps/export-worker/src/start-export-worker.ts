import { createOrderLock } from '@connector/queue';
import { createSync } from '@connector/sync';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/tenant';
import { createExportOrderHandler } from './export-order.js';

export type ExportWorkerOptions = Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers'>;

/** The export worker: consumes `order-export`, syncing a store or courier on demand. */
export function startExportWorker(options: ExportWorkerOptions = {}): Promise<WorkerApp> {
  return startWorkerApp({
    ...options,
    service: 'export-worker',
    owns: ['order-export'],
    handlers: ({ env, runtime, db, redis, logger }) => [
      createExportOrderHandler({
        runtime,
        db,
        sync: createSync({ db, lock: createOrderLock(redis, env.QUEUE_PREFIX), logger }),
      }),
    ],
  });
}

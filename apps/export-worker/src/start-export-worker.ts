import { createEntityLock, type QueueName } from '@connector/queue';
import { createSync } from '@connector/sync';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/worker-app';
import { createExportOrderHandler } from './export-order.js';

/** The queues this app consumes (each queue has exactly one consumer app; see queue-consumers.test.ts in e2e). */
export const EXPORT_WORKER_QUEUES = ['order-export'] as const satisfies readonly QueueName[];

export type ExportWorkerOptions = Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers'>;

/**
 * An export spends nearly all its time waiting: on the upstream APIs and on its tenant's rate-limit slot
 * (up to the limiter's maxWait). Slots are cheap promises, so a process runs many, and a tenant whose jobs
 * wait for their limit does not keep another tenant's job from starting.
 */
const EXPORT_CONCURRENCY = 16;

/** The export worker: consumes `order-export`, syncing a store or courier on demand. */
export function startExportWorker(options: ExportWorkerOptions = {}): Promise<WorkerApp> {
  return startWorkerApp({
    defaultConcurrency: EXPORT_CONCURRENCY,
    ...options,
    service: 'export-worker',
    owns: EXPORT_WORKER_QUEUES,
    handlers: ({ env, runtime, db, redis, logger, producer }) => [
      createExportOrderHandler({
        runtime,
        db,
        producer,
        sync: createSync({ db, lock: createEntityLock(redis, env.QUEUE_PREFIX), logger }),
      }),
    ],
  });
}

import { closeOnSignals, createOrderLock } from '@connector/queue';
import { createSync } from '@connector/sync';
import { startWorkerApp } from '@connector/tenant';
import { createExportOrderHandler } from './export-order.js';

const app = await startWorkerApp({
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
closeOnSignals(app.close, { logger: app.deps.logger });

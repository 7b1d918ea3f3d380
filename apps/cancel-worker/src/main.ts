import { closeOnSignals } from '@connector/queue';
import { startWorkerApp } from '@connector/tenant';
import { createCancelOrderHandler } from './cancel-order.js';

const app = await startWorkerApp({
  service: 'cancel-worker',
  owns: ['order-cancel'],
  handlers: ({ runtime, db }) => [createCancelOrderHandler({ runtime, db })],
});
closeOnSignals(app.close, { logger: app.deps.logger });

import { closeOnSignals } from '@connector/queue';
import { startWorkerApp } from '@connector/tenant';
import { createRefundOrderHandler } from './refund-order.js';

const app = await startWorkerApp({
  service: 'refund-worker',
  owns: ['order-refund'],
  handlers: ({ runtime, db }) => [createRefundOrderHandler({ runtime, db })],
});
closeOnSignals(app.close, { logger: app.deps.logger });

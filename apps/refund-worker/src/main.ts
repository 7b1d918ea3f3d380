import { closeOnSignals } from '@connector/queue';
import { startRefundWorker } from './start-refund-worker.js';

const app = await startRefundWorker();
closeOnSignals(app.close, { logger: app.deps.logger });

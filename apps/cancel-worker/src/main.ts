import { closeOnSignals } from '@connector/queue';
import { startCancelWorker } from './start-cancel-worker.js';

const app = await startCancelWorker();
closeOnSignals(app.close, { logger: app.deps.logger });

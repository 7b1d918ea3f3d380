import { closeOnSignals } from '@connector/queue';
import { startWebhookWorker } from './start-webhook-worker.js';

// The environment is checked first: a bad variable exits 1 naming it.
const worker = await startWebhookWorker();
closeOnSignals(worker.close, { logger: worker.deps.logger });

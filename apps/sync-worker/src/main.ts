import { closeOnSignals } from '@connector/queue';
import { startSyncWorker } from './start-sync-worker.js';

// The environment is checked first: a bad variable exits 1 naming it.
const worker = await startSyncWorker();
closeOnSignals(worker.close, { logger: worker.deps.logger });

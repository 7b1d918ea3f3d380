import { closeOnSignals } from '@connector/queue';
import { startReconcileWorker } from './start-reconcile-worker.js';

// The environment is checked first: a bad variable exits 1 naming it.
const worker = await startReconcileWorker();
closeOnSignals(worker.close, { logger: worker.deps.logger });

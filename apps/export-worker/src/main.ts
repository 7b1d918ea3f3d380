import { closeOnSignals } from '@connector/queue';
import { startExportWorker } from './start-export-worker.js';

const app = await startExportWorker();
closeOnSignals(app.close, { logger: app.deps.logger });

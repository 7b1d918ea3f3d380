import { closeOnSignals } from '@connector/queue';
import { startConsole } from './console-app.js';

// The settings form, operations pages and Bull Board. The environment is checked first: a bad variable
// exits 1 naming it.
const consoleApp = await startConsole();
closeOnSignals(consoleApp.close, { logger: consoleApp.logger });

import { closeOnSignals } from '@connector/queue';
import { startIngress } from './ingress-app.js';

// The RetailCRM trigger endpoint. The environment is checked first: a bad variable exits 1 naming it.
const ingress = await startIngress();
closeOnSignals(ingress.close, { logger: ingress.logger });

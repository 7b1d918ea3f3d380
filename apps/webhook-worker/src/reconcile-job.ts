import { DeferredError } from '@connector/domain';
import { defineHandler, type JobHandler } from '@connector/queue';
import { checkLifeposSales, type LifeposSalesCheckDeps } from './lifepos-sales-check.js';
import { checkSubscription } from './subscription-check.js';

export interface ReconcileDeps extends LifeposSalesCheckDeps {
  publicUrl: string;
}

/** How long a job of another app's kind is put back before a worker picks it up again. */
const FOREIGN_KIND_DELAY_MS = 1_000;

/**
 * `reconcile`, the kinds about LIFE POS: `lifepos-sales` (repair lost notifications) and `subscription`
 * (keep the notification subscription on). The queue also carries `retailcrm-history`, which is the
 * RetailCRM reconciliation's: BullMQ cannot route a job to the worker of its kind, so a worker here that
 * takes one gives it back (delayed, no attempt spent) for the app that handles it.
 */
export function createReconcileHandler(deps: ReconcileDeps): JobHandler<'reconcile'> {
  return defineHandler('reconcile', async ({ data, logger }) => {
    switch (data.kind) {
      case 'lifepos-sales':
        return checkLifeposSales({ ...deps, logger }, data.connectionId);
      case 'subscription':
        return checkSubscription({ ...deps, logger }, data.connectionId);
      default:
        throw new DeferredError(
          `reconcile kind ${data.kind} is handled by another app`,
          FOREIGN_KIND_DELAY_MS,
          {
            code: 'reconcile.foreign_kind',
          },
        );
    }
  });
}

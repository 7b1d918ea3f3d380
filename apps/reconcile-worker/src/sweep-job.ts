import type { Logger } from '@connector/logger';
import { type EntityLock, isLockBusy } from '@connector/queue';
import { runSweep, type SweepDeps, type SweepOptions, type SweepResult, type SweepTenant } from './sweep.js';

export function sweepLockKey(connectionId: string): string {
  return `reconcile:${connectionId}:sweep`;
}

export interface SweepJobDeps extends Pick<SweepDeps, 'db' | 'state' | 'producer' | 'now'> {
  /** Keeps two sweeps of one connection apart (a scheduled and an on-demand one may meet). */
  lock: EntityLock;
  sweep?: SweepOptions;
}

/**
 * `reconcile` with `kind: 'sweep'`: one run of the convergence sweep (`sweep.ts`) under the connection's
 * sweep lock; a run that finds another one going leaves the work to it. Failures follow the usual
 * taxonomy — RetailCRM's rate limit delays the job, a 5xx or a timeout retries it — and, the sweep being
 * periodic, a transient failure is no incident until it lasts (the incident hook's grace for periodic jobs):
 * the next period sweeps again, from where this run stopped.
 */
export async function sweepJob(
  deps: SweepJobDeps,
  tenant: SweepTenant,
  logger: Logger,
): Promise<SweepResult | { skipped: 'running' }> {
  const { db, state, producer, lock } = deps;
  try {
    const result = await lock.withLock(sweepLockKey(tenant.connection.id), (signal) =>
      runSweep(
        { db, state, producer, logger, signal, ...deps.sweep, ...(deps.now ? { now: deps.now } : {}) },
        tenant,
      ),
    );
    logger.info('convergence sweep done', { ...result });
    return result;
  } catch (error) {
    if (isLockBusy(error)) {
      logger.info('convergence sweep skipped: another sweep of the connection is still going');
      return { skipped: 'running' };
    }
    throw error;
  }
}

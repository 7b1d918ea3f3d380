import type { Database } from '@connector/db';
import {
  defineHandler,
  type EntityLock,
  isLockBusy,
  type JobHandler,
  type JobScheduleKeeper,
  jobIdFor,
  type Producer,
} from '@connector/queue';
import { isConnectionMissing, type TenantRuntime } from '@connector/tenant';
import { type HistoryPace, pacedHistoryScan } from './history-pace.js';
import { type HistoryScanOptions, scanOrderHistory } from './history-scan.js';
import type { SweepOptions } from './sweep.js';
import { sweepJob } from './sweep-job.js';
import type { SweepState } from './sweep-state.js';

export interface ReconcileHandlerDeps {
  db: Pick<
    Database,
    'connections' | 'syncCursors' | 'orderMarks' | 'orderLinks' | 'orderList' | 'outletLinks'
  >;
  runtime: TenantRuntime;
  producer: Producer;
  /** Keeps two runs of one connection's scan apart (a scheduler does not wait for the previous run). */
  lock: EntityLock;
  /** The app's schedule keeper: a connection found inactive loses its schedulers here. */
  schedules: Pick<JobScheduleKeeper, 'unschedule'>;
  scan?: HistoryScanOptions;
  /** When each connection's history scan last found a change (`history-pace.ts`): idle shops read less. */
  historyPace: HistoryPace;
  /** Where the convergence sweep keeps its progress and rest markers (`sweep-state.ts`). */
  sweepState: Omit<SweepState, 'close'>;
  sweep?: SweepOptions;
  now?: () => Date;
}

/** The history scan's scheduler of a connection (the `reconcile` definition's periodic kind). */
export function historySchedulerId(connectionId: string): string {
  return jobIdFor('reconcile', connectionId, 'retailcrm-history');
}

/** The convergence sweep's scheduler of a connection. */
export function sweepSchedulerId(connectionId: string): string {
  return jobIdFor('reconcile', connectionId, 'sweep');
}

export function historyScanLockKey(connectionId: string): string {
  return `reconcile:${connectionId}:retailcrm-history`;
}

/**
 * `reconcile` with `kind: 'sweep'`: one run of the convergence sweep (`sweep-job.ts`). With
 * `kind: 'retailcrm-history'`: one scan of the connection's RetailCRM order history
 * (`history-scan.ts`) when its pace says it is due (`history-pace.ts`: an idle shop's less often). A run
 * that finds the previous one still going leaves the work to it; a connection no longer active is skipped
 * and its scheduler removed. Failures follow the usual taxonomy: RetailCRM's rate
 * limit delays the job, a 5xx or a Redis outage retries it, and the next period runs again in any case —
 * from the stored cursor, so nothing is skipped.
 */
export function createReconcileHandler(deps: ReconcileHandlerDeps): JobHandler<'reconcile'> {
  const { db, runtime, producer, lock, schedules } = deps;
  return defineHandler('reconcile', async ({ data, logger }) => {
    const { connectionId } = data;
    const connection = await db.connections.get(connectionId);
    const status = connection?.status ?? 'deleted';
    // Disabled or deleted since the job was scheduled: no scan, no error task, only its scheduler removed.
    // (`requireActive: false` below: a disabling that lands between the two reads allows one last scan.)
    const tenant =
      status === 'active'
        ? await runtime.open(connectionId, { requireActive: false }).catch((error: unknown) => {
            if (isConnectionMissing(error)) return undefined;
            throw error;
          })
        : undefined;
    if (!tenant) {
      await schedules.unschedule('reconcile', connectionId);
      logger.info('reconciliation skipped: the connection is not active', { status, kind: data.kind });
      return { skipped: status };
    }
    if (data.kind === 'sweep') {
      const { sweepState: state, sweep } = deps;
      return sweepJob(
        { db, state, producer, lock, ...(sweep && { sweep }), ...(deps.now && { now: deps.now }) },
        tenant,
        logger,
      );
    }
    const now = deps.now ?? (() => new Date());
    const paced = { cursors: db.syncCursors, orderMarks: db.orderMarks, pace: deps.historyPace, logger, now };
    try {
      return await lock.withLock(historyScanLockKey(connectionId), (signal) =>
        pacedHistoryScan(paced, tenant, () =>
          scanOrderHistory(
            {
              cursors: db.syncCursors,
              orderMarks: db.orderMarks,
              orderLinks: db.orderLinks,
              producer,
              logger,
              signal,
              ...deps.scan,
              now,
            },
            tenant,
          ),
        ),
      );
    } catch (error) {
      if (isLockBusy(error)) {
        logger.info('history reconciliation skipped: the previous run is still going');
        return { skipped: 'running' };
      }
      throw error;
    }
  });
}

import type { Database } from '@connector/db';
import { RetryableError } from '@connector/domain';
import { openIncident } from '@connector/incidents';
import { defineHandler, type JobHandler, type JobScheduleKeeper, type Producer } from '@connector/queue';
import type { Sync } from '@connector/sync';
import type { TenantRuntime } from '@connector/tenant';

export interface SyncHandlerDeps {
  db: Database;
  runtime: TenantRuntime;
  producer: Producer;
  sync: Sync;
  /** The app's schedule keeper: a connection found inactive loses its scheduler here. */
  schedules: Pick<JobScheduleKeeper, 'unschedule'>;
}

/**
 * `sync`: `all` = every selling store and linked courier of the connection (the periodic run and
 * the activation run), each problem reported as its own incident with one task set; `store` / `courier` =
 * one of them on demand (its failure reaches people through the final-failure hook). A connection that is
 * no longer active is skipped, and its scheduler removed.
 */
export function createSyncHandler({
  db,
  runtime,
  producer,
  sync,
  schedules,
}: SyncHandlerDeps): JobHandler<'sync'> {
  return defineHandler('sync', async ({ data, logger }) => {
    const { connectionId } = data;
    const connection = await db.connections.get(connectionId);
    if (connection?.status !== 'active') {
      await schedules.unschedule('sync', connectionId);
      logger.info('sync skipped: the connection is not active', { status: connection?.status ?? 'deleted' });
      return { skipped: connection?.status ?? 'deleted' };
    }
    const tenant = await runtime.open(connectionId);

    if (data.scope === 'store') return sync.ensureOutlet(tenant, data.storeCode);
    if (data.scope === 'courier') return sync.ensureCourier(tenant, data.courierId);

    const result = await sync.syncAll(tenant);
    await db.connections.recordSync(connectionId);
    for (const problem of result.problems.filter((candidate) => candidate.kind === 'permanent')) {
      // The same key as the final-failure hook gives a failed `store`/`courier` job: one task set per cause.
      const { created } = await openIncident(
        { db, producer },
        {
          connectionId,
          queue: 'sync',
          dedupeKey: `sync:${problem.subject}:${problem.code}`,
          cause: problem.message,
        },
      );
      if (created) logger.warn('sync problem reported', { subject: problem.subject, code: problem.code });
    }
    const transient = result.problems.filter((problem) => problem.kind !== 'permanent');
    if (transient.length > 0) {
      // Everything else is in step; the retry redoes only what failed (the rest is found unchanged).
      throw new RetryableError(
        `sync incomplete: ${transient.map((p) => `${p.subject} (${p.message})`).join('; ')}`,
        {
          code: 'sync.incomplete',
          userMessage: `Не удалось синхронизировать: ${transient.map((p) => `${p.subject} — ${p.message}`).join('; ')}`,
        },
      );
    }
    return {
      outlets: result.outlets,
      couriers: result.couriers,
      problems: result.problems.map((problem) => `${problem.subject}:${problem.code}`),
    };
  });
}

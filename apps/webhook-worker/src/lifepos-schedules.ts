import type { ConnectionRecord } from '@connector/db';
import { applyJobSchedules, type JobData, type JobSchedule, jobIdFor } from '@connector/queue';
import type { Queue } from 'bullmq';

/**
 * The periodic jobs of the webhook-worker, on the `reconcile` queue, one BullMQ job scheduler per active
 * connection and kind: `lifepos-sales` every `lifeposPollSeconds` (the sales check that repairs lost
 * notifications) and `subscription` every few minutes (the notification subscription is still on, with
 * our URL). Other kinds share the queue (the RetailCRM history reconciliation): their schedulers are told
 * apart by id and left alone.
 */

export type LifeposReconcileKind = 'lifepos-sales' | 'subscription';
export const LIFEPOS_RECONCILE_KINDS: readonly LifeposReconcileKind[] = ['lifepos-sales', 'subscription'];

export function lifeposSchedulerId(connectionId: string, kind: LifeposReconcileKind): string {
  return jobIdFor('reconcile', connectionId, kind);
}

const OWN_SCHEDULER = new RegExp(`^reconcile\\.[0-9a-f-]{36}\\.(${LIFEPOS_RECONCILE_KINDS.join('|')})$`, 'i');

/** The connection id of one of our schedulers (undefined for any other scheduler of the queue). */
export function connectionOfScheduler(schedulerId: string): string | undefined {
  return OWN_SCHEDULER.test(schedulerId) ? schedulerId.split('.')[1] : undefined;
}

export function lifeposSchedules(
  connections: readonly Pick<ConnectionRecord, 'id' | 'status' | 'settings'>[],
  subscriptionCheckEveryMs: number,
): JobSchedule<'reconcile'>[] {
  return connections
    .filter((connection) => connection.status === 'active')
    .flatMap((connection) => {
      const schedule = (kind: LifeposReconcileKind, everyMs: number): JobSchedule<'reconcile'> => {
        const data: JobData<'reconcile'> = { connectionId: connection.id, kind };
        return { id: lifeposSchedulerId(connection.id, kind), everyMs, data };
      };
      return [
        schedule('lifepos-sales', connection.settings.lifeposPollSeconds * 1000),
        schedule('subscription', subscriptionCheckEveryMs),
      ];
    });
}

/**
 * Every active connection has its two schedulers with their periods; every other one of ours is removed.
 * Returns the connections whose schedulers were removed, so their subscription can be turned off.
 */
export async function applyLifeposSchedules(
  queue: Queue,
  connections: readonly Pick<ConnectionRecord, 'id' | 'status' | 'settings'>[],
  subscriptionCheckEveryMs: number,
): Promise<{ scheduled: string[]; removed: string[]; unscheduledConnections: string[] }> {
  const { scheduled, removed } = await applyJobSchedules(queue, 'reconcile', {
    wanted: lifeposSchedules(connections, subscriptionCheckEveryMs),
    owns: (id) => connectionOfScheduler(id) !== undefined,
  });
  const unscheduledConnections = [
    ...new Set(removed.map(connectionOfScheduler).filter((id): id is string => id !== undefined)),
  ];
  return { scheduled, removed, unscheduledConnections };
}

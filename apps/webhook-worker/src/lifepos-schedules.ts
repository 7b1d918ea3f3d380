import type { ConnectionRecord } from '@connector/db';
import { applyJobSchedules, type JobData, type JobSchedule, jobIdFor } from '@connector/queue';
import type { Queue } from 'bullmq';

/**
 * The periodic checks of the webhook-worker, on its own `lifepos-events` queue, one BullMQ job scheduler
 * per active connection and check: `sales` every `lifeposPollSeconds` (the sales check that repairs lost
 * notifications) and `subscription` every few minutes (the notification subscription is still on, with
 * our URL).
 */

export type LifeposCheck = NonNullable<JobData<'lifepos-events'>['check']>;
export const LIFEPOS_CHECKS: readonly LifeposCheck[] = ['sales', 'subscription'];

/** `lifepos-events.<connectionId>.<check>`; also the dedupe id of a one-off check of the connection. */
export function lifeposCheckId(connectionId: string, check: LifeposCheck): string {
  return jobIdFor('lifepos-events', connectionId, check);
}

const CHECK_SCHEDULER = new RegExp(`^lifepos-events\\.[0-9a-f-]{36}\\.(${LIFEPOS_CHECKS.join('|')})$`, 'i');

/** The connection id of one of the check schedulers (undefined for any other id). */
export function connectionOfScheduler(schedulerId: string): string | undefined {
  return CHECK_SCHEDULER.test(schedulerId) ? schedulerId.split('.')[1] : undefined;
}

export function lifeposSchedules(
  connections: readonly Pick<ConnectionRecord, 'id' | 'status' | 'settings'>[],
  subscriptionCheckEveryMs: number,
): JobSchedule<'lifepos-events'>[] {
  return connections
    .filter((connection) => connection.status === 'active')
    .flatMap((connection) => {
      const schedule = (check: LifeposCheck, everyMs: number): JobSchedule<'lifepos-events'> => ({
        id: lifeposCheckId(connection.id, check),
        everyMs,
        data: { connectionId: connection.id, check },
      });
      return [
        schedule('sales', connection.settings.lifeposPollSeconds * 1000),
        schedule('subscription', subscriptionCheckEveryMs),
      ];
    });
}

/**
 * Every active connection has its two schedulers with their periods; every other check scheduler is
 * removed. Returns the connections whose schedulers were removed, so their subscription can be turned off.
 */
export async function applyLifeposSchedules(
  queue: Queue,
  connections: readonly Pick<ConnectionRecord, 'id' | 'status' | 'settings'>[],
  subscriptionCheckEveryMs: number,
): Promise<{ scheduled: string[]; removed: string[]; unscheduledConnections: string[] }> {
  const { scheduled, removed } = await applyJobSchedules(queue, 'lifepos-events', {
    wanted: lifeposSchedules(connections, subscriptionCheckEveryMs),
    owns: (id) => connectionOfScheduler(id) !== undefined,
  });
  const unscheduledConnections = [
    ...new Set(removed.map(connectionOfScheduler).filter((id): id is string => id !== undefined)),
  ];
  return { scheduled, removed, unscheduledConnections };
}

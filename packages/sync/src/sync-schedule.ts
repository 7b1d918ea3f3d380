import {
  type AddedJob,
  applyJobSchedules,
  createScheduleQueue,
  jobIdFor,
  type Producer,
  upsertJobSchedule,
} from '@connector/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The periodic sync of each connection: one BullMQ job scheduler per connection on the `sync` queue,
 * producing `{connectionId, scope: 'all'}` every `syncEveryMinutes`. A scheduler with `every` produces its
 * first job at once, so creating it on activation also runs the activation sync.
 */

const SCHEDULER_PREFIX = 'sync.';

export function syncSchedulerId(connectionId: string): string {
  return jobIdFor('sync', connectionId);
}

/** A queue handle for the schedulers; same `prefix` as the producers and workers. Close it when done. */
export function createSyncScheduleQueue(redis: Redis, prefix: string): Queue {
  return createScheduleQueue(redis, prefix, 'sync');
}

/**
 * Makes the connection's scheduler exist with this period. An unchanged scheduler is left alone:
 * upserting it again would run an extra sync and restart its period.
 */
export async function scheduleConnectionSync(
  queue: Queue,
  connectionId: string,
  everyMs: number,
): Promise<'created' | 'updated' | 'unchanged'> {
  return upsertJobSchedule(queue, 'sync', {
    id: syncSchedulerId(connectionId),
    everyMs,
    data: { connectionId, scope: 'all' },
  });
}

/** Removes the connection's scheduler (and its next run); false when it had none. */
export async function unscheduleConnectionSync(queue: Queue, connectionId: string): Promise<boolean> {
  return queue.removeJobScheduler(syncSchedulerId(connectionId));
}

export interface ScheduledConnection {
  id: string;
  status: string;
  settings: { syncEveryMinutes: number };
}

/**
 * Every active connection has its scheduler with its period; no other connection (disabled, draft,
 * deleted) keeps one. Run at start and every few minutes by the sync worker.
 */
export async function reconcileSyncSchedules(
  queue: Queue,
  connections: readonly ScheduledConnection[],
): Promise<{ scheduled: string[]; removed: string[] }> {
  const result = await applyJobSchedules(queue, 'sync', {
    wanted: connections
      .filter((connection) => connection.status === 'active')
      .map((connection) => ({
        id: syncSchedulerId(connection.id),
        everyMs: connection.settings.syncEveryMinutes * 60_000,
        data: { connectionId: connection.id, scope: 'all' as const },
      })),
    owns: (id) => id.startsWith(SCHEDULER_PREFIX),
  });
  const connectionOf = (id: string) => id.slice(SCHEDULER_PREFIX.length);
  return { scheduled: result.scheduled.map(connectionOf), removed: result.removed.map(connectionOf) };
}

/** A sync of the whole connection now (e.g. right after activation); repeated requests collapse. */
export function requestConnectionSync(producer: Producer, connectionId: string): Promise<AddedJob> {
  return producer.add(
    'sync',
    { connectionId, scope: 'all' },
    { dedupeId: jobIdFor('sync', connectionId, 'all') },
  );
}

import { type AddedJob, catalog, type JobData, jobIdFor, type Producer } from '@connector/queue';
import { Queue } from 'bullmq';
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
  const queue = new Queue('sync', { connection: redis, prefix });
  // Connection errors surface on the calls; the queue's own event would be unhandled.
  queue.on('error', () => {});
  return queue;
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
  const id = syncSchedulerId(connectionId);
  const existing = await queue.getJobScheduler(id);
  if (existing?.every === everyMs) return 'unchanged';
  const { attempts, backoff, removeOnComplete, removeOnFail } = catalog.sync.policy;
  const data: JobData<'sync'> = { connectionId, scope: 'all' };
  await queue.upsertJobScheduler(
    id,
    { every: everyMs },
    { name: 'sync', data, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
  );
  return existing ? 'updated' : 'created';
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
  const active = new Set<string>();
  const scheduled: string[] = [];
  for (const connection of connections) {
    if (connection.status !== 'active') continue;
    active.add(connection.id);
    const outcome = await scheduleConnectionSync(
      queue,
      connection.id,
      connection.settings.syncEveryMinutes * 60_000,
    );
    if (outcome !== 'unchanged') scheduled.push(connection.id);
  }
  const removed: string[] = [];
  for (const scheduler of await queue.getJobSchedulers(0, -1)) {
    const id = scheduler.key;
    if (!id.startsWith(SCHEDULER_PREFIX)) continue;
    const connectionId = id.slice(SCHEDULER_PREFIX.length);
    if (active.has(connectionId)) continue;
    if (await queue.removeJobScheduler(id)) removed.push(connectionId);
  }
  return { scheduled, removed };
}

/** A sync of the whole connection now (e.g. right after activation); repeated requests collapse. */
export function requestConnectionSync(producer: Producer, connectionId: string): Promise<AddedJob> {
  return producer.add(
    'sync',
    { connectionId, scope: 'all' },
    { dedupeId: jobIdFor('sync', connectionId, 'all') },
  );
}

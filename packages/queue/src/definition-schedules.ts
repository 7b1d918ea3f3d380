import type { Logger } from '@connector/logger';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobData, jobOf, type QueueName } from './catalog.js';
import type { ScheduledConnection } from './job-definition.js';
import {
  applyJobSchedules,
  createScheduleQueue,
  type JobSchedule,
  type ScheduleKeeper,
  startScheduleKeeper,
} from './job-schedules.js';
import type { Producer } from './producer.js';

/**
 * The one schedule keeper of the job definitions' periodic kinds (job-definition.ts): every active
 * connection has one BullMQ job scheduler per periodic kind of each of the app's queues, with the period
 * its settings give; the schedulers of connections no longer active are removed. It reads a secret-free
 * summary of the connections (`db.connections.listSummaries()`), once a minute by default.
 */

export interface JobSchedulesPass {
  /** Scheduler ids created or re-timed. */
  scheduled: string[];
  /** Scheduler ids removed. */
  removed: string[];
  /** Connections whose schedulers were removed (disabled or deleted). */
  unscheduledConnections: string[];
}

export interface JobScheduleKeeper extends ScheduleKeeper<JobSchedulesPass> {
  /** The schedulers' queue handle of one of the kept queues. */
  queue(name: QueueName): Queue;
  /** Removes every scheduler of the connection on the queue (a job found the connection inactive). */
  unschedule(name: QueueName, connectionId: string): Promise<void>;
  /** Stops the timer (`stop`) and closes the queue handles. */
  close(): Promise<void>;
}

export interface JobScheduleKeeperOptions {
  /** The app's Redis connection (the keeper's queue handles share it; it is not closed here). */
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** The app's queues; those whose definition has periodic kinds are kept. */
  queues: readonly QueueName[];
  /** The connections to schedule for: `db.connections.listSummaries()`. */
  connections: () => Promise<readonly ScheduledConnection[]>;
  /** Enqueues a definition's `lastRunWhenUnscheduled` run. */
  producer: Pick<Producer, 'add'>;
  /** How often the schedulers are brought in line with the connections. */
  everyMs: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The connection a scheduler id of the queue names (`<queue>.<connectionId>[.<kind>]`), if any. */
export function connectionOfScheduler(queue: QueueName, schedulerId: string): string | undefined {
  const [name, connectionId] = schedulerId.split('.');
  return name === queue && connectionId !== undefined && UUID.test(connectionId) ? connectionId : undefined;
}

/** What should be scheduled on a queue: one scheduler per active connection and periodic kind. */
export function wantedSchedules<Q extends QueueName>(
  queue: Q,
  connections: readonly ScheduledConnection[],
): JobSchedule<Q>[] {
  const kinds = Object.values(jobOf(queue).periodic ?? {});
  return connections
    .filter((connection) => connection.status === 'active')
    .flatMap((connection) =>
      kinds.flatMap((kind) =>
        kind.everyMs === undefined
          ? []
          : [
              {
                id: kind.schedulerId(connection.id),
                everyMs: kind.everyMs(connection),
                data: kind.data(connection.id) as JobData<Q>,
              },
            ],
      ),
    );
}

function scheduledQueues(queues: readonly QueueName[]): QueueName[] {
  return queues.filter((queue) => Object.keys(jobOf(queue).periodic ?? {}).length > 0);
}

/** Enqueues the last run of each connection that lost its schedulers but still exists. */
async function runLastOfUnscheduled(
  producer: Pick<Producer, 'add'>,
  queue: QueueName,
  unscheduled: readonly string[],
  existing: ReadonlySet<string>,
): Promise<void> {
  const definition = jobOf(queue);
  const kind = definition.lastRunWhenUnscheduled;
  const run = kind === undefined ? undefined : definition.periodic?.[kind];
  if (run === undefined) return;
  for (const connectionId of unscheduled.filter((id) => existing.has(id))) {
    await producer.add(queue, run.data(connectionId) as JobData<QueueName>, {
      dedupeId: run.dedupeId(connectionId),
    });
  }
}

/** One pass over every kept queue. */
async function applyAll(
  options: JobScheduleKeeperOptions,
  handles: ReadonlyMap<QueueName, Queue>,
): Promise<JobSchedulesPass> {
  const pass: JobSchedulesPass = { scheduled: [], removed: [], unscheduledConnections: [] };
  if (handles.size === 0) return pass;
  const connections = await options.connections();
  const existing = new Set(connections.map((connection) => connection.id));
  for (const [name, queue] of handles) {
    const { scheduled, removed } = await applyJobSchedules(queue, name, {
      wanted: wantedSchedules(name, connections),
      owns: (id) => connectionOfScheduler(name, id) !== undefined,
    });
    const unscheduled = [...new Set(removed.map((id) => connectionOfScheduler(name, id) ?? ''))];
    await runLastOfUnscheduled(options.producer, name, unscheduled, existing);
    pass.scheduled.push(...scheduled);
    pass.removed.push(...removed);
    pass.unscheduledConnections.push(
      ...unscheduled.filter((id) => !pass.unscheduledConnections.includes(id)),
    );
  }
  return pass;
}

/**
 * Starts the keeper of the app's periodic queues (none: a keeper that does nothing). The first pass
 * starts at once; `runNow()` waits for it.
 */
export function startJobScheduleKeeper(options: JobScheduleKeeperOptions): JobScheduleKeeper {
  const handles = new Map(
    scheduledQueues(options.queues).map((name) => [
      name,
      createScheduleQueue(options.redis, options.prefix, name),
    ]),
  );
  const keeper = startScheduleKeeper({
    name: 'job schedules',
    everyMs: options.everyMs,
    logger: options.logger,
    apply: () => applyAll(options, handles),
  });
  const queueOf = (name: QueueName): Queue => {
    const queue = handles.get(name);
    if (!queue) throw new Error(`queue ${name} has no schedules in this app`);
    return queue;
  };
  return {
    ...keeper,
    queue: queueOf,
    async unschedule(name, connectionId) {
      const queue = queueOf(name);
      for (const kind of Object.values(jobOf(name).periodic ?? {})) {
        await queue.removeJobScheduler(kind.schedulerId(connectionId));
      }
    },
    async close() {
      await keeper.stop();
      await Promise.all([...handles.values()].map((queue) => queue.close()));
    },
  };
}

import type { Logger } from '@connector/logger';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobOf, type QueueName } from './catalog.js';
import { createScheduleQueue, type ScheduleKeeper, startScheduleKeeper } from './job-schedules.js';
import type { Producer } from './producer.js';
import {
  forgetConnection,
  type JobSchedulesPass,
  type KeptState,
  keepSchedules,
  type ScheduledConnections,
} from './schedule-passes.js';

export {
  type ConnectionVersion,
  connectionOfScheduler,
  type JobSchedulesPass,
  keptMarkerKey,
  type ScheduledConnections,
  wantedSchedules,
} from './schedule-passes.js';

/**
 * The one schedule keeper of the job definitions' periodic kinds (job-definition.ts): every active
 * connection has one BullMQ job scheduler per periodic kind of each of the app's queues, with the period
 * its settings give, at its own place in the period; the schedulers of connections no longer active are
 * removed. Each pass (once a minute by default) reads the connections' versions (`updatedAt`), the
 * status and periods of those that changed, and touches Redis only where they differ from what the
 * keeper last applied; a full pass (every scheduler read and repaired) runs at start, every
 * `fullPassEveryMs`, after a failed pass and when Redis lost its data (schedule-passes.ts).
 */

export interface JobScheduleKeeper extends ScheduleKeeper<JobSchedulesPass> {
  /** The schedulers' queue handle of one of the kept queues. */
  queue(name: QueueName): Queue;
  /** Removes every scheduler of the connection on the queue (a job found the connection inactive). */
  unschedule(name: QueueName, connectionId: string): Promise<void>;
  /**
   * A full pass (as at start and every `fullPassEveryMs`): every scheduler read from Redis and repaired,
   * those of connections that should have none (left by an older app, or behind the keeper's back) removed.
   */
  runFullPass(): Promise<JobSchedulesPass>;
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
  /** The connections to schedule for: `db.connections`. */
  connections: ScheduledConnections;
  /** Enqueues a definition's `lastRunWhenUnscheduled` run, and the first run of a new scheduler. */
  producer: Pick<Producer, 'add'>;
  /** How often the schedulers are brought in line with the connections. */
  everyMs: number;
  /** How often a pass reads every scheduler from Redis and repairs it; default 15 minutes. */
  fullPassEveryMs?: number;
  /** How many connections (and schedulers) a pass reads at once; default 500. */
  pageSize?: number;
}

const FULL_PASS_EVERY_MS = 15 * 60_000;
const PAGE_SIZE = 500;

function scheduledQueues(queues: readonly QueueName[]): QueueName[] {
  return queues.filter((queue) => Object.keys(jobOf(queue).periodic ?? {}).length > 0);
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
  const state: KeptState = { applied: new Map(), versions: new Map() };
  const context = {
    redis: options.redis,
    prefix: options.prefix,
    handles,
    connections: options.connections,
    producer: options.producer,
    fullPassEveryMs: options.fullPassEveryMs ?? FULL_PASS_EVERY_MS,
    pageSize: options.pageSize ?? PAGE_SIZE,
    state,
  };
  const keeper = startScheduleKeeper({
    name: 'job schedules',
    everyMs: options.everyMs,
    logger: options.logger,
    apply: () => keepSchedules(context),
  });
  const queueOf = (name: QueueName): Queue => {
    const queue = handles.get(name);
    if (!queue) throw new Error(`queue ${name} has no schedules in this app`);
    return queue;
  };
  return {
    ...keeper,
    queue: queueOf,
    runFullPass() {
      state.lastFullAt = undefined;
      return keeper.runNow();
    },
    async unschedule(name, connectionId) {
      const queue = queueOf(name);
      forgetConnection(state, name, connectionId);
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

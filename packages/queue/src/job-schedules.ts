import type { Logger } from '@connector/logger';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { catalog, type JobData, type QueueName } from './catalog.js';

/**
 * Periodic jobs as BullMQ job schedulers, one per subject (e.g. per connection): created, re-timed and
 * removed so that they match what should run. A scheduler with `every` produces its first job at once,
 * so creating one also runs the job now. The jobs get the queue's catalog policy (attempts, backoff,
 * retention), like every other job of that queue.
 */

export type ScheduleOutcome = 'created' | 'updated' | 'unchanged';

export interface JobSchedule<Q extends QueueName> {
  /** The scheduler's id, one per subject: `jobIdFor(queue, subject…)`. */
  id: string;
  everyMs: number;
  data: JobData<Q>;
}

/** A queue handle for the schedulers; same `prefix` as the producers and workers. Close it when done. */
export function createScheduleQueue(redis: Redis, prefix: string, name: QueueName): Queue {
  const queue = new Queue(name, { connection: redis, prefix });
  // Connection errors surface on the calls; the queue's own event would be unhandled.
  queue.on('error', () => {});
  return queue;
}

function queueNameOf<Q extends QueueName>(queue: Queue, name: Q): Q {
  if (queue.name !== name) throw new Error(`schedule of ${name} given the ${queue.name} queue`);
  return name;
}

/**
 * Makes the scheduler exist with this period. An unchanged scheduler is left alone: upserting it again
 * would run an extra job and restart its period.
 */
export async function upsertJobSchedule<Q extends QueueName>(
  queue: Queue,
  name: Q,
  schedule: JobSchedule<Q>,
): Promise<ScheduleOutcome> {
  queueNameOf(queue, name);
  const existing = await queue.getJobScheduler(schedule.id);
  if (existing?.every === schedule.everyMs) return 'unchanged';
  const { attempts, backoff, removeOnComplete, removeOnFail } = catalog[name].policy;
  await queue.upsertJobScheduler(
    schedule.id,
    { every: schedule.everyMs },
    { name, data: schedule.data, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
  );
  return existing ? 'updated' : 'created';
}

/**
 * Every wanted schedule exists with its period; every other scheduler this caller `owns` (told by its id:
 * several kinds of schedules may share a queue) is removed. Returns the ids created or re-timed, and removed.
 */
export async function applyJobSchedules<Q extends QueueName>(
  queue: Queue,
  name: Q,
  { wanted, owns }: { wanted: readonly JobSchedule<Q>[]; owns: (schedulerId: string) => boolean },
): Promise<{ scheduled: string[]; removed: string[] }> {
  const scheduled: string[] = [];
  for (const schedule of wanted) {
    if ((await upsertJobSchedule(queue, name, schedule)) !== 'unchanged') scheduled.push(schedule.id);
  }
  const keep = new Set(wanted.map((schedule) => schedule.id));
  const removed: string[] = [];
  for (const scheduler of await queue.getJobSchedulers(0, -1)) {
    const id = scheduler.key;
    if (keep.has(id) || !owns(id)) continue;
    if (await queue.removeJobScheduler(id)) removed.push(id);
  }
  return { scheduled, removed };
}

export interface ScheduleKeeper<R> {
  /**
   * One pass that reads the data as of now (also what the timer runs): while a pass is going, the call
   * gets the next one, which starts once it is done; calls meanwhile share that next pass.
   */
  runNow(): Promise<R>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `apply` (typically `applyJobSchedules` over the connections table) at once and every `everyMs`,
 * so that schedules follow the data: an activated connection gets its scheduler, a disabled one loses
 * it, a changed period takes effect. A failing pass is logged and tried again on the next tick.
 */
export function startScheduleKeeper<R extends { scheduled: unknown[]; removed: unknown[] }>({
  apply,
  everyMs,
  logger,
  name,
}: {
  apply: () => Promise<R>;
  everyMs: number;
  logger: Logger;
  /** What the schedules are, for the log (`sync schedules`). */
  name: string;
}): ScheduleKeeper<R> {
  let running: Promise<R> | undefined;
  let next: Promise<R> | undefined;
  const pass = async (): Promise<R> => {
    const result = await apply();
    if (result.scheduled.length > 0 || result.removed.length > 0) {
      logger.info(`${name} reconciled`, result);
    }
    return result;
  };
  const start = (): Promise<R> => {
    running = pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const runNow = (): Promise<R> => {
    if (running === undefined) return start();
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return running ?? start();
      });
    return next;
  };
  const tick = () => {
    runNow().catch((error: unknown) => logger.warn(`could not reconcile ${name}`, { error }));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await next?.catch(() => {});
      await running?.catch(() => {});
    },
  };
}

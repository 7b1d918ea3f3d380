import { createHash } from 'node:crypto';
import type { Logger } from '@connector/logger';
import { type JobSchedulerJson, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { catalog, type JobData, type QueueName } from './catalog.js';

/**
 * Periodic jobs as BullMQ job schedulers, one per subject (e.g. per connection): created, re-timed and
 * removed so that they match what should run. A scheduler with `every` and no offset produces its first
 * job at once, so creating one also runs the job now; one with an offset runs at its place in each period
 * (`offsetWithin`), the first time at its next such place. The jobs get the queue's catalog policy
 * (attempts, backoff, retention), like every other job of that queue.
 */

export type ScheduleOutcome = 'created' | 'updated' | 'unchanged';

export interface JobSchedule<Q extends QueueName> {
  /** The scheduler's id, one per subject: `jobIdFor(queue, subject…)`. */
  id: string;
  everyMs: number;
  /**
   * Where in each period its runs fall: this many ms after every multiple of `everyMs` since the epoch, so
   * that the schedulers of one period spread over it instead of running together. Unset: the period starts
   * when the scheduler is created.
   */
  offsetMs?: number;
  data: JobData<Q>;
}

/** What BullMQ holds of a scheduler, as far as a schedule is compared with it. */
export type StoredScheduler = Pick<JobSchedulerJson, 'every' | 'next' | 'template'>;

/** A stable place within a period for a key (a scheduler id): its hash, modulo the period. */
export function offsetWithin(everyMs: number, key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6) % everyMs;
}

/** The first time at or after `notBefore` that falls at the offset of the period. */
export function slotAtOrAfter(notBefore: number, everyMs: number, offsetMs: number): number {
  const slot = Math.floor(notBefore / everyMs) * everyMs + offsetMs;
  return slot >= notBefore ? slot : slot + everyMs;
}

/** How the stored scheduler differs from the schedule, in the order they are fixed. */
function differenceOf<Q extends QueueName>(
  schedule: JobSchedule<Q>,
  stored: StoredScheduler,
): 'period' | 'phase' | 'payload' | undefined {
  if (stored.every !== schedule.everyMs) return 'period';
  const { offsetMs, everyMs } = schedule;
  // The pending run (`next`) tells the phase the runs really keep (a stored offset may not be it).
  const phase = (((stored.next ?? Number.NaN) % everyMs) + everyMs) % everyMs;
  if (offsetMs !== undefined && phase !== offsetMs) return 'phase';
  if (JSON.stringify(stored.template?.data) !== JSON.stringify(schedule.data)) return 'payload';
  return undefined;
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

export interface UpsertOptions {
  /** The scheduler as read already (null: there is none); read here when left out. */
  stored?: StoredScheduler | null;
  /**
   * The caller runs the job now (a newly active connection's run at once): a created scheduler with an
   * offset first runs at its place nearest to one period later (half a period to one and a half away),
   * not right after that run.
   */
  afterRunNow?: boolean;
}

/**
 * Makes the scheduler exist with this period, offset and payload. An unchanged scheduler is left alone:
 * upserting it again would run an extra job and restart its period. BullMQ keeps the phase of an existing
 * scheduler whose period stays, so one off its offset is removed and created again.
 */
export async function upsertJobSchedule<Q extends QueueName>(
  queue: Queue,
  name: Q,
  schedule: JobSchedule<Q>,
  options: UpsertOptions = {},
): Promise<ScheduleOutcome> {
  queueNameOf(queue, name);
  const stored = options.stored === undefined ? await queue.getJobScheduler(schedule.id) : options.stored;
  const difference = stored ? differenceOf(schedule, stored) : undefined;
  if (stored && difference === undefined) return 'unchanged';
  if (difference === 'phase') await queue.removeJobScheduler(schedule.id);
  const now = Date.now();
  const { everyMs, offsetMs } = schedule;
  const notBefore = !stored && options.afterRunNow ? now + everyMs / 2 : now;
  const { attempts, backoff, removeOnComplete, removeOnFail } = catalog[name].policy;
  await queue.upsertJobScheduler(
    schedule.id,
    offsetMs === undefined
      ? { every: everyMs }
      : { every: everyMs, offset: offsetMs, startDate: slotAtOrAfter(notBefore, everyMs, offsetMs) },
    { name, data: schedule.data, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
  );
  return stored ? 'updated' : 'created';
}

/**
 * How many schedulers are read at once. BullMQ reads each scheduler of a page with its own command, all
 * in flight together: reading 10,000 in one page held 10,000 commands and their promises at once and ran a
 * worker out of its 96 MB heap (the idle-shops benchmark).
 */
const SCHEDULER_PAGE = 500;

/**
 * Every scheduler of the queue, by id, read a page at a time. The list is ordered by next run, so one that
 * runs while the pages are read may be seen twice (kept once) or missed (then treated as absent and
 * upserted again, which changes nothing).
 */
export async function storedSchedulers(queue: Queue): Promise<Map<string, StoredScheduler>> {
  const stored = new Map<string, StoredScheduler>();
  for (let start = 0; ; start += SCHEDULER_PAGE) {
    const page = await queue.getJobSchedulers(start, start + SCHEDULER_PAGE - 1, true);
    for (const scheduler of page) stored.set(scheduler.key, scheduler);
    if (page.length < SCHEDULER_PAGE) return stored;
  }
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
  const stored = await storedSchedulers(queue);
  const scheduled: string[] = [];
  for (const schedule of wanted) {
    const outcome = await upsertJobSchedule(queue, name, schedule, {
      stored: stored.get(schedule.id) ?? null,
    });
    if (outcome !== 'unchanged') scheduled.push(schedule.id);
  }
  const keep = new Set(wanted.map((schedule) => schedule.id));
  const removed: string[] = [];
  for (const id of stored.keys()) {
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

import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobData, jobOf, type QueueName } from './catalog.js';
import { periodicKindOf, type ScheduledConnection } from './job-definition.js';
import { type JobSchedule, offsetWithin, type StoredScheduler, upsertJobSchedule } from './job-schedules.js';
import type { Producer } from './producer.js';

/**
 * The passes of the job definitions' schedule keeper (definition-schedules.ts). A full pass reads every
 * scheduler from Redis and repairs it; the pass of every minute compares the connections that changed
 * with what the keeper last applied (kept in memory) and touches Redis only for the differences. A marker
 * key written at each full pass tells the minute pass that Redis lost its data (then it is a full pass).
 * Both work a page of connections at a time: a full pass over 10,000 connections that held them all, with
 * their settings, and every scheduler read from Redis at once ran a worker out of its 96 MB heap (the
 * idle-shops benchmark); what stays between passes is one small entry per scheduler.
 */

export interface JobSchedulesPass {
  /** Scheduler ids created or re-timed. */
  scheduled: string[];
  /** Scheduler ids removed. */
  removed: string[];
  /** Connections whose schedulers were removed (disabled or deleted). */
  unscheduledConnections: string[];
  /** Whether every scheduler was read from Redis and repaired (at start, periodically, after data loss). */
  full: boolean;
}

/** Which connection changed when: `db.connections.listVersions()`. */
export interface ConnectionVersion {
  id: string;
  status: string;
  updatedAt: Date;
}

/** Where the keeper reads the connections, without their secrets: `db.connections`. */
export interface ScheduledConnections {
  /** Every connection's id, status and last change: read at each pass. */
  listVersions(): Promise<readonly ConnectionVersion[]>;
  /**
   * Up to `limit` connections (of `ids` only, when given) whose id comes after `afterId`, in id order,
   * with their status and periods.
   */
  listScheduled(page: {
    afterId?: string;
    limit: number;
    ids?: readonly string[];
  }): Promise<readonly ScheduledConnection[]>;
}

interface AppliedSchedule {
  connectionId: string;
  fingerprint: string;
}

/** What the keeper applied, as it remembers it between passes. */
export interface KeptState {
  /** Per queue: scheduler id → its connection and the fingerprint (period, offset, payload) applied. */
  applied: Map<QueueName, Map<string, AppliedSchedule>>;
  /** Active connection id → `updatedAt` (ms) of the version its schedules were applied from. */
  versions: Map<string, number>;
  /** When the last full pass started; undefined: none yet, or a pass failed (the next one is full). */
  lastFullAt?: number;
}

export interface PassContext {
  redis: Redis;
  prefix: string;
  handles: ReadonlyMap<QueueName, Queue>;
  connections: ScheduledConnections;
  producer: Pick<Producer, 'add'>;
  fullPassEveryMs: number;
  /** How many connections a pass reads at once, and how many schedulers it reads from Redis at once. */
  pageSize: number;
  state: KeptState;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The connection a scheduler id of the queue names (`<queue>.<connectionId>[.<kind>]`), if any. */
export function connectionOfScheduler(queue: QueueName, schedulerId: string): string | undefined {
  const [name, connectionId] = schedulerId.split('.');
  return name === queue && connectionId !== undefined && UUID.test(connectionId) ? connectionId : undefined;
}

/**
 * What should be scheduled on a queue: one scheduler per active connection and periodic kind, each at
 * its own place in its period (a hash of its id), so that the runs of many connections spread over it.
 */
export function wantedSchedules<Q extends QueueName>(
  queue: Q,
  connections: readonly ScheduledConnection[],
): JobSchedule<Q>[] {
  const kinds = Object.values(jobOf(queue).periodic ?? {});
  return connections
    .filter((connection) => connection.status === 'active')
    .flatMap((connection) =>
      kinds.flatMap((kind) => {
        if (kind.everyMs === undefined) return [];
        const id = kind.schedulerId(connection.id);
        const everyMs = kind.everyMs(connection);
        return [
          { id, everyMs, offsetMs: offsetWithin(everyMs, id), data: kind.data(connection.id) as JobData<Q> },
        ];
      }),
    );
}

/** The key a full pass writes: its absence at a minute pass means Redis lost its data. */
export function keptMarkerKey(prefix: string, queue: QueueName): string {
  return `${prefix}:schedules:${queue}:kept`;
}

const fingerprintOf = (schedule: JobSchedule<QueueName>): string =>
  `${schedule.everyMs}/${schedule.offsetMs}/${JSON.stringify(schedule.data)}`;

const emptyPass = (full: boolean): JobSchedulesPass => ({
  scheduled: [],
  removed: [],
  unscheduledConnections: [],
  full,
});

/** One pass over every kept queue: a full one when due, else the changes since the last one. */
export async function keepSchedules(context: PassContext): Promise<JobSchedulesPass> {
  if (context.handles.size === 0) return emptyPass(false);
  try {
    return (await fullPassDue(context)) ? await fullPass(context) : await changesPass(context);
  } catch (error) {
    context.state.lastFullAt = undefined;
    throw error;
  }
}

/** Forgets what was applied for a connection on a queue (its schedulers were removed elsewhere). */
export function forgetConnection(state: KeptState, queue: QueueName, connectionId: string): void {
  const applied = state.applied.get(queue);
  for (const [id, entry] of applied ?? []) {
    if (entry.connectionId === connectionId) applied?.delete(id);
  }
  state.versions.delete(connectionId);
}

async function fullPassDue({
  redis,
  prefix,
  handles,
  state,
  fullPassEveryMs,
}: PassContext): Promise<boolean> {
  if (state.lastFullAt === undefined || Date.now() - state.lastFullAt >= fullPassEveryMs) return true;
  const markers = [...handles.keys()].map((queue) => keptMarkerKey(prefix, queue));
  return (await redis.exists(...markers)) < markers.length;
}

/** Reads every connection and every scheduler, a page at a time, and brings them in line. */
async function fullPass(context: PassContext): Promise<JobSchedulesPass> {
  const { redis, prefix, handles, state } = context;
  const startedAt = Date.now();
  state.lastFullAt = startedAt;
  const versions = await context.connections.listVersions();
  // Written before the schedulers are read: should Redis lose its data during the pass, the marker goes too.
  for (const queue of handles.keys()) await redis.set(keptMarkerKey(prefix, queue), String(startedAt));
  const pass = emptyPass(true);
  const applied = new Map([...handles.keys()].map((name) => [name, new Map<string, AppliedSchedule>()]));
  const active = new Set<string>();
  for await (const page of scheduledPages(context)) {
    for (const name of handles.keys()) await applyPage(context, name, page, applied.get(name)!, pass);
    for (const { id, status } of page) if (status === 'active') active.add(id);
  }
  const existing = new Set(versions.map(({ id }) => id));
  for (const [name, queue] of handles) {
    const wanted = applied.get(name)!;
    state.applied.set(name, wanted);
    const removed = await removeSchedulers(queue, await unwantedSchedulers(context, name, queue, wanted));
    await recordRemoved(context, name, removed, existing, pass);
  }
  state.versions = new Map(
    versions.filter(({ id, status }) => status === 'active' && active.has(id)).map(versionEntry),
  );
  return pass;
}

/**
 * The connections a page at a time: all of them in id order (each page starts after the last id of the
 * one before), or those of `ids`, `pageSize` ids at a time.
 */
async function* scheduledPages(
  { connections, pageSize }: PassContext,
  ids?: readonly string[],
): AsyncGenerator<readonly ScheduledConnection[]> {
  if (ids !== undefined) {
    for (let start = 0; start < ids.length; start += pageSize) {
      const page = await connections.listScheduled({
        ids: ids.slice(start, start + pageSize),
        limit: pageSize,
      });
      if (page.length > 0) yield page;
    }
    return;
  }
  for (let afterId: string | undefined; ; ) {
    const page = await connections.listScheduled({
      limit: pageSize,
      ...(afterId !== undefined && { afterId }),
    });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    afterId = page.at(-1)!.id;
  }
}

/** Applies the schedules of a page of connections on the queue, each against its scheduler as read now. */
async function applyPage(
  context: PassContext,
  name: QueueName,
  page: readonly ScheduledConnection[],
  applied: Map<string, AppliedSchedule>,
  pass: JobSchedulesPass,
): Promise<void> {
  const known = context.state.applied.get(name);
  const wanted = wantedSchedules(name, page);
  const stored = await readSchedulers(context, name, wanted);
  for (const [index, schedule] of wanted.entries()) {
    const found = { stored: stored[index] ?? null, known: known?.has(schedule.id) ?? false };
    await applySchedule(context, name, schedule, found, pass);
    applied.set(schedule.id, appliedOf(name, schedule));
  }
}

/** The schedulers of the schedules as stored (undefined: none), `pageSize` read at once. */
async function readSchedulers(
  { handles, pageSize }: PassContext,
  name: QueueName,
  schedules: readonly JobSchedule<QueueName>[],
): Promise<(StoredScheduler | undefined)[]> {
  const queue = handles.get(name)!;
  const stored: (StoredScheduler | undefined)[] = [];
  for (let start = 0; start < schedules.length; start += pageSize) {
    const slice = schedules.slice(start, start + pageSize);
    stored.push(...(await Promise.all(slice.map(({ id }) => queue.getJobScheduler(id)))));
  }
  return stored;
}

/**
 * The schedulers of connections on the queue that are not `wanted`, their ids scanned from BullMQ's sorted
 * set of the queue's schedulers (ZSCAN, about `pageSize` at a time, ids only). Unlike pages by rank, the
 * scan does not shift as schedulers run (and move in that set's order by next run) or are removed: every
 * scheduler there for the whole scan is seen. A scheduler seen twice is counted once.
 */
async function unwantedSchedulers(
  { redis, pageSize }: PassContext,
  name: QueueName,
  queue: Queue,
  wanted: ReadonlyMap<string, AppliedSchedule>,
): Promise<string[]> {
  const unwanted = new Set<string>();
  let cursor = '0';
  do {
    const [next, entries] = await redis.zscan(queue.keys.repeat!, cursor, 'COUNT', pageSize);
    // Members and their scores, alternately.
    for (let index = 0; index < entries.length; index += 2) {
      const id = entries[index]!;
      if (!wanted.has(id) && connectionOfScheduler(name, id) !== undefined) unwanted.add(id);
    }
    cursor = next;
  } while (cursor !== '0');
  return [...unwanted];
}

/** Applies the schedules of the connections changed since the last pass, removes those of the gone ones. */
async function changesPass(context: PassContext): Promise<JobSchedulesPass> {
  const { handles, connections, state } = context;
  const versions = await connections.listVersions();
  const active = new Map(versions.filter(({ status }) => status === 'active').map(versionEntry));
  const changedIds = [...active].filter(([id, at]) => state.versions.get(id) !== at).map(([id]) => id);
  const pass = emptyPass(false);
  const existing = new Set(versions.map(({ id }) => id));
  for await (const changed of scheduledPages(context, changedIds)) {
    for (const name of handles.keys()) await applyChanges(context, name, changed, existing, pass);
    for (const { id } of changed) state.versions.set(id, active.get(id) ?? 0);
  }
  for (const [name, queue] of handles) {
    const applied = appliedOn(state, name);
    const gone = [...applied].filter(([, { connectionId }]) => !active.has(connectionId)).map(([id]) => id);
    for (const id of gone) applied.delete(id);
    await recordRemoved(context, name, await removeSchedulers(queue, gone), existing, pass);
  }
  for (const id of state.versions.keys()) if (!active.has(id)) state.versions.delete(id);
  return pass;
}

/**
 * Applies the schedules of changed connections on the queue where they differ from what was applied, and
 * removes the schedulers they no longer want (a period set to none, or the connection no longer active).
 */
async function applyChanges(
  context: PassContext,
  name: QueueName,
  changed: readonly ScheduledConnection[],
  existing: ReadonlySet<string>,
  pass: JobSchedulesPass,
): Promise<void> {
  const applied = appliedOn(context.state, name);
  const wanted = wantedSchedules(name, changed);
  for (const schedule of wanted) {
    const entry = appliedOf(name, schedule);
    const known = applied.get(schedule.id);
    if (known?.fingerprint === entry.fingerprint) continue;
    await applySchedule(context, name, schedule, { known: known !== undefined }, pass);
    applied.set(schedule.id, entry);
  }
  const wantedIds = new Set(wanted.map(({ id }) => id));
  const kinds = Object.values(jobOf(name).periodic ?? {});
  const unwanted = changed
    .flatMap(({ id }) => kinds.map((kind) => kind.schedulerId(id)))
    .filter((id) => applied.has(id) && !wantedIds.has(id));
  for (const id of unwanted) applied.delete(id);
  await recordRemoved(
    context,
    name,
    await removeSchedulers(context.handles.get(name)!, unwanted),
    existing,
    pass,
  );
}

/** What was applied on the queue (an empty record kept in the state if none yet). */
function appliedOn(state: KeptState, name: QueueName): Map<string, AppliedSchedule> {
  const applied = state.applied.get(name) ?? new Map<string, AppliedSchedule>();
  state.applied.set(name, applied);
  return applied;
}

const versionEntry = ({ id, updatedAt }: ConnectionVersion): [string, number] => [id, updatedAt.getTime()];

function appliedOf(queue: QueueName, schedule: JobSchedule<QueueName>): AppliedSchedule {
  return {
    connectionId: connectionOfScheduler(queue, schedule.id) ?? '',
    fingerprint: fingerprintOf(schedule),
  };
}

async function removeSchedulers(queue: Queue, ids: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const id of ids) if (await queue.removeJobScheduler(id)) removed.push(id);
  return removed;
}

/**
 * Makes one schedule exist in Redis. A scheduler created for a connection this keeper did not know (newly
 * active, or the keeper just started) also runs now, as an on-demand run (the activation run: a new
 * connection syncs at once); its scheduler's first run is then at its place nearest to one period later.
 * One created again for a known connection (Redis lost it) just runs at its place.
 */
async function applySchedule(
  { handles, producer }: PassContext,
  name: QueueName,
  schedule: JobSchedule<QueueName>,
  { stored, known }: { stored?: StoredScheduler | null; known: boolean },
  pass: JobSchedulesPass,
): Promise<void> {
  const queue = handles.get(name)!;
  const options = { afterRunNow: !known, ...(stored !== undefined && { stored }) };
  const outcome = await upsertJobSchedule(queue, name, schedule, options);
  if (outcome === 'unchanged') return;
  pass.scheduled.push(schedule.id);
  if (outcome !== 'created' || known) return;
  const definition = jobOf(name);
  const kind = definition.periodic?.[periodicKindOf(definition, schedule.data) ?? ''];
  const connectionId = connectionOfScheduler(name, schedule.id);
  if (kind === undefined || connectionId === undefined) return;
  await producer.add(name, schedule.data as JobData<QueueName>, { dedupeId: kind.dedupeId(connectionId) });
}

/** Counts the removed schedulers in the pass and enqueues the last run of their still existing connections. */
async function recordRemoved(
  { producer }: PassContext,
  queue: QueueName,
  removed: readonly string[],
  existing: ReadonlySet<string>,
  pass: JobSchedulesPass,
): Promise<void> {
  const unscheduled = [...new Set(removed.map((id) => connectionOfScheduler(queue, id) ?? ''))];
  await runLastOfUnscheduled(producer, queue, unscheduled, existing);
  pass.removed.push(...removed);
  for (const id of unscheduled)
    if (!pass.unscheduledConnections.includes(id)) pass.unscheduledConnections.push(id);
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

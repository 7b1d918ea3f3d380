import { randomUUID } from 'node:crypto';
import { createLogger } from '@connector/logger';
import { type LocalRedis, startDedicatedRedis, uniquePrefix } from '@connector/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  createProducer,
  createScheduleQueue,
  createWorkerRedis,
  type JobScheduleKeeper,
  jobIdFor,
  keptMarkerKey,
  offsetWithin,
  type Producer,
  type ScheduledConnection,
  startJobScheduleKeeper,
} from './index.js';

// The schedule keeper against a Redis of its own: its commands are counted (INFO), and it is flushed.

type Settings = ScheduledConnection['settings'];
const DEFAULTS: Settings = {
  syncEveryMinutes: 5,
  reconcileEverySeconds: 60,
  sweepEverySeconds: 300,
  lifeposPollSeconds: 60,
};

/** The connections table as the keeper reads it, each write stamping `updatedAt` like the repository. */
function connectionsTable() {
  const rows = new Map<string, { summary: ScheduledConnection; updatedAt: Date }>();
  let clock = Date.now();
  const stamp = () => new Date(++clock);
  const summaryReads: number[] = [];
  /** The ids of every connection read, in order. */
  const readIds: string[] = [];
  return {
    summaryReads,
    readIds,
    add(settings: Partial<Settings> = {}, status = 'active'): string {
      const id = randomUUID();
      rows.set(id, { summary: { id, status, settings: { ...DEFAULTS, ...settings } }, updatedAt: stamp() });
      return id;
    },
    update(id: string, change: { status?: string; settings?: Partial<Settings> }): void {
      const { summary } = rows.get(id)!;
      const settings = { ...summary.settings, ...change.settings };
      rows.set(id, { summary: { ...summary, ...change, settings }, updatedAt: stamp() });
    },
    delete(id: string): void {
      rows.delete(id);
    },
    async listVersions() {
      return [...rows.values()].map(({ summary, updatedAt }) => ({
        id: summary.id,
        status: summary.status,
        updatedAt,
      }));
    },
    async listScheduled({
      afterId,
      limit,
      ids,
    }: {
      afterId?: string;
      limit: number;
      ids?: readonly string[];
    }) {
      const read = [...rows.values()]
        .map(({ summary }) => summary)
        .filter(
          ({ id }) => (ids === undefined || ids.includes(id)) && (afterId === undefined || id > afterId),
        )
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit);
      summaryReads.push(read.length);
      readIds.push(...read.map(({ id }) => id));
      return read;
    },
  };
}

let redis: LocalRedis;
let client: Redis;
let producer: Producer;
const keepers: JobScheduleKeeper[] = [];
const handles: Queue[] = [];

beforeAll(async () => {
  redis = await startDedicatedRedis();
  client = createWorkerRedis(redis.url);
});
afterEach(async () => {
  await Promise.all(keepers.splice(0).map((keeper) => keeper.close()));
  await Promise.all(handles.splice(0).map((queue) => queue.close()));
  await producer?.close();
});
afterAll(async () => {
  await client?.quit();
  await redis?.dispose();
});

type Table = ReturnType<typeof connectionsTable>;

/** A keeper whose passes the test runs (`runNow`), and a handle on its queue; its first, full, pass is done. */
async function keeper(table: Table, prefix = `{${uniquePrefix()}}`) {
  producer = createProducer({ redis: client, prefix });
  const started = startKeeper(table, prefix);
  await started.runNow();
  const queue = createScheduleQueue(client, prefix, 'reconcile');
  handles.push(queue);
  return { keeper: started, prefix, queue };
}

function startKeeper(table: Table, prefix: string, pageSize?: number): JobScheduleKeeper {
  const started = startJobScheduleKeeper({
    ...(pageSize !== undefined && { pageSize }),
    redis: client,
    prefix,
    logger: createLogger({ service: 'schedule-keeper-test', level: 'error' }),
    queues: ['reconcile'],
    connections: table,
    producer,
    everyMs: 3_600_000,
  });
  keepers.push(started);
  return started;
}

/** Commands Redis processed while `run` ran (the two INFO calls taken out). */
async function commandsDuring(run: () => Promise<unknown>): Promise<number> {
  const processed = async () => Number(/total_commands_processed:(\d+)/.exec(await client.info('stats'))![1]);
  const before = await processed();
  await run();
  return (await processed()) - before - 1;
}

const historyId = (connectionId: string) => jobIdFor('reconcile', connectionId, 'retailcrm-history');
const sweepId = (connectionId: string) => jobIdFor('reconcile', connectionId, 'sweep');

describe('the schedule keeper', () => {
  it('sends Redis a constant handful of commands in a pass where no connection changed', async () => {
    const table = connectionsTable();
    const ids = Array.from({ length: 150 }, () => table.add());
    const { keeper: k, queue, prefix } = await keeper(table);
    expect(await queue.getJobSchedulersCount()).toBe(2 * ids.length);

    // The full pass of another keeper (as at start) reads every scheduler: the measure counts what it should.
    const full = await commandsDuring(() => startKeeper(table, prefix).runNow());
    table.summaryReads.length = 0;
    const quiet = await commandsDuring(() => k.runNow());

    expect(quiet).toBeLessThanOrEqual(2);
    expect(full).toBeGreaterThan(2 * ids.length);
    // No connection changed: none of their summaries was read.
    expect(table.summaryReads).toEqual([]);

    // One connection changed: only it is read, and only its schedulers are touched.
    table.update(ids[0]!, { settings: { reconcileEverySeconds: 30 } });
    const one = await commandsDuring(() => k.runNow());
    expect(table.summaryReads).toEqual([1]);
    // A read of that scheduler and BullMQ's upsert script (whose own commands Redis counts too).
    expect(one).toBeLessThan(60);
  });

  it('applies a changed period at the next pass, and removes the schedulers of a disabled or deleted connection', async () => {
    const table = connectionsTable();
    const [changed, disabled, deleted, kept] = [table.add(), table.add(), table.add(), table.add()];
    const { keeper: k, queue } = await keeper(table);

    table.update(changed, { settings: { reconcileEverySeconds: 20 } });
    table.update(disabled, { status: 'disabled' });
    table.delete(deleted);
    const pass = await k.runNow();

    expect(pass.full).toBe(false);
    expect(pass.scheduled).toEqual([historyId(changed)]);
    expect((await queue.getJobScheduler(historyId(changed)))?.every).toBe(20_000);
    expect(pass.unscheduledConnections.sort()).toEqual([disabled, deleted].sort());
    for (const id of [disabled, deleted]) {
      expect(await queue.getJobScheduler(historyId(id))).toBeUndefined();
      expect(await queue.getJobScheduler(sweepId(id))).toBeUndefined();
    }
    expect(await queue.getJobScheduler(sweepId(kept))).toBeDefined();

    // Active again: the schedulers come back, with a run at once.
    table.update(disabled, { status: 'active' });
    expect((await k.runNow()).scheduled.sort()).toEqual([historyId(disabled), sweepId(disabled)].sort());
  });

  it('runs a full pass once Redis lost its data, and puts every scheduler back at its place', async () => {
    const table = connectionsTable();
    const ids = Array.from({ length: 5 }, () => table.add());
    const { keeper: k, queue, prefix } = await keeper(table);
    expect(await client.exists(keptMarkerKey(prefix, 'reconcile'))).toBe(1);
    expect((await k.runNow()).full).toBe(false);

    await client.flushall();
    const pass = await k.runNow();

    expect(pass.full).toBe(true);
    expect(pass.scheduled).toHaveLength(2 * ids.length);
    for (const id of ids) {
      const scheduler = await queue.getJobScheduler(historyId(id));
      expect(scheduler?.every).toBe(60_000);
      expect(scheduler!.next! % 60_000).toBe(offsetWithin(60_000, historyId(id)));
    }
    // Known connections: no run at once, each runs at its place in the period.
    expect((await queue.getJobs(['waiting'])).filter((job) => !job.id?.startsWith('repeat:'))).toEqual([]);
    expect((await k.runNow()).full).toBe(false);
  });

  it('spreads the runs of one period over it, and runs a new connection at once', async () => {
    const table = connectionsTable();
    const ids = Array.from({ length: 200 }, () => table.add());
    const startedAt = Date.now();
    const { queue } = await keeper(table);

    const buckets = new Array<number>(10).fill(0);
    for (const id of ids) {
      const scheduler = (await queue.getJobScheduler(historyId(id)))!;
      // After the activation run, the scheduler's first run is at its place nearest to a period later.
      expect(scheduler.next!).toBeGreaterThanOrEqual(startedAt + 30_000);
      buckets[Math.floor((scheduler.next! % 60_000) / 6_000)]! += 1;
    }
    // 200 schedulers over 10 tenths of the minute: about 20 each, none empty, none crowded.
    expect(Math.min(...buckets)).toBeGreaterThan(5);
    expect(Math.max(...buckets)).toBeLessThan(45);
    const runsNow = (await queue.getJobs(['waiting'])).filter((job) => !job.id?.startsWith('repeat:'));
    expect(runsNow).toHaveLength(2 * ids.length);
  });

  it('works a full pass a page of connections at a time, each page once, and removes what is not wanted', async () => {
    const table = connectionsTable();
    const ids = Array.from({ length: 8 }, () => table.add());
    const prefix = `{${uniquePrefix()}}`;
    producer = createProducer({ redis: client, prefix });
    const queue = createScheduleQueue(client, prefix, 'reconcile');
    handles.push(queue);
    // Left by an older app: the schedulers of 120 connections that are gone (more than the 128 entries Redis
    // keeps in a compact set once the 16 wanted come, so the scan of the schedulers takes several pages
    // too), and one that is not a connection's.
    const stale = Array.from({ length: 120 }, () => historyId(randomUUID()));
    for (const id of [...stale, 'reconcile.unrelated']) {
      await queue.upsertJobScheduler(
        id,
        { every: 3_600_000, startDate: Date.now() + 3_600_000 },
        {
          name: 'reconcile',
          data: { kind: 'retailcrm-history', connectionId: randomUUID() },
        },
      );
    }

    // Its first pass (full) starts with it; `runNow` waits for it and runs a pass of changes (none) after it.
    const k = startKeeper(table, prefix, 3);
    await k.runNow();

    // Every connection read once, three at a time, in id order: none skipped, none read twice.
    expect(table.readIds).toEqual([...ids].sort());
    expect(Math.max(...table.summaryReads)).toBe(3);
    const wanted = (kept: readonly string[]) => kept.flatMap((id) => [historyId(id), sweepId(id)]);
    const stored = async () => (await queue.getJobSchedulers()).map(({ key }) => key).sort();
    expect(await stored()).toEqual([...wanted(ids), 'reconcile.unrelated'].sort());
    // New to this keeper: each connection ran at once, once per kind.
    const runsNow = (await queue.getJobs(['waiting'])).filter((job) => !job.id?.startsWith('repeat:'));
    expect(runsNow).toHaveLength(2 * ids.length);

    const [disabled, deleted] = [ids[2]!, ids[6]!];
    table.update(disabled, { status: 'disabled' });
    table.delete(deleted);
    table.readIds.length = 0;
    const second = await k.runFullPass();

    expect(second.full).toBe(true);
    expect(table.readIds).toEqual(ids.filter((id) => id !== deleted).sort());
    expect(second.scheduled).toEqual([]);
    expect(second.removed.sort()).toEqual(wanted([disabled, deleted]).sort());
    expect(second.unscheduledConnections.sort()).toEqual([disabled, deleted].sort());
    const kept = ids.filter((id) => id !== disabled && id !== deleted);
    expect(await stored()).toEqual([...wanted(kept), 'reconcile.unrelated'].sort());
    // The next pass finds nothing to do: what the full pass applied is what it remembers.
    expect(await k.runNow()).toEqual({ scheduled: [], removed: [], unscheduledConnections: [], full: false });
  });

  it('moves schedulers an older keeper created to their place in the period', async () => {
    const table = connectionsTable();
    const connectionId = table.add();
    const { keeper: first, queue, prefix } = await keeper(table);
    // As the keeper wrote them before offsets: the period starting when it was created.
    const { template } = (await queue.getJobScheduler(historyId(connectionId)))!;
    await queue.removeJobScheduler(historyId(connectionId));
    await queue.upsertJobScheduler(
      historyId(connectionId),
      { every: 60_000 },
      { name: 'reconcile', data: template!.data },
    );
    await first.close();

    // Its first pass (at start) is a full one; `runNow` waits for it.
    await startKeeper(table, prefix).runNow();

    const scheduler = await queue.getJobScheduler(historyId(connectionId));
    expect(scheduler!.next! % 60_000).toBe(offsetWithin(60_000, historyId(connectionId)));
  });
});

// The idle shops themselves: `shops` simulated accounts with their active connections, and the periodic jobs
// their schedules ask for.
import type { Database } from '@connector/db';
import { type QueueName, wantedSchedules } from '@connector/queue';
import { kindOfJob } from './idle-shops-counters.js';
import { seconds } from './idle-shops-figures.js';
import { type IdleStack, type Log, PERIODIC } from './idle-shops-stack.js';
import type { LeanTenant } from './sandbox-process.js';

const SEED_BATCH = 250;

/** `shops` tenants in the simulators (batches over IPC) and their active connections (a few at a time). */
export async function seedShops(stack: IdleStack, shops: number, log: Log): Promise<LeanTenant[]> {
  const tenants: LeanTenant[] = [];
  const started = Date.now();
  let lastLog = started;
  while (tenants.length < shops) {
    const count = Math.min(SEED_BATCH, shops - tenants.length);
    const batch = (await stack.remote.call('seedMany', count, {
      sites: 1,
      ingressUrl: stack.ingressUrl,
    })) as LeanTenant[];
    for (let i = 0; i < batch.length; i += 10) {
      await Promise.all(
        batch
          .slice(i, i + 10)
          .map((tenant) => stack.db.connections.create({ ...tenant.connection, status: 'active' })),
      );
    }
    tenants.push(...batch);
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      log(`  ${tenants.length}/${shops} shops seeded (${seconds(Date.now() - started)})`);
    }
  }
  log(`  ${shops} shops seeded in ${seconds(Date.now() - started)}`);
  return tenants;
}

export interface Expected {
  /** Jobs per second each periodic kind should run, and its longest period. */
  perKind: Map<string, number>;
  periodMs: Map<string, number>;
  schedulers: Map<QueueName, number>;
}

/** Jobs per second each kind should run: one per active connection and period. */
export async function expectedRates(db: Database): Promise<Expected> {
  const summaries = await db.connections.listSummaries();
  const perKind = new Map<string, number>();
  const periodMs = new Map<string, number>();
  const schedulers = new Map<QueueName, number>();
  for (const { queue } of PERIODIC) {
    const wanted = wantedSchedules(queue, summaries);
    schedulers.set(queue, wanted.length);
    for (const schedule of wanted) {
      const kind = kindOfJob(queue, `repeat:${schedule.id}:0`);
      perKind.set(kind, (perKind.get(kind) ?? 0) + 1000 / schedule.everyMs);
      periodMs.set(kind, Math.max(periodMs.get(kind) ?? 0, schedule.everyMs));
    }
  }
  return { perKind, periodMs, schedulers };
}

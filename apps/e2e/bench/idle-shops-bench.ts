// Benchmark 5: what 10,000 connected shops cost while they do nothing. Every connection is a simulated
// RetailCRM account and LIFE POS organization of its own; the apps that keep periodic jobs (the sync worker's
// store sync, the webhook worker's sales and subscription checks, the reconcile worker's history scan and
// sweep) run as processes of their own on one Redis and one PostgreSQL, with the ingress and the export
// worker for the few active shops. After the schedules are created and their first runs drained, a steady
// period is measured: periodic jobs per second by kind, upstream calls per idle shop and hour (from the
// simulators' request log), Redis memory and PostgreSQL size per connection, each process's CPU share, the
// schedule keepers' pass over every connection, and how long an active shop's order takes among them.

import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueName } from '@connector/queue';
import type { Queue } from 'bullmq';
import type { IdleShopsSizes } from './bench-options.js';
import type { BenchServices } from './bench-services.js';
import { JobCounter, UpstreamCounter } from './idle-shops-counters.js';
import { describeIdleShops, seconds } from './idle-shops-figures.js';
import { cpuShares, footprint, largestTables, measureKeeperPasses, sampleCpu } from './idle-shops-measure.js';
import { driveActiveShop, type OrderLatencies, SaleWatch } from './idle-shops-orders.js';
import { expectedRates, seedShops } from './idle-shops-seed.js';
import { backlogOf, type Settling, waitForSchedules } from './idle-shops-settle.js';
import {
  deadApps,
  type IdleStack,
  type Log,
  openQueues,
  PERIODIC,
  startIdleStack,
  startWorkers,
  WATCHED,
} from './idle-shops-stack.js';
import type { BenchResult } from './report.js';
import type { LeanTenant } from './sandbox-process.js';
import { sum } from './stats.js';

function logSettling(settling: Settling, sizes: IdleShopsSizes, log: Log): void {
  log(
    `  schedulers created after ${PERIODIC.map(({ queue }) => `${queue} ${settling.createdMs.has(queue) ? seconds(settling.createdMs.get(queue)!) : 'not all'}`).join(', ')}; ` +
      `first runs ${settling.drainedMs === undefined ? `not drained after ${sizes.settleTimeoutS} s` : `drained after ${seconds(settling.drainedMs)}`}`,
  );
}

async function backlogs(queues: ReadonlyMap<QueueName, Queue>): Promise<Map<QueueName, number>> {
  return new Map(await Promise.all(WATCHED.map(async (q) => [q, await backlogOf(queues.get(q)!)] as const)));
}

interface SteadyPeriod {
  windowS: number;
  cpu: Array<[string, number]>;
  latencies: OrderLatencies;
  backlog: { atStart: Map<QueueName, number>; max: Map<QueueName, number>; atEnd: Map<QueueName, number> };
}

/** The measured period: the counters on, the active shops ordering, the backlogs sampled every 5 s. */
async function measureSteadyPeriod(
  stack: IdleStack,
  queues: ReadonlyMap<QueueName, Queue>,
  counters: { jobs: JobCounter; upstream: UpstreamCounter; watch: SaleWatch },
  active: readonly LeanTenant[],
  sizes: IdleShopsSizes,
  log: Log,
): Promise<SteadyPeriod> {
  const { jobs, upstream, watch } = counters;
  const backlogAtStart = await backlogs(queues);
  const maxBacklog = new Map(backlogAtStart);
  const cpuBefore = await sampleCpu(stack);
  jobs.counting = true;
  upstream.counting = true;
  const steadyStarted = Date.now();
  const until = steadyStarted + sizes.steadyS * 1000;
  const latencies: OrderLatencies = { first: [], later: [], lost: 0, refused: 0 };
  const drivers = active.map((tenant, index) =>
    driveActiveShop(stack, watch, tenant, (index * 60_000) / active.length, until, latencies),
  );
  while (Date.now() < until) {
    await sleep(5_000);
    for (const q of WATCHED) {
      maxBacklog.set(q, Math.max(maxBacklog.get(q)!, await backlogOf(queues.get(q)!)));
    }
    if ((Date.now() - steadyStarted) % 60_000 < 5_000) {
      log(
        `  steady ${seconds(Date.now() - steadyStarted)}: ${sum([...jobs.byKind.values()].map((k) => k.completed))} jobs done`,
      );
    }
  }
  jobs.counting = false;
  upstream.counting = false;
  const cpuAfter = await sampleCpu(stack);
  const windowS = (Date.now() - steadyStarted) / 1000;
  const backlogAtEnd = await backlogs(queues);
  await Promise.all(drivers);
  return {
    windowS,
    cpu: cpuShares(cpuBefore, cpuAfter),
    latencies,
    backlog: { atStart: backlogAtStart, max: maxBacklog, atEnd: backlogAtEnd },
  };
}

export async function runIdleShopsBench(
  services: BenchServices,
  sizes: IdleShopsSizes,
  log: Log,
): Promise<BenchResult> {
  const stack = await startIdleStack(services);
  const queues = openQueues(stack);
  const jobs = new JobCounter();
  const watch = new SaleWatch(stack.remote);
  try {
    const empty = await footprint(stack);
    const tenants = await seedShops(stack, sizes.shops, log);
    const active = tenants.slice(0, sizes.activeShops);
    const idleAccounts = new Set(
      tenants.slice(sizes.activeShops).flatMap((tenant) => [tenant.orgId, tenant.accountCode]),
    );
    const upstream = new UpstreamCounter(idleAccounts);
    const unsubscribe = stack.remote.onRequest((entry) => upstream.record(entry));
    const expected = await expectedRates(stack.db);
    await jobs.start(services.redis.url);

    log(`  starting the workers; ${sum([...expected.schedulers.values()])} schedulers to create`);
    await startWorkers(stack);
    const settling = await waitForSchedules(stack.apps, queues, expected.schedulers, sizes, log);
    logSettling(settling, sizes, log);

    const steady = await measureSteadyPeriod(stack, queues, { jobs, upstream, watch }, active, sizes, log);
    unsubscribe();
    const full = await footprint(stack);
    const tables = await largestTables(stack.db);
    const died = deadApps(stack.apps);

    for (const app of stack.apps.values()) await app.kill('SIGKILL');
    const keepers = await measureKeeperPasses(stack);

    return describeIdleShops({
      sizes,
      settling,
      expected,
      jobs,
      upstream,
      empty,
      full,
      tables,
      keepers,
      ...steady,
      died,
      log,
    });
  } finally {
    watch.stop();
    await jobs.close();
    for (const queue of queues.values()) await queue.close();
    await stack.close();
  }
}

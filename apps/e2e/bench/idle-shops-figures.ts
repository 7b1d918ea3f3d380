// The idle-shops benchmark's report: its figures, the tables of its details, and the limits the run found.
import type { QueueName } from '@connector/queue';
import type { IdleShopsSizes } from './bench-options.js';
import type { JobCounter, UpstreamCounter } from './idle-shops-counters.js';
import type { Footprint, KeeperPass } from './idle-shops-measure.js';
import type { OrderLatencies } from './idle-shops-orders.js';
import type { Expected } from './idle-shops-seed.js';
import type { Settling } from './idle-shops-settle.js';
import { type Log, PERIODIC } from './idle-shops-stack.js';
import type { BenchResult, Figure } from './report.js';
import { percentile, round, sum } from './stats.js';

export const seconds = (ms: number) => `${round(ms / 1000, 1)} s`;
export const kib = (bytes: number) => `${round(bytes / 1024, 1)} KiB`;
export const mib = (bytes: number) => `${round(bytes / 2 ** 20, 1)} MiB`;

export interface Measured {
  sizes: IdleShopsSizes;
  settling: Settling;
  expected: Expected;
  jobs: JobCounter;
  windowS: number;
  upstream: UpstreamCounter;
  empty: Footprint;
  full: Footprint;
  tables: string;
  cpu: Array<[string, number]>;
  keepers: { listMs: number; passes: KeeperPass[] };
  latencies: OrderLatencies;
  backlog: { atStart: Map<QueueName, number>; max: Map<QueueName, number>; atEnd: Map<QueueName, number> };
  died: string[];
  log: Log;
}

const pct = (share: number) => `${round(share * 100, 1)} %`;
const ms = (value: number) => (Number.isNaN(value) ? '—' : `${Math.round(value)} ms`);
const latencyText = (values: readonly number[]) =>
  values.length === 0
    ? 'none'
    : `p50 ${ms(percentile(values, 50))}, p95 ${ms(percentile(values, 95))}, max ${ms(Math.max(...values))} (${values.length})`;

/** Periodic jobs per second measured and scheduled, of the kinds whose period fits in the steady period. */
function keepingUp(m: Measured): { measured: number; scheduled: number } {
  const kinds = [...m.expected.periodMs]
    .filter(([, periodMs]) => periodMs <= m.windowS * 1000)
    .map(([kind]) => kind);
  const done = kinds.map((kind) => m.jobs.byKind.get(kind) ?? { completed: 0, failed: 0 });
  return {
    measured: sum(done.map((n) => n.completed + n.failed)) / m.windowS,
    scheduled: sum(kinds.map((kind) => m.expected.perKind.get(kind)!)),
  };
}

function limitsFound(m: Measured): string[] {
  const limits: string[] = [];
  const slowest = m.keepers.passes.reduce((a, b) => (b.ms > a.ms ? b : a));
  if (slowest.ms > 1_000) {
    limits.push(
      `The schedule keepers read every connection and look up every scheduler in Redis once a minute, in every app: ` +
        `the ${slowest.app}'s pass took ${seconds(slowest.ms)} and ${slowest.commands} Redis commands with nothing to change.`,
    );
  }
  const pace = keepingUp(m);
  if (pace.measured < pace.scheduled * 0.9) {
    limits.push(
      `The workers ran ${round(pace.measured, 1)} jobs/s of the kinds due within the steady period, of the ` +
        `${round(pace.scheduled, 1)} their schedules ask for: they do not keep up.`,
    );
  }
  for (const [queue, end] of m.backlog.atEnd) {
    const start = m.backlog.atStart.get(queue) ?? 0;
    if (end > start + Math.max(10, m.sizes.shops / 100)) {
      limits.push(`The ${queue} queue's backlog grew from ${start} to ${end} jobs during the steady period.`);
    }
  }
  if (m.settling.drainedMs === undefined) {
    limits.push(`The first runs of the new schedules had not drained after ${m.sizes.settleTimeoutS} s.`);
  }
  const busiest = m.cpu.reduce((a, b) => (b[1] > a[1] ? b : a));
  if (busiest[1] > 0.5)
    limits.push(`${busiest[0]} used ${pct(busiest[1])} of a core while every shop was idle.`);
  if (m.latencies.lost > 0)
    limits.push(`${m.latencies.lost} orders of active shops had no sale within a minute.`);
  for (const died of m.died) limits.push(`A process exited during the run — ${died}`);
  return limits;
}

/** Calls per idle shop and hour, from a count over the steady period. */
function perIdleShopHour(m: Measured): (calls: number) => number {
  const idleShops = m.sizes.shops - m.sizes.activeShops;
  return (calls: number) => (calls / idleShops / m.windowS) * 3600;
}

function idleFigures(m: Measured): Figure[] {
  const { sizes, windowS } = m;
  const periodicKinds = [...m.jobs.byKind].filter(([kind]) => !kind.endsWith('on demand'));
  const jobsPerSecond = sum(periodicKinds.map(([, n]) => n.completed + n.failed)) / windowS;
  const expectedPerSecond = sum([...m.expected.perKind.values()]);
  const perHour = perIdleShopHour(m);
  const jobsInEachSecond = [...m.jobs.perSecond.values()];
  return [
    {
      name: 'Periodic jobs per second',
      measured:
        `${round(jobsPerSecond, 1)}/s (the schedules ask ${round(expectedPerSecond, 1)}/s): ` +
        periodicKinds
          .map(([kind, n]) => `${kind} ${round((n.completed + n.failed) / windowS, 2)}`)
          .join(', ') +
        `; busiest second ${Math.max(0, ...jobsInEachSecond)} jobs, p50 second ${percentile(jobsInEachSecond, 50)}`,
    },
    {
      name: 'Upstream calls per idle shop per hour',
      measured:
        `RetailCRM ${round(perHour(m.upstream.idle.retailcrm), 1)}, LIFE POS ${round(perHour(m.upstream.idle.lifepos), 1)} ` +
        `(+ ${round(perHour(m.upstream.idle.signIns), 2)} LIFE POS sign-ins per shop, all shops; ${m.upstream.idle.rejected} rate-limited)`,
    },
    {
      name: 'Redis memory per connection',
      measured: `${kib((m.full.redisBytes - m.empty.redisBytes) / sizes.shops)} (${mib(m.empty.redisBytes)} → ${mib(m.full.redisBytes)})`,
    },
    {
      name: 'PostgreSQL size per connection',
      measured: `${kib((m.full.databaseBytes - m.empty.databaseBytes) / sizes.shops)} (${mib(m.empty.databaseBytes)} → ${mib(m.full.databaseBytes)})`,
    },
    {
      name: 'CPU share while idle (of one core)',
      measured: m.cpu.map(([name, share]) => `${name} ${pct(share)}`).join(', '),
    },
    {
      name: `Schedule keeper pass over ${sizes.shops} connections`,
      measured:
        m.keepers.passes
          .map((pass) => `${pass.app} ${ms(pass.ms)} (${pass.commands} Redis commands)`)
          .join(', ') +
        `; reading the connections (listScheduled, 500 a page) ${ms(m.keepers.listMs)}; creating them took ` +
        PERIODIC.map(({ queue }) =>
          m.settling.createdMs.has(queue) ? seconds(m.settling.createdMs.get(queue)!) : 'not done',
        ).join(' / '),
    },
    {
      name: `Order of an active shop among ${sizes.shops} (trigger → sale exists)`,
      measured: `first order ${latencyText(m.latencies.first)}; later orders ${latencyText(m.latencies.later)}${m.latencies.lost > 0 ? `; ${m.latencies.lost} without a sale after 60 s` : ''}`,
    },
  ];
}

function idleDetails(m: Measured, limits: readonly string[]): string {
  const { sizes, windowS } = m;
  const perHour = perIdleShopHour(m);
  const kinds = [...new Set([...m.expected.perKind.keys(), ...m.jobs.byKind.keys()])].sort();
  const endpoints = [...m.upstream.byEndpoint]
    .sort((a, b) => b[1] - a[1])
    .map(([endpoint, calls]) => `| ${endpoint} | ${round(perHour(calls), 2)} |`);
  return [
    `Sizes: ${sizes.shops} connections (${sizes.activeShops} active: an order about every minute each, one at a time), ` +
      `steady period ${round(windowS)} s after the schedules settled (the 5-minute kinds need a 300 s period to be counted in full).`,
    '',
    '| Kind | Jobs/s measured | Jobs/s scheduled | Failed |',
    '| --- | --- | --- | --- |',
    ...kinds.map((kind) => {
      const n = m.jobs.byKind.get(kind) ?? { completed: 0, failed: 0 };
      const wanted = m.expected.perKind.get(kind);
      return `| ${kind} | ${round((n.completed + n.failed) / windowS, 2)} | ${wanted === undefined ? '—' : round(wanted, 2)} | ${n.failed} |`;
    }),
    '',
    '| Queue | Backlog at start | Largest | At end |',
    '| --- | --- | --- | --- |',
    ...[...m.backlog.max].map(
      ([q, max]) => `| ${q} | ${m.backlog.atStart.get(q)} | ${max} | ${m.backlog.atEnd.get(q)} |`,
    ),
    '',
    '| Upstream endpoint (idle shops) | Calls per shop per hour |',
    '| --- | --- |',
    ...endpoints,
    '',
    `Largest tables: ${m.tables}.`,
    '',
    limits.length === 0
      ? 'Limits found: none at this size.'
      : `Limits found:\n\n${limits.map((l) => `- ${l}`).join('\n')}`,
  ].join('\n');
}

export function describeIdleShops(m: Measured): BenchResult {
  const { sizes } = m;
  const limits = limitsFound(m);
  const figures = idleFigures(m);
  const details = idleDetails(m, limits);
  for (const limit of limits) m.log(`  limit: ${limit}`);
  return {
    name: 'idle-shops',
    title: '5. Idle shops',
    method:
      `${sizes.shops} connections, each its own simulated RetailCRM account and LIFE POS organization (the sandbox ` +
      'in a process of its own), inserted as active connections; the ingress, the export worker, the sync worker, the ' +
      'webhook worker and the reconcile worker as processes of their own (built dist/main.js, production NODE_OPTIONS), on ' +
      'one Redis and one PostgreSQL. Once every scheduler exists and their first runs have drained, a steady ' +
      'period is measured: jobs per kind from the queues’ event streams, upstream calls of the idle shops from the ' +
      'simulators’ request log, CPU from /proc (Redis: INFO cpu), Redis memory (INFO used_memory) and the database ' +
      'size against the empty stack. The keepers’ pass is one pass of each app’s keeper after the apps are stopped ' +
      '(nothing to change, so Redis counts only its commands).',
    figures,
    details,
  };
}

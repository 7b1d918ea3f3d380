// Benchmark 4: LIFE POS payment → RetailCRM payment. The whole trigger pipeline runs (simulators in a
// process of their own, ingress and sync worker here, export worker and webhook worker as processes of
// their own); the simulated LIFE POS posts its notifications to the webhook worker. A cashier takes a cash
// payment on an exported sale, and the time until the RetailCRM order has its payment is measured: one
// payment at a time while nothing else runs, then during a steady stream of new orders, half of them paid.

import { setTimeout as sleep } from 'node:timers/promises';
import { saleMetaFor } from '@connector/domain';
import { TRIGGER_PATH } from '@connector/ingress';
import { requestConnectionSync } from '@connector/sync';
import type { Job, Queue } from 'bullmq';
import { type ProcessStack, startProcessStack } from '../faults/process-stack.js';
import type { WritebackSizes } from './bench-options.js';
import type { BenchServices } from './bench-services.js';
import { CallTally } from './call-tally.js';
import { type RemoteSandbox, type RemoteTenant, startRemoteSandbox } from './remote-sandbox.js';
import type { BenchResult, Figure } from './report.js';
import type { DeliverySummary } from './sandbox-process.js';
import { round, sum } from './stats.js';

interface Shop {
  tenant: RemoteTenant;
  connectionId: string;
}

interface Paid {
  shop: Shop;
  orderId: number;
  paidAt: number;
  bookedAt?: number;
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const ms = (value: number) => (Number.isNaN(value) ? 'n/a' : `${round(value)} ms`);

/** Polls the RetailCRM simulator until every payment is booked (or the deadline passes). */
async function booked(remote: RemoteSandbox, payments: Paid[], deadline: number): Promise<void> {
  for (;;) {
    const open = payments.filter((payment) => payment.bookedAt === undefined);
    if (open.length === 0 || Date.now() > deadline) return;
    const counts = (await remote.call(
      'paymentsOf',
      open.map((payment) => [payment.shop.tenant.accountCode, payment.orderId] as [string, number]),
    )) as number[];
    const now = Date.now();
    open.forEach((payment, index) => {
      if ((counts[index] ?? 0) > 0) payment.bookedAt = now;
    });
    await sleep(20);
  }
}

/** What every step of the write-back benchmark works with. */
interface WritebackBench {
  sizes: WritebackSizes;
  log: (line: string) => void;
  remote: RemoteSandbox;
  stack: ProcessStack;
}

type JobTimes = Pick<Job, 'processedOn' | 'finishedOn' | 'timestamp' | 'data'>;

/** The completed `lifepos-events` jobs seen so far, by id (the queue keeps only its newest ones). */
function jobCollector(events: Queue) {
  const jobs = new Map<string, JobTimes>();
  const collect = async () => {
    for (const job of await events.getJobs(['completed'], 0, 999)) {
      if (job.id && job.finishedOn) jobs.set(job.id, job);
    }
  };
  return { jobs, collect };
}

/** Seeds the tenants, saves their connections (the benchmark's limits in their settings) and syncs them. */
async function connectShops({ sizes, remote, stack }: WritebackBench): Promise<Shop[]> {
  const ingressUrl = `${stack.ingress.url}${TRIGGER_PATH}`;
  const producer = await stack.producer();
  const shops: Shop[] = [];
  for (let t = 0; t < sizes.tenants; t += 1) {
    const tenant = await remote.seed({
      ingressUrl,
      sites: 1,
      retailcrm: { latencyMs: sizes.latencyMs, rateLimit: { perSecond: sizes.retailcrmPerSecond } },
      lifepos: { rateLimit: { perSecond: sizes.lifeposPerSecond } },
    });
    const connection = await stack.db.connections.create({
      ...tenant.connection,
      settings: {
        ...tenant.connection.settings,
        rateLimits: {
          retailcrmPerSecond: sizes.retailcrmPerSecond,
          lifeposPerSecond: sizes.lifeposPerSecond,
        },
      },
      status: 'active',
    });
    await requestConnectionSync(producer, connection.id);
    shops.push({ tenant, connectionId: connection.id });
  }
  return shops;
}

/** As at any start, the webhook worker points every active connection's notifications at itself. */
async function subscribeWebhookWorker({ remote, stack, log }: WritebackBench, shops: readonly Shop[]) {
  const webhook = await stack.startWebhookWorker();
  for (const shop of shops) {
    const { notificationToken } = (await stack.db.connections.get(shop.connectionId))!;
    const url = `${webhook.url}/lifepos/notifications/${notificationToken}`;
    for (let tries = 0; !(await remote.call('subscribed', shop.tenant.orgId, url)); tries += 1) {
      if (tries > 600) throw new Error(`${shop.tenant.orgId} was not subscribed to the webhook worker`);
      await sleep(50);
    }
  }
  log(`  ${shops.length} tenants, their notifications pointed at the webhook worker`);
}

/** Creates one order, triggers it and resolves with its sale once exported. */
async function exportOne({ remote, stack }: WritebackBench, shop: Shop, deadline: number) {
  const [orderId] = (await remote.call('createOrders', shop.tenant.orgId, 1)) as [number];
  const answer = await stack.trigger(shop.tenant, orderId);
  await answer.body?.cancel();
  for (;;) {
    const sale = (await remote.call('saleOf', shop.tenant.orgId, saleMetaFor(orderId))) as {
      guid: string;
      totalKopecks: number;
    } | null;
    if (sale) return { orderId, sale };
    if (Date.now() > deadline) return undefined;
    await sleep(25);
  }
}

async function pay(
  { remote }: WritebackBench,
  shop: Shop,
  orderId: number,
  sale: { guid: string; totalKopecks: number },
) {
  await remote.call('takePayment', shop.tenant.orgId, sale.guid, { cash: sale.totalKopecks });
  return { shop, orderId, paidAt: Date.now() } as Paid;
}

const latencies = (payments: readonly Paid[]) =>
  payments.flatMap((p) => (p.bookedAt ? [p.bookedAt - p.paidAt] : []));

/** Idle: one payment at a time, each on a freshly exported order. */
async function measureIdle(bench: WritebackBench, shops: readonly Shop[]) {
  const { sizes, remote, log } = bench;
  const idle: Paid[] = [];
  for (let i = 0; i < sizes.idlePayments; i += 1) {
    const shop = shops[i % shops.length]!;
    const exported = await exportOne(bench, shop, Date.now() + 60_000);
    if (!exported) continue;
    await sleep(500);
    const payment = await pay(bench, shop, exported.orderId, exported.sale);
    idle.push(payment);
    await booked(remote, [payment], Date.now() + 60_000);
  }
  const idleLatency = latencies(idle);
  log(
    `  idle: ${idleLatency.length}/${idle.length} payments booked, p50 ${ms(quantile(idleLatency, 0.5))}, p99 ${ms(quantile(idleLatency, 0.99))}`,
  );
  return { idle, idleLatency };
}

/** Samples the `lifepos-events` backlog and collects its jobs every second until stopped. */
function sampleEvents(events: Queue, collectJobs: () => Promise<void>) {
  const sampled = { depthMax: 0, stop: () => clearInterval(sampler) };
  const sampler = setInterval(() => {
    void events.getJobCounts('waiting', 'prioritized', 'active', 'delayed').then(
      (counts) => {
        sampled.depthMax = Math.max(sampled.depthMax, sum(Object.values(counts)));
      },
      () => {},
    );
    void collectJobs().catch(() => {});
  }, 1_000);
  return sampled;
}

/** Under a stream of new orders, half of them paid as soon as their sale exists. */
async function measureStream(
  bench: WritebackBench,
  shops: readonly Shop[],
  events: Queue,
  collectJobs: () => Promise<void>,
) {
  const { sizes, remote, log } = bench;
  const streamStart = Date.now();
  const streamEnd = streamStart + sizes.streamSeconds * 1000;
  const streamed: Paid[] = [];
  const pending: Promise<void>[] = [];
  let ordersSent = 0;
  let unexported = 0;
  const sampler = sampleEvents(events, collectJobs);
  // Polls the payments taken so far while the stream runs (the stream adds more meanwhile).
  let streaming = true;
  const watcher = (async () => {
    while (streaming) {
      await booked(remote, streamed, Date.now() + 200);
      await sleep(50);
    }
  })();
  const interval = 1000 / sizes.ordersPerSecond;
  for (let i = 0; Date.now() < streamEnd; i += 1) {
    const due = streamStart + i * interval;
    if (due > Date.now()) await sleep(due - Date.now());
    const shop = shops[i % shops.length]!;
    const paid = i % 2 === 0;
    ordersSent += 1;
    pending.push(
      exportOne(bench, shop, streamEnd + 120_000).then(async (exported) => {
        if (!exported) {
          unexported += 1;
          return;
        }
        if (paid) streamed.push(await pay(bench, shop, exported.orderId, exported.sale));
      }),
    );
  }
  await Promise.all(pending);
  streaming = false;
  await watcher;
  await booked(remote, streamed, Date.now() + 120_000);
  sampler.stop();
  await collectJobs();
  const streamLatency = latencies(streamed);
  const deliveries = (await remote.call('deliveries', streamStart)) as DeliverySummary;
  const { depthMax } = sampler;
  log(
    `  notifications: ${deliveries.sent} sent, ${deliveries.retried} retried, ${deliveries.undelivered} undelivered, accepted p50 ${ms(quantile(deliveries.acceptedMs, 0.5))} p99 ${ms(quantile(deliveries.acceptedMs, 0.99))}, POST p99 ${ms(quantile(deliveries.postMs, 0.99))}\n` +
      `  stream: ${ordersSent} orders in ${sizes.streamSeconds} s, ${streamLatency.length}/${streamed.length} payments booked, p50 ${ms(quantile(streamLatency, 0.5))}, p99 ${ms(quantile(streamLatency, 0.99))}, lifepos-events backlog at most ${depthMax}`,
  );
  return { streamStart, streamed, streamLatency, ordersSent, unexported, depthMax, deliveries };
}

type IdleRun = Awaited<ReturnType<typeof measureIdle>>;
type StreamRun = Awaited<ReturnType<typeof measureStream>>;

/** The write-back jobs of the stream: how long each held a worker slot, and how many came per second. */
function streamJobFigures(
  sizes: WritebackSizes,
  jobs: ReadonlyMap<string, JobTimes>,
  idleJobs: ReadonlySet<string>,
  streamStart: number,
) {
  const streamJobs = [...jobs.entries()].filter(
    ([id, job]) => !idleJobs.has(id) && job.timestamp >= streamStart,
  );
  const notificationJobs = streamJobs.filter(([, job]) => job.data.notificationId !== undefined);
  const runMs = notificationJobs.map(([, job]) => job.finishedOn! - job.processedOn!);
  const arrivalRate = notificationJobs.length / sizes.streamSeconds;
  const meanRunS = sum(runMs) / Math.max(1, runMs.length) / 1000;
  const littles = arrivalRate * meanRunS;
  return { streamJobs, notificationJobs, runMs, arrivalRate, meanRunS, littles };
}

type StreamJobs = ReturnType<typeof streamJobFigures>;

function writebackFigures(
  sizes: WritebackSizes,
  idleRun: IdleRun,
  stream: StreamRun,
  streamJobs: StreamJobs,
) {
  const { idle, idleLatency } = idleRun;
  const { streamed, streamLatency, ordersSent, unexported, depthMax } = stream;
  const { runMs, arrivalRate, meanRunS, littles } = streamJobs;
  const missing = streamed.length - streamLatency.length + (idle.length - idleLatency.length);
  const figures: Figure[] = [
    {
      name: 'Payment → RetailCRM, idle',
      measured: `p50 ${ms(quantile(idleLatency, 0.5))}, p99 ${ms(quantile(idleLatency, 0.99))} (${idleLatency.length} payments)`,
      target: 'p99 ≤ 3 s',
      pass:
        idleLatency.length > 0 && quantile(idleLatency, 0.99) <= 3_000 && idle.length === idleLatency.length,
      missReason:
        'One payment sends two notifications (the payment and the sale); each write-back re-reads the sale and its ' +
        'money documents under the order lock, and the second waits for the first.',
    },
    {
      name: `Payment → RetailCRM, under ${sizes.ordersPerSecond} new orders/s`,
      measured: `p50 ${ms(quantile(streamLatency, 0.5))}, p99 ${ms(quantile(streamLatency, 0.99))} (${streamLatency.length} of ${streamed.length} payments booked; ${sizes.streamSeconds} s stream, ${ordersSent} orders${unexported > 0 ? `, ${unexported} not exported in time` : ''})`,
      target: 'p99 ≤ 3 s',
      pass: streamLatency.length > 0 && missing === 0 && quantile(streamLatency, 0.99) <= 3_000,
      missReason:
        "A payment's write-back shares its tenant's LIFE POS and RetailCRM limits with the exports: when the stream " +
        "uses most of a tenant's LIFE POS limit, the write-back's calls wait for their slots.",
    },
    {
      name: 'Webhook worker: notifications, run time, slots needed (Little)',
      measured:
        `${round(arrivalRate, 2)} notification jobs/s, run p50 ${ms(quantile(runMs, 0.5))}, p99 ${ms(quantile(runMs, 0.99))}, ` +
        `mean ${ms(meanRunS * 1000)} → ${round(littles, 1)} busy slots on average; lifepos-events backlog at most ${depthMax} jobs`,
    },
  ];
  return figures;
}

function writebackDetails(
  sizes: WritebackSizes,
  callsOf: (system: 'retailcrm' | 'lifepos', field: 'total' | 'orderReads' | 'saleCalls') => number,
  { idle, idleLatency }: IdleRun,
  { streamed, streamLatency, ordersSent, deliveries }: StreamRun,
  { streamJobs, notificationJobs }: StreamJobs,
) {
  const allLatency = [...idleLatency, ...streamLatency];
  return [
    `Sizes: ${sizes.tenants} tenants, ${sizes.idlePayments} idle payments, then ${sizes.ordersPerSecond} new orders/s ` +
      `for ${sizes.streamSeconds} s, spread over the tenants, every second one paid in cash as soon as its sale ` +
      `exists; simulated latency ${sizes.latencyMs} ms; limits RetailCRM ${sizes.retailcrmPerSecond}/s and LIFE POS ` +
      `${sizes.lifeposPerSecond}/s per account. Latency = the payment taken in the LIFE POS simulator → the ` +
      'RetailCRM simulator holds a payment on the order (polled every 20 ms).',
    '',
    '| | |',
    '| --- | --- |',
    `| Payments booked | ${allLatency.length} of ${idle.length + streamed.length} |`,
    `| Calls of the tenants | RetailCRM ${callsOf('retailcrm', 'total')} (order reads ${callsOf('retailcrm', 'orderReads')}), LIFE POS ${callsOf('lifepos', 'total')} (about sales ${callsOf('lifepos', 'saleCalls')}) for ${idle.length + ordersSent} orders and ${idle.length + streamed.length} payments |`,
    `| Write-back jobs of the stream | ${streamJobs.length} (${notificationJobs.length} from notifications) |`,
    `| Notifications of the stream (LIFE POS simulator → receiver) | ${deliveries.sent} sent: ${deliveries.firstAttempt} accepted at the first POST, ${deliveries.retried} after retries, ${deliveries.undelivered} not; created → accepted p50 ${ms(quantile(deliveries.acceptedMs, 0.5))}, p99 ${ms(quantile(deliveries.acceptedMs, 0.99))}; one POST p50 ${ms(quantile(deliveries.postMs, 0.5))}, p99 ${ms(quantile(deliveries.postMs, 0.99))} |`,
  ].join('\n');
}

const WRITEBACK_METHOD =
  'Simulators in a process of their own; the ingress and the sync worker in the benchmark process; the export ' +
  'worker and the webhook worker (its sources through tsx, default concurrency) as processes of their own. ' +
  'The LIFE POS simulator posts its notifications to the webhook worker. Slots needed = notification jobs ' +
  'per second × their mean run time (Little’s law): what the webhook worker’s concurrency must exceed.';

export async function runWritebackBench(
  services: BenchServices,
  sizes: WritebackSizes,
  log: (line: string) => void,
): Promise<BenchResult> {
  const remote = await startRemoteSandbox();
  const stack = await startProcessStack({
    redisUrl: services.redis.url,
    lifeposApiUrl: remote.lifeposUrl,
    compiledExportWorker: sizes.compiledWorker,
  });
  const tally = new CallTally();
  const unsubscribe = remote.onRequest((entry) => tally.record(entry));
  const events = stack.queue('lifepos-events');
  const { jobs, collect: collectJobs } = jobCollector(events);
  try {
    const bench: WritebackBench = { sizes, log, remote, stack };
    await remote.call('addFault', { system: 'lifepos', latencyMs: sizes.latencyMs });
    const shops = await connectShops(bench);
    await subscribeWebhookWorker(bench, shops);
    const idleRun = await measureIdle(bench, shops);
    await collectJobs();
    const idleJobs = new Set(jobs.keys());
    const stream = await measureStream(bench, shops, events, collectJobs);
    const streamJobs = streamJobFigures(sizes, jobs, idleJobs, stream.streamStart);
    const callsOf = (system: 'retailcrm' | 'lifepos', field: 'total' | 'orderReads' | 'saleCalls') =>
      sum(
        shops.map(
          (shop) =>
            tally.of(system, system === 'lifepos' ? shop.tenant.orgId : shop.tenant.accountCode)[field],
        ),
      );
    return {
      name: 'writeback',
      title: '4. Write-back',
      method: WRITEBACK_METHOD,
      figures: writebackFigures(sizes, idleRun, stream, streamJobs),
      details: writebackDetails(sizes, callsOf, idleRun, stream, streamJobs),
    };
  } finally {
    unsubscribe();
    await stack.close();
    await remote.close();
  }
}

// The pipeline benchmark while the backlog is exported: which tenant is done (and its calls by then),
// progress every 30 s, and, once only the big tenant's backlog is left, how long one order of a newly
// connected tenant takes.
import { setTimeout as sleep } from 'node:timers/promises';
import { saleMetaFor } from '@connector/domain';
import { type ConnectTenant, type PipelineBench, type Shop, seconds } from './pipeline-tenants.js';
import type { RemoteTenant } from './remote-sandbox.js';
import { round, sum } from './stats.js';

export interface ProbeResult {
  /** Trigger posted → sale in LIFE POS. */
  ms: number;
  /** From the job: queued before a worker took it for the last time, and the last run. */
  queuedMs: number;
  runMs: number;
  /** Times a worker started it (more than 1: deferred by the rate limiter or the order lock). */
  starts: number;
  /** The export queue when its trigger was answered. */
  queueAtTrigger: { waiting: number; active: number; delayed: number };
}

/** The fresh tenant's first (cold) and second (warm) order; `duringBacklog`: the big one ran all along. */
export interface Probes {
  cold?: ProbeResult;
  warm?: ProbeResult;
  duringBacklog: boolean;
}

async function probe(
  { stack, remote }: PipelineBench,
  tenant: RemoteTenant,
  deadline: number,
): Promise<ProbeResult | undefined> {
  const [orderId] = (await remote.call('createOrders', tenant.orgId, 1)) as [number];
  const started = performance.now();
  const answer = await stack.trigger(tenant, orderId);
  const { jobId } = (await answer.json()) as { jobId?: string };
  const counts = await stack.queue('order-export').getJobCounts('waiting', 'active', 'delayed');
  while ((await remote.call('saleOf', tenant.orgId, saleMetaFor(orderId))) === null) {
    if (Date.now() > deadline) return undefined;
    await sleep(10);
  }
  const ms = performance.now() - started;
  // The sale exists before the job has written its link and timeline: wait for it to finish.
  const queue = stack.queue('order-export');
  let job = jobId ? await queue.getJob(jobId) : undefined;
  for (let tries = 0; job && !job.finishedOn && tries < 200; tries += 1) {
    await sleep(50);
    job = await queue.getJob(job.id!);
  }
  return {
    ms,
    queuedMs: job?.processedOn && job.timestamp ? job.processedOn - job.timestamp : Number.NaN,
    runMs: job?.processedOn && job.finishedOn ? job.finishedOn - job.processedOn : Number.NaN,
    starts: job?.attemptsStarted ?? Number.NaN,
    queueAtTrigger: {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
    },
  };
}

/** Only the big backlog is left: how long does a newly connected shop wait for its first order? */
async function measureFreshTenant(
  bench: PipelineBench,
  connect: ConnectTenant,
  bigShop: Shop,
  deadline: number,
): Promise<Probes> {
  const duringBacklog = bigShop.doneAt === undefined;
  const { tenant } = await connect();
  const cold = await probe(bench, tenant, deadline);
  const warm = cold ? await probe(bench, tenant, deadline) : undefined;
  const probes = { cold, warm, duringBacklog: duringBacklog && bigShop.doneAt === undefined };
  bench.log(
    `  fresh connection: first order ${cold ? seconds(cold.ms) : 'not exported'}, second ${warm ? seconds(warm.ms) : '—'}` +
      (cold
        ? ` (at its trigger the export queue held ${cold.queueAtTrigger.waiting} waiting, ${cold.queueAtTrigger.active} active, ${cold.queueAtTrigger.delayed} delayed jobs)`
        : ''),
  );
  return probes;
}

/** Marks the shops whose orders are all exported, and keeps their calls once the last export's are in. */
function markDone(bench: PipelineBench, shops: readonly Shop[], exported: (shop: Shop) => number) {
  const { tally } = bench;
  const now = Date.now();
  for (const shop of shops) {
    if (shop.doneAt === undefined && exported(shop) >= shop.orderIds.length) shop.doneAt = now;
    // The request log comes in batches every 100 ms: the calls of the last export are in after that.
    if (shop.doneAt !== undefined && !shop.callsWhenDone && now - shop.doneAt >= 300) {
      shop.callsWhenDone = {
        rc: { ...tally.of('retailcrm', shop.tenant.accountCode) },
        lp: { ...tally.of('lifepos', shop.tenant.orgId) },
      };
    }
  }
  return now;
}

export interface Progress {
  /** Sales of a tenant, as the simulator last reported them. */
  exported(shop: Shop): number;
  /** Undefined when the other tenants were not done before the run ended. */
  probes: Probes | undefined;
}

/**
 * Polls the simulator's sales until every tenant is done and its calls are kept (or the deadline passes),
 * measuring the fresh tenant once only the big one is left.
 */
export async function watchProgress(
  bench: PipelineBench,
  connect: ConnectTenant,
  shops: readonly Shop[],
  run: { started: number; deadline: number; totalOrders: number; rss: { last: number } },
): Promise<Progress> {
  const salesCount = new Map<string, number>();
  const refreshSales = async () => {
    const orgIds = shops.map((shop) => shop.tenant.orgId);
    const counts = (await bench.remote.call('salesCount', orgIds)) as number[];
    orgIds.forEach((orgId, index) => void salesCount.set(orgId, counts[index] ?? 0));
  };
  const exported = (shop: Shop) => salesCount.get(shop.tenant.orgId) ?? 0;
  const bigShop = shops.find((shop) => shop.big)!;
  let probes: Probes | undefined;
  let probing: Promise<void> | undefined;
  let lastLog = Date.now();
  for (;;) {
    await refreshSales();
    const now = markDone(bench, shops, exported);
    const smallDone = shops.every((shop) => shop.big || shop.doneAt !== undefined);
    if (smallDone && !probing) {
      probing = measureFreshTenant(bench, connect, bigShop, run.deadline).then((measured) => {
        probes = measured;
      });
    }
    if (shops.every((shop) => shop.callsWhenDone !== undefined) || now > run.deadline) break;
    if (now - lastLog >= 30_000) {
      lastLog = now;
      const done = sum(shops.map(exported));
      bench.log(
        `  ${seconds(now - run.started)}: ${done}/${run.totalOrders} exported, worker RSS ${round(run.rss.last / 1e6)} MB`,
      );
    }
    await sleep(250);
  }
  await probing;
  return { exported, probes };
}

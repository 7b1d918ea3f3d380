// Benchmark 2: the trigger pipeline under a shop chain's backlog. Many tenants of ordinary size plus one
// with a huge backlog, every simulated account with its own rate limits and latency; the triggers go
// through the ingress, the export worker runs as a process of its own. Measures time to export everything
// against the ideal the limits allow, upstream utilisation and rejections, calls per exported order, how
// long one order of a newly connected tenant takes while the backlog runs, and the worker's memory.
//
// The steps: set up the tenants and post their triggers (pipeline-tenants.ts), watch the backlog drain and
// measure a fresh tenant meanwhile (pipeline-progress.ts), count the calls (pipeline-calls.ts) and write
// the figures (pipeline-figures.ts); the worker's metrics and memory come from pipeline-worker.ts.

import { jitterGuardKey, MIN_JITTER_GUARD_MS } from '@connector/queue';
import { Redis } from 'ioredis';
import { startProcessStack } from '../faults/process-stack.js';
import type { PipelineSizes } from './bench-options.js';
import type { BenchServices } from './bench-services.js';
import { CallTally } from './call-tally.js';
import { watchGrants } from './grant-watch.js';
import { measureModuleFloor } from './module-floor.js';
import { countCalls, measureDelivery } from './pipeline-calls.js';
import {
  PIPELINE_METHOD,
  type PipelineOutcome,
  pipelineDetails,
  pipelineFigures,
} from './pipeline-figures.js';
import { type Progress, watchProgress } from './pipeline-progress.js';
import {
  type PipelineBench,
  type PostedTriggers,
  postTriggers,
  type Shop,
  setUpTenants,
  tenantConnector,
} from './pipeline-tenants.js';
import {
  jobMetrics,
  memoryOf,
  type WorkerMemory,
  watchWorkerMemory,
  workerMetrics,
} from './pipeline-worker.js';
import { startRemoteSandbox } from './remote-sandbox.js';
import type { BenchResult } from './report.js';
import { sum } from './stats.js';

/** The simulators in a process of their own, so that they count arrivals as real servers do. */
async function startPipeline(services: BenchServices, sizes: PipelineSizes) {
  const remote = await startRemoteSandbox();
  const stack = await startProcessStack({
    redisUrl: services.redis.url,
    lifeposApiUrl: remote.lifeposUrl,
    // The backlog arrives as fast as the ingress takes it; the flood guard is not what is measured.
    ingressEnv: { INGRESS_FLOOD_PER_SECOND: '1000000' },
    compiledExportWorker: sizes.compiledWorker,
    exportWorkerEnv: sizes.workerNodeOptions ? { NODE_OPTIONS: sizes.workerNodeOptions } : {},
  });
  return { remote, stack };
}

/** What the run left behind once the backlog is exported (or the deadline passed). */
async function collectOutcome(
  bench: PipelineBench,
  run: {
    shops: readonly Shop[];
    totalOrders: number;
    triggers: PostedTriggers;
    progress: Progress;
    memory: WorkerMemory;
    grants: ReturnType<typeof watchGrants>;
    lifeposKey: (orgId: string) => string;
  },
): Promise<PipelineOutcome> {
  const { sizes, stack, tally } = bench;
  const { shops, progress, grants, lifeposKey } = run;
  const { exported } = progress;
  const finished = shops.every((shop) => shop.doneAt !== undefined);
  const elapsedMs =
    (finished ? Math.max(...shops.map((shop) => shop.doneAt!)) : Date.now()) - run.triggers.started;
  const exportedOrders = sum(shops.map((shop) => Math.min(exported(shop), shop.orderIds.length)));
  const metricsText = await workerMetrics(stack);
  const failedJobs = (await stack.queue('order-export').getJobCounts('failed')).failed;
  // After the run, so that the probes take no CPU from it.
  const floor = sizes.compiledWorker
    ? await measureModuleFloor(sizes.workerNodeOptions, stack.env.DATABASE_URL!)
    : undefined;
  const calls = countCalls(sizes, tally, shops, exported, exportedOrders);
  return {
    sizes,
    tally,
    shops,
    totalOrders: run.totalOrders,
    triggers: run.triggers,
    probes: progress.probes,
    finished,
    elapsedMs,
    exportedOrders,
    metrics: jobMetrics(metricsText, 'order-export'),
    memory: run.memory,
    memoryAtEnd: memoryOf(metricsText),
    failedJobs,
    floor,
    calls,
    delivery: measureDelivery(sizes, calls.accounts, grants, lifeposKey),
  };
}

export async function runPipelineBench(
  services: BenchServices,
  sizes: PipelineSizes,
  log: (line: string) => void,
): Promise<BenchResult> {
  const { remote, stack } = await startPipeline(services, sizes);
  const memory = await watchWorkerMemory(stack);
  const tally = new CallTally();
  const watchRedis = new Redis(services.redis.url, { maxRetriesPerRequest: null });
  const shops: Shop[] = [];
  const lifeposKey = (orgId: string) => `${stack.env.QUEUE_PREFIX}:rate:lifepos:${orgId}`;
  const grants = watchGrants(
    watchRedis,
    () => shops.map((shop) => lifeposKey(shop.tenant.orgId)),
    // The narrowest window the limiter can have: a member gone before it was given back, not expired.
    { windowMs: 1_000 + MIN_JITTER_GUARD_MS, guardKey: jitterGuardKey(stack.env.QUEUE_PREFIX!) },
  );
  const unsubscribe = remote.onRequest((entry) => tally.record(entry));
  try {
    const bench: PipelineBench = { sizes, log, remote, stack, tally };
    await remote.call('addFault', { system: 'lifepos', latencyMs: sizes.latencyMs });
    const connect = await tenantConnector(bench);
    const totalOrders = await setUpTenants(bench, connect, shops);
    const triggers = await postTriggers(bench, shops, totalOrders);
    const deadline = triggers.started + sizes.timeoutS * 1000;
    const progress = await watchProgress(bench, connect, shops, {
      started: triggers.started,
      deadline,
      totalOrders,
      rss: memory.rss,
    });
    await grants.stop();
    const run = { shops, totalOrders, triggers, progress, memory, grants, lifeposKey };
    const outcome = await collectOutcome(bench, run);
    return {
      name: 'pipeline',
      title: '2. Pipeline',
      method: PIPELINE_METHOD,
      figures: pipelineFigures(outcome),
      details: pipelineDetails(outcome),
    };
  } finally {
    memory.stop();
    unsubscribe();
    await grants.stop();
    watchRedis.disconnect();
    await stack.close();
    await remote.close();
  }
}

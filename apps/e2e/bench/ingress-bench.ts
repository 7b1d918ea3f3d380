// Benchmark 1: the ingress (`POST /retailCRM/update`, valid triggers spread over 100 tenants) under
// autocannon, next to two baselines measured in the same run: express's hello world, and a bare BullMQ
// `queue.add` loop on the same Redis. The ingress and hello world run in processes of their own, so the
// load generator (this process) has its own core.
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createDatabase, type Database } from '@connector/db';
import { TRIGGER_PATH } from '@connector/ingress';
import { createProducer, createWorkerRedis, triggerStreamKey } from '@connector/queue';
import { startTriggerForwarding } from '@connector/worker-app';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type AppProcess, spawnApp } from '../faults/app-process.js';
import { quietLogger } from '../src/stack.js';
import { type IngressSizes, productionNodeOptions } from './bench-options.js';
import type { BenchServices } from './bench-services.js';
import { pacedLoad } from './paced-load.js';
import type { BenchResult, Figure } from './report.js';
import { percentile, round } from './stats.js';

const HELLO_WORLD = fileURLToPath(new URL('./hello-world.ts', import.meta.url));
/** Where hello-world.ts answers the trigger after the ingress's body parsers read it. */
const PARSED_PREFIX = '/parsed';
/** The ingress's QUEUE_PREFIX in the benchmark. */
const INGRESS_PREFIX = '{bench-ingress}';

interface Run {
  label: string;
  /** Successful (2xx) requests per second. */
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  /** Answers by status code, e.g. `202: 1000, 503: 3`. */
  statuses?: string;
  errors: number;
  /** CPU the server process used during the run: share of one core, and per request. */
  cpuShare?: number;
  cpuMsPerRequest?: number;
  /** Paced runs: requests actually sent per second. */
  sentPerSecond?: number;
}

/** Every request a new order of the next tenant, so each one makes a job (no per-order dedupe). */
function triggerBodies(orgIds: readonly string[]) {
  let next = 0;
  return () => {
    const n = next++;
    return new URLSearchParams({
      client_id: orgIds[n % orgIds.length]!,
      order_id: String(1_000_000 + n),
      status: 'new',
    }).toString();
  };
}

async function cannon(
  label: string,
  url: string,
  body: () => string,
  { connections, durationS, overallRate }: { connections: number; durationS: number; overallRate?: number },
): Promise<Run> {
  const result = await autocannon({
    url,
    connections,
    duration: durationS,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
  });
  return {
    label,
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result['2xx'] + result.non2xx,
    non2xx: result.non2xx,
    statuses: Object.entries(result.statusCodeStats ?? {})
      .map(([code, { count }]) => `${code}: ${count ?? 0}`)
      .join(', '),
    errors: result.errors,
  };
}

/** The bare baseline: `queue.add` with `inFlight` adds outstanding at any time, for `durationS`. */
async function bareAdds(redisUrl: string, inFlight: number, durationS: number): Promise<Run> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('bench-bare-add', { connection, prefix: '{bench-bare}' });
  const latencies: number[] = [];
  let n = 0;
  const started = performance.now();
  const until = started + durationS * 1000;
  const loop = async () => {
    while (performance.now() < until) {
      const at = performance.now();
      await queue.add('order-export', { connectionId: randomUUID(), orderId: ++n, source: 'trigger' });
      latencies.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  const elapsedS = (performance.now() - started) / 1000;
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  return {
    label: 'bare BullMQ queue.add',
    rps: latencies.length / elapsedS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    total: latencies.length,
    non2xx: 0,
    errors: 0,
  };
}

/** `tenants` active connections, created directly in the database: the triggers' client ids. */
async function createTenants(databaseUrl: string, secretsKey: Buffer, tenants: number): Promise<string[]> {
  const db = createDatabase({ url: databaseUrl, secretsKey, logger: quietLogger('bench') });
  const orgIds: string[] = [];
  for (let t = 0; t < tenants; t += 1) {
    const connection = await db.connections.create({
      lifeposOrgId: randomUUID(),
      lifeposPhone: `7999${String(t).padStart(7, '0')}`,
      lifeposPassword: 'bench-password',
      retailcrmUrl: `https://bench-${t}.retailcrm.ru`,
      retailcrmApiKey: `bench-key-${t}`,
      errorUserGroupCode: 'integration-errors',
      cashPaymentTypeCode: 'cash',
      cashlessPaymentTypeCode: 'bank-card',
      status: 'active',
    });
    orgIds.push(connection.lifeposOrgId);
  }
  await db.close();
  return orgIds;
}

/** Built dist/main.js with the production image's NODE_OPTIONS, as deployed (`pnpm bench` builds it). */
function spawnIngress(
  databaseUrl: string,
  redisUrl: string,
  secretsKey: Buffer,
  nodeOptions = productionNodeOptions('ingress'),
): Promise<AppProcess> {
  return spawnApp({
    app: 'ingress',
    compiled: true,
    env: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      SECRETS_KEY: secretsKey.toString('base64'),
      QUEUE_PREFIX: INGRESS_PREFIX,
      LOG_LEVEL: 'error',
      // Each tenant sends up to ~50/s at full speed: the per-connection flood guard (a runaway-automation
      // brake, 50/s by default) is not what is measured.
      INGRESS_FLOOD_PER_SECOND: '1000000',
      // autocannon keeps writing to a keep-alive socket the server closes after HTTP_MAX_REQUESTS_PER_SOCKET
      // (1,000 by default): every request after that is answered 503 by Node, and the 2xx rate of 100
      // connections was capped at 100,000 requests a run. Real callers open a new connection on the close.
      HTTP_MAX_REQUESTS_PER_SOCKET: '100000000',
      NODE_OPTIONS: nodeOptions,
    },
  });
}

/** What one worker's trigger forwarder moved from the stream into the queues, and at what cost. */
interface Forwarding {
  triggers: number;
  seconds: number;
  cpuMsPerTrigger: number;
}

/**
 * Forwards every trigger the runs left in the stream with one forwarder in this process (a worker app's:
 * jobs added, paced, timeline lines and receipts written), timing it until the stream is empty.
 */
async function measureForwarding(redisUrl: string, db: Database): Promise<Forwarding> {
  const redis = createWorkerRedis(redisUrl);
  const producer = createProducer({ redis, prefix: INGRESS_PREFIX });
  const key = triggerStreamKey(INGRESS_PREFIX);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const forwarder = startTriggerForwarding({
    redis,
    producer,
    db,
    prefix: INGRESS_PREFIX,
    logger: quietLogger('bench'),
  });
  while ((await redis.xlen(key)) > 0 && performance.now() - started < 300_000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await forwarder.stop();
  const counts = await Promise.all(
    (['order-export'] as const).map(async (name) => {
      const queue = new Queue(name, { connection: redis, prefix: INGRESS_PREFIX });
      const jobs = await queue.getJobCountByTypes('wait', 'delayed', 'prioritized');
      await queue.close();
      return jobs;
    }),
  );
  await producer.close();
  await redis.quit();
  const triggers = counts.reduce((a, b) => a + b, 0);
  return { triggers, seconds, cpuMsPerTrigger: (cpu.user + cpu.system) / 1000 / Math.max(1, triggers) };
}

interface IngressRuns {
  helloRun: Run;
  /** Express with the ingress's body parsers, answering 202 with nothing stored. */
  parsedRun: Run;
  ingressMax: Run;
  ingressAtTarget: Run;
  bare: Run;
  forwarding?: Forwarding;
}

/** Runs `load` against `server` and adds the CPU the server process used meanwhile. */
async function withCpu(
  server: AppProcess,
  load: () => Promise<Run>,
  log: (line: string) => void,
): Promise<Run> {
  const cpuBefore = server.cpuSeconds() ?? Number.NaN;
  const startedAt = performance.now();
  const measured = await load();
  const cpu = (server.cpuSeconds() ?? Number.NaN) - cpuBefore;
  measured.cpuShare = cpu / ((performance.now() - startedAt) / 1000);
  measured.cpuMsPerRequest = (cpu * 1000) / Math.max(1, measured.total);
  log(
    `  ${measured.label}: ${round(measured.rps)} req/s, p50 ${round(measured.p50, 1)} ms, p99 ${round(measured.p99, 1)} ms, ` +
      `non-2xx ${measured.non2xx}${measured.statuses ? ` (${measured.statuses})` : ''}, errors ${measured.errors}, server CPU ${round(measured.cpuShare * 100)} % of a core ` +
      `(${round(measured.cpuMsPerRequest, 3)} ms per request)`,
  );
  return measured;
}

/** Hello world and the ingress flat out, the ingress at the target rate, then the bare `queue.add` loop. */
async function measureRuns(
  servers: { ingress: AppProcess; hello: AppProcess },
  orgIds: readonly string[],
  redisUrl: string,
  sizes: IngressSizes,
  log: (line: string) => void,
): Promise<IngressRuns> {
  const body = triggerBodies(orgIds);
  const { connections, durationS } = sizes;
  const warmUpS = Math.max(1, Math.round(durationS / 5));
  const flatOut = async (label: string, server: AppProcess, prefix = '') => {
    const url = `${server.url}${prefix}${TRIGGER_PATH}`;
    await cannon('warm-up', url, body, { connections, durationS: warmUpS });
    return withCpu(server, () => cannon(label, url, body, { connections, durationS }), log);
  };
  const helloRun = await flatOut('express hello world (autocannon)', servers.hello);
  const parsedRun = await flatOut(
    'express parsing the trigger, nothing stored (autocannon)',
    servers.hello,
    PARSED_PREFIX,
  );
  const ingressMax = await flatOut('ingress flat out (autocannon)', servers.ingress);
  const paced = { rate: sizes.targetRate, connections };
  const ingressUrl = `${servers.ingress.url}${TRIGGER_PATH}`;
  await pacedLoad(ingressUrl, body, { ...paced, durationS: warmUpS });
  const ingressAtTarget = await withCpu(
    servers.ingress,
    async () => {
      const result = await pacedLoad(ingressUrl, body, { ...paced, durationS });
      return {
        label: `ingress at a steady ${sizes.targetRate} req/s`,
        rps: result.ok / result.elapsedS,
        p50: percentile(result.latencies, 50),
        p99: percentile(result.latencies, 99),
        total: result.ok + result.non2xx,
        non2xx: result.non2xx,
        errors: result.errors,
        sentPerSecond: result.sentPerSecond,
      };
    },
    log,
  );
  await bareAdds(redisUrl, connections, warmUpS);
  const bare = await bareAdds(redisUrl, connections, durationS);
  log(
    `  ${bare.label}: ${round(bare.rps)} adds/s, p50 ${round(bare.p50, 2)} ms, p99 ${round(bare.p99, 2)} ms`,
  );
  return { helloRun, parsedRun, ingressMax, ingressAtTarget, bare };
}

function ingressFigures(runs: IngressRuns, sizes: IngressSizes): Figure[] {
  const { helloRun, parsedRun, ingressMax, ingressAtTarget, bare } = runs;
  const { connections } = sizes;
  const vsHello = ingressMax.rps / helloRun.rps;
  const parsedVsHello = parsedRun.rps / helloRun.rps;
  const vsBare = ingressMax.rps / bare.rps;
  const sentAtRate = (ingressAtTarget.sentPerSecond ?? 0) >= sizes.targetRate * 0.95;
  return [
    {
      name: 'Ingress throughput',
      measured: `${Math.round(ingressMax.rps)} req/s (p50 ${ingressMax.p50} ms, p99 ${ingressMax.p99} ms at ${connections} connections)`,
    },
    {
      name: 'Ingress / express hello world',
      measured: `${round(vsHello, 2)}× (${Math.round(ingressMax.rps)} / ${Math.round(helloRun.rps)} req/s)`,
      target: '≥ 0.5×',
      pass: vsHello >= 0.5,
      missReason:
        `Flat out, the ingress process used ${round((ingressMax.cpuShare ?? Number.NaN) * 100)} % of a core, ` +
        `${round(ingressMax.cpuMsPerRequest ?? Number.NaN, 3)} ms of CPU per trigger, against ` +
        `${round(helloRun.cpuMsPerRequest ?? Number.NaN, 3)} ms per hello-world request and ` +
        `${round(parsedRun.cpuMsPerRequest ?? Number.NaN, 3)} ms for express reading the same trigger with the ` +
        `ingress's body parsers and storing nothing (${round(parsedVsHello, 2)}× hello world). The 202 no longer ` +
        "waits for BullMQ: the ingress answers the trigger route before express's router (packages/http " +
        'fast-routes.ts), reads the body with its own reader, validates it, looks the tenant up (cached) and ' +
        'appends the trigger to the trigger stream (one XADD for the triggers that arrive while the previous one ' +
        "is in flight); adding the job, pacing it and the timeline are the workers' forwarders' work (the " +
        'forwarding figure). What it does beyond hello world is the request id, access log and HTTP metrics every ' +
        'app keeps, reading the body, the Redis write and the JSON answer, and the garbage of all that. The ' +
        'ingress is stateless: more triggers per second come from more processes (one per core behind the ' +
        'reverse proxy).',
    },
    {
      name: 'Express reading the trigger, nothing stored / hello world',
      measured: `${round(parsedVsHello, 2)}× (${Math.round(parsedRun.rps)} / ${Math.round(helloRun.rps)} req/s)`,
    },
    ...(runs.forwarding
      ? [
          {
            name: "Trigger forwarding by one worker's forwarder (after the runs)",
            measured:
              `${Math.round(runs.forwarding.triggers / runs.forwarding.seconds)} triggers/s (${runs.forwarding.triggers} in ` +
              `${round(runs.forwarding.seconds, 1)} s; ${round(runs.forwarding.cpuMsPerTrigger, 3)} ms CPU per trigger: jobs added and paced, timeline and receipts written)`,
          },
        ]
      : []),
    {
      name: 'Ingress / bare queue.add',
      measured: `${round(vsBare, 2)}× (${Math.round(ingressMax.rps)} req/s / ${Math.round(bare.rps)} adds/s)`,
    },
    {
      name: `Ingress p99 at ${sizes.targetRate} req/s`,
      measured: `${round(ingressAtTarget.p99, 1)} ms (p50 ${round(ingressAtTarget.p50, 1)} ms, ${Math.round(ingressAtTarget.rps)} req/s answered)`,
      target: `≤ 20 ms at ${sizes.targetRate} req/s`,
      pass: ingressAtTarget.p99 <= 20 && sentAtRate && ingressAtTarget.non2xx + ingressAtTarget.errors === 0,
      missReason: !sentAtRate
        ? `The load generator itself could only send ${Math.round(ingressAtTarget.sentPerSecond ?? 0)} req/s on this machine.`
        : ingressMax.rps < sizes.targetRate * 1.5
          ? `${sizes.targetRate} req/s is close to what one ingress process managed at all here ` +
            `(${Math.round(ingressMax.rps)} req/s flat out; ${round((ingressAtTarget.cpuShare ?? Number.NaN) * 100)} % of a ` +
            'core at the steady rate), so requests queue behind each other whenever the process is ' +
            'descheduled or collects garbage: the tail is queueing in a nearly saturated process. More ' +
            'processes (or a quieter machine, where one process goes faster) leave headroom.'
          : `With headroom (${Math.round(ingressMax.rps)} req/s flat out, ` +
            `${round((ingressAtTarget.cpuShare ?? Number.NaN) * 100)} % of a core at the steady rate), the tail ` +
            'comes from pauses of the one event loop — garbage collection, or the process being descheduled ' +
            'on a shared machine — during which due requests pile up; more processes shorten it.',
    },
  ];
}

function runsTable({ helloRun, parsedRun, ingressMax, ingressAtTarget, bare }: IngressRuns): string {
  return [
    '| Run | req/s (2xx) | p50 ms | p99 ms | requests | non-2xx | errors | server CPU, share of a core | server CPU per request, ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...[helloRun, parsedRun, ingressMax, ingressAtTarget, bare].map(
      (r) =>
        `| ${r.label} | ${Math.round(r.rps)} | ${round(r.p50, 2)} | ${round(r.p99, 2)} | ${r.total} | ${r.non2xx}${r.non2xx > 0 && r.statuses ? ` (${r.statuses})` : ''} | ${r.errors} | ${r.cpuShare === undefined ? '—' : `${round(r.cpuShare * 100)} %`} | ${r.cpuMsPerRequest === undefined ? '—' : round(r.cpuMsPerRequest, 3)} |`,
    ),
  ].join('\n');
}

function ingressMethod(sizes: IngressSizes): string {
  const { connections, durationS } = sizes;
  const warmUpS = Math.max(1, Math.round(durationS / 5));
  return (
    `autocannon, ${connections} connections × ${durationS} s flat out (after a ${warmUpS} s warm-up), posting ` +
    `valid urlencoded triggers (a new order each, round-robin over ${sizes.tenants} active connections ` +
    'created directly in the database) to the ingress running as its own process ' +
    `(the built \`apps/ingress/dist/main.js\`, NODE_OPTIONS=${productionNodeOptions('ingress')} as in the production image, LOG_LEVEL=error, its own Redis and database); the same against express ` +
    'hello world in its own process, and in the same process express reading the trigger with the ' +
    "ingress's body parsers (JSON and urlencoded, 16 kB) and answering 202 with nothing stored; " +
    `\`queue.add\` with ${connections} adds in flight on the same Redis. ` +
    `The latency target is measured at a steady ${sizes.targetRate} req/s from an open-loop generator ` +
    `(bench/paced-load.ts, ${connections} keep-alive connections, latency counted from when each request ` +
    "was due): autocannon's rate option sends each connection's quota as a burst at the start of every " +
    'second. Server CPU is read from /proc before and after each run. After the runs the ingress stops and one ' +
    "worker app's trigger forwarder, in the benchmark process, moves every trigger the runs stored into its queue."
  );
}

export async function runIngressBench(
  services: BenchServices,
  sizes: IngressSizes,
  log: (line: string) => void,
): Promise<BenchResult> {
  const database = await services.database();
  const secretsKey = randomBytes(32);
  const orgIds = await createTenants(database.url, secretsKey, sizes.tenants);
  let ingress: AppProcess | undefined;
  let hello: AppProcess | undefined;
  try {
    ingress = await spawnIngress(database.url, services.redis.url, secretsKey, sizes.nodeOptions);
    hello = await spawnApp({ entry: HELLO_WORLD, env: { NODE_OPTIONS: productionNodeOptions('ingress') } });
    const runs = await measureRuns({ ingress, hello }, orgIds, services.redis.url, sizes, log);
    await ingress.kill('SIGTERM');
    const db = createDatabase({ url: database.url, secretsKey, logger: quietLogger('bench') });
    runs.forwarding = await measureForwarding(services.redis.url, db).finally(() => db.close());
    const { forwarding } = runs;
    log(
      `  trigger forwarding (one worker's forwarder): ${forwarding.triggers} triggers in ${round(forwarding.seconds, 1)} s, ` +
        `${round(forwarding.cpuMsPerTrigger, 3)} ms CPU per trigger`,
    );
    return {
      name: 'ingress',
      title: '1. Ingress',
      method: ingressMethod(sizes),
      figures: ingressFigures(runs, sizes),
      details: runsTable(runs),
    };
  } finally {
    await ingress?.kill('SIGTERM');
    await hello?.kill('SIGKILL');
  }
}

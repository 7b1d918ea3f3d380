// Sizes of the benchmarks. `full` is what the issue asks for (the pipeline alone then runs ~21 min: the big
// tenant's 5,000 orders need 5,000 LIFE POS calls at 5/s, less the limiter's guard); `small` checks the
// scripts in about five minutes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type BenchName = 'ingress' | 'pipeline' | 'queue' | 'writeback' | 'idle-shops';
export const BENCH_NAMES: readonly BenchName[] = ['ingress', 'pipeline', 'queue', 'writeback', 'idle-shops'];

export interface IngressSizes {
  /** Tenants (= connection rows) the triggers are spread over. */
  tenants: number;
  /** autocannon connections. */
  connections: number;
  /** Seconds of each measured run (after a warm-up of a fifth of it). */
  durationS: number;
  /** The fixed rate at which the latency target applies. */
  targetRate: number;
  /** NODE_OPTIONS of the ingress process (default: the production image's). */
  nodeOptions?: string;
}

export interface PipelineSizes {
  smallTenants: number;
  ordersPerSmallTenant: number;
  bigTenantOrders: number;
  /** Latency the simulators add to every request. */
  latencyMs: number;
  /** Per-account limits, both in the simulators and in the connections' settings. */
  retailcrmPerSecond: number;
  lifeposPerSecond: number;
  /** Triggers posted to the ingress at once while the backlog is sent. */
  triggerConcurrency: number;
  /** The run stops here and reports what it has (partial) rather than running on. */
  timeoutS: number;
  /** Run the export worker's built dist/main.js (as the production image) instead of tsx on the sources. */
  compiledWorker: boolean;
  /** NODE_OPTIONS of the export worker process: the production one (docker/compose.yaml) unless given. */
  workerNodeOptions: string;
}

export interface WritebackSizes {
  tenants: number;
  /** Payments measured one at a time before the stream. */
  idlePayments: number;
  /** The stream of new orders (every second one paid). */
  streamSeconds: number;
  ordersPerSecond: number;
  latencyMs: number;
  retailcrmPerSecond: number;
  lifeposPerSecond: number;
  compiledWorker: boolean;
}

export interface QueueSizes {
  jobs: number;
  concurrency: number;
  /** The handler awaits this many sleeps of `callMs` (standing in for upstream calls). */
  calls: number;
  callMs: number;
}

export interface IdleShopsSizes {
  /** Connections (each its own RetailCRM account and LIFE POS organization), the active ones among them. */
  shops: number;
  /** Shops among them that get orders during the measured period (one at a time, about one a minute). */
  activeShops: number;
  /** After the workers start: how long the schedules may take to be created and their first runs to drain. */
  settleTimeoutS: number;
  /** The measured steady period (300 s holds one run of every 5-minute kind). */
  steadyS: number;
}

export interface BenchOptions {
  size: 'full' | 'small';
  only: readonly BenchName[];
  /** Where the report is written (merged into it when only some benchmarks run); undefined = print only. */
  out: string | undefined;
  ingress: IngressSizes;
  pipeline: PipelineSizes;
  queue: QueueSizes;
  writeback: WritebackSizes;
  idleShops: IdleShopsSizes;
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEFAULT_REPORT = path.join(REPO_ROOT, 'docs', 'BENCHMARKS.md');

const SIZES = {
  full: {
    ingress: { tenants: 100, connections: 100, durationS: 20, targetRate: 1_000 },
    pipeline: {
      smallTenants: 20,
      ordersPerSmallTenant: 200,
      bigTenantOrders: 5_000,
      latencyMs: 20,
      retailcrmPerSecond: 10,
      lifeposPerSecond: 5,
      triggerConcurrency: 20,
      timeoutS: 4_500,
    },
    queue: { jobs: 2_000, concurrency: 4, calls: 3, callMs: 20 },
    writeback: {
      tenants: 10,
      idlePayments: 40,
      streamSeconds: 600,
      ordersPerSecond: 10,
      latencyMs: 20,
      retailcrmPerSecond: 10,
      lifeposPerSecond: 5,
    },
    idleShops: { shops: 10_000, activeShops: 100, settleTimeoutS: 900, steadyS: 300 },
  },
  small: {
    ingress: { tenants: 100, connections: 100, durationS: 3, targetRate: 1_000 },
    pipeline: {
      smallTenants: 3,
      ordersPerSmallTenant: 10,
      bigTenantOrders: 60,
      latencyMs: 20,
      retailcrmPerSecond: 10,
      lifeposPerSecond: 5,
      triggerConcurrency: 20,
      timeoutS: 300,
    },
    queue: { jobs: 200, concurrency: 4, calls: 3, callMs: 20 },
    writeback: {
      tenants: 10,
      idlePayments: 10,
      streamSeconds: 60,
      ordersPerSecond: 10,
      latencyMs: 20,
      retailcrmPerSecond: 10,
      lifeposPerSecond: 5,
    },
    idleShops: { shops: 500, activeShops: 10, settleTimeoutS: 300, steadyS: 120 },
  },
} as const satisfies Record<
  BenchOptions['size'],
  Pick<BenchOptions, 'ingress' | 'queue' | 'idleShops'> & {
    pipeline: Omit<PipelineSizes, 'compiledWorker' | 'workerNodeOptions'>;
    writeback: Omit<WritebackSizes, 'compiledWorker'>;
  }
>;

/**
 * The NODE_OPTIONS the apps run with in production, so that the benchmark's processes are the deployed
 * ones: the image's (docker/Dockerfile `ENV … NODE_OPTIONS=`) for the ingress, the queue workers' own
 * (docker/compose.yaml, `x-worker`) for the export worker.
 */
export function productionNodeOptions(app: 'ingress' | 'worker'): string {
  const [file, pattern] =
    app === 'ingress'
      ? [path.join(REPO_ROOT, 'docker', 'Dockerfile'), /^\s*NODE_OPTIONS=(?:"([^"]*)"|(\S+))/m]
      : [path.join(REPO_ROOT, 'docker', 'compose.yaml'), /^\s*NODE_OPTIONS:\s*(?:"([^"]*)"|(\S+))/m];
  const match = pattern.exec(readFileSync(file, 'utf8'));
  if (!match) throw new Error(`${file} sets no NODE_OPTIONS`);
  return match[1] ?? match[2] ?? '';
}

export const USAGE = `pnpm bench [--small] [--only=ingress,pipeline,queue,writeback,idle-shops] [--out[=<file>] | --no-out]
           [--source-worker] [--worker-node-options=<flags>] [--ingress-node-options=<flags>]
           [--big-orders=<n>] [--idle-shops=<n>] [--idle-steady=<seconds>]

  --small            small sizes (about five minutes) to check the scripts; also BENCH_SIZE=small
  --only             run only these benchmarks; also BENCH_ONLY=ingress,queue
  --out[=<file>]     write the report to <file>, or to docs/BENCHMARKS.md (the default at full size when every
                     benchmark runs; otherwise print only). A run of some benchmarks (--only) into an existing
                     report replaces only their sections and keeps the others, with the run each comes from
  --no-out           print only
  --source-worker    pipeline: run the export worker's TypeScript sources through tsx (as \`pnpm dev\`) instead
                     of its built dist/main.js (as the production image; \`pnpm bench\` builds it first)
  --worker-node-options=<flags>
                     pipeline: NODE_OPTIONS of the export worker instead of the production one
                     (docker/compose.yaml), e.g. "--max-old-space-size=64"
  --ingress-node-options=<flags>
                     ingress: NODE_OPTIONS of the ingress instead of the production one (docker/Dockerfile),
                     e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it under load
  --big-orders=<n>   pipeline: the big tenant's orders (full 5000, small 60); e.g. --big-orders=300 for a run of
                     about two minutes that still has every other tenant's backlog
  --idle-shops=<n>   idle-shops: the number of connections (full 10000, small 500); e.g. --only=idle-shops --idle-shops=300
  --idle-steady=<seconds>
                     idle-shops: the measured steady period (full 300, small 120)`;

function flag(args: readonly string[], name: string): string | boolean | undefined {
  for (const arg of args) {
    if (arg === `--${name}`) return true;
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

function positiveInteger(args: readonly string[], name: string): number | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new Error(`--${name} needs a positive integer\n${USAGE}`);
  return number;
}

function idleShopsSizes(defaults: IdleShopsSizes, args: readonly string[]): IdleShopsSizes {
  const shops = positiveInteger(args, 'idle-shops') ?? defaults.shops;
  return {
    ...defaults,
    shops,
    activeShops: Math.min(defaults.activeShops, Math.max(1, Math.floor(shops / 50))),
    steadyS: positiveInteger(args, 'idle-steady') ?? defaults.steadyS,
  };
}

export function parseBenchOptions(
  args: readonly string[],
  env: Record<string, string | undefined> = process.env,
): BenchOptions {
  const known = [
    'small',
    'only',
    'out',
    'no-out',
    'source-worker',
    'worker-node-options',
    'ingress-node-options',
    'big-orders',
    'idle-shops',
    'idle-steady',
    'help',
  ];
  const unknown = args.filter(
    (arg) => arg !== '--' && !known.some((name) => arg === `--${name}` || arg.startsWith(`--${name}=`)),
  );
  if (unknown.length > 0 || flag(args, 'help')) {
    throw new Error(`${unknown.length > 0 ? `unknown argument ${unknown.join(' ')}\n` : ''}${USAGE}`);
  }
  const size = flag(args, 'small') === true || env.BENCH_SIZE === 'small' ? 'small' : 'full';
  const onlyValue = flag(args, 'only') ?? env.BENCH_ONLY;
  const only =
    typeof onlyValue === 'string'
      ? onlyValue.split(',').map((name) => {
          if (!BENCH_NAMES.includes(name as BenchName))
            throw new Error(`unknown benchmark ${name}\n${USAGE}`);
          return name as BenchName;
        })
      : BENCH_NAMES;
  const outValue = flag(args, 'out');
  const out =
    flag(args, 'no-out') === true
      ? undefined
      : typeof outValue === 'string'
        ? path.resolve(outValue)
        : outValue === true || (size === 'full' && only.length === BENCH_NAMES.length)
          ? DEFAULT_REPORT
          : undefined;
  const sizes = SIZES[size];
  return {
    size,
    only,
    out,
    ...sizes,
    ingress: {
      ...sizes.ingress,
      nodeOptions: String(flag(args, 'ingress-node-options') || productionNodeOptions('ingress')),
    },
    pipeline: {
      ...sizes.pipeline,
      bigTenantOrders: positiveInteger(args, 'big-orders') ?? sizes.pipeline.bigTenantOrders,
      compiledWorker: flag(args, 'source-worker') !== true,
      workerNodeOptions: String(flag(args, 'worker-node-options') || productionNodeOptions('worker')),
    },
    writeback: { ...sizes.writeback, compiledWorker: flag(args, 'source-worker') !== true },
    idleShops: idleShopsSizes(sizes.idleShops, args),
  };
}

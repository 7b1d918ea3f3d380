// Measurements read from the outside of the apps: CPU time from /proc and Redis INFO, Redis memory, the
// database size, and one pass of each schedule keeper.
import { readFileSync } from 'node:fs';
import type { Database } from '@connector/db';
import { createProducer, startJobScheduleKeeper } from '@connector/queue';
import type { Redis } from 'ioredis';
import { quietLogger } from '../src/stack.js';
import { mib } from './idle-shops-figures.js';
import { type IdleStack, PERIODIC, PREFIX } from './idle-shops-stack.js';

/** CPU time (user + system, seconds) of a process from /proc; NaN once it is gone. */
function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function redisInfo(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

const redisUsedMemory = async (redis: Redis) => Number((await redisInfo(redis, 'memory')).used_memory);
const redisCpuSeconds = async (redis: Redis) => {
  const cpu = await redisInfo(redis, 'cpu');
  return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
};
const redisCommands = async (redis: Redis) =>
  Number((await redisInfo(redis, 'stats')).total_commands_processed);

async function databaseSize(db: Database): Promise<number> {
  const [row] = await db.prisma.$queryRaw<
    [{ size: bigint }]
  >`SELECT pg_database_size(current_database()) AS size`;
  return Number(row.size);
}

export async function largestTables(db: Database): Promise<string> {
  const rows = await db.prisma.$queryRaw<Array<{ name: string; size: bigint; rows: bigint }>>`
    SELECT c.relname AS name, pg_total_relation_size(c.oid) AS size, c.reltuples::bigint AS rows
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname = 'public'
    ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 6`;
  return rows.map((row) => `${row.name} ${mib(Number(row.size))} (~${row.rows} rows)`).join(', ');
}

export interface Footprint {
  redisBytes: number;
  databaseBytes: number;
}

export async function footprint(stack: IdleStack): Promise<Footprint> {
  return { redisBytes: await redisUsedMemory(stack.redis), databaseBytes: await databaseSize(stack.db) };
}

export interface CpuSample {
  apps: Map<string, number>;
  sandbox: number;
  redis: number;
  bench: number;
  at: number;
}

export async function sampleCpu(stack: IdleStack): Promise<CpuSample> {
  const usage = process.cpuUsage();
  return {
    apps: new Map([...stack.apps].map(([name, app]) => [name, app.cpuSeconds() ?? Number.NaN])),
    sandbox: procCpuSeconds(stack.remote.pid),
    redis: await redisCpuSeconds(stack.redis),
    bench: (usage.user + usage.system) / 1e6,
    at: performance.now(),
  };
}

export function cpuShares(before: CpuSample, after: CpuSample): Array<[string, number]> {
  const elapsedS = (after.at - before.at) / 1000;
  const share = (a: number, b: number) => (b - a) / elapsedS;
  return [
    ...[...after.apps].map(([name, cpu]): [string, number] => [name, share(before.apps.get(name)!, cpu)]),
    ['sandbox simulators', share(before.sandbox, after.sandbox)],
    ['redis-server', share(before.redis, after.redis)],
    ['benchmark process (event counting, sale polling)', share(before.bench, after.bench)],
  ];
}

// ---------------------------------------------------------------- the schedule keepers' pass

export interface KeeperPass {
  app: string;
  ms: number;
  commands: number;
}

/**
 * One pass of each app's schedule keeper over every connection (all schedulers exist already, so nothing
 * changes), with the apps stopped so that Redis counts only the keeper's commands.
 */
export async function measureKeeperPasses(
  stack: IdleStack,
): Promise<{ listMs: number; passes: KeeperPass[] }> {
  const listStarted = performance.now();
  // As the keepers read them: a page of 500 at a time, in id order.
  for (let afterId: string | undefined; ; ) {
    const page = await stack.db.connections.listScheduled({ limit: 500, ...(afterId && { afterId }) });
    if (page.length < 500) break;
    afterId = page.at(-1)!.id;
  }
  const listMs = performance.now() - listStarted;
  const producer = createProducer({ redis: stack.redis, prefix: PREFIX });
  const passes: KeeperPass[] = [];
  for (const { queue, app } of PERIODIC) {
    const commandsBefore = await redisCommands(stack.redis);
    const started = performance.now();
    const keeper = startJobScheduleKeeper({
      redis: stack.redis,
      prefix: PREFIX,
      logger: quietLogger('bench-keeper'),
      queues: [queue],
      connections: stack.db.connections,
      producer,
      everyMs: 3_600_000,
    });
    // The first pass starts with the keeper; `stop` waits for it.
    await keeper.close();
    const ms = performance.now() - started;
    passes.push({ app, ms, commands: (await redisCommands(stack.redis)) - commandsBefore - 2 });
  }
  await producer.close();
  return { listMs, passes };
}

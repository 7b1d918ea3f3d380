// Test-only: everything the connector keeps, as text to search — every Redis key of a queue prefix with its
// value, every job of every queue, and every row of every table.
import type { Database } from '@connector/db';
import { QUEUE_NAMES } from '@connector/queue';
import { type JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Every job state BullMQ has: a secret may sit in a failed job's stack trace as well as in waiting data. */
const JOB_STATES: JobType[] = [
  'active',
  'waiting',
  'waiting-children',
  'prioritized',
  'delayed',
  'completed',
  'failed',
];

/** One entry per Redis key under `prefix`: `<type> <key> <value as JSON>`. */
export async function redisDump(redis: Redis, prefix: string): Promise<string[]> {
  const entries: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) entries.push(`${await redisValue(redis, key)}`);
  } while (cursor !== '0');
  return entries;
}

async function redisValue(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  let value: unknown;
  switch (type) {
    case 'string':
      value = await redis.get(key);
      break;
    case 'hash':
      value = await redis.hgetall(key);
      break;
    case 'list':
      value = await redis.lrange(key, 0, -1);
      break;
    case 'set':
      value = await redis.smembers(key);
      break;
    case 'zset':
      value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      break;
    case 'stream':
      value = await redis.xrange(key, '-', '+');
      break;
    case 'none':
      // Expired or removed between SCAN and TYPE.
      value = null;
      break;
    default:
      throw new Error(`Redis key ${key} has type ${type}, which the dump does not read`);
  }
  return `${type} ${key} ${JSON.stringify(value)}`;
}

/** Every job of every queue of the catalog in every state: data, options, result, failure, logs. */
export async function jobDump(redis: Redis, prefix: string): Promise<string[]> {
  const entries: string[] = [];
  for (const name of QUEUE_NAMES) {
    const queue = new Queue(name, { connection: redis, prefix });
    try {
      for (const job of await queue.getJobs(JOB_STATES)) {
        const { logs } = await queue.getJobLogs(job.id ?? '');
        entries.push(JSON.stringify({ queue: name, job: job.asJSON(), logs }));
      }
    } finally {
      await queue.close();
    }
  }
  return entries;
}

/** Every row of every table of the connector's schema, as `row_to_json` text (encrypted columns included). */
export async function databaseDump(db: Database): Promise<string[]> {
  const tables = await db.prisma.$queryRaw<{ name: string }[]>`
    SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`;
  const entries: string[] = [];
  for (const { name } of tables) {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    const rows = await db.prisma.$queryRawUnsafe<{ row: string }[]>(
      `SELECT row_to_json(t)::text AS row FROM ${quoted} t`,
    );
    entries.push(...rows.map(({ row }) => `${name} ${row}`));
  }
  return entries;
}

/** The entries that contain `needle`, for a failure message that shows where a secret was found. */
export function entriesContaining(entries: readonly string[], needle: string): string[] {
  return entries.filter((entry) => entry.includes(needle)).map((entry) => entry.slice(0, 500));
}

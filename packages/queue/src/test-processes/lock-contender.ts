// A second OS process contending for an order lock (spawned by entity-lock.test.ts).
// argv: redisUrl prefix key iterations holdMs. Prints "ready", waits for a line on stdin, runs,
// prints one JSON line with its counts.
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeferredError } from '@connector/domain';
import { Redis } from 'ioredis';
import { createEntityLock } from '../entity-lock.js';

const [redisUrl, prefix, key, iterations, holdMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
const lock = createEntityLock(redis, prefix, { busyDelayMs: 10 });

await redis.ping();
process.stdout.write('ready\n');
await new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));

const counts = { acquired: 0, busy: 0, overlaps: 0 };
while (counts.acquired < Number(iterations)) {
  try {
    await lock.withLock(key, async () => {
      if ((await redis.incr(`${prefix}:inside`)) !== 1) counts.overlaps += 1;
      await redis.rpush(`${prefix}:holders`, String(process.pid));
      await sleep(Number(holdMs));
      await redis.decr(`${prefix}:inside`);
    });
    counts.acquired += 1;
  } catch (error) {
    if (!(error instanceof DeferredError)) throw error;
    counts.busy += 1;
    await sleep(error.delayMs);
  }
}
process.stdout.write(`${JSON.stringify(counts)}\n`);
await redis.quit();

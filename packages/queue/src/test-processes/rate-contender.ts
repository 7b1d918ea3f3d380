// A process drawing from a shared rate-limit bucket (spawned twice by rate-limiter.test.ts).
// argv: redisUrl prefix key perSecond calls. Prints "ready", waits for a line on stdin, then makes
// `calls` acquisitions and prints one JSON line: every grant's slot on the Redis clock and the Redis
// time observed right after `acquire()` resolved (both in microseconds).
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeferredError } from '@connector/domain';
import { Redis } from 'ioredis';
import { createRateLimiter } from '../rate-limiter.js';

const [redisUrl, prefix, key, perSecond, calls] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
const slots: number[] = [];
const observed: number[] = [];
let deferred = 0;
const limiter = createRateLimiter(redis, {
  prefix,
  maxWaitMs: 300,
  onGrant: ({ slotMs }) => void slots.push(Math.round(slotMs * 1000)),
});
const bucket = limiter.bucket(key, { perSecond: Number(perSecond) });

await redis.ping();
process.stdout.write('ready\n');
await new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));

while (observed.length < Number(calls)) {
  try {
    await bucket.acquire();
    const [seconds, micros] = await redis.time();
    observed.push(Number(seconds) * 1_000_000 + Number(micros));
  } catch (error) {
    if (!(error instanceof DeferredError)) throw error;
    deferred += 1;
    await sleep(error.delayMs);
  }
}
process.stdout.write(`${JSON.stringify({ slots, observed, deferred })}\n`);
await redis.quit();

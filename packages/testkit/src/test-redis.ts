import { randomBytes } from 'node:crypto';
import { freePort } from './free-port.js';
import { type LocalRedis, startLocalRedis } from './local-binaries.js';

/** The shared test Redis of this Jest run. Isolate with `uniquePrefix()` in keys and queue prefixes. */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url)
    throw new Error('TEST_REDIS_URL is not set: run tests through Jest with the testkit global setup');
  return url;
}

/** A key/queue prefix no other test file uses. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/**
 * A Redis server of the test's own, from the local binary, for tests that stop or restart it.
 * (A container cannot keep its port across a restart; these tests need the binary.)
 */
export async function startDedicatedRedis(): Promise<LocalRedis> {
  return startLocalRedis(await freePort());
}

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@connector/logger';
import { startDedicatedRedis, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createProducer } from './producer.js';
import { createProducerRedis, createWorkerRedis } from './redis-connections.js';
import { spawnScript } from './test-processes/spawn-script.js';
import { defineHandler, startWorkers } from './worker-runner.js';

const logger = createLogger({ service: 'queue-test', level: 'error' });
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const payload = () => ({ connectionId: randomUUID(), orderId: 1, source: 'trigger' as const });

describe('worker liveness', () => {
  it.each([
    ['a quick Redis restart', 0],
    // BullMQ 6.0–6.1 parked the blocking client forever when an outage outlasted the blocking
    // timeout (drainDelay + 1 s): taskforcesh/bullmq#4585. The pause is the outage being tested.
    ['a Redis outage longer than the blocking timeout', 7_000],
  ])('consumes again after %s, and health follows', async (_case, outageMs) => {
    const server = await startDedicatedRedis();
    cleanups.push(server.dispose);
    const prefix = `{${uniquePrefix('restart')}}`;
    const processed: number[] = [];
    const runner = startWorkers({
      redisUrl: server.url,
      prefix,
      logger,
      owns: ['order-export'],
      probeEveryMs: 100,
      handlers: [defineHandler('order-export', async ({ data }) => void processed.push(data.orderId))],
    });
    cleanups.push(() => runner.close({ timeoutMs: 2_000 }));
    const producerRedis = createProducerRedis(server.url);
    cleanups.push(async () => producerRedis.disconnect());
    const producer = createProducer({ redis: producerRedis, prefix });
    cleanups.push(() => producer.close());

    await waitFor(() => runner.health().ready && producerRedis.status === 'ready', { what: 'start-up' });
    await producer.add('order-export', { ...payload(), orderId: 1 });
    await waitFor(() => processed.includes(1), { what: 'the job before the restart' });

    await server.stop();
    await waitFor(() => !runner.health().redisReady, { what: 'health to report Redis down' });
    expect(runner.health()).toMatchObject({ ready: false, running: true, consuming: false });

    if (outageMs > 0) await sleep(outageMs);
    await server.start();
    await waitFor(() => producerRedis.status === 'ready', {
      what: 'the producer to reconnect',
      timeoutMs: 15_000,
    });
    await producer.add('order-export', { ...payload(), orderId: 2 });
    await waitFor(() => processed.includes(2), { what: 'the job after the restart', timeoutMs: 30_000 });
    await waitFor(() => runner.health().ready, { what: 'health to report ready again' });
  });

  it('exits on SIGTERM within its shutdown timeout while Redis is down', async () => {
    const server = await startDedicatedRedis();
    cleanups.push(server.dispose);
    const app = spawnScript('./worker-app.ts', [server.url, `{${uniquePrefix('down')}}`, '1000']);
    cleanups.push(async () => app.kill());
    expect(await app.line(0)).toBe('ready');
    await server.stop();
    expect(await app.line(1)).toBe('redis-down');
    const startedAt = Date.now();
    app.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('reports not consuming while ready jobs sit untouched with free slots', async () => {
    const server = await startDedicatedRedis();
    cleanups.push(server.dispose);
    const prefix = `{${uniquePrefix('stall')}}`;
    const redis = createWorkerRedis(server.url);
    cleanups.push(async () => redis.disconnect());
    const processed: string[] = [];
    const runner = startWorkers({
      redisUrl: server.url,
      prefix,
      logger,
      owns: ['order-export'],
      probeEveryMs: 50,
      stallAfterMs: 300,
      handlers: [defineHandler('order-export', async ({ job }) => void processed.push(job.id!))],
    });
    cleanups.push(() => runner.close({ timeoutMs: 2_000 }));
    const producer = createProducer({ redis, prefix });
    cleanups.push(() => producer.close());
    await waitFor(() => runner.health().ready && redis.status === 'ready', { what: 'start-up' });

    // Writes paused server-wide: the worker cannot take the job once it is due, reads still work. From
    // outside this looks exactly like a worker wedged after a reconnect: a job ready, slots free,
    // nothing starts.
    const { id } = await producer.add('order-export', payload(), { delay: 300 });
    await redis.call('CLIENT', 'PAUSE', '4000', 'WRITE');
    await waitFor(() => !runner.health().consuming, { what: 'health to report not consuming' });
    expect(runner.health()).toMatchObject({
      ready: false,
      running: true,
      redisReady: true,
      stalledQueues: ['order-export'],
    });
    expect(processed).toEqual([]);

    await waitFor(() => processed.includes(id), { what: 'the job once writes resume', timeoutMs: 15_000 });
    await waitFor(() => runner.health().ready, { what: 'health to report ready again' });
  });
});

import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { DeferredError, PermanentError, RetryableError } from '@connector/domain';
import { createLogger } from '@connector/logger';
import { testRedisUrl, uniquePrefix, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { type Counter, register } from 'prom-client';
import winston from 'winston';
import type { QueueName, QueuePolicy } from './catalog.js';
import { createProducer } from './producer.js';
import { createWorkerRedis } from './redis-connections.js';
import { closeOnSignals } from './shutdown-signals.js';
import {
  type AnyJobHandler,
  defineHandler,
  type FinalFailure,
  type StartWorkersOptions,
  startWorkers,
} from './worker-runner.js';

/** Log records of this file, parsed; also keeps the console quiet. */
const records: Array<Record<string, unknown>> = [];
const logger = createLogger({
  service: 'queue-test',
  level: 'debug',
  format: 'json',
  transports: [
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _encoding, done) {
          records.push(JSON.parse(String(chunk)) as Record<string, unknown>);
          done();
        },
      }),
    }),
  ],
});
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const redis = createWorkerRedis(testRedisUrl());
cleanups.push(() => redis.quit());
beforeAll(() => waitFor(() => redis.status === 'ready', { what: 'the Redis connection' }));

/** Retries 20 ms apart instead of seconds. */
const fast = (attempts: number): Partial<QueuePolicy> => ({
  attempts,
  backoff: { type: 'exponential', delay: 20, jitter: 0.5 },
});

function setup(
  options: Omit<StartWorkersOptions, 'redisUrl' | 'connection' | 'prefix' | 'logger'>,
  policies: Partial<Record<QueueName, Partial<QueuePolicy>>> = {},
) {
  const prefix = `{${uniquePrefix('runner')}}`;
  const producer = createProducer({ redis, prefix, policies });
  cleanups.push(() => producer.close());
  const runner = startWorkers({ redisUrl: testRedisUrl(), prefix, logger, ...options });
  cleanups.push(() => runner.close({ timeoutMs: 2_000 }));
  const views = new Map<QueueName, Queue>();
  const queue = (name: QueueName) => {
    let view = views.get(name);
    if (!view) {
      view = new Queue(name, { connection: redis, prefix });
      views.set(name, view);
      cleanups.push(() => view!.close());
    }
    return view;
  };
  return { prefix, producer, runner, queue };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

async function metric(queue: QueueName, outcome: string): Promise<number> {
  const counter = register.getSingleMetric('connector_jobs_total') as Counter | undefined;
  if (!counter) return 0;
  const { values } = await counter.get();
  return values.find((v) => v.labels.queue === queue && v.labels.outcome === outcome)?.value ?? 0;
}

const order = (orderId = 1) => ({ connectionId: randomUUID(), orderId, source: 'trigger' as const });

async function settled(queue: Queue, id: string) {
  return waitFor(
    async () => {
      const state = await queue.getJobState(id);
      return state === 'completed' || state === 'failed' ? state : undefined;
    },
    { what: `job ${id} to finish` },
  );
}

describe('startWorkers', () => {
  it('runs a handler with the validated payload, a job logger and the job', async () => {
    const seen: Array<{ data: unknown; jobId: string | undefined }> = [];
    const before = await metric('order-export', 'completed');
    const { producer, queue, runner } = setup({
      owns: ['order-export'],
      handlers: [
        defineHandler('order-export', async ({ data, job, logger: jobLog }) => {
          seen.push({ data, jobId: job.id });
          jobLog.info('exporting');
          return { saleId: 'sale-1' };
        }),
      ],
    });
    const data = order(11);
    const { id } = await producer.add('order-export', data);
    expect(await settled(queue('order-export'), id)).toBe('completed');
    expect(seen).toEqual([{ data, jobId: id }]);
    expect(records).toContainEqual(
      expect.objectContaining({
        message: 'exporting',
        queue: 'order-export',
        jobId: id,
        connectionId: data.connectionId,
        orderId: 11,
        attempt: 1,
      }),
    );
    const job = await queue('order-export').getJob(id);
    expect(job?.returnvalue).toEqual({ saleId: 'sale-1' });
    expect(job?.attemptsMade).toBe(1);
    expect(await metric('order-export', 'completed')).toBe(before + 1);
    const health = runner.health();
    expect(health).toMatchObject({ ready: true, running: true, redisReady: true, consuming: true });
    expect(health.lastActivityAt).toBeInstanceOf(Date);
  });

  it('retries a retryable error with backoff, then succeeds without calling the final-failure hook', async () => {
    const attempts: number[] = [];
    const failures: FinalFailure[] = [];
    const before = await metric('order-cancel', 'retry');
    const { producer, queue } = setup(
      {
        owns: ['order-cancel'],
        onFinalFailure: (failure) => void failures.push(failure),
        handlers: [
          defineHandler('order-cancel', async ({ job }) => {
            attempts.push(job.attemptsMade);
            if (attempts.length === 1) throw new RetryableError('LIFE POS answered 502');
            if (attempts.length === 2) throw new Error('socket hang up');
          }),
        ],
      },
      { 'order-cancel': fast(5) },
    );
    const { id } = await producer.add('order-cancel', order());
    expect(await settled(queue('order-cancel'), id)).toBe('completed');
    expect(attempts).toEqual([0, 1, 2]);
    expect(failures).toHaveLength(0);
    expect(await metric('order-cancel', 'retry')).toBe(before + 2);
  });

  it('fails a permanent error at once and calls the final-failure hook exactly once', async () => {
    let calls = 0;
    const failures: FinalFailure[] = [];
    const before = await metric('order-refund', 'failed');
    const { producer, queue } = setup(
      {
        owns: ['order-refund'],
        onFinalFailure: (failure) => void failures.push(failure),
        handlers: [
          defineHandler('order-refund', async () => {
            calls += 1;
            throw new PermanentError('LIFE POS took no payment for this order', {
              code: 'refund.no_payment',
            });
          }),
        ],
      },
      { 'order-refund': fast(5) },
    );
    const data = order(5);
    const { id } = await producer.add('order-refund', data);
    expect(await settled(queue('order-refund'), id)).toBe('failed');
    expect(calls).toBe(1);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ queue: 'order-refund', data });
    expect(failures[0]?.error).toBeInstanceOf(PermanentError);
    expect(failures[0]?.job.id).toBe(id);
    const job = await queue('order-refund').getJob(id);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toBe('LIFE POS took no payment for this order');
    expect(await metric('order-refund', 'failed')).toBe(before + 1);
  });

  it('calls the final-failure hook exactly once when the attempts run out', async () => {
    let calls = 0;
    const failures: FinalFailure[] = [];
    const { producer, queue } = setup(
      {
        owns: ['sync'],
        onFinalFailure: (failure) => void failures.push(failure),
        handlers: [
          defineHandler('sync', async () => {
            calls += 1;
            throw new RetryableError(`RetailCRM timeout #${calls}`);
          }),
        ],
      },
      { sync: fast(3) },
    );
    const { id } = await producer.add('sync', { connectionId: randomUUID(), scope: 'all' });
    expect(await settled(queue('sync'), id)).toBe('failed');
    expect(calls).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error.message).toBe('RetailCRM timeout #3');
    expect((await queue('sync').getJob(id))?.attemptsMade).toBe(3);
  });

  it('delays a deferred job without spending an attempt', async () => {
    const attemptsMade: number[] = [];
    const before = await metric('lifepos-events', 'deferred');
    const { producer, queue } = setup(
      {
        owns: ['lifepos-events'],
        handlers: [
          defineHandler('lifepos-events', async ({ job }) => {
            attemptsMade.push(job.attemptsMade);
            if (attemptsMade.length <= 2) throw new DeferredError('rate limit reached', 50);
          }),
        ],
      },
      // A single attempt: a deferral that spent it would fail the job.
      { 'lifepos-events': fast(1) },
    );
    const { id } = await producer.add('lifepos-events', { connectionId: randomUUID(), saleId: 's-1' });
    expect(await settled(queue('lifepos-events'), id)).toBe('completed');
    expect(attemptsMade).toEqual([0, 0, 0]);
    expect((await queue('lifepos-events').getJob(id))?.attemptsMade).toBe(1);
    expect(await metric('lifepos-events', 'deferred')).toBe(before + 2);
  });

  it('defers a job that met an outage without spending an attempt or calling the final-failure hook', async () => {
    const attemptsMade: number[] = [];
    const failures: FinalFailure[] = [];
    const outage = Object.assign(new Error('Connection terminated due to connection timeout'), {
      outage: true,
    });
    const { producer, queue } = setup(
      {
        owns: ['order-export'],
        onFinalFailure: (failure) => void failures.push(failure),
        isOutage: (error) => (error as { outage?: unknown }).outage === true,
        outageDelayMs: 30,
        handlers: [
          defineHandler('order-export', async ({ job }) => {
            attemptsMade.push(job.attemptsMade);
            if (attemptsMade.length <= 3) throw outage;
          }),
        ],
      },
      // A single attempt: an outage that spent it would fail the job.
      { 'order-export': fast(1) },
    );
    const { id } = await producer.add('order-export', order(8));
    expect(await settled(queue('order-export'), id)).toBe('completed');
    expect(attemptsMade).toEqual([0, 0, 0, 0]);
    expect(failures).toHaveLength(0);
  });

  it('runs jobs of one order one at a time across queues: a busy lock defers without spending attempts', async () => {
    const release = gate();
    const events: string[] = [];
    const cancelAttempts: number[] = [];
    const handlers: AnyJobHandler[] = [
      defineHandler('order-export', async () => {
        events.push('export:start');
        await release.opened;
        events.push('export:end');
      }),
      defineHandler('order-cancel', async ({ job }) => {
        cancelAttempts.push(job.attemptsMade);
        events.push('cancel');
      }),
    ];
    const { producer, queue } = setup(
      { owns: ['order-export', 'order-cancel'], handlers, lock: { busyDelayMs: 50 } },
      { 'order-cancel': fast(1) },
    );
    const data = order(9);
    const exported = await producer.add('order-export', data);
    await waitFor(() => events.includes('export:start'), { what: 'the export to start' });
    const before = await metric('order-cancel', 'deferred');
    const cancelled = await producer.add('order-cancel', { ...data, source: 'trigger' });
    await waitFor(async () => (await metric('order-cancel', 'deferred')) > before, {
      what: 'the cancel to be deferred',
    });
    // A job of another order is not held up by this lock.
    const other = await producer.add('order-cancel', order(10));
    expect(await settled(queue('order-cancel'), other.id)).toBe('completed');
    expect(events.filter((e) => e === 'cancel')).toHaveLength(1);

    release.open();
    expect(await settled(queue('order-export'), exported.id)).toBe('completed');
    expect(await settled(queue('order-cancel'), cancelled.id)).toBe('completed');
    expect(events).toEqual(['export:start', 'cancel', 'export:end', 'cancel']);
    expect(cancelAttempts.every((made) => made === 0)).toBe(true);
  });

  it('fails an invalid payload permanently without running the handler', async () => {
    let calls = 0;
    const failures: FinalFailure[] = [];
    const { prefix, queue } = setup({
      owns: ['crm-tasks'],
      onFinalFailure: (failure) => void failures.push(failure),
      handlers: [
        defineHandler('crm-tasks', async () => {
          calls += 1;
        }),
      ],
    });
    // Straight through BullMQ, as an old or foreign producer could.
    const raw = new Queue('crm-tasks', { connection: redis, prefix });
    cleanups.push(() => raw.close());
    const job = await raw.add('crm-tasks', { connectionId: randomUUID(), apiKey: 'leaked' }, { attempts: 5 });
    expect(await settled(queue('crm-tasks'), job.id!)).toBe('failed');
    expect(calls).toBe(0);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.data).toBeUndefined();
    expect(failures[0]?.error).toBeInstanceOf(PermanentError);
    const failed = await queue('crm-tasks').getJob(job.id!);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/invalid crm-tasks job payload/);
  });

  it('refuses to start when an owned queue has no handler or two, or a handler has no owner', () => {
    const noop = async () => {};
    const start = (owns: QueueName[], handlers: AnyJobHandler[]) => () =>
      startWorkers({ redisUrl: testRedisUrl(), logger, owns, handlers });
    expect(start(['order-export', 'order-cancel'], [defineHandler('order-export', noop)])).toThrow(
      'queue order-cancel has no handler',
    );
    expect(
      start(['order-export'], [defineHandler('order-export', noop), defineHandler('order-export', noop)]),
    ).toThrow('queue order-export has two handlers');
    expect(
      start(['order-export'], [defineHandler('order-export', noop), defineHandler('sync', noop)]),
    ).toThrow('handler for queue sync, which this app does not own');
  });

  it('shuts down gracefully: stops taking jobs and lets the active one finish', async () => {
    const release = gate();
    const started: number[] = [];
    const { producer, queue, runner } = setup({
      owns: ['reconcile'],
      concurrency: 2,
      handlers: [
        defineHandler('reconcile', async ({ job }) => {
          started.push(job.attemptsMade);
          await release.opened;
        }),
      ],
    });
    const connectionId = randomUUID();
    const first = await producer.add('reconcile', { connectionId, kind: 'retailcrm-history' });
    await waitFor(() => started.length === 1, { what: 'the job to start' });

    let closed = false;
    const closing = runner.close({ timeoutMs: 10_000 }).then(() => {
      closed = true;
    });
    await waitFor(() => !runner.health().running, { what: 'the runner to report closing' });
    const second = await producer.add('reconcile', { connectionId, kind: 'retailcrm-history' });
    expect(closed).toBe(false);

    release.open();
    await closing;
    expect(await queue('reconcile').getJobState(first.id)).toBe('completed');
    // Not taken (or, if BullMQ fetched it while closing, handed back without spending an attempt).
    expect(['waiting', 'delayed']).toContain(await queue('reconcile').getJobState(second.id));
    expect((await queue('reconcile').getJob(second.id))?.attemptsMade).toBe(0);
    expect(started).toHaveLength(1);
    expect(runner.redis.status).toBe('end');
  });

  it('gives up waiting for active jobs after the shutdown timeout', async () => {
    const release = gate();
    cleanups.push(async () => release.open());
    let started = false;
    const { producer, queue, runner } = setup({
      owns: ['reconcile'],
      handlers: [
        defineHandler('reconcile', async () => {
          started = true;
          await release.opened;
        }),
      ],
    });
    const { id } = await producer.add('reconcile', { connectionId: randomUUID(), kind: 'retailcrm-history' });
    await waitFor(() => started, { what: 'the job to start' });
    const startedAt = Date.now();
    await runner.close({ timeoutMs: 300 });
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    // Left active with its lock: BullMQ's stalled check hands it to another worker later.
    expect(await queue('reconcile').getJobState(id)).toBe('active');
    expect(runner.redis.status).toBe('end');
  });

  it('runs the final-failure hook for a job BullMQ fails for stalling too often', async () => {
    const release = gate();
    cleanups.push(async () => release.open());
    let starts = 0;
    const failures: FinalFailure[] = [];
    // Stalls on its first run: the runner closes without waiting for it, as when its process is killed.
    const handler = defineHandler('reconcile', async () => {
      starts += 1;
      await release.opened;
    });
    const stalled = { maxStalledCount: 0, lockDurationMs: 400, stalledIntervalMs: 200 };
    const first = setup({ owns: ['reconcile'], handlers: [handler], stalled });
    const data = { connectionId: randomUUID(), kind: 'retailcrm-history' } as const;
    const { id } = await first.producer.add('reconcile', data);
    await waitFor(() => starts === 1, { what: 'the job to start' });
    await first.runner.close({ timeoutMs: 50 });

    // Another process of the app takes over: its stalled check finds the job without a lock.
    const second = startWorkers({
      redisUrl: testRedisUrl(),
      prefix: first.prefix,
      logger,
      owns: ['reconcile'],
      handlers: [handler],
      stalled,
      onFinalFailure: (failure) => void failures.push(failure),
    });
    cleanups.push(() => second.close({ timeoutMs: 2_000 }));

    await waitFor(() => failures.length === 1, { what: 'the final-failure hook', timeoutMs: 15_000 });
    expect(starts).toBe(1);
    expect(failures[0]).toMatchObject({ queue: 'reconcile', data, error: { code: 'queue.stalled_out' } });
    expect(failures[0]!.error).toBeInstanceOf(PermanentError);
    expect(await first.queue('reconcile').getJobState(id)).toBe('failed');
  });

  it('closes on a signal and exits 0', async () => {
    const exits: number[] = [];
    const { runner } = setup({ owns: ['sync'], handlers: [defineHandler('sync', async () => {})] });
    const uninstall = closeOnSignals(() => runner.close(), {
      logger,
      signals: ['SIGUSR2'],
      exit: (code) => void exits.push(code),
    });
    cleanups.push(async () => uninstall());
    process.emit('SIGUSR2', 'SIGUSR2');
    await waitFor(() => exits.length === 1, { what: 'the exit' });
    expect(exits).toEqual([0]);
    expect(runner.health().running).toBe(false);
    expect(runner.redis.status).toBe('end');
  });
});

import { loadEnvOrExit, parseEnv } from '@connector/config';
import {
  createEntityLock,
  createProducer,
  createProducerRedis,
  type JobScheduleKeeper,
  type Producer,
  type QueueName,
} from '@connector/queue';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/worker-app';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLifeposEventsHandler } from './lifepos-events.js';
import { NOTIFICATION_BODY_LIMIT, registerNotificationRoute } from './notification-route.js';
import { type WebhookEnv, webhookEnvShape } from './webhook-env.js';

export const WEBHOOK_SERVICE = 'webhook-worker';

/** The queues this app consumes (each queue has exactly one consumer app; see queue-consumers.test.ts in e2e). */
export const WEBHOOK_WORKER_QUEUES = ['lifepos-events'] as const satisfies readonly QueueName[];

/**
 * Write-backs at once per process. A write-back is a few upstream calls (sale, payments, order, then what
 * it writes), each waiting for its tenant's rate-limit slot, so a job holds its slot longer than it uses
 * the CPU. By Little's law the slots needed are the notification jobs per second times how long one runs;
 * `pnpm bench` measures both (docs/BENCHMARKS.md, «4. Write-back»): at 10 new orders/s over 10 shops, half
 * of them paid, 20 notification jobs/s ran 95 ms on average (p99 0.8 s) — 2 slots busy on average, 16 even
 * if every run took the p99. Runs that long mean a tenant's limit is the bottleneck, which more slots do not
 * widen.
 */
export const WEBHOOK_CONCURRENCY = 16;

export interface WebhookWorkerOptions
  extends Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers' | 'routes' | 'bodyLimit'> {}

export interface WebhookWorker extends WorkerApp {
  env: WebhookEnv;
  /** The receiver's producer connection (fail fast: an outage answers 503). */
  receiverRedis: Redis;
  schedules: JobScheduleKeeper;
  /** The `lifepos-events` queue's handle of the schedule keeper. */
  scheduleQueue: Queue;
}

/**
 * The webhook-worker, two roles in one process: the receiver of LIFE POS notifications
 * (`POST /lifepos/notifications/:token`, next to /healthz, /readyz and /metrics), and the only consumer
 * of `lifepos-events`: the write-back into RetailCRM, and the periodic sales check and subscription check
 * (the definition's periodic kinds: one scheduler per active connection and check, on the app's keeper).
 */
export async function startWebhookWorker(options: WebhookWorkerOptions = {}): Promise<WebhookWorker> {
  const appOptions = options;
  // Checked before anything starts, with the worker variables, so one message names every wrong variable.
  const env = appOptions.env
    ? parseEnv(WEBHOOK_SERVICE, webhookEnvShape, appOptions.env)
    : loadEnvOrExit(WEBHOOK_SERVICE, webhookEnvShape);

  let receiver: { redis: Redis; producer: Producer } | undefined;
  let app: WorkerApp;
  try {
    app = await startWorkerApp({
      defaultConcurrency: WEBHOOK_CONCURRENCY,
      ...appOptions,
      service: WEBHOOK_SERVICE,
      owns: WEBHOOK_WORKER_QUEUES,
      bodyLimit: NOTIFICATION_BODY_LIMIT,
      handlers: ({ db, redis, runtime, producer }) => {
        // Notifications come in bursts (a payment sends the payment and the sale at once) and a write-back
        // takes a few calls: a job finding the order busy comes back soon rather than in the default 2 s.
        const lock = createEntityLock(redis, env.QUEUE_PREFIX, { busyDelayMs: 500 });
        return [createLifeposEventsHandler({ db, runtime, lock, producer, publicUrl: env.PUBLIC_URL })];
      },
      routes: (express, { db, logger }) => {
        // Not the workers' connection, which waits through an outage: LIFE POS must get its 503 quickly.
        const redis = createProducerRedis(env.REDIS_URL, { name: 'webhook-receiver', logger });
        const producer = createProducer({
          redis,
          prefix: env.QUEUE_PREFIX,
          ...(appOptions.policies ? { policies: appOptions.policies } : {}),
        });
        receiver = { redis, producer };
        registerNotificationRoute(express, { db, producer });
      },
    });
  } catch (error) {
    receiver?.redis.disconnect();
    throw error;
  }
  if (!receiver) throw new Error('startWorkerApp did not register the routes');
  const { redis: receiverRedis, producer: receiverProducer } = receiver;

  let closing: Promise<void> | undefined;
  return {
    ...app,
    env,
    receiverRedis,
    scheduleQueue: app.schedules.queue('lifepos-events'),
    close: () => {
      closing ??= (async () => {
        // Stops the receiver first (in-flight notifications finish with the receiver's producer).
        await app.close();
        await receiverProducer.close();
        await receiverRedis.quit().catch(() => receiverRedis.disconnect());
      })();
      return closing;
    },
  };
}

import { loadEnvOrExit, parseEnv } from '@connector/config';
import {
  createOrderLock,
  createProducer,
  createProducerRedis,
  createScheduleQueue,
  createWorkerRedis,
  type Producer,
  type ScheduleKeeper,
  startScheduleKeeper,
} from '@connector/queue';
import { startWorkerApp, type WorkerApp, type WorkerAppOptions } from '@connector/tenant';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLifeposEventsHandler } from './lifepos-events.js';
import { applyLifeposSchedules, lifeposCheckId } from './lifepos-schedules.js';
import { NOTIFICATION_BODY_LIMIT, registerNotificationRoute } from './notification-route.js';
import { type WebhookEnv, webhookEnvShape } from './webhook-env.js';

export const WEBHOOK_SERVICE = 'webhook-worker';

export interface WebhookWorkerOptions
  extends Omit<WorkerAppOptions, 'service' | 'owns' | 'handlers' | 'routes' | 'bodyLimit'> {
  /** How often the per-connection schedulers are matched to the connections. Default 1 minute. */
  scheduleCheckEveryMs?: number;
  /** Period of each connection's subscription check. Default 5 minutes. */
  subscriptionCheckEveryMs?: number;
}

export interface WebhookWorker extends WorkerApp {
  env: WebhookEnv;
  /** The receiver's producer connection (fail fast: an outage answers 503). */
  receiverRedis: Redis;
  schedules: ScheduleKeeper<{ scheduled: string[]; removed: string[]; unscheduledConnections: string[] }>;
  scheduleQueue: Queue;
}

/**
 * The webhook-worker, two roles in one process: the receiver of LIFE POS notifications
 * (`POST /lifepos/notifications/:token`, next to /healthz, /readyz and /metrics), and the only consumer
 * of `lifepos-events`: the write-back into RetailCRM, and the periodic sales check and subscription check
 * (one scheduler per active connection and check, kept in line with the connections table here).
 */
export async function startWebhookWorker(options: WebhookWorkerOptions = {}): Promise<WebhookWorker> {
  const { scheduleCheckEveryMs = 60_000, subscriptionCheckEveryMs = 5 * 60_000, ...appOptions } = options;
  // Checked before anything starts, with the worker variables, so one message names every wrong variable.
  const env = appOptions.env
    ? parseEnv(WEBHOOK_SERVICE, webhookEnvShape, appOptions.env)
    : loadEnvOrExit(WEBHOOK_SERVICE, webhookEnvShape);

  let receiver: { redis: Redis; producer: Producer } | undefined;
  let app: WorkerApp;
  try {
    app = await startWorkerApp({
      ...appOptions,
      service: WEBHOOK_SERVICE,
      owns: ['lifepos-events'],
      bodyLimit: NOTIFICATION_BODY_LIMIT,
      handlers: ({ db, redis, runtime, producer }) => {
        // Notifications come in bursts (a payment sends the payment and the sale at once) and a write-back
        // takes a few calls: a job finding the order busy comes back soon rather than in the default 2 s.
        const lock = createOrderLock(redis, env.QUEUE_PREFIX, { busyDelayMs: 500 });
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
  const { db, logger } = app.deps;

  // Its own connection: jobs finishing during shutdown may still need the queue after the app's is closed.
  const scheduleRedis = createWorkerRedis(env.REDIS_URL, { logger, name: 'webhook-schedules' });
  const scheduleQueue = createScheduleQueue(scheduleRedis, env.QUEUE_PREFIX, 'lifepos-events');
  const schedules = startScheduleKeeper({
    name: 'LIFE POS schedules',
    everyMs: scheduleCheckEveryMs,
    logger,
    apply: async () => {
      const connections = await db.connections.list();
      const result = await applyLifeposSchedules(scheduleQueue, connections, subscriptionCheckEveryMs);
      // A connection that lost its schedulers but still exists was disabled: one last subscription check
      // turns its notifications off (the console does it as well when it disables).
      const existing = new Set(connections.map((connection) => connection.id));
      for (const connectionId of result.unscheduledConnections.filter((id) => existing.has(id))) {
        await app.deps.producer.add(
          'lifepos-events',
          { connectionId, check: 'subscription' },
          { dedupeId: lifeposCheckId(connectionId, 'subscription') },
        );
      }
      return result;
    },
  });
  // Started once the first pass is done, so that active connections are scheduled from the start.
  await schedules.runNow().catch((error: unknown) => {
    logger.warn('could not reconcile LIFE POS schedules at start', { error });
  });

  let closing: Promise<void> | undefined;
  return {
    ...app,
    env,
    receiverRedis,
    schedules,
    scheduleQueue,
    close: () => {
      closing ??= (async () => {
        await schedules.stop();
        // Stops the receiver first (in-flight notifications finish with the receiver's producer).
        await app.close();
        await receiverProducer.close();
        await receiverRedis.quit().catch(() => receiverRedis.disconnect());
        await scheduleQueue.close();
        await scheduleRedis.quit().catch(() => scheduleRedis.disconnect());
      })();
      return closing;
    },
  };
}

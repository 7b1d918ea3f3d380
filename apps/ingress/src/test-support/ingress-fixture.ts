// Test-only (excluded from the build): a migrated database, a queue prefix and tenants of the test file's
// own, ingress apps started in-process on them, and views of the order queues.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  type ConnectionRecord,
  createDatabase,
  type Database,
  migrate,
  type NewConnection,
} from '@connector/db';
import { createMemoryLogger, type Logger } from '@connector/logger';
import { createProducer, createWorkerRedis, type TriggerForwarder, triggerStreamKey } from '@connector/queue';
import { createTestDatabase, type TestDatabase, testRedisUrl, uniquePrefix } from '@connector/testkit';
import { startTriggerForwarding } from '@connector/worker-app';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type RunningIngress, startIngress } from '../ingress-app.js';
import type { OrderQueue } from '../trigger-route.js';
import { TRIGGER_PATH } from '../trigger-route.js';

export const ORDER_QUEUES: readonly OrderQueue[] = ['order-export', 'order-cancel', 'order-refund'];

/** A logger that keeps its records in memory: outage tests log warnings on purpose. */
export function memoryLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  return createMemoryLogger('ingress-test', 'info');
}

export interface TriggerAnswer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } };
  headers: Headers;
}

export interface PostOptions {
  path?: string;
  /** Send the body as JSON instead of a urlencoded form. */
  json?: boolean;
  headers?: Record<string, string>;
  method?: string;
}

/** Posts a trigger the way RetailCRM's "HTTP request" action does (urlencoded body). */
export async function postTrigger(
  ingress: Pick<RunningIngress, 'url'>,
  body: Record<string, unknown> | string,
  { path = TRIGGER_PATH, json = false, headers = {}, method = 'POST' }: PostOptions = {},
): Promise<TriggerAnswer> {
  const encoded =
    typeof body === 'string'
      ? body
      : json
        ? JSON.stringify(body)
        : new URLSearchParams(
            Object.entries(body).map(([key, value]): [string, string] => [key, String(value)]),
          ).toString();
  const response = await fetch(`${ingress.url}${path}`, {
    method,
    headers: {
      'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
      ...headers,
    },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: encoded }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as TriggerAnswer['body']) : {},
    headers: response.headers,
  };
}

export interface IngressFixture {
  database: TestDatabase;
  /** A database client of the test's own, for arranging and checking rows. */
  db: Database;
  secretsKey: string;
  prefix: string;
  /** The environment the apps start with (before per-app overrides). */
  env: Record<string, string>;
  /** Starts an ingress app on the fixture's database and prefix; closed with the fixture. */
  start(overrides?: Record<string, string>, logger?: Logger): Promise<RunningIngress>;
  /** A tenant (active unless overridden) with a LIFE POS org guid of its own. */
  tenant(overrides?: Partial<NewConnection>): Promise<ConnectionRecord>;
  /** A view of an order queue under the fixture's prefix, on `redisUrl` (default the shared test Redis). */
  queue(name: OrderQueue, redisUrl?: string): Queue;
  /**
   * Every job (any state) of the order queues, optionally only one tenant's, once the triggers stored so
   * far were forwarded (the workers' forwarder, run here as the workers would).
   */
  jobs(connectionId?: string, redisUrl?: string): Promise<Job[]>;
  /** Waits until every trigger in the stream on `redisUrl` (default the shared test Redis) was forwarded. */
  forwarded(redisUrl?: string): Promise<void>;
  close(): Promise<void>;
}

export async function openIngressFixture(): Promise<IngressFixture> {
  const database = await createTestDatabase({ migrate });
  const secretsKey = randomBytes(32).toString('base64');
  const db = createDatabase({ url: database.url, secretsKey: Buffer.from(secretsKey, 'base64') });
  const prefix = `{${uniquePrefix('ingress')}}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    SECRETS_KEY: secretsKey,
    QUEUE_PREFIX: prefix,
    PORT: '0',
    LOG_LEVEL: 'error',
    OUTBOX_DRAIN_INTERVAL_MS: '100',
  };
  const apps: RunningIngress[] = [];
  const redisByUrl = new Map<string, Redis>();
  const queues = new Map<string, Queue>();
  const forwarders = new Map<string, TriggerForwarder>();

  const connectionTo = (redisUrl: string) => {
    let connection = redisByUrl.get(redisUrl);
    if (!connection) {
      connection = createWorkerRedis(redisUrl, { name: 'ingress-test-view' });
      redisByUrl.set(redisUrl, connection);
    }
    return connection;
  };
  const quietLogger = memoryLogger().logger;
  const forwardOn = (redisUrl: string) => {
    if (forwarders.has(redisUrl)) return;
    const redis = connectionTo(redisUrl);
    const producer = createProducer({ redis, prefix });
    forwarders.set(redisUrl, startTriggerForwarding({ redis, producer, db, prefix, logger: quietLogger }));
  };
  const forwarded = async (redisUrl = testRedisUrl()) => {
    const redis = connectionTo(redisUrl);
    const key = triggerStreamKey(prefix);
    const until = Date.now() + 10_000;
    while ((await redis.xlen(key)) > 0) {
      if (Date.now() > until) throw new Error(`triggers not forwarded within 10 s (${key})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const queue = (name: OrderQueue, redisUrl = testRedisUrl()) => {
    const key = `${redisUrl} ${name}`;
    let view = queues.get(key);
    if (!view) {
      view = new Queue(name, { connection: connectionTo(redisUrl), prefix });
      view.on('error', () => {});
      queues.set(key, view);
    }
    return view;
  };

  return {
    database,
    db,
    secretsKey,
    prefix,
    env,
    async start(overrides = {}, logger = memoryLogger().logger) {
      const appEnv = { ...env, ...overrides };
      forwardOn(appEnv.REDIS_URL ?? testRedisUrl());
      const app = await startIngress({ env: appEnv, logger, host: '127.0.0.1' });
      apps.push(app);
      return app;
    },
    tenant: (overrides = {}) =>
      db.connections.create({
        lifeposOrgId: randomUUID(),
        lifeposPhone: '+79990000000',
        lifeposPassword: `pw-${randomBytes(8).toString('hex')}`,
        retailcrmUrl: 'https://shop.retailcrm.ru',
        retailcrmApiKey: `key-${randomBytes(12).toString('hex')}`,
        errorUserGroupCode: 'support',
        cashPaymentTypeCode: 'cash',
        cashlessPaymentTypeCode: 'bank-card',
        status: 'active',
        ...overrides,
      }),
    queue,
    forwarded,
    async jobs(connectionId, redisUrl) {
      await forwarded(redisUrl);
      const all = await Promise.all(
        ORDER_QUEUES.map(async (name) => {
          const view = queue(name, redisUrl);
          await view.waitUntilReady();
          const found = await view.getJobs([
            'wait',
            'active',
            'delayed',
            'prioritized',
            'waiting-children',
            'completed',
            'failed',
          ]);
          return found;
        }),
      );
      return all.flat().filter((job) => connectionId === undefined || job.data.connectionId === connectionId);
    },
    async close() {
      for (const app of apps.splice(0)) await app.close();
      for (const forwarder of forwarders.values()) await forwarder.stop();
      for (const view of queues.values()) await view.close();
      for (const connection of redisByUrl.values())
        await connection.quit().catch(() => connection.disconnect());
      await db.close();
      await database.drop();
    },
  };
}

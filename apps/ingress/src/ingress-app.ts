import { loadEnvOrExit, parseEnv } from '@connector/config';
import { createDatabase, type Database, databaseTimeouts } from '@connector/db';
import {
  createHttpApp,
  httpServerLimits,
  type ReadinessCheck,
  type RunningHttpServer,
  redisReadiness,
  sqlReadiness,
  startHttpServer,
} from '@connector/http';
import { createLogger, type Logger } from '@connector/logger';
import {
  createProducer,
  createProducerRedis,
  createTriggerAppender,
  orderExportPace,
  type Producer,
  type QueueName,
  type QueuePolicy,
} from '@connector/queue';
import type { Redis } from 'ioredis';
import { type ConnectionCache, createConnectionCache } from './connection-cache.js';
import { createFloodGuard } from './flood-guard.js';
import { type IngressEnv, ingressEnvShape } from './ingress-env.js';
import { createOutboxDrainer, type OutboxDrainer } from './outbox-drainer.js';
import { triggerRoutes } from './trigger-route.js';

export const INGRESS_SERVICE = 'ingress';

/** The other routes read no body: the trigger route reads its own (trigger-route.ts). */
const BODY_LIMIT = '16kb';
/**
 * How often every connection's org id is re-read, so that the limit on lookups of unknown client ids
 * never holds up a real shop's triggers — not after a restart during a spray, nor (after this long) a
 * connection created since. One query of a single indexed column.
 */
const KNOWN_ORG_IDS_REFRESH_MS = 60_000;

export interface StartIngressOptions {
  /** The environment; default process.env (and exit naming the variable when it is wrong). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Interface to listen on; default all (what a container needs). Tests pass 127.0.0.1. */
  host?: string;
  /** Per-queue policy overrides for the jobs the triggers enqueue (tests shorten the retry budget). */
  policies?: Partial<Record<QueueName, Partial<QueuePolicy>>>;
}

export interface RunningIngress {
  /** Base URL, e.g. http://127.0.0.1:3000; triggers go to `${url}/retailCRM/update`. */
  url: string;
  env: IngressEnv;
  logger: Logger;
  http: RunningHttpServer;
  db: Database;
  /** The producer's fail-fast Redis connection. */
  redis: Redis;
  producer: Producer;
  tenants: ConnectionCache;
  drainer: OutboxDrainer;
  /** Stops taking triggers, finishes the ones in flight and the current drain round, closes connections. */
  close(): Promise<void>;
}

/**
 * Ready when a trigger can be stored durably: Redis answers or — during a Redis outage — the outbox in the
 * database takes over. Failing readiness on Redis or PostgreSQL alone would take every ingress out of the
 * load balancer exactly when the other one keeps it accepting (known connections are answered from the
 * cache while PostgreSQL is down); `/readyz` still names what is down (`postgres`, `redis`).
 */
function queueReadiness(redis: Redis, db: Database): ReadinessCheck {
  return {
    name: 'queue',
    check: async () => {
      if (redis.status === 'ready' && (await redis.ping()) === 'PONG') return;
      try {
        await db.outbox.count();
      } catch (error) {
        throw new Error(
          `redis is ${redis.status} and the outbox is unavailable: ${(error as Error).message}`,
        );
      }
    },
  };
}

/**
 * The connections known by `client_id`, looked up in the database (unknown ids at a bounded rate) and
 * cached; each answer carries the pace of the connection's exports.
 */
function createTenantCache(env: IngressEnv, db: Database): ConnectionCache {
  const unknownClients = createFloodGuard({ perSecond: env.INGRESS_UNKNOWN_CLIENT_PER_SECOND });
  return createConnectionCache({
    ttlMs: env.INGRESS_CONNECTION_CACHE_MS,
    // One bucket for every unknown id: a spray of random ids is many ids, each asked about once.
    admitUnknown: () => unknownClients.take('unknown'),
    lookup: async (orgId) => {
      const connection = await db.connections.findSummaryByOrgId(orgId);
      return connection
        ? {
            id: connection.id,
            status: connection.status,
            disabledReason: connection.disabledReason,
            exportPace: orderExportPace(connection.id, connection.settings.rateLimits),
          }
        : null;
    },
  });
}

function createDrainer(
  env: IngressEnv,
  deps: { db: Database; redis: Redis; producer: Producer; logger: Logger },
): OutboxDrainer {
  const { db, redis, producer, logger } = deps;
  return createOutboxDrainer({
    outbox: db.outbox,
    producer,
    redisReady: () => redis.status === 'ready',
    logger,
    intervalMs: env.OUTBOX_DRAIN_INTERVAL_MS,
    batchSize: env.OUTBOX_BATCH_SIZE,
    leaseMs: env.OUTBOX_LEASE_MS,
    paceFor: async (queue, connectionId) => {
      if (queue !== 'order-export') return undefined;
      const connection = await db.connections.getSummary(connectionId);
      return connection ? orderExportPace(connection.id, connection.settings.rateLimits) : undefined;
    },
  });
}

/**
 * Teaches the cache every connection's org id now and every `KNOWN_ORG_IDS_REFRESH_MS` (not awaited: a
 * database that is slow to answer must not hold up the start). `stop` ends it and waits for a read in flight.
 */
function rememberOrgIds(db: Database, tenants: ConnectionCache, logger: Logger): { stop(): Promise<void> } {
  const remember = async () => {
    try {
      const rows = await db.prisma.connection.findMany({ select: { lifeposOrgId: true } });
      tenants.remember(rows.map((row) => row.lifeposOrgId));
    } catch (error) {
      logger.warn('could not read the connections’ org ids', { error });
    }
  };
  let remembering = remember();
  const refresh = setInterval(() => {
    remembering = remember();
  }, KNOWN_ORG_IDS_REFRESH_MS);
  refresh.unref();
  return {
    async stop() {
      clearInterval(refresh);
      await remembering;
    },
  };
}

export async function startIngress(options: StartIngressOptions = {}): Promise<RunningIngress> {
  const env = options.env
    ? parseEnv(INGRESS_SERVICE, ingressEnvShape, options.env)
    : loadEnvOrExit(INGRESS_SERVICE, ingressEnvShape);
  const logger = options.logger ?? createLogger({ service: INGRESS_SERVICE, level: env.LOG_LEVEL });
  const db = createDatabase({
    url: env.DATABASE_URL,
    secretsKey: env.SECRETS_KEY,
    logger,
    timeouts: databaseTimeouts(env),
  });
  const redis = createProducerRedis(env.REDIS_URL, { name: 'ingress-producer', logger });
  const producer = createProducer({
    redis,
    prefix: env.QUEUE_PREFIX,
    ...(options.policies && { policies: options.policies }),
  });
  const tenants = createTenantCache(env, db);
  const drainer = createDrainer(env, { db, redis, producer, logger });
  const orgIds = rememberOrgIds(db, tenants, logger);

  // Drain as soon as Redis is back rather than at the next interval.
  const onRedisReady = () => drainer.kick();
  redis.on('ready', onRedisReady);

  const app = createHttpApp({
    service: INGRESS_SERVICE,
    logger,
    bodyLimit: BODY_LIMIT,
    readiness: [
      sqlReadiness(() => db.prisma.$queryRaw`SELECT 1`, 'postgres', { required: false }),
      redisReadiness(redis, 'redis', { required: false }),
      queueReadiness(redis, db),
    ],
    ...triggerRoutes({
      db,
      triggers: createTriggerAppender(redis, env.QUEUE_PREFIX),
      tenants,
      flood: createFloodGuard({ perSecond: env.INGRESS_FLOOD_PER_SECOND }),
      floodPerSecond: env.INGRESS_FLOOD_PER_SECOND,
    }),
  });

  let http: RunningHttpServer;
  try {
    http = await startHttpServer(app, {
      port: env.PORT,
      logger,
      limits: httpServerLimits(env),
      ...(options.host !== undefined && { host: options.host }),
    });
  } catch (error) {
    await orgIds.stop();
    redis.disconnect();
    await db.close();
    throw error;
  }
  drainer.start();
  logger.info('ingress started', { url: http.url });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await http.close();
      await orgIds.stop();
      await drainer.stop();
      redis.off('ready', onRedisReady);
      await producer.close();
      await redis.quit().catch(() => redis.disconnect());
      await db.close();
      logger.info('ingress stopped');
    })();
    return closing;
  };
  return { url: http.url, env, logger, http, db, redis, producer, tenants, drainer, close };
}

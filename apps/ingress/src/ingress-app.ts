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
import { createProducer, createProducerRedis, orderExportPace, type Producer } from '@connector/queue';
import type { Redis } from 'ioredis';
import { type ConnectionCache, createConnectionCache } from './connection-cache.js';
import { createFloodGuard } from './flood-guard.js';
import { type IngressEnv, ingressEnvShape } from './ingress-env.js';
import { createOutboxDrainer, type OutboxDrainer } from './outbox-drainer.js';
import { registerTriggerRoute } from './trigger-route.js';

export const INGRESS_SERVICE = 'ingress';

/** RetailCRM answers are read by people in its trigger log; the body limit keeps floods cheap. */
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
  const producer = createProducer({ redis, prefix: env.QUEUE_PREFIX });

  const unknownClients = createFloodGuard({ perSecond: env.INGRESS_UNKNOWN_CLIENT_PER_SECOND });
  const tenants = createConnectionCache({
    ttlMs: env.INGRESS_CONNECTION_CACHE_MS,
    // One bucket for every unknown id: a spray of random ids is many ids, each asked about once.
    admitUnknown: () => unknownClients.take('unknown'),
    lookup: async (orgId) => {
      const connection = await db.connections.findByOrgId(orgId);
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
  const drainer = createOutboxDrainer({
    outbox: db.outbox,
    producer,
    redisReady: () => redis.status === 'ready',
    logger,
    intervalMs: env.OUTBOX_DRAIN_INTERVAL_MS,
    batchSize: env.OUTBOX_BATCH_SIZE,
    leaseMs: env.OUTBOX_LEASE_MS,
    paceFor: async (queue, connectionId) => {
      if (queue !== 'order-export') return undefined;
      const connection = await db.connections.get(connectionId);
      return connection ? orderExportPace(connection.id, connection.settings.rateLimits) : undefined;
    },
  });
  const rememberOrgIds = async () => {
    try {
      const rows = await db.prisma.connection.findMany({ select: { lifeposOrgId: true } });
      tenants.remember(rows.map((row) => row.lifeposOrgId));
    } catch (error) {
      logger.warn('could not read the connections’ org ids', { error });
    }
  };
  // Not awaited: a database that is slow to answer must not hold up the start.
  let remembering = rememberOrgIds();
  const orgIdRefresh = setInterval(() => {
    remembering = rememberOrgIds();
  }, KNOWN_ORG_IDS_REFRESH_MS);
  orgIdRefresh.unref();

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
    routes: (express) =>
      registerTriggerRoute(express, {
        db,
        producer,
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
    clearInterval(orgIdRefresh);
    await remembering;
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
      clearInterval(orgIdRefresh);
      await remembering;
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

import {
  DATABASE_URL,
  databaseEnvShape,
  httpServerEnvShape,
  LIFEPOS_API_URL,
  LOG_LEVEL,
  loadEnvOrExit,
  parseEnv,
  portWithDefault,
  QUEUE_PREFIX,
  REDIS_URL,
  RETAILCRM_ALLOWED_HOSTS,
  SECRETS_KEY,
} from '@connector/config';
import {
  createDatabase,
  createTokenCipher,
  type Database,
  databaseTimeouts,
  isDatabaseUnavailable,
} from '@connector/db';
import {
  createHttpApp,
  type HttpAppOptions,
  httpServerLimits,
  type RunningHttpServer,
  redisReadiness,
  sqlReadiness,
  startHttpServer,
} from '@connector/http';
import {
  createCrmTasksHandler,
  createFinalFailureHook,
  createSuccessHook,
  startIncidentWatch,
} from '@connector/incidents';
import { createLogger, type Logger } from '@connector/logger';
import {
  type AnyJobHandler,
  createProducer,
  createRateLimiter,
  createRedisTokenStore,
  createWorkerRedis,
  type JobScheduleKeeper,
  type Producer,
  type QueueName,
  type QueuePolicy,
  type ScheduleKeeper,
  startJobScheduleKeeper,
  startWorkers,
  type WorkerRunner,
} from '@connector/queue';
import { createTenantRuntime, type TenantRuntime } from '@connector/tenant';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type Retention, type RetentionTuning, startRetention } from './retention.js';
import { startTriggerForwarding } from './trigger-forwarding.js';

/** The environment every worker app reads (docs/ARCHITECTURE.md, «Runtime contracts»). */
export const workerEnvShape = {
  DATABASE_URL,
  REDIS_URL,
  SECRETS_KEY,
  LIFEPOS_API_URL,
  RETAILCRM_ALLOWED_HOSTS,
  QUEUE_PREFIX,
  LOG_LEVEL,
  PORT: portWithDefault(3000),
  /** Base URL of the console, for timeline links in error tasks (optional). */
  CONSOLE_PUBLIC_URL: z.url().optional(),
  /** Jobs one process runs at once per owned queue; default: the app's own (see `defaultConcurrency`). */
  WORKER_CONCURRENCY: z.coerce.number().int().positive().max(256).optional(),
  /**
   * How long a periodic job (reconciliation, LIFE POS checks, scheduled sync) may fail for transient
   * reasons (network, 5xx, timeouts, rate limits) before an error task is created. Default 30.
   */
  PERIODIC_FAILURE_GRACE_MINUTES: z.coerce.number().nonnegative().max(10_080).default(30),
  /** Days an order's timeline entries are kept (deleted by the retention job of the sync worker). */
  RETENTION_TIMELINE_DAYS: z.coerce.number().int().positive().default(90),
  /** Days a stored LIFE POS notification is kept once processed (unprocessed ones are kept). */
  RETENTION_NOTIFICATIONS_DAYS: z.coerce.number().int().positive().default(14),
  /** Days a resolved incident is kept (open ones are kept). */
  RETENTION_INCIDENTS_DAYS: z.coerce.number().int().positive().default(180),
  ...databaseEnvShape,
  ...httpServerEnvShape,
};
export type WorkerEnv = z.infer<z.ZodObject<typeof workerEnvShape>>;

/** What a worker app's handlers are built from. */
export interface WorkerDeps {
  env: WorkerEnv;
  logger: Logger;
  db: Database;
  redis: Redis;
  runtime: TenantRuntime;
  producer: Producer;
  /**
   * The schedule keeper of the app's periodic queues (their definitions' periodic kinds, one scheduler per
   * active connection and kind); a handler that finds its connection inactive unschedules it here.
   */
  schedules: JobScheduleKeeper;
}

/** The express app `createHttpApp` builds (typed through @connector/http, which owns express). */
type HttpApp = Parameters<NonNullable<HttpAppOptions['routes']>>[0];

export interface WorkerAppOptions {
  service: string;
  /**
   * The queues this app consumes: its start file's list, one handler each (`handlers`). `crm-tasks` is
   * consumed with the incidents' own handler (@connector/incidents, incident-tasks.ts) and the periodic
   * incident check.
   */
  owns: readonly QueueName[];
  handlers: (deps: WorkerDeps) => readonly AnyJobHandler[];
  /** Also consume `crm-tasks` (as listing it in `owns` does). */
  ownsCrmTasks?: boolean;
  /** The periodic incident check of an app that owns `crm-tasks` (@connector/incidents); tests shorten it. */
  incidentWatch?: { everyMs?: number; taskRetryMs?: number };
  /** How often the schedule keeper brings the owned queues' schedulers in line with the connections. Default 1 minute. */
  scheduleCheckEveryMs?: number;
  /**
   * Run the retention job (deletes old timeline entries, notifications, incidents; see retention.ts) in
   * this app, with these tunings. One app does (the sync worker); its replicas take turns by a Redis lock.
   */
  retention?: RetentionTuning;
  /** The environment; default process.env (and exit with the variable's name when it is wrong). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Jobs at once per owned queue: beats WORKER_CONCURRENCY, which beats `defaultConcurrency`. */
  concurrency?: number | Partial<Record<QueueName, number>>;
  /** The app's own default when neither `concurrency` nor WORKER_CONCURRENCY is set (the runner's: 4). */
  defaultConcurrency?: number;
  /** Per-queue policy overrides for jobs this app enqueues (tests shorten backoffs). */
  policies?: Partial<Record<QueueName, Partial<QueuePolicy>>>;
  /**
   * The app's own HTTP routes, served next to /healthz, /readyz and /metrics (e.g. the webhook-worker's
   * notification receiver). Called once the deps exist, before the server listens.
   */
  routes?: (app: HttpApp, deps: WorkerDeps) => void;
  /** Largest accepted request body (body-parser syntax); default `createHttpApp`'s. */
  bodyLimit?: string | number;
  /** Interface to listen on; default all (what a container needs). Tests pass 127.0.0.1. */
  host?: string;
}

export interface WorkerApp {
  deps: WorkerDeps;
  runner: WorkerRunner;
  http: RunningHttpServer;
  /** The schedule keeper of the app's periodic queues (also `deps.schedules`). */
  schedules: JobScheduleKeeper;
  /** The periodic incident check, in the app that owns `crm-tasks`. */
  incidentWatch?: ScheduleKeeper<{ scheduled: string[]; removed: string[] }>;
  /** The retention job, in the app that runs it (`retention`). */
  retention?: Retention;
  close(): Promise<void>;
}

function loadWorkerEnv(options: WorkerAppOptions): WorkerEnv {
  return options.env
    ? parseEnv(options.service, workerEnvShape, options.env)
    : loadEnvOrExit(options.service, workerEnvShape);
}

/** Database, Redis, producer, tenant runtime (rate limits and LIFE POS tokens shared across processes). */
function createDeps(options: WorkerAppOptions, env: WorkerEnv, owns: readonly QueueName[]): WorkerDeps {
  const logger = options.logger ?? createLogger({ service: options.service, level: env.LOG_LEVEL });
  const db = createDatabase({
    url: env.DATABASE_URL,
    secretsKey: env.SECRETS_KEY,
    logger,
    timeouts: databaseTimeouts(env),
  });
  const redis = createWorkerRedis(env.REDIS_URL);
  const producer = createProducer({
    redis,
    prefix: env.QUEUE_PREFIX,
    ...(options.policies ? { policies: options.policies } : {}),
  });
  const runtime = createTenantRuntime({
    db,
    limiter: createRateLimiter(redis, { prefix: env.QUEUE_PREFIX }),
    tokenStore: createRedisTokenStore(redis, env.QUEUE_PREFIX, createTokenCipher(env.SECRETS_KEY)),
    lifeposApiUrl: env.LIFEPOS_API_URL,
    retailcrmAllowedHosts: env.RETAILCRM_ALLOWED_HOSTS,
    logger,
  });
  // On the app's connection: it is closed after the workers, so a job finishing during shutdown can
  // still unschedule. The first pass starts now.
  const schedules = startJobScheduleKeeper({
    redis,
    prefix: env.QUEUE_PREFIX,
    logger,
    queues: owns,
    connections: db.connections,
    producer,
    everyMs: options.scheduleCheckEveryMs ?? 60_000,
  });
  return { env, logger, db, redis, runtime, producer, schedules };
}

/** The runner of the owned queues, with the incident hooks. */
function startAppWorkers(
  options: WorkerAppOptions,
  deps: WorkerDeps,
  owns: readonly QueueName[],
): WorkerRunner {
  const { env, logger, db, runtime, producer } = deps;
  const concurrency = options.concurrency ?? env.WORKER_CONCURRENCY ?? options.defaultConcurrency;
  const handlers = [...options.handlers(deps)];
  if (owns.includes('crm-tasks')) {
    handlers.push(
      createCrmTasksHandler({ db, runtime, producer, logger, consoleUrl: env.CONSOLE_PUBLIC_URL }),
    );
  }
  return startWorkers({
    redisUrl: env.REDIS_URL,
    prefix: env.QUEUE_PREFIX,
    logger,
    owns,
    handlers,
    ...(concurrency !== undefined && { concurrency }),
    // While PostgreSQL is unreachable the jobs wait (deferred, no attempt spent, no incident) and run again
    // by themselves once it answers.
    isOutage: isDatabaseUnavailable,
    onFinalFailure: createFinalFailureHook({
      db,
      producer,
      logger,
      consoleUrl: env.CONSOLE_PUBLIC_URL,
      periodicGraceMs: env.PERIODIC_FAILURE_GRACE_MINUTES * 60_000,
    }),
    onSuccess: createSuccessHook({ db, producer, logger }),
  });
}

function startAppRetention(options: WorkerAppOptions, deps: WorkerDeps): Retention | undefined {
  const { env, db, redis, logger } = deps;
  if (!options.retention) return undefined;
  return startRetention({
    ...options.retention,
    db,
    redis,
    prefix: env.QUEUE_PREFIX,
    logger,
    ages: {
      timelineDays: env.RETENTION_TIMELINE_DAYS,
      notificationsDays: env.RETENTION_NOTIFICATIONS_DAYS,
      incidentsDays: env.RETENTION_INCIDENTS_DAYS,
    },
  });
}

/** /healthz, /readyz (Redis, PostgreSQL, and whether the workers consume), /metrics, and the app's routes. */
function startAppHttp(options: WorkerAppOptions, deps: WorkerDeps, runner: WorkerRunner) {
  const { env, logger, db, redis } = deps;
  const { routes } = options;
  const app = createHttpApp({
    service: options.service,
    logger,
    ...(options.bodyLimit !== undefined && { bodyLimit: options.bodyLimit }),
    ...(routes && { routes: (express: HttpApp) => routes(express, deps) }),
    readiness: [
      redisReadiness(redis, 'redis'),
      sqlReadiness(() => db.prisma.$queryRaw`SELECT 1`, 'postgres'),
      {
        name: 'workers',
        check: async () => {
          const health = runner.health();
          if (!health.ready) {
            throw new Error(
              `workers not consuming (running=${health.running}, redis=${health.redisReady}, stalled=${health.stalledQueues.join(',') || 'none'})`,
            );
          }
        },
      },
    ],
  });
  return startHttpServer(app, {
    port: env.PORT,
    logger,
    limits: httpServerLimits(env),
    ...(options.host !== undefined && { host: options.host }),
  });
}

/**
 * The wiring every worker app shares: environment, database, Redis, tenant runtime (rate limits and
 * LIFE POS tokens shared across processes), the schedule keeper of the owned periodic queues, the worker
 * runner with the incident hooks, and the HTTP basics (/healthz, /readyz reporting whether the workers
 * consume, /metrics). Apps add their handlers.
 */
export async function startWorkerApp(options: WorkerAppOptions): Promise<WorkerApp> {
  const env = loadWorkerEnv(options);
  const owns = [...new Set([...options.owns, ...(options.ownsCrmTasks ? (['crm-tasks'] as const) : [])])];
  const deps = createDeps(options, env, owns);
  const { db, redis, logger, producer, schedules } = deps;
  const runner = startAppWorkers(options, deps, owns);
  const incidentWatch = owns.includes('crm-tasks')
    ? startIncidentWatch({ db, producer, logger, ...options.incidentWatch })
    : undefined;
  const retention = startAppRetention(options, deps);
  // Every worker forwards the ingress's triggers: they move while any worker runs.
  const forwarder = startTriggerForwarding({ redis, producer, db, prefix: env.QUEUE_PREFIX, logger });
  const http = await startAppHttp(options, deps, runner);
  logger.info('worker app started', { queues: owns, url: http.url });
  let closing: Promise<void> | undefined;
  return {
    deps,
    runner,
    http,
    schedules,
    ...(incidentWatch && { incidentWatch }),
    ...(retention && { retention }),
    close: () => {
      closing ??= (async () => {
        await schedules.stop();
        await incidentWatch?.stop();
        await retention?.stop();
        await http.close();
        await forwarder.stop();
        await runner.close();
        await schedules.close();
        await producer.close();
        await redis.quit().catch(() => redis.disconnect());
        await db.close();
      })();
      return closing;
    },
  };
}

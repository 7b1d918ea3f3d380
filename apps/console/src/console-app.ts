import { once } from 'node:events';
import { loadEnvOrExit, parseEnv } from '@connector/config';
import { createDatabase, type Database } from '@connector/db';
import {
  createHttpApp,
  type RunningHttpServer,
  redisReadiness,
  sqlReadiness,
  startHttpServer,
} from '@connector/http';
import { createLogger, type Logger } from '@connector/logger';
import {
  createProducer,
  createProducerRedis,
  createRateLimiter,
  createRedisTokenStore,
  type Producer,
} from '@connector/queue';
import { createTenantRuntime } from '@connector/tenant';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { BULL_BOARD_PATH, bullBoardRouter } from './bull-board.js';
import { checkClientsFactory } from './check-clients.js';
import { type ConnectionService, createConnectionService } from './connection-service.js';
import {
  type Credentials,
  credentialsMatch,
  loginRateLimit,
  requireApiAuth,
  requireCsrf,
  requireLoginPage,
  requireSameOrigin,
  SESSION_COOKIE,
  safeNext,
  sessionMiddleware,
} from './console-auth.js';
import { type ConsoleEnv, consoleEnvShape } from './console-env.js';
import { isLocale } from './i18n.js';
import { CONSOLE_CSS } from './pages/console-css.js';
import { loginPage, messagePage } from './pages/login-page.js';
import { type ConsoleQueues, openQueues } from './queues.js';
import { registerApiRoutes } from './routes/api-routes.js';
import { pageContext, registerPageRoutes, sendPage } from './routes/page-routes.js';

export const CONSOLE_SERVICE = 'console';

export interface StartConsoleOptions {
  /** The environment; default process.env (and exit naming the variable when it is wrong). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Interface to listen on; default all (what a container needs). Tests pass 127.0.0.1. */
  host?: string;
}

export interface RunningConsole {
  /** Base URL, e.g. http://127.0.0.1:3002. */
  url: string;
  env: ConsoleEnv;
  logger: Logger;
  http: RunningHttpServer;
  db: Database;
  redis: Redis;
  producer: Producer;
  queues: ConsoleQueues;
  service: ConnectionService;
  close(): Promise<void>;
}

/** The console's pages (no inline scripts or styles at all) may only load from here. */
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function pageHeaders(csp: boolean): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (csp) {
      res.setHeader('Content-Security-Policy', PAGE_CSP);
      res.setHeader('Cache-Control', 'no-store');
    }
    next();
  };
}

interface RouteDeps {
  env: ConsoleEnv;
  db: Database;
  redis: Redis;
  queues: ConsoleQueues;
  service: ConnectionService;
  logger: Logger;
}

function registerConsole(app: Express, deps: RouteDeps): void {
  const { env, logger } = deps;
  const credentials: Credentials = { user: env.CONSOLE_USER, password: env.CONSOLE_PASSWORD };

  app.get('/assets/console.css', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('css').send(CONSOLE_CSS);
  });

  app.use(
    sessionMiddleware({
      redis: deps.redis,
      prefix: env.QUEUE_PREFIX,
      secretsKey: env.SECRETS_KEY,
      secure: env.NODE_ENV !== 'development',
      idleMinutes: env.SESSION_IDLE_MINUTES,
    }),
  );

  const refusedForm = (req: Request, res: Response) => {
    const ctx = pageContext(req);
    sendPage(
      res,
      messagePage(
        ctx,
        ctx.locale === 'ru' ? 'Форма устарела' : 'The form has expired',
        ctx.locale === 'ru'
          ? 'Запрос отклонён: нет защитного токена формы (CSRF). Откройте страницу заново и повторите.'
          : 'Request refused: the form’s protection (CSRF) token is missing. Open the page again and retry.',
        { href: '/connections', text: ctx.locale === 'ru' ? 'К подключениям' : 'To the connections' },
      ),
      403,
    );
  };
  const limiter = loginRateLimit({
    maxFailures: env.LOGIN_MAX_FAILURES,
    windowMinutes: env.LOGIN_WINDOW_MINUTES,
    onLimited: (req, res) => {
      if (req.path.startsWith('/api')) {
        res
          .status(429)
          .json({ error: { code: 'too_many_requests', message: 'Too many failed sign-ins; try later' } });
        return;
      }
      const ctx = pageContext(req);
      sendPage(
        res,
        messagePage(
          ctx,
          ctx.locale === 'ru' ? 'Слишком много попыток' : 'Too many attempts',
          ctx.locale === 'ru'
            ? 'Слишком много неудачных попыток входа. Подождите несколько минут.'
            : 'Too many failed sign-in attempts. Wait a few minutes.',
        ),
        429,
      );
    },
  });

  // The JSON API: its own auth (Basic or session + CSRF header), 401 instead of a redirect.
  registerApiRoutes(app, deps, [limiter, requireApiAuth(credentials)]);

  app.get('/lang/:locale', (req, res) => {
    if (isLocale(req.params.locale)) req.session.locale = req.params.locale;
    res.redirect(303, safeNext(req.query.next));
  });

  // Bull Board: behind the same login; its assets need the cookie, never a bearer header. Mounted before the
  // page headers: its page runs scripts of its own that the pages' CSP would block.
  app.use(
    BULL_BOARD_PATH,
    pageHeaders(false),
    requireLoginPage(),
    requireSameOrigin(),
    bullBoardRouter(deps.queues),
  );

  app.use(pageHeaders(true));

  app.get('/login', (req, res) => {
    sendPage(res, loginPage(pageContext(req), { next: safeNext(req.query.next) }));
  });

  app.post('/login', limiter, requireCsrf(refusedForm), (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const given = {
      user: typeof body.user === 'string' ? body.user : '',
      password: typeof body.password === 'string' ? body.password : '',
    };
    const next_ = safeNext(body.next);
    if (!credentialsMatch(credentials, given)) {
      logger.warn('console sign-in failed', { ip: req.ip });
      sendPage(res, loginPage(pageContext(req), { next: next_, user: given.user, failed: true }), 401);
      return;
    }
    const locale = req.session.locale;
    // A new session id on sign-in: an id planted before it (session fixation) is worth nothing.
    req.session.regenerate((error) => {
      if (error) {
        next(error);
        return;
      }
      req.session.user = credentials.user;
      if (locale) req.session.locale = locale;
      logger.info('console sign-in', { ip: req.ip });
      res.redirect(303, next_);
    });
  });

  app.post('/logout', requireCsrf(refusedForm), (req, res, next) => {
    req.session.destroy((error) => {
      if (error) {
        next(error);
        return;
      }
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.redirect(303, '/login');
    });
  });

  // Every page below needs the session, and every form post its CSRF token.
  app.use(requireLoginPage(), requireCsrf(refusedForm));
  registerPageRoutes(app, deps);
}

async function redisReadyWithin(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    once(redis, 'ready'),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export async function startConsole(options: StartConsoleOptions = {}): Promise<RunningConsole> {
  const env = options.env
    ? parseEnv(CONSOLE_SERVICE, consoleEnvShape, options.env)
    : loadEnvOrExit(CONSOLE_SERVICE, consoleEnvShape);
  const logger = options.logger ?? createLogger({ service: CONSOLE_SERVICE, level: env.LOG_LEVEL });
  const db = createDatabase({ url: env.DATABASE_URL, secretsKey: env.SECRETS_KEY, logger });
  const redis = createProducerRedis(env.REDIS_URL, { name: 'console', logger });
  // The fail-fast connection refuses commands until it is up; give it a moment so the first sign-in works.
  await redisReadyWithin(redis, 3_000);
  const producer = createProducer({ redis, prefix: env.QUEUE_PREFIX });
  // A person waits on the checks: wait a little longer for a rate-limit slot than a job would.
  const limiter = createRateLimiter(redis, { prefix: env.QUEUE_PREFIX, maxWaitMs: 10_000 });
  const runtime = createTenantRuntime({
    db,
    limiter,
    tokenStore: createRedisTokenStore(redis, env.QUEUE_PREFIX),
    lifeposApiUrl: env.LIFEPOS_API_URL,
    retailcrmAllowedHosts: env.RETAILCRM_ALLOWED_HOSTS,
    logger,
  });
  const queues = openQueues(redis, env.QUEUE_PREFIX);
  const syncQueue = queues.byName.get('sync');
  if (!syncQueue) throw new Error('the queue catalog has no sync queue');
  const service = createConnectionService({
    db,
    buildClients: checkClientsFactory({
      lifeposApiUrl: env.LIFEPOS_API_URL,
      retailcrmAllowedHosts: env.RETAILCRM_ALLOWED_HOSTS,
      limiter,
      logger,
    }),
    runtime,
    producer,
    syncQueue,
    publicUrl: env.PUBLIC_URL,
    triggerUrl: env.TRIGGER_URL ?? `${env.PUBLIC_URL}/retailCRM/update`,
    logger,
  });

  const app = createHttpApp({
    service: CONSOLE_SERVICE,
    logger,
    trustProxy: env.TRUST_PROXY,
    bodyLimit: '256kb',
    readiness: [redisReadiness(redis), sqlReadiness(() => db.prisma.$queryRaw`SELECT 1`)],
    routes: (express) => registerConsole(express, { env, db, redis, queues, service, logger }),
  });

  let http: RunningHttpServer;
  try {
    http = await startHttpServer(app, {
      port: env.PORT,
      logger,
      ...(options.host !== undefined && { host: options.host }),
    });
  } catch (error) {
    await queues.close().catch(() => {});
    redis.disconnect();
    await db.close();
    throw error;
  }
  logger.info('console started', { url: http.url });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await http.close();
      await queues.close();
      await producer.close();
      await redis.quit().catch(() => redis.disconnect());
      await db.close();
      logger.info('console stopped');
    })();
    return closing;
  };
  return { url: http.url, env, logger, http, db, redis, producer, queues, service, close };
}

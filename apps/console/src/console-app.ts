import { once } from 'node:events';
import { loadEnvOrExit, parseEnv } from '@connector/config';
import { createDatabase, createTokenCipher, type Database, databaseTimeouts } from '@connector/db';
import {
  createHttpApp,
  httpServerLimits,
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
import { createTenantRuntime, type TenantRuntime } from '@connector/tenant';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { BULL_BOARD_PATH, bullBoardPageRewrite, bullBoardRouter } from './bull-board.js';
import { checkClientsFactory } from './check-clients.js';
import { type ConnectionService, createConnectionService } from './connection-service.js';
import {
  type Credentials,
  credentialsMatch,
  requireApiAuth,
  requireCsrf,
  requireLoginPage,
  requireSameOrigin,
  SESSION_COOKIE,
  safeNext,
  sessionMiddleware,
  setRetryAfter,
} from './console-auth.js';
import { type ConsoleEnv, consoleEnvShape } from './console-env.js';
import { isLocale } from './i18n.js';
import { createLoginThrottle, formatWait, type LoginThrottle } from './login-throttle.js';
import { CONSOLE_CSS } from './pages/console-css.js';
import { CONSOLE_JS, FAVICON_SVG } from './pages/console-js.js';
import { loginPage, messagePage } from './pages/login-page.js';
import { type ConsoleQueues, openQueues } from './queues.js';
import { registerApiRoutes } from './routes/api-routes.js';
import { incidentsRouter } from './routes/incidents-routes.js';
import { ordersRouter } from './routes/orders-routes.js';
import { registerPageRoutes } from './routes/page-routes.js';
import { pageContext, sendPage } from './routes/page-support.js';

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

/** What the console's pages and Bull Board share: nothing from another host, no inline script. */
const CSP_COMMON = [
  "default-src 'none'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
];
/** The console's pages: no inline code at all; their one script is a file of this origin (pages/console-js.ts). */
export const PAGE_CSP = [...CSP_COMMON, "style-src 'self'", "script-src 'self'", "base-uri 'none'"].join(
  '; ',
);
/**
 * Bull Board is a script app of this origin: its own scripts, its API calls, its `<base href>`, and the one
 * inline `<style>` of its Redis logo (the SVG's colours; @bull-board/ui 9.10.1), allowed by its hash only.
 */
export const BULL_BOARD_CSP = [
  ...CSP_COMMON,
  "style-src 'self' 'sha256-r2N1TB/gHbBtBZFKg7ejmq1acVSREzucTAEw6ga4hoU='",
  "script-src 'self'",
  "connect-src 'self'",
  "base-uri 'self'",
].join('; ');

function pageHeaders(csp: string, noStore: boolean): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', csp);
    if (noStore) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

/** A year; subdomains are not included (they may be other services of the shop). */
const HSTS = 'max-age=31536000';

/**
 * HSTS on every answer given over https (`req.secure`: TLS to the console itself, or X-Forwarded-Proto from a
 * trusted proxy). A request that a proxy says came over https while TRUST_PROXY does not trust that proxy is
 * logged once: outside development its session cookie is Secure and would not be set, so sign-ins fail.
 */
function transportSecurity(logger: Logger): RequestHandler {
  let warned = false;
  return (req, res, next) => {
    if (req.secure) {
      res.setHeader('Strict-Transport-Security', HSTS);
    } else if (!warned && req.get('x-forwarded-proto') === 'https') {
      warned = true;
      logger.warn('a request forwarded over https by a proxy that is not trusted: set TRUST_PROXY', {
        ip: req.ip,
      });
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
  producer: Producer;
  runtime: TenantRuntime;
  logger: Logger;
}

/** The console's own static files: its stylesheet, its one script and its icon. */
function registerAssets(app: Express): void {
  app.get('/assets/console.css', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('css').send(CONSOLE_CSS);
  });
  app.get('/assets/console.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('js').send(CONSOLE_JS);
  });
  app.get('/favicon.ico', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').send(FAVICON_SVG);
  });
}

/** A form post without its CSRF token: a page that says to open the form again. */
function refusedForm(req: Request, res: Response): void {
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
}

/** The JSON API's answer to a caller who failed to sign in too often. */
function apiThrottled(_req: Request, res: Response, waitMs: number): void {
  setRetryAfter(res, waitMs);
  res.status(429).json({
    error: {
      code: 'too_many_requests',
      message: `Too many failed sign-ins; try again in ${formatWait(waitMs, 'en')}`,
      retryAfterSeconds: Math.ceil(waitMs / 1000),
    },
  });
}

interface SignInDeps {
  credentials: Credentials;
  throttle: LoginThrottle;
  logger: Logger;
}

/** The sign-in form's post: throttled per user and address, a new session id on success. */
function signIn({ credentials, throttle, logger }: SignInDeps): RequestHandler {
  return async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const given = {
      user: typeof body.user === 'string' ? body.user : '',
      password: typeof body.password === 'string' ? body.password : '',
    };
    const next_ = safeNext(body.next);
    const who = { user: given.user, ip: req.ip };
    const waitMs = await throttle.attempt(who);
    if (waitMs > 0) {
      logger.warn('console sign-in refused: too many failed attempts', { ip: req.ip, waitMs });
      setRetryAfter(res, waitMs);
      sendPage(res, loginPage(pageContext(req), { next: next_, user: given.user, throttledMs: waitMs }), 429);
      return;
    }
    if (!credentialsMatch(credentials, given)) {
      logger.warn('console sign-in failed', { ip: req.ip });
      sendPage(res, loginPage(pageContext(req), { next: next_, user: given.user, failed: true }), 401);
      return;
    }
    await throttle.succeeded(who);
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
  };
}

function registerSignIn(app: Express, deps: SignInDeps): void {
  app.get('/login', (req, res) => {
    sendPage(res, loginPage(pageContext(req), { next: safeNext(req.query.next) }));
  });

  app.post('/login', requireCsrf(refusedForm), signIn(deps));

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
}

function registerConsole(app: Express, deps: RouteDeps): void {
  const { env, logger } = deps;
  const credentials: Credentials = { user: env.CONSOLE_USER, password: env.CONSOLE_PASSWORD };
  const throttle = createLoginThrottle({
    redis: deps.redis,
    prefix: env.QUEUE_PREFIX,
    maxFailures: env.LOGIN_MAX_FAILURES,
    windowMinutes: env.LOGIN_WINDOW_MINUTES,
  });

  app.use(transportSecurity(logger));
  registerAssets(app);

  app.use(
    sessionMiddleware({
      redis: deps.redis,
      prefix: env.QUEUE_PREFIX,
      secretsKey: env.SECRETS_KEY,
      secure: env.NODE_ENV !== 'development',
      idleMinutes: env.SESSION_IDLE_MINUTES,
    }),
  );

  // The JSON API: its own auth (Basic or session + CSRF header), 401 instead of a redirect.
  registerApiRoutes(app, deps, [requireApiAuth(credentials, throttle, apiThrottled)]);

  app.get('/lang/:locale', (req, res) => {
    if (isLocale(req.params.locale)) req.session.locale = req.params.locale;
    res.redirect(303, safeNext(req.query.next));
  });

  // Bull Board: behind the same login; its assets need the cookie, never a bearer header. Its own CSP adds
  // its scripts to the pages' one; its page is rewritten to load nothing from other hosts.
  app.use(
    BULL_BOARD_PATH,
    pageHeaders(BULL_BOARD_CSP, false),
    requireLoginPage(),
    requireSameOrigin(),
    bullBoardPageRewrite(),
    bullBoardRouter(deps.queues),
  );

  app.use(pageHeaders(PAGE_CSP, true));
  registerSignIn(app, { credentials, throttle, logger });

  // Every page below needs the session, and every form post its CSRF token.
  app.use(requireLoginPage(), requireCsrf(refusedForm));
  registerPageRoutes(app, deps);
  app.use(incidentsRouter(deps), ordersRouter(deps));
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
  const db = createDatabase({
    url: env.DATABASE_URL,
    secretsKey: env.SECRETS_KEY,
    logger,
    timeouts: databaseTimeouts(env),
  });
  const redis = createProducerRedis(env.REDIS_URL, { name: 'console', logger });
  // The fail-fast connection refuses commands until it is up; give it a moment so the first sign-in works.
  await redisReadyWithin(redis, 3_000);
  const producer = createProducer({ redis, prefix: env.QUEUE_PREFIX });
  // A person waits on the checks: wait a little longer for a rate-limit slot than a job would.
  const limiter = createRateLimiter(redis, { prefix: env.QUEUE_PREFIX, maxWaitMs: 10_000 });
  const runtime = createTenantRuntime({
    db,
    limiter,
    tokenStore: createRedisTokenStore(redis, env.QUEUE_PREFIX, createTokenCipher(env.SECRETS_KEY)),
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
    routes: (express) =>
      registerConsole(express, { env, db, redis, queues, service, producer, runtime, logger }),
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

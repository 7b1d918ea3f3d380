import { type Logger, REDACTED } from '@connector/logger';
import express, { type Express, type RequestHandler } from 'express';
import { errorHandler, notFoundHandler } from './error-handlers.js';
import { type FastRoute, installFastRoutes } from './fast-routes.js';
import { httpMetrics, metricsText } from './http-metrics.js';
import { type ReadinessCheck, readinessHandler } from './readiness.js';
import { attachRequestContext, chooseRequestId, findContext, REQUEST_ID_HEADER } from './request-context.js';
import { routeLabel, UNMATCHED_ROUTE } from './route-label.js';

export interface HttpAppOptions {
  /** App name: the `service` label of the HTTP metrics and of the access log. */
  service: string;
  logger: Logger;
  /** Checks behind GET /readyz. Read on every probe. */
  readiness?: ReadinessCheck[];
  /** Default time a readiness check may take before it counts as failed. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /** Largest accepted JSON / form body (body-parser syntax, e.g. '100kb'). Default '1mb'. */
  bodyLimit?: string | number;
  /** express' `trust proxy` setting, for apps behind a reverse proxy. Default: off. */
  trustProxy?: boolean | number | string;
  /**
   * Registers the app's own routes. They are mounted after the basics (request id, access log, metrics,
   * body parsers, /healthz, /readyz, /metrics) and before the JSON 404 and error handlers.
   */
  routes?: (app: Express) => void;
  /**
   * Routes on the hot path that read their own body: mounted right after the request id, access log and
   * metrics, before the shared body parsers and the other routes.
   */
  hotRoutes?: (app: Express) => void;
  /**
   * Routes answered before express's router (see fast-routes.ts): for endpoints where the router's own cost
   * matters. Requests they do not match go to the other routes.
   */
  fastRoutes?: readonly FastRoute[];
}

/**
 * The path of a request no route matched, for the log: a mistyped or outdated notification URL still
 * carries its token, so long opaque segments are masked.
 */
function loggablePath(path: string): string {
  return path
    .slice(0, 200)
    .split('/')
    .map((segment) => (segment.length >= 20 ? REDACTED : segment))
    .join('/');
}

// Probes and scrapes arrive every few seconds: log them only at debug level.
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The HTTP metrics' series of one method, route and status, made once each: labelling a series hashes its
 * labels, which costs the hot routes more than counting.
 */
function requestCounters(service: string) {
  const metrics = httpMetrics();
  const series = new Map<string, { requests: { inc(): void }; duration: { observe(value: number): void } }>();
  return (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      const labels = { service, method, route, status: String(status) };
      found = { requests: metrics.requests.labels(labels), duration: metrics.duration.labels(labels) };
      series.set(key, found);
    }
    return found;
  };
}

/** Request id, access log and HTTP metrics for every request, recorded once when the answer ends. */
function observeRequests(service: string, logger: Logger, app: Express): RequestHandler {
  const countersFor = requestCounters(service);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const id = chooseRequestId(req.headers[REQUEST_ID_HEADER]);
    res.setHeader('X-Request-Id', id);
    // The child logger is made when first asked for: most requests log nothing but their access line.
    let requestLogger: Logger | undefined;
    const childLogger = () => {
      requestLogger ??= logger.child({ requestId: id });
      return requestLogger;
    };
    attachRequestContext(res, {
      requestId: id,
      get logger() {
        return childLogger();
      },
    });

    let recorded = false;
    const record = (finished: boolean) => {
      if (recorded) return;
      recorded = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const context = findContext(res);
      const route =
        context?.route ?? (context?.unmatched ? UNMATCHED_ROUTE : routeLabel(req, app.router.stack));
      // 499: the client went away before the answer was complete (nginx' convention).
      const status = finished ? res.statusCode : 499;
      const counted = countersFor(req.method, route, status);
      counted.requests.inc();
      counted.duration.observe(seconds);

      const level =
        status >= 500 ? 'error' : status >= 400 ? 'warn' : QUIET_ROUTES.has(route) ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      // Never the URL of a matched route (it may carry a token, e.g. /lifepos/notifications/:token),
      // never a query string (it may carry an apiKey), never bodies or headers beyond the user agent.
      childLogger().log(level, 'http request', {
        method: req.method,
        route,
        ...(route === UNMATCHED_ROUTE ? { path: loggablePath(req.path) } : {}),
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        responseBytes: Number(res.getHeader('content-length') ?? 0) || undefined,
        ip: req.ip,
        userAgent: req.headers['user-agent']?.slice(0, 200),
      });
    };
    // 'close' follows the end of every answer, and also a connection lost before it.
    res.on('close', () => record(res.writableFinished));
    next();
  };
}

/**
 * An express app with what every connector app shares. Add the app's routes through `routes`;
 * the JSON 404 and error handlers come after them.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { service, logger, readiness = [], readinessTimeoutMs = 2000, bodyLimit = '1mb', routes } = options;
  const names = readiness.map((check) => check.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new Error(`readiness check "${duplicate}" is registered twice`);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);

  const observe = observeRequests(service, logger, app);
  app.use(observe);
  options.hotRoutes?.(app);
  app.use(express.json({ limit: bodyLimit }));
  app.use(express.urlencoded({ extended: false, limit: bodyLimit }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', readinessHandler(readiness, readinessTimeoutMs, logger));
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metricsText();
    res.type(contentType).send(body);
  });

  routes?.(app);

  app.use(notFoundHandler());
  const onError = errorHandler(logger);
  app.use(onError);
  if (options.fastRoutes) installFastRoutes(app, options.fastRoutes, observe, onError);
  return app;
}

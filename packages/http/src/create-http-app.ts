import type { Logger } from '@connector/logger';
import express, { type Express } from 'express';
import { errorHandler, notFoundHandler } from './error-handlers.js';
import { type FastRoute, installFastRoutes } from './fast-routes.js';
import { metricsText } from './http-metrics.js';
import { observeRequests } from './observe-requests.js';
import { type ReadinessCheck, readinessHandler } from './readiness.js';

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

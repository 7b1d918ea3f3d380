import type { Logger } from '@connector/logger';
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { FaultInjector } from '../faults.js';
import type { RequestLog } from '../request-log.js';
import type { CrmAccount } from './account.js';
import {
  accessDenied,
  apiKeyMissing,
  apiMethodNotFound,
  CrmApiError,
  entityFormatErrors,
  faultErrorBody,
  methodNotAllowed,
  RATE_LIMIT_BODY,
  UNKNOWN_ACCOUNT_HTML,
  wrongApiKey,
} from './api-error.js';
import { type Params, paramString, parseBracketParams } from './bracket-params.js';
import { directoryRoutes } from './directory-routes.js';
import { orderRoutes } from './order-routes.js';
import { type ApiRoute, RouteContext } from './route-context.js';

export interface AccountAppDeps {
  faults: FaultInjector;
  requestLog: RequestLog;
  logger: Logger;
}

interface CompiledRoute {
  route: ApiRoute;
  pattern: RegExp;
  names: string[];
}

// Order matters: fixed paths such as `/orders/history` come before `/orders/:id`.
const ROUTES: CompiledRoute[] = [...directoryRoutes, ...orderRoutes].map((route) => {
  const names: string[] = [];
  const source = route.path
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/:(\w+)/g, (_match, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
  return { route, pattern: new RegExp(`^${source}/?$`), names };
});

function matchRoute(method: string, path: string): { route: ApiRoute; params: Record<string, string> } {
  let pathMatched = false;
  for (const { route, pattern, names } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params = Object.fromEntries(
      names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
    );
    return { route, params };
  }
  throw pathMatched ? methodNotAllowed() : apiMethodNotFound();
}

function sendUnknownAccount(res: Response): void {
  res.status(405).set('Server', 'nginx').type('text/html').send(UNKNOWN_ACCOUNT_HTML);
}

function sendError(res: Response, error: CrmApiError): void {
  res.status(error.status).json(error.body());
}

/** Everything after the middlewares: route, key, scope, handler, envelope. */
function dispatch(account: CrmAccount, req: Request, res: Response, logger: Logger): void {
  try {
    const { route, params } = matchRoute(req.method, req.path);
    const query = req.query as Params;
    const body: Params = req.body && typeof req.body === 'object' ? (req.body as Params) : {};
    // docs/RETAILCRM-API.md, «Authentication»: `X-API-KEY` header or `apiKey` GET/POST parameter.
    const presented = req.get('x-api-key') || paramString(query.apiKey) || paramString(body.apiKey);
    if (!presented) throw apiKeyMissing();
    const key = account.apiKeys.get(presented);
    if (!key) throw wrongApiKey();
    if (route.scope) {
      const required = account.settings.scopeRules[route.scope];
      if (!required.some((scope) => key.scopes.includes(scope))) throw accessDenied();
    }
    const { status = 200, body: payload } = route.handle(new RouteContext(account, key, query, body, params));
    res.status(status).json({ success: true, ...payload });
  } catch (error) {
    if (error instanceof CrmApiError) {
      sendError(res, error);
      return;
    }
    logger.error('retailcrm sandbox handler failed', { account: account.code, path: req.path, error });
    res.status(500).json({ success: false, errorMsg: 'Internal Server Error' });
  }
}

/** The API of one account, served on a listener of its own (as each real account has its own host). */
export function createAccountApp(account: CrmAccount, deps: AccountAppDeps): express.Application {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // PHP bracket syntax for the query string (docs/RETAILCRM-API.md, «GET query strings»).
  app.set('query parser', (query: string | null) => parseBracketParams(query ?? ''));

  app.use(deps.requestLog.middleware('retailcrm', () => account.code));
  app.use(deps.faults.middleware('retailcrm', faultErrorBody));
  app.use((_req, res, next) => {
    if (account.deleted) sendUnknownAccount(res);
    else next();
  });
  app.use((_req, res, next) => {
    const { rateLimit } = account.settings;
    if (rateLimit.enabled && !account.limiter.tryAcquire(rateLimit.perSecond)) {
      // nginx's own reason phrase for 503.
      if (rateLimit.status === 503) res.statusMessage = 'Service Temporarily Unavailable';
      res.status(rateLimit.status).json(RATE_LIMIT_BODY);
      return;
    }
    next();
  });
  app.use((_req, _res, next) => {
    if (account.settings.latencyMs > 0) setTimeout(next, account.settings.latencyMs);
    else next();
  });
  // docs/RETAILCRM-API.md, «POST bodies»: POST bodies are urlencoded (JSON strings in some fields) or, from
  // legacy clients, multipart.
  app.use(express.text({ type: 'application/x-www-form-urlencoded', limit: '10mb' }));
  app.use((req, _res, next) => {
    if (typeof req.body === 'string') req.body = parseBracketParams(req.body);
    next();
  });
  app.use(multer({ limits: { fieldSize: 10 * 1024 * 1024, files: 0 } }).none());
  app.use((req, res) => dispatch(account, req, res, deps.logger));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    deps.logger.warn('retailcrm sandbox could not read a request body', { account: account.code, error });
    sendError(res, entityFormatErrors());
  });
  return app;
}

/** A listener that answers every request the way RetailCRM answers for a host without an account. */
export function createUnknownAccountApp(deps: AccountAppDeps): express.Application {
  const app = express();
  app.disable('x-powered-by');
  app.use(deps.requestLog.middleware('retailcrm', () => undefined));
  app.use((_req, res) => sendUnknownAccount(res));
  return app;
}

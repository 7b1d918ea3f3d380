// Routes answered without express's router: for an endpoint whose every request is on the hot path (the
// ingress's trigger), the router's layer matching and dispatch cost as much CPU as the rest of the answer.
// A fast route still gets everything an express route gets: the express request and response (`res.json`,
// `req.is`), the request id, access log and metrics, and the app's error handler. Requests it does not take
// (another method, a path spelled otherwise) go through express as before.
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from './http-error.js';
import { findContext } from './request-context.js';

export interface FastRoute {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'GET';
  /** Matched in any letter case, without a trailing slash; a query string is allowed. */
  path: string;
  handlers: RequestHandler[];
  /** Run before the app's error handler, e.g. to count rejections. */
  errorHandlers?: ErrorRequestHandler[];
}

type Step = (error?: unknown) => void;

/** Runs `handlers` in order as express would: `next()` goes on, `next(error)` or a throw/rejection stops. */
function runHandlers(handlers: readonly RequestHandler[], req: Request, res: Response, done: Step): void {
  let index = 0;
  const next: Step = (error) => {
    if (error !== undefined && error !== null) {
      done(error);
      return;
    }
    const handler = handlers[index++];
    if (!handler) {
      done();
      return;
    }
    try {
      const result = handler(req, res, next as NextFunction) as unknown;
      if (result instanceof Promise)
        result.catch((rejection: unknown) => next(rejection ?? new Error('rejected')));
    } catch (thrown) {
      next(thrown);
    }
  };
  next();
}

/** Runs the error handlers in order; the last one answers. */
function runErrorHandlers(
  handlers: readonly ErrorRequestHandler[],
  error: unknown,
  req: Request,
  res: Response,
): void {
  let index = 0;
  const next: Step = (passed) => {
    const handler = handlers[index++];
    if (!handler) return;
    try {
      handler(passed ?? error, req, res, next as NextFunction);
    } catch (thrown) {
      next(thrown);
    }
  };
  next(error);
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '';
  const query = raw.indexOf('?');
  return (query === -1 ? raw : raw.slice(0, query)).toLowerCase();
}

/**
 * Finds the route of a method and URL. A URL spelled exactly as the route's path (what a configured
 * client sends every time) is found without building a string; other spellings by their lower-cased path.
 */
function routeFinder(
  routes: readonly FastRoute[],
): (method: string, url: string | undefined) => FastRoute | undefined {
  const exact = new Map<string, Map<string, FastRoute>>();
  const folded = new Map<string, FastRoute>();
  for (const route of routes) {
    const byMethod = exact.get(route.path) ?? new Map<string, FastRoute>();
    byMethod.set(route.method, route);
    exact.set(route.path, byMethod);
    folded.set(`${route.method} ${route.path.toLowerCase()}`, route);
  }
  return (method, url) =>
    (url === undefined ? undefined : exact.get(url)?.get(method)) ?? folded.get(`${method} ${pathOf(url)}`);
}

/**
 * Answers `routes` before express's router: `observe` is the app's request-id/access-log/metrics middleware,
 * `onError` its error handler. Everything else goes to the app as before.
 */
export function installFastRoutes(
  app: Express,
  routes: readonly FastRoute[],
  observe: RequestHandler,
  onError: ErrorRequestHandler,
): void {
  const find = routeFinder(routes);
  // express's entry point for every request (the app function calls it); not in its type definitions.
  const dispatcher = app as Express & { handle: (req: Request, res: Response, next?: NextFunction) => void };
  const viaRouter = dispatcher.handle.bind(app);
  dispatcher.handle = (req, res, callback) => {
    const route = find(req.method, req.url);
    if (!route) {
      viaRouter(req, res, callback);
      return;
    }
    // What express's own `handle` does before it hands the request to its router.
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals ??= Object.create(null);
    observe(req, res, () => {
      const context = findContext(res);
      if (context) context.route = route.path;
      runHandlers(route.handlers, req, res, (error) => {
        if (error === undefined && res.headersSent) return;
        // Handlers that pass on without answering: what express's router would say.
        const reason = error ?? new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`);
        runErrorHandlers([...(route.errorHandlers ?? []), onError], reason, req, res);
      });
    });
  };
}

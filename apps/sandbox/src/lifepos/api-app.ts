import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { FaultInjector } from '../faults.js';
import type { RequestLog } from '../request-log.js';
import { archiveIn, CATALOGS, createIn, findIn, patchIn } from './catalog.js';
import { errorBodyForStatus, invalid, LifePosApiError } from './errors.js';
import { jsonPatchSchema } from './json-patch.js';
import { type ListSpec, listItems, type QueryParams } from './listing.js';
import type { ModelTail } from './model.js';
import { type Presentation, parseDeclaredExtensions } from './presentation.js';
import { documentsOfSale, findDocument, findSale, MONEY_DOCUMENT_LIST, SALE_LIST } from './sales.js';
import type { LifePosSimulator } from './simulator.js';
import type { OrgAccess, Session } from './store.js';
import { parseInput, signInByPhoneSchema, signInSchema } from './validation.js';

/**
 * The LIFE POS v6 HTTP API. Every request passes, in order: request log → fault injection → required client
 * headers (docs/LIFEPOS-API.md, «Required headers») → JSON body → bearer token («Sign-in and tokens») →
 * organization, per-second limit («HTTP statuses and rate limit») and Owner/Administrator check → the route.
 * Errors use the v6 body `{code, message, info}` (docs/LIFEPOS-API.md, «Error body»).
 */

/** G-1: `/v6/...` and the unprefixed form both route to v6. */
const P = '{/v6}';

const CLIENT_TYPES = ['Unknown', 'App', 'WebApp', 'Service', 'Android'];
/** docs/LIFEPOS-API.md, «Required headers»: JSON-Patch endpoints also accept these content types. */
const JSON_TYPES = ['application/json', 'application/json-patch+json', 'text/json', 'application/*+json'];

function tenantOf(req: Request): string | undefined {
  return /^(?:\/v6)?\/orgs\/([^/?]+)/.exec(req.originalUrl)?.[1];
}

/**
 * The per-organization limit (docs/LIFEPOS-API.md, «HTTP statuses and rate limit») counts a request when it
 * arrives, as an edge limiter does (nginx's limit_req: once the headers are read, before the body and
 * before anything else is checked) — not after this process has read the body, which under load would add
 * its own event-loop lag to the arrival times the limit is counted on. A request for an organization that
 * does not exist is left to the routes (404).
 */
function limitOnArrival(sim: LifePosSimulator): RequestHandler {
  return (req, res, next) => {
    const guid = tenantOf(req);
    const limit = guid === undefined ? undefined : sim.store.findOrg(guid)?.rateLimit;
    if (guid === undefined || !limit?.enabled || sim.limiter.tryAcquire(guid, limit.perSecond)) {
      next();
      return;
    }
    if (limit.retryAfterHeader) res.set('Retry-After', '1');
    next(new LifePosApiError(429, 'TooManyRequests', 'Per-second request limit exceeded'));
  };
}

/**
 * docs/LIFEPOS-API.md, «Required headers»: `X-LP-Client-Identifier`, `X-LP-Client-Type` and `Accept-Language`
 * are required on every operation.
 */
function requireClientHeaders(req: Request, _res: Response, next: NextFunction): void {
  const identifier = req.get('x-lp-client-identifier');
  if (!identifier?.trim()) {
    throw invalid('Header X-LP-Client-Identifier is required', 'X-LP-Client-Identifier');
  }
  const type = req.get('x-lp-client-type');
  if (!type || !CLIENT_TYPES.includes(type)) {
    throw invalid(`Header X-LP-Client-Type must be one of ${CLIENT_TYPES.join(', ')}`, 'X-LP-Client-Type');
  }
  // A language tag such as ru-RU or en-US; `*` (what fetch sends by default) names no language.
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*\s*(,|;|$)/i.test(req.get('accept-language') ?? '')) {
    throw invalid('Header Accept-Language is required (e.g. ru-RU)', 'Accept-Language');
  }
  next();
}

function presentationOf(req: Request): Presentation {
  const value = req.query.presentation;
  if (value === undefined) return 'compact';
  if (value === 'compact' || value === 'full') return value;
  throw invalid('presentation must be compact or full', 'presentation');
}

function declaredOf(req: Request): Set<string> {
  return parseDeclaredExtensions(req.get('x-lp-client-extensions'));
}

function sessionOf(res: Response): Session {
  return res.locals.session as Session;
}

function accessOf(res: Response): OrgAccess {
  return res.locals.access as OrgAccess;
}

function param(req: Request, name: string): string {
  return String(req.params[name]);
}

/** How a route answers with objects as the calling client sees them. */
interface Views {
  viewFor<T extends object>(req: Request, res: Response, object: T): T;
  listFor<T extends ModelTail>(
    req: Request,
    res: Response,
    items: Iterable<T>,
    spec: ListSpec<T>,
  ): ReturnType<typeof listItems<T>>;
  operations(req: Request): ReturnType<typeof parseInput<typeof jsonPatchSchema>>;
}

function viewsOf(sim: LifePosSimulator): Views {
  const viewFor = <T extends object>(req: Request, res: Response, object: T): T =>
    sim.view(accessOf(res).org.organization.guid, object, {
      presentation: presentationOf(req),
      declaredExtensions: declaredOf(req),
    });
  function listFor<T extends ModelTail>(req: Request, res: Response, items: Iterable<T>, spec: ListSpec<T>) {
    const envelope = listItems(items, req.query as QueryParams, spec);
    return { ...envelope, items: envelope.items?.map((item) => viewFor(req, res, item)) ?? null };
  }
  const operations = (req: Request) => parseInput(jsonPatchSchema, req.body, 'JSON Patch');
  return { viewFor, listFor, operations };
}

/** Authentication (docs/LIFEPOS-API.md, «Sign-in and tokens»): sign-in, then every route needs a token. */
function registerAuth(app: express.Application, sim: LifePosSimulator): void {
  app.post(`${P}/auth/sign-in-by-phone`, (req, res) => {
    const input = parseInput(signInByPhoneSchema, req.body, 'Sign-in');
    res.status(200).json({ token: sim.store.signInByPhone(input.phone, input.password) });
  });
  app.post(`${P}/auth/sign-in`, (req, res) => {
    const input = parseInput(signInSchema, req.body, 'Sign-in');
    res.status(200).json({ token: sim.store.signInByUsername(input.full_username, input.password) });
  });

  app.use((req, res, next) => {
    res.locals.session = sim.store.authenticate(req.get('authorization'));
    next();
  });
}

/** Organizations (docs/LIFEPOS-API.md, «Organizations», «Current employee»), their rate limit and access. */
function registerOrganizations(app: express.Application, sim: LifePosSimulator, views: Views): void {
  const { viewFor, operations } = views;
  app.get(`${P}/orgs`, (req, res) => {
    const organizations = sim.store.organizationsOf(sessionOf(res));
    const envelope = listItems(organizations, req.query as QueryParams, {
      searchFields: ['name', 'alias', 'meta', 'meta_data'],
      orderFields: ['created_at', 'updated_at', 'name'],
    });
    res.json({
      ...envelope,
      items:
        envelope.items?.map((organization) =>
          sim.view(organization.guid, organization, {
            presentation: presentationOf(req),
            declaredExtensions: declaredOf(req),
          }),
        ) ?? null,
    });
  });

  app.all(`${P}/orgs/:org{/*rest}`, (req, res, next) => {
    const org = sim.store.org(param(req, 'org'));
    res.locals.access = sim.store.access(org.organization.guid, sessionOf(res));
    next();
  });

  app.get(`${P}/orgs/:org`, (req, res) => {
    res.json(viewFor(req, res, accessOf(res).org.organization));
  });
  app.patch(`${P}/orgs/:org`, (req, res) => {
    sim.patchOrganization(param(req, 'org'), operations(req), declaredOf(req));
    res.status(204).end();
  });
  app.get(`${P}/orgs/:org/me`, (req, res) => {
    res.json(viewFor(req, res, accessOf(res).employee));
  });
}

/** Reference data (docs/LIFEPOS-API.md, «Resources», G-9): one set of routes per catalog. */
function registerCatalogs(app: express.Application, sim: LifePosSimulator, views: Views): void {
  const { viewFor, listFor, operations } = views;
  for (const spec of CATALOGS) {
    const base = `${P}/orgs/:org/${spec.segment}`;
    app.get(base, (req, res) => {
      res.json(listFor(req, res, spec.collection(accessOf(res).org).values(), spec.list));
    });
    app.get(`${base}/:guid`, (req, res) => {
      res.json(viewFor(req, res, findIn(spec, accessOf(res).org, param(req, 'guid'))));
    });
    if (!spec.write) continue;
    app.post(base, (req, res) => {
      const created = createIn(
        spec,
        accessOf(res).org,
        req.body,
        sim.store.ctx,
        sim.writeOptions(declaredOf(req)),
      );
      res.status(201).json(viewFor(req, res, created));
    });
    app.patch(`${base}/:guid`, (req, res) => {
      const ops = operations(req);
      patchIn(
        spec,
        accessOf(res).org,
        param(req, 'guid'),
        ops,
        sim.store.ctx,
        sim.writeOptions(declaredOf(req)),
      );
      res.status(204).end();
    });
    app.delete(`${base}/:guid`, (req, res) => {
      archiveIn(spec, accessOf(res).org, param(req, 'guid'), sim.store.ctx);
      res.status(204).end();
    });
  }
}

const SALES = `${P}/orgs/:org/deals/sales`;

/** Sales (docs/LIFEPOS-API.md, «Sales», G-3, G-5, G-7). */
function registerSales(app: express.Application, sim: LifePosSimulator, views: Views): void {
  const { viewFor, listFor, operations } = views;
  app.post(SALES, (req, res) => {
    const sale = sim.createSale(param(req, 'org'), req.body);
    res.status(201).json(viewFor(req, res, sale));
  });
  app.get(SALES, (req, res) => {
    res.json(listFor(req, res, accessOf(res).org.sales.values(), SALE_LIST));
  });
  app.get(`${SALES}/:deal`, (req, res) => {
    res.json(viewFor(req, res, findSale(accessOf(res).org, param(req, 'deal'))));
  });
  app.patch(`${SALES}/:deal`, (req, res) => {
    sim.patchSale(param(req, 'org'), param(req, 'deal'), operations(req), declaredOf(req));
    res.status(204).end();
  });
  app.delete(`${SALES}/:deal`, (req, res) => {
    sim.archiveSale(param(req, 'org'), param(req, 'deal'));
    res.status(204).end();
  });
}

/** Money documents (docs/LIFEPOS-API.md, «Money documents», G-11). */
function registerMoneyDocuments(app: express.Application, sim: LifePosSimulator, views: Views): void {
  const { viewFor, listFor, operations } = views;
  const money = `${SALES}/:deal/docs/money`;
  app.get(money, (req, res) => {
    res.json(listFor(req, res, documentsOfSale(accessOf(res).org, param(req, 'deal')), MONEY_DOCUMENT_LIST));
  });
  for (const kind of ['payments', 'refunds'] as const) {
    app.get(`${money}/${kind}`, (req, res) => {
      res.json(
        listFor(req, res, documentsOfSale(accessOf(res).org, param(req, 'deal'), kind), MONEY_DOCUMENT_LIST),
      );
    });
    app.get(`${money}/${kind}/:doc`, (req, res) => {
      res.json(
        viewFor(req, res, findDocument(accessOf(res).org, param(req, 'deal'), kind, param(req, 'doc'))),
      );
    });
  }
  app.post(`${money}/refunds`, (req, res) => {
    findSale(accessOf(res).org, param(req, 'deal'));
    const refund = sim.createRefund(param(req, 'org'), param(req, 'deal'), req.body, accessOf(res).employee);
    res.status(201).json(viewFor(req, res, refund));
  });
  app.patch(`${money}/refunds/:doc`, (req, res) => {
    sim.patchRefund(param(req, 'org'), param(req, 'deal'), param(req, 'doc'), operations(req));
    res.status(204).end();
  });
}

/** Unknown routes are 404 NotFound; errors answer in the API's error shape. */
function registerErrors(app: express.Application, sim: LifePosSimulator): void {
  app.use((req, _res, next) => {
    next(new LifePosApiError(404, 'NotFound', `${req.method} ${req.path} is not found`));
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof LifePosApiError) {
      res.status(error.status).json(error.body());
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser: malformed JSON, too large, unsupported charset.
      res.status(status).json({ code: 'BadRequest', message: (error as Error).message, info: '' });
      return;
    }
    sim.logger.error('LIFE POS sandbox: unexpected error', { path: req.path, error });
    res.status(500).json({ code: 'InternalServerError', message: 'Internal server error', info: '' });
  });
}

export function createApiApp(
  sim: LifePosSimulator,
  faults: FaultInjector,
  requestLog: RequestLog,
): express.Application {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog.middleware('lifepos', tenantOf));
  app.use(faults.middleware('lifepos', errorBodyForStatus));
  app.use(limitOnArrival(sim));
  app.use(requireClientHeaders);
  app.use(express.json({ type: JSON_TYPES, limit: '1mb' }));

  const views = viewsOf(sim);
  registerAuth(app, sim);
  registerOrganizations(app, sim, views);
  registerCatalogs(app, sim, views);
  registerSales(app, sim, views);
  registerMoneyDocuments(app, sim, views);
  registerErrors(app, sim);
  return app;
}

// Security, console access: every route the console registers — read back from its router, so a route added
// later is covered without touching this file — gives nothing without signing in (pages and Bull Board send
// the visitor to the login page, the JSON API answers 401), and every state-changing request of a signed-in
// operator is refused without the CSRF token. The console's own tests go through the flows; this is the sweep.
import { randomUUID } from 'node:crypto';
import { API_PREFIX, BULL_BOARD_PATH } from '@connector/console';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Stack, startStack } from '../stack.js';
import { ConsoleSession } from './console-session.js';
import { type RegisteredRoute, registeredRoutes } from './express-routes.js';

let stack: Stack;
let baseUrl: string;

beforeAll(async () => {
  // The sweep sends many unauthenticated API requests: the failed-sign-in limit is not what it tests.
  stack = await startStack({ console: { env: { LOGIN_MAX_FAILURES: '100000' } } });
  baseUrl = stack.console!.url;
});
afterAll(async () => {
  await stack?.close();
});

/** Routes anyone may call, and why; everything else must be behind the login. */
const PUBLIC: Record<string, string> = {
  'GET /healthz': 'liveness probe',
  'GET /readyz': 'readiness probe',
  'GET /metrics': 'Prometheus scrape (no tenant data)',
  'GET /assets/console.css': "the login page's stylesheet",
  'GET /assets/console.js': 'the check-progress script (static, no data)',
  'GET /favicon.ico': 'the icon browsers ask for on every page',
  'GET /login': 'the login page',
  'POST /login': 'signing in (CSRF token required)',
  'POST /logout': 'signing out (CSRF token required)',
  'GET /lang/:locale': 'language switch of the session',
};

/** Bull Board is a mounted app whose routes cannot be read back: a sample of its reads and writes. */
const BULL_BOARD_PROBES: RegisteredRoute[] = [
  { method: 'GET', path: '' },
  { method: 'GET', path: '/api/queues' },
  { method: 'GET', path: '/api/redis/stats' },
  { method: 'GET', path: '/api/queues/order-export/1' },
  { method: 'GET', path: '/static/main.js' },
  { method: 'POST', path: '/api/queues/order-export/add' },
  { method: 'PUT', path: '/api/queues/pause' },
  { method: 'PUT', path: '/api/queues/order-export/clean/completed' },
  { method: 'PUT', path: '/api/queues/order-export/obliterate' },
  { method: 'PUT', path: '/api/queues/order-export/1/retry' },
  { method: 'PATCH', path: '/api/queues/order-export/1/update-data' },
  { method: 'DELETE', path: '/api/queues/order-export' },
].map(({ method, path }) => ({ method, path: `${BULL_BOARD_PATH}${path}` }));

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const SOME_ID = randomUUID();

/** A concrete URL for a route pattern. */
function urlOf(pattern: string): string {
  return pattern.replace(/:(\w+)/g, (_match, name: string) =>
    name === 'locale' ? 'en' : name === 'orderId' ? '1' : SOME_ID,
  );
}

const isApi = (route: RegisteredRoute) => route.path.startsWith(API_PREFIX);
const keyOf = (route: RegisteredRoute) => `${route.method} ${route.path}`;

function allRoutes(): RegisteredRoute[] {
  const { routes, opaqueMounts } = registeredRoutes(stack.console!.http.server);
  // A new mounted app would be a blind spot: it needs probes of its own here.
  expect(opaqueMounts).toEqual([BULL_BOARD_PATH]);
  return [...routes, ...BULL_BOARD_PROBES];
}

/** A write as a browser form or a script would send it: a small body of the kind the route takes. */
function write(route: RegisteredRoute, headers: Record<string, string> = {}): RequestInit {
  // `app.all` answers any method: a POST stands for them.
  const method = route.method === 'ALL' ? 'POST' : route.method;
  return isApi(route) || route.path.startsWith(BULL_BOARD_PATH)
    ? { method, headers: { 'content-type': 'application/json', ...headers }, body: '{}' }
    : {
        method,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: 'reason=x',
      };
}

const loginRedirect = /^\/login(\?|$)/;

describe('the console without signing in', () => {
  it('registers the routes this sweep knows how to judge (the walk sees the whole console)', () => {
    const keys = allRoutes().map(keyOf);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /connections',
        'POST /connections/:id',
        `PATCH ${API_PREFIX}/:id`,
        `POST ${API_PREFIX}/check`,
        ...Object.keys(PUBLIC),
      ]),
    );
  });

  it('every route gives nothing: pages and Bull Board go to the login page, the API answers 401', async () => {
    const answers = await Promise.all(
      allRoutes().map(async (route) => {
        const response = await fetch(`${baseUrl}${urlOf(route.path)}`, {
          redirect: 'manual',
          ...(SAFE.has(route.method) ? { method: route.method } : write(route)),
        });
        await response.body?.cancel();
        return { route: keyOf(route), status: response.status, location: response.headers.get('location') };
      }),
    );
    for (const answer of answers) {
      const publicRoute = PUBLIC[answer.route] !== undefined;
      if (publicRoute && answer.route.startsWith('POST ')) {
        // Signing in and out without the form's token is a forged form.
        expect(answer).toEqual({ ...answer, status: 403 });
      } else if (publicRoute) {
        expect(answer).toEqual({ ...answer, status: expect.any(Number) });
        expect(answer.status).toBeLessThan(400);
      } else if (answer.route.split(' ')[1]!.startsWith(API_PREFIX)) {
        expect(answer).toEqual({ ...answer, status: 401 });
      } else {
        expect(answer).toEqual({ ...answer, status: 303, location: expect.stringMatching(loginRedirect) });
      }
    }
  });
});

describe('a signed-in operator', () => {
  let session: ConsoleSession;
  beforeAll(async () => {
    session = new ConsoleSession(baseUrl);
    await session.signIn();
  });

  const writes = () =>
    allRoutes().filter(
      (route) => !SAFE.has(route.method) && PUBLIC[keyOf(route)] === undefined && route.method !== 'ALL',
    );

  it('every state-changing page and API request without the CSRF token is refused (403)', async () => {
    const targets = writes().filter((route) => !route.path.startsWith(BULL_BOARD_PATH));
    expect(targets.length).toBeGreaterThan(5);
    for (const route of targets) {
      const response = await session.request(urlOf(route.path), write(route));
      await response.body?.cancel();
      expect({ route: keyOf(route), status: response.status }).toEqual({ route: keyOf(route), status: 403 });
    }
  });

  it('the same requests with the token get past the protection (the 403 above was the CSRF check)', async () => {
    for (const route of writes().filter((entry) => !entry.path.startsWith(BULL_BOARD_PATH))) {
      const token: Record<string, string> = isApi(route) ? { 'x-csrf-token': session.csrf } : {};
      const init = write(route, token);
      if (!isApi(route)) init.body = `_csrf=${encodeURIComponent(session.csrf)}&reason=x`;
      const response = await session.request(urlOf(route.path), init);
      await response.body?.cancel();
      const refused =
        [401, 403].includes(response.status) || loginRedirect.test(response.headers.get('location') ?? '');
      expect({ route: keyOf(route), status: response.status, refused }).toEqual({
        route: keyOf(route),
        status: response.status,
        refused: false,
      });
    }
  });

  it("Bull Board's writes from another origin are refused (403), its reads are open to the operator", async () => {
    for (const route of allRoutes().filter((entry) => entry.path.startsWith(BULL_BOARD_PATH))) {
      const init = SAFE.has(route.method)
        ? { method: route.method }
        : write(route, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
      const response = await session.request(urlOf(route.path), init);
      await response.body?.cancel();
      const expected = SAFE.has(route.method) ? expect.not.stringMatching(/^(303|401|403)$/) : '403';
      expect({ route: keyOf(route), status: String(response.status) }).toEqual({
        route: keyOf(route),
        status: expected,
      });
    }
  });
});

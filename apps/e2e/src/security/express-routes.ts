// Test-only: the routes an express app has registered, read back from its router stack (router 2.x), so a
// test can go over every one of them — including routes added after the test was written.
import type { Server } from 'node:http';

export interface RegisteredRoute {
  /** Upper case; `ALL` for `app.all`. */
  method: string;
  /** The full pattern, mount prefixes included, e.g. `/api/connections/:id/check`. */
  path: string;
}

export interface RouteTable {
  routes: RegisteredRoute[];
  /** Prefixes where a whole express app is mounted (`app.use(path, subApp)`): its routes cannot be read back. */
  opaqueMounts: string[];
}

/** The subset of router 2.x layer internals the walk reads. */
interface Layer {
  name?: string;
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: unknown };
}

function patternOf(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  throw new Error(`route pattern ${String(raw)} is not a plain string: teach the route walk to expand it`);
}

function walk(stack: unknown, prefix: string, table: RouteTable): void {
  for (const layer of (Array.isArray(stack) ? stack : []) as Layer[]) {
    if (layer.route) {
      const path = prefix + patternOf(layer.route.path);
      for (const [method, enabled] of Object.entries(layer.route.methods)) {
        if (enabled) table.routes.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path });
      }
    } else if (layer.handle?.stack) {
      const mount = layer.rawPath === undefined || layer.rawPath === '/' ? '' : patternOf(layer.rawPath);
      walk(layer.handle.stack, prefix + mount, table);
    } else if (layer.name === 'mounted_app') {
      const mount = prefix + patternOf(layer.rawPath);
      if (!table.opaqueMounts.includes(mount)) table.opaqueMounts.push(mount);
    }
  }
}

/** Every route of the express app serving `server` (the app is the server's `request` listener). */
export function registeredRoutes(server: Server): RouteTable {
  const app = server
    .listeners('request')
    .find((listener) => typeof (listener as { router?: { stack?: unknown } }).router?.stack === 'object') as
    | { router: { stack: unknown } }
    | undefined;
  if (!app) throw new Error('the server has no express app among its request listeners');
  const table: RouteTable = { routes: [], opaqueMounts: [] };
  walk(app.router.stack, '', table);
  return table;
}

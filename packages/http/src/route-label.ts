import type { Request } from 'express';

/** Route label of a request that no route matched (404s, body-parser errors before routing). */
export const UNMATCHED_ROUTE = 'unmatched';
/** Route label used when a router is mounted in a way whose pattern cannot be read back. */
const UNKNOWN_MOUNT = '<mounted>';

/**
 * The subset of router 2.x layer internals needed to read back a mount pattern. `req.baseUrl` holds the
 * *actual* matched prefix (it would put ids or tokens into labels); only the layer knows its pattern.
 */
interface RouterLayer {
  rawPath?: unknown;
  route?: unknown;
  matchers?: Array<(path: string) => false | { path: string }>;
  handle?: { stack?: unknown };
}

function layersOf(stack: unknown): RouterLayer[] {
  return Array.isArray(stack) ? (stack as RouterLayer[]) : [];
}

function patternText(pattern: unknown): string {
  return typeof pattern === 'string' ? pattern : String(pattern);
}

/** Walks the router stacks the request went through and rebuilds the pattern of `baseUrl`. */
function mountPattern(stack: unknown, remaining: string): string | undefined {
  let partial: string | undefined;
  for (const layer of layersOf(stack)) {
    if (layer.route !== undefined || !layer.matchers) continue;
    const patterns = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath];
    for (const [index, matcher] of layer.matchers.entries()) {
      const match = matcher(remaining);
      // Root middleware (`app.use(fn)`) matches with an empty path: it does not contribute to baseUrl.
      if (!match || match.path === '' || match.path === '/' || !remaining.startsWith(match.path)) continue;
      const raw = patterns[index];
      const pattern = raw === undefined ? UNKNOWN_MOUNT : patternText(raw);
      const rest = remaining.slice(match.path.length);
      if (rest === '') return pattern;
      const inner = mountPattern(layer.handle?.stack, rest);
      if (inner !== undefined) return pattern + inner;
      // A mounted sub-app hides its router: keep the part of the pattern that is known.
      partial ??= `${pattern}/${UNKNOWN_MOUNT}`;
    }
  }
  return partial;
}

/**
 * The label a request is counted under: the matched route pattern (`/lifepos/notifications/:token`),
 * prefixed by the patterns of the routers it is mounted in; never the raw URL, so the number of label
 * values stays bounded whatever clients send.
 */
export function routeLabel(req: Request, appRouterStack: unknown): string {
  const route = req.route as { path?: unknown } | undefined;
  const base = req.baseUrl;
  if (route?.path === undefined) {
    // A response produced by a mounted middleware (e.g. static assets of a sub-app) and not by a route.
    if (base) return `${mountPattern(appRouterStack, base) ?? UNKNOWN_MOUNT}/*`;
    return UNMATCHED_ROUTE;
  }
  const path = patternText(route.path);
  if (!base) return path;
  return (mountPattern(appRouterStack, base) ?? UNKNOWN_MOUNT) + (path === '/' ? '' : path);
}

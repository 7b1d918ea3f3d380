import type { Server } from 'node:http';
import type { Logger } from '@connector/logger';

/**
 * What one HTTP server tolerates from its clients. Node's own defaults let a client that sends its headers
 * or body a byte at a time hold a socket for 60 s / 300 s (plus up to 30 s until the check notices), and
 * take no limit on open connections at all: one host with a few thousand slow sockets exhausts the
 * process' file descriptors.
 */
export interface HttpServerLimits {
  /** Time to receive a whole request (headers and body); the handler's own time does not count. */
  requestTimeoutMs: number;
  /** Time to receive the request headers; at most `requestTimeoutMs`. */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open. */
  keepAliveTimeoutMs: number;
  /** Requests one connection may carry before it is closed (Connection: close on the last one). */
  maxRequestsPerSocket: number;
  /** Open connections accepted at once; further ones are closed right away. */
  maxConnections: number;
}

/**
 * Production defaults: bodies are at most a megabyte (a LIFE POS notification, a RetailCRM trigger, a console
 * form), which any client sends in far less than 30 s; a reverse proxy sends headers at once. The keep-alive
 * timeout stays below common load-balancer idle timeouts' tolerance and frees idle sockets quickly.
 */
export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1_000,
  maxConnections: 512,
};

/** The limits an app's environment sets (`httpServerEnvShape` of @connector/config); unset ones default. */
export function httpServerLimits(env: {
  HTTP_REQUEST_TIMEOUT_MS?: number | undefined;
  HTTP_HEADERS_TIMEOUT_MS?: number | undefined;
  HTTP_KEEPALIVE_TIMEOUT_MS?: number | undefined;
  HTTP_MAX_REQUESTS_PER_SOCKET?: number | undefined;
  HTTP_MAX_CONNECTIONS?: number | undefined;
}): Partial<HttpServerLimits> {
  const limits: Partial<HttpServerLimits> = {
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEPALIVE_TIMEOUT_MS,
    maxRequestsPerSocket: env.HTTP_MAX_REQUESTS_PER_SOCKET,
    maxConnections: env.HTTP_MAX_CONNECTIONS,
  };
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

/** The defaults with `given` on top; a headers timeout above the request timeout is refused (node would too). */
export function resolveLimits(given: Partial<HttpServerLimits> = {}): HttpServerLimits {
  const limits = { ...DEFAULT_HTTP_SERVER_LIMITS, ...given };
  // Only the request timeout given: the headers may take as long as the whole request, no longer.
  if (given.headersTimeoutMs === undefined)
    limits.headersTimeoutMs = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`http server limit ${name} must be ≥ 1`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `HTTP_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`,
    );
  }
  return limits;
}

/**
 * How often node looks for requests over their timeouts (its default, 30 s, is what let a slow header
 * live 75 s): a quarter of the shortest timeout, between 100 ms and 2 s.
 */
export function checkingIntervalMs(limits: HttpServerLimits): number {
  return Math.min(
    2_000,
    Math.max(100, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
  );
}

/** Applies the limits that are server properties (the timeouts are createServer options). */
export function applyLimits(server: Server, limits: HttpServerLimits, logger: Logger): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.maxConnections = limits.maxConnections;
  let lastWarning = 0;
  server.on('drop', (data?: { remoteAddress?: string }) => {
    // Once a minute at most: a flood must not flood the log too.
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    logger.warn('http connection refused: too many open connections', {
      maxConnections: limits.maxConnections,
      remoteAddress: data?.remoteAddress,
    });
  });
}

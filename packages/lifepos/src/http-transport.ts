import http from 'node:http';
import https from 'node:https';
import got, { RequestError, TimeoutError } from 'got';
import { LIFEPOS_ERROR_CODES, type LifePosFailure, LifePosRetryableError } from './errors.js';
import type { LifePosLogger } from './logger.js';

/** Per-phase limits (ms). Every phase is bounded so a stuck upstream cannot hold a worker slot. */
export interface LifePosTimeouts {
  lookup: number;
  connect: number;
  secureConnect: number;
  /** Inactivity of the socket. */
  socket: number;
  send: number;
  /** Time to the first response byte after the request was sent. */
  response: number;
  /** The whole request, end to end. */
  request: number;
}

export const DEFAULT_TIMEOUTS: LifePosTimeouts = {
  lookup: 3_000,
  connect: 5_000,
  secureConnect: 5_000,
  socket: 30_000,
  send: 10_000,
  response: 20_000,
  request: 45_000,
};

// One pool for every tenant's client: clients are created per job, connections outlive them.
const keepAliveAgents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
};

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, starting with `/`. */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  headers: Record<string, string>;
  requestId: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** When the request was written out (ms since the epoch), if known: the rate limiter measures from it. */
  sentAt?: number;
}

export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
}

export function createTransport({
  baseUrl,
  timeouts,
  logger,
}: {
  baseUrl: string;
  timeouts: LifePosTimeouts;
  logger: LifePosLogger;
}): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  const client = got.extend({
    throwHttpErrors: false,
    // The queue owns retries (with backoff and attempt accounting); a hidden retry here would double them.
    retry: { limit: 0 },
    followRedirect: false,
    timeout: { ...timeouts },
    agent: keepAliveAgents,
    responseType: 'text',
  });

  return {
    async send(request) {
      const url = new URL(`${base}${request.path}`);
      if (request.query) url.search = request.query.toString();
      const started = performance.now();
      const context = { requestId: request.requestId, method: request.method, path: request.path };
      try {
        const response = await client(url, {
          method: request.method,
          headers: request.headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
        });
        const meta = {
          ...context,
          status: response.statusCode,
          durationMs: Math.round(performance.now() - started),
          upstreamRequestId: response.headers['x-request-id'] ?? response.headers['x-correlation-id'],
        };
        if (response.statusCode < 400) logger.debug('lifepos call', meta);
        else logger.warn('lifepos call failed', meta);
        const sentAt = response.timings?.upload;
        return { status: response.statusCode, headers: response.headers, body: response.body, sentAt };
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        const timedOut = error instanceof TimeoutError || error.code === 'ETIMEDOUT';
        // Only the code and message: got's error carries the request options, headers included.
        logger.warn('lifepos call failed', {
          ...context,
          durationMs: Math.round(performance.now() - started),
          errorCode: error.code,
          error: error.message,
        });
        const failure: LifePosFailure = { ...context, status: undefined, api: undefined };
        throw new LifePosRetryableError(
          `LIFE POS ${timedOut ? 'timed out' : 'unreachable'}: ${request.method} ${request.path}: ${error.message}`,
          failure,
          { code: timedOut ? LIFEPOS_ERROR_CODES.timeout : LIFEPOS_ERROR_CODES.network },
        );
      }
    },
  };
}

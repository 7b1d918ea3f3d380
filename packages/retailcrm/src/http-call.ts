import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { createLogger } from '@connector/logger';
import got, { type Got, RequestError, TimeoutError } from 'got';
import type { z } from 'zod';
import { type AllowedRetailCrmUrl, guardedDnsLookup, systemLookup } from './allowed-url.js';
import { DEFAULT_TIMEOUTS, type RetailCrmClientOptions, type RetailCrmLogger } from './client-types.js';
import {
  RETAILCRM_ERROR_CODES,
  type RequestContext,
  RetailCrmUnavailableError,
  RetailCrmUrlNotAllowedError,
} from './errors.js';
import { encodeForm, encodeQuery, type FormValue, type QueryValue } from './request-encoding.js';
import { decodeResponse } from './response-decoding.js';

export interface CallPayload {
  query?: { readonly [key: string]: QueryValue };
  form?: { readonly [key: string]: FormValue };
}

/** One RetailCRM API call, decoded with `schema`; failures are the package's error classes. */
export type ApiCall = <S extends z.ZodType>(
  method: 'GET' | 'POST',
  path: string,
  schema: S,
  payload?: CallPayload,
) => Promise<z.output<S>>;

interface RawAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** got's phases; `upload`: when the request was written out (ms since the epoch). */
  timings?: { upload?: number };
}

let sharedAgents: { http: http.Agent; https: https.Agent } | undefined;

/**
 * One keep-alive pool per process: many tenants, few sockets each (the API allows ~10 requests/s).
 * Sockets are pooled per host:port and were address-checked when opened; every client of a process is
 * built from the same allowed-host list, so a socket checked for one client is valid for all.
 */
function defaultAgents(): { http: http.Agent; https: https.Agent } {
  const options = {
    keepAlive: true,
    maxSockets: 10,
    maxFreeSockets: 10,
    timeout: 30_000,
    scheduling: 'lifo' as const,
  };
  sharedAgents ??= { http: new http.Agent(options), https: new https.Agent(options) };
  return sharedAgents;
}

let fallbackLogger: RetailCrmLogger | undefined;

export function defaultLogger(): RetailCrmLogger {
  fallbackLogger ??= createLogger({ service: 'retailcrm-client' });
  return fallbackLogger;
}

/** The got instance of one client: the key only in `X-API-KEY`, no retries, no redirects, guarded DNS. */
function httpClient(options: RetailCrmClientOptions, target: AllowedRetailCrmUrl): Got {
  const agents = { ...defaultAgents(), ...options.agents };
  return got.extend({
    headers: {
      'x-api-key': options.apiKey,
      accept: 'application/json',
      'user-agent': 'retailcrm-lifepos-connector',
    },
    timeout: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    agent: { http: agents.http, https: agents.https },
    dnsLookup: guardedDnsLookup(target, options.lookup ?? systemLookup),
  });
}

/** Maps a got failure (no HTTP answer) to the package's errors; the SSRF refusal comes through as is. */
function transportError(
  error: unknown,
  context: RequestContext,
): RetailCrmUnavailableError | RetailCrmUrlNotAllowedError {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof RetailCrmUrlNotAllowedError) return cause;
  }
  if (error instanceof TimeoutError) {
    return new RetailCrmUnavailableError(RETAILCRM_ERROR_CODES.timeout, {
      context,
      reason: `timeout in phase ${error.event}`,
      cause: error,
    });
  }
  const code = error instanceof RequestError ? error.code : undefined;
  return new RetailCrmUnavailableError(RETAILCRM_ERROR_CODES.network, {
    context,
    reason: code ?? (error instanceof Error ? error.message : String(error)),
    cause: error,
  });
}

/**
 * The call of one client: awaits `limiter.acquire()` first, sends, and decodes the answer (errors are
 * classified in `response-decoding.ts`); requests and refusals are logged without the key or bodies.
 */
export function createApiCall(
  options: RetailCrmClientOptions,
  target: AllowedRetailCrmUrl,
  log: RetailCrmLogger,
): ApiCall {
  const client = httpClient(options, target);

  async function exchange(context: RequestContext, payload: CallPayload): Promise<RawAnswer> {
    const query = payload.query ? encodeQuery(payload.query) : '';
    const post = context.method === 'POST';
    try {
      return await client(`${target.origin}${context.path}${query ? `?${query}` : ''}`, {
        method: context.method,
        headers: {
          'x-request-id': context.requestId,
          ...(post ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(post ? { body: payload.form ? encodeForm(payload.form) : '' } : {}),
      });
    } catch (error) {
      const mapped = transportError(error, context);
      log.warn('retailcrm request failed', { ...context, code: mapped.code, reason: mapped.message });
      throw mapped;
    }
  }

  return async (method, path, schema, payload = {}) => {
    const grant = await options.limiter?.acquire();
    const context: RequestContext = { method, path, requestId: randomUUID() };
    const started = performance.now();
    const response = await exchange(context, payload);
    if (response.timings?.upload !== undefined) options.limiter?.sent?.(grant, response.timings.upload);
    const meta = {
      ...context,
      status: response.statusCode,
      durationMs: Math.round(performance.now() - started),
    };
    log.debug('retailcrm request', meta);
    try {
      return decodeResponse(
        { status: response.statusCode, headers: response.headers, body: response.body },
        schema,
        context,
      );
    } catch (error) {
      const { code, details } = error as { code?: string; details?: Record<string, unknown> };
      if (code === RETAILCRM_ERROR_CODES.rateLimited) options.limiter?.refused?.();
      log.warn('retailcrm request refused', {
        ...meta,
        code,
        errorMsg: details?.errorMsg,
        errors: details?.errors,
      });
      throw error;
    }
  };
}

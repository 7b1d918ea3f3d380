import { randomUUID } from 'node:crypto';
import { PermanentError } from '@connector/domain';
import { z } from 'zod';
import {
  errorForResponse,
  LIFEPOS_ERROR_CODES,
  type LifePosFailure,
  LifePosPermanentError,
  LifePosRetryableError,
  parseApiErrorBody,
} from './errors.js';
import { lifePosHeaders } from './headers.js';
import type { HttpMethod, HttpResponse, Transport } from './http-transport.js';
import type { LifePosLogger } from './logger.js';
import type { TokenSession } from './token-session.js';
import { UnexpectedResponseError } from './unexpected-response.js';
import { encodeQuery, type QueryValue } from './wire.js';

/** The per-organization rate limiter (Redis sliding window in @connector/queue). May throw DeferredError. */
export interface RateLimiter {
  /** Waits for the call's slot; what it returns names the slot for `sent`. */
  acquire(): Promise<unknown>;
  /** The call of that slot left at `sentAt` (ms since the epoch): the limiter measures its lateness. */
  sent?(grant: unknown, sentAt: number): void;
  /** The upstream refused the call as over its rate although the limiter granted it. */
  refused?(): void;
}

/** What every call of one client shares: where it goes, as whom, and through which budget. */
export interface Connection {
  transport: Transport;
  clientId: string;
  language: string;
  limiter: RateLimiter | undefined;
  logger: LifePosLogger;
}

export interface Call<T> {
  method: HttpMethod;
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  extensions?: readonly string[];
  /** Absent: the body is not read (204 No Content, or a body the caller does not need). */
  decode?: (json: unknown) => T;
}

interface Sent {
  response: HttpResponse;
  requestId: string;
}

interface SendOptions {
  query?: URLSearchParams;
  body?: unknown;
  token?: string;
  extensions?: readonly string[];
}

export function failureOf(
  method: string,
  path: string,
  requestId: string,
  response: HttpResponse,
): LifePosFailure {
  return { method, path, requestId, status: response.status, api: parseApiErrorBody(response.body) };
}

export function retryAfter(response: HttpResponse): string | undefined {
  const value = response.headers['retry-after'];
  return Array.isArray(value) ? value[0] : value;
}

export function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** One HTTP exchange. Every one, sign-ins and the retry after a 401 included, spends a token of the budget. */
export async function send(
  connection: Connection,
  method: HttpMethod,
  path: string,
  { query, body, token, extensions }: SendOptions,
): Promise<Sent> {
  const grant = await connection.limiter?.acquire();
  const requestId = randomUUID();
  const headers = lifePosHeaders({
    clientId: connection.clientId,
    language: connection.language,
    requestId,
    token,
    extensions,
    json: body !== undefined,
  });
  const response = await connection.transport.send({ method, path, query, body, headers, requestId });
  if (response.sentAt !== undefined) connection.limiter?.sent?.(grant, response.sentAt);
  if (response.status === 429) connection.limiter?.refused?.();
  return { response, requestId };
}

/** Sends the call with the session's token; a 401 on a cached token renews it once and retries. */
async function sendSigned<T>(connection: Connection, session: TokenSession, spec: Call<T>): Promise<Sent> {
  const query = spec.query === undefined ? undefined : encodeQuery(spec.query);
  const request = { query, body: spec.body, extensions: spec.extensions };
  let current = await session.current();
  const sent = await send(connection, spec.method, spec.path, { ...request, token: current.token });
  if (sent.response.status !== 401 || current.fresh) return sent;
  // The cached token expired or was revoked: one renewal (shared with concurrent callers), one retry.
  connection.logger.info('lifepos token refused, signing in again', {
    requestId: sent.requestId,
    method: spec.method,
    path: spec.path,
  });
  current = await session.renew(current.token);
  return send(connection, spec.method, spec.path, { ...request, token: current.token });
}

/** Decodes a success body; a body that is not what the client expects is permanent (a bug or an API change). */
function decodeBody<T>(
  connection: Connection,
  spec: Call<T>,
  json: unknown,
  failure: LifePosFailure,
  decode: (json: unknown) => T,
): T {
  try {
    return decode(json);
  } catch (error) {
    const issues =
      error instanceof z.ZodError
        ? error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
        : error instanceof UnexpectedResponseError
          ? error.issues
          : undefined;
    if (issues === undefined) throw error;
    connection.logger.warn('lifepos unexpected response', {
      requestId: failure.requestId,
      method: spec.method,
      path: spec.path,
      issues,
    });
    throw new LifePosPermanentError(
      `LIFE POS answered ${spec.method} ${spec.path} with an unexpected body: ${issues.join('; ')}`,
      { ...failure, api: undefined },
      { code: LIFEPOS_ERROR_CODES.unexpectedResponse },
    );
  }
}

/** One signed API call: classified errors for non-2xx answers, the decoded body otherwise. */
export async function signedCall<T>(
  connection: Connection,
  session: TokenSession,
  spec: Call<T>,
): Promise<T> {
  const { response, requestId } = await sendSigned(connection, session, spec);
  const failure = failureOf(spec.method, spec.path, requestId, response);
  if (response.status < 200 || response.status >= 300) throw errorForResponse(failure, retryAfter(response));
  if (spec.decode === undefined) return undefined as T;
  const json = parseJson(response.body);
  if (json === undefined) {
    // A cut or proxied body on a success status: transient more often than not.
    throw new LifePosRetryableError(
      `LIFE POS answered ${spec.method} ${spec.path} with a body that is not JSON`,
      failure,
      {
        code: LIFEPOS_ERROR_CODES.invalidJson,
      },
    );
  }
  return decodeBody(connection, spec, json, failure, spec.decode);
}

/** Input that cannot be encoded (fractional kopecks, …) is a bug upstream of the client: retrying cannot help. */
export function encode<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new PermanentError(`Cannot send ${what} to LIFE POS: ${error.message}`, {
      code: LIFEPOS_ERROR_CODES.invalidInput,
    });
  }
}

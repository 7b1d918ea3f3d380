import type { z } from 'zod';
import {
  RETAILCRM_ERROR_CODES,
  type RequestContext,
  RetailCrmApiError,
  type RetailCrmPermanentCode,
  RetailCrmRateLimitError,
  RetailCrmUnavailableError,
} from './errors.js';

/** What the transport hands over: status, headers, body text. */
export interface RawResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

/** Delay suggested for a rate-limited call without `Retry-After` (the API allows ~10 requests/s). */
export const DEFAULT_RATE_LIMIT_DELAY_MS = 1_000;
/** Upper bound for a server-suggested delay, so a bogus `Retry-After` cannot park a job for hours. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Turns an answer into the decoded payload or the right error class (docs/RETAILCRM-API.md,
 * «Responses and errors»):
 * - 429, or 503 with the rate-limit body / `Retry-After` → `RetailCrmRateLimitError` (deferred);
 * - other 5xx, 408 → `RetailCrmUnavailableError` (retryable);
 * - HTML page (unknown account: nginx 405) → permanent `retailcrm.account_not_found`;
 * - 4xx or `success: false` → `RetailCrmApiError` (permanent) with `errorMsg` and field `errors`;
 * - 3xx → permanent (redirects are never followed: they would carry the key to another host);
 * - 2xx whose body does not match `schema` → permanent `retailcrm.unexpected_response`.
 */
export function decodeResponse<S extends z.ZodType>(
  response: RawResponse,
  schema: S,
  context: RequestContext,
  now: () => number = Date.now,
): z.output<S> {
  const { status, headers } = response;
  const body = response.body.trim();
  const html = body.startsWith('<');
  const json = html ? undefined : parseJson(body);
  const envelope = isObject(json) ? json : undefined;
  const errorMsg = typeof envelope?.errorMsg === 'string' ? envelope.errorMsg : undefined;
  const retryAfter = header(headers, 'retry-after');

  if (status === 429 || (status === 503 && (retryAfter !== undefined || isRateLimitBody(body, errorMsg)))) {
    return rejectWith(
      new RetailCrmRateLimitError({
        context,
        status,
        delayMs: retryAfterMs(retryAfter, now) ?? DEFAULT_RATE_LIMIT_DELAY_MS,
        ...(errorMsg === undefined ? {} : { errorMsg }),
      }),
    );
  }
  if (status >= 500 || status === 408) {
    const code = status === 408 ? RETAILCRM_ERROR_CODES.timeout : RETAILCRM_ERROR_CODES.serverError;
    return rejectWith(
      new RetailCrmUnavailableError(code, { context, status, ...(errorMsg ? { errorMsg } : {}) }),
    );
  }
  if (status >= 300 && status < 400) {
    return rejectWith(
      new RetailCrmApiError(RETAILCRM_ERROR_CODES.redirect, {
        status,
        context,
        extra: { location: header(headers, 'location') },
      }),
    );
  }
  if (html) {
    // RetailCRM answers an unknown account with an nginx HTML page (HTTP 405 on POST); the official
    // clients report that as "Account does not exist.".
    return rejectWith(
      new RetailCrmApiError(RETAILCRM_ERROR_CODES.accountNotFound, {
        status,
        context,
        errorMsg: 'Account does not exist.',
      }),
    );
  }
  if (status >= 400 || envelope?.success === false) {
    return rejectWith(
      new RetailCrmApiError(classifyRefusal(status, errorMsg), {
        status,
        context,
        errorMsg,
        errors: normaliseFieldErrors(envelope?.errors),
      }),
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return rejectWith(
      new RetailCrmApiError(RETAILCRM_ERROR_CODES.unexpectedResponse, {
        status,
        context,
        // Paths and messages only: values may be personal data.
        extra: {
          issues: parsed.error.issues
            .slice(0, 10)
            .map((i) => ({ path: i.path.join('.'), message: i.message })),
        },
      }),
    );
  }
  return parsed.data;
}

function rejectWith(error: Error): never {
  throw error;
}

function classifyRefusal(status: number, errorMsg: string | undefined): RetailCrmPermanentCode {
  if (errorMsg === 'Account does not exist.') return RETAILCRM_ERROR_CODES.accountNotFound;
  if (errorMsg === '"apiKey" is missing.' || errorMsg === 'Wrong "apiKey" value.' || status === 401) {
    return RETAILCRM_ERROR_CODES.auth;
  }
  if (errorMsg === 'Access denied.' || status === 403) return RETAILCRM_ERROR_CODES.accessDenied;
  if (status === 404) {
    return errorMsg === 'API method not found' || errorMsg === 'Method not found'
      ? RETAILCRM_ERROR_CODES.methodNotFound
      : RETAILCRM_ERROR_CODES.notFound;
  }
  if (status === 400 || status === 422 || status < 400) return RETAILCRM_ERROR_CODES.validation;
  return RETAILCRM_ERROR_CODES.rejected;
}

/** `errors` is usually `{field: message}`, sometimes a list; values may be lists or objects too. */
export function normaliseFieldErrors(errors: unknown): Record<string, string> {
  if (errors === null || errors === undefined || typeof errors !== 'object') {
    return typeof errors === 'string' ? { '0': errors } : {};
  }
  const entries = Array.isArray(errors)
    ? errors.map((value, index) => [String(index), value] as const)
    : Object.entries(errors);
  return Object.fromEntries(entries.map(([field, value]) => [field, messageText(value)]));
}

function messageText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(messageText).join('; ');
  return JSON.stringify(value);
}

/**
 * The documented answer over the limit is `503 Service Temporarily Unavailable` (nginx's limit page);
 * the JSON form seen in official client tests is `{"success":false,"errorMsg":"Rate limit exceeded"}`.
 */
function isRateLimitBody(body: string, errorMsg: string | undefined): boolean {
  if (errorMsg !== undefined) return /rate limit|too many requests|limit exceeded/i.test(errorMsg);
  return /503 Service Temporarily Unavailable|Too Many Requests|rate limit/i.test(body);
}

/** `Retry-After` as seconds or an HTTP date → milliseconds from now (bounded), or undefined. */
export function retryAfterMs(value: string | undefined, now: () => number = Date.now): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const ms = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function header(headers: RawResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

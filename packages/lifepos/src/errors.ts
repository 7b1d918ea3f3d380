import { DeferredError, PermanentError, RetryableError } from '@connector/domain';

/** The API's own error body, normalised from the forms LIFE POS (and the proxies in front of it) send. */
export interface LifePosApiError {
  /**
   * `code` of the error body (docs/LIFEPOS-API.md, «Error body»): `Duplicate`, `NotUnique`,
   * `NotAllowedForArchived`, `TooManyRequests`, `RequestIsNotValid`, …
   */
  code: string | undefined;
  message: string | undefined;
  info: string | undefined;
  /** Field → messages, when the body names invalid fields. */
  fieldErrors: Record<string, string[]>;
}

/** What the client knows about a failed call; also copied into `details` (safe to log and show). */
export interface LifePosFailure {
  method: string;
  /** Path without the query string. */
  path: string;
  requestId: string;
  status: number | undefined;
  api: LifePosApiError | undefined;
}

type ErrorOptions = { code: string; userMessage?: string };

function failureDetails(failure: LifePosFailure): Record<string, unknown> {
  return {
    method: failure.method,
    path: failure.path,
    requestId: failure.requestId,
    status: failure.status,
    apiCode: failure.api?.code,
    apiMessage: failure.api?.message,
    apiInfo: failure.api?.info,
    fieldErrors: failure.api?.fieldErrors,
  };
}

export class LifePosPermanentError extends PermanentError {
  readonly failure: LifePosFailure;
  constructor(message: string, failure: LifePosFailure, options: ErrorOptions) {
    super(message, { ...options, details: failureDetails(failure) });
    this.failure = failure;
  }
}

export class LifePosRetryableError extends RetryableError {
  readonly failure: LifePosFailure;
  constructor(message: string, failure: LifePosFailure, options: ErrorOptions) {
    super(message, { ...options, details: failureDetails(failure) });
    this.failure = failure;
  }
}

export class LifePosDeferredError extends DeferredError {
  readonly failure: LifePosFailure;
  constructor(message: string, delayMs: number, failure: LifePosFailure, options: ErrorOptions) {
    super(message, delayMs, { ...options, details: failureDetails(failure) });
    this.failure = failure;
  }
}

export type LifePosError = LifePosPermanentError | LifePosRetryableError | LifePosDeferredError;

export function isLifePosError(error: unknown): error is LifePosError {
  return (
    error instanceof LifePosPermanentError ||
    error instanceof LifePosRetryableError ||
    error instanceof LifePosDeferredError
  );
}

/**
 * The API's error-body codes the connector branches on (docs/LIFEPOS-API.md, «Error body»); branch through
 * `hasLifePosApiCode` / `isDuplicate` / … rather than on text.
 */
export const LIFEPOS_API_CODES = {
  /** An object with this unique identifier (the `guid` sent) already exists. */
  duplicate: 'Duplicate',
  /** A field violates uniqueness (a sale's or a workplace's `number`). */
  notUnique: 'NotUnique',
  notFound: 'NotFound',
  notAllowedForArchived: 'NotAllowedForArchived',
  operationCannotBePerformed: 'OperationCannotBePerformed',
  usernameIsAlreadyTaken: 'UsernameIsAlreadyTaken',
  phoneIsAlreadyTaken: 'PhoneIsAlreadyTaken',
  tooManyRequests: 'TooManyRequests',
  tryActivateLater: 'TryActivateLater',
  tryLater: 'TryLater',
} as const;

export type LifePosApiCode = (typeof LIFEPOS_API_CODES)[keyof typeof LIFEPOS_API_CODES];

/**
 * The connector's own codes (`ConnectorError.code`) of the LIFE POS failures callers and incident rules
 * look at; the API's code of any other 4xx becomes `lifepos.<snake_case>`.
 */
export const LIFEPOS_ERROR_CODES = {
  rateLimited: 'lifepos.rate_limited',
  tryLater: 'lifepos.try_later',
  serverError: 'lifepos.server_error',
  timeout: 'lifepos.timeout',
  network: 'lifepos.network',
  invalidJson: 'lifepos.invalid_json',
  noToken: 'lifepos.auth.no_token',
  invalidCredentials: 'lifepos.auth.invalid_credentials',
  unauthorized: 'lifepos.unauthorized',
  noPermissions: 'lifepos.no_permissions',
  notFound: 'lifepos.not_found',
  redirect: 'lifepos.redirect',
  unexpectedResponse: 'lifepos.unexpected_response',
  invalidInput: 'lifepos.invalid_input',
} as const;

/** The API's error code of a failed call (`'Duplicate'`, …), for callers that branch on it. */
export function lifePosErrorCode(error: unknown): string | undefined {
  return isLifePosError(error) ? error.failure.api?.code : undefined;
}

/** True when the call failed with one of the API's `codes`. */
export function hasLifePosApiCode(error: unknown, ...codes: readonly LifePosApiCode[]): boolean {
  const code = lifePosErrorCode(error);
  return code !== undefined && (codes as readonly string[]).includes(code);
}

/** A create repeated with a `guid` LIFE POS already has (docs/LIFEPOS-API.md, «Idempotency»). */
export const isDuplicate = (error: unknown): boolean => hasLifePosApiCode(error, LIFEPOS_API_CODES.duplicate);

/** A create refused for a unique field other than the guid (a sale's `number`). */
export const isNotUnique = (error: unknown): boolean => hasLifePosApiCode(error, LIFEPOS_API_CODES.notUnique);

/** LIFE POS answered 404: the object, or its parent, is not there. */
export function isLifePosNotFound(error: unknown): boolean {
  return isLifePosError(error) && error.failure.status === 404;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (value === null || value === undefined) return undefined;
  return JSON.stringify(value);
}

function fieldErrorsOf(errors: unknown): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  const add = (field: string, messages: unknown) => {
    const list = (Array.isArray(messages) ? messages : [messages])
      .map((m) => text(m))
      .filter((m) => m !== undefined);
    if (list.length > 0) result[field] = [...(result[field] ?? []), ...list];
  };
  if (Array.isArray(errors)) {
    // [{ field|path|name|property, message|error }]
    for (const item of errors) {
      if (typeof item !== 'object' || item === null) continue;
      const entry = item as Record<string, unknown>;
      const field = text(entry.field ?? entry.path ?? entry.name ?? entry.property) ?? '';
      add(field, entry.message ?? entry.error ?? entry.info);
    }
  } else if (typeof errors === 'object' && errors !== null) {
    // ASP.NET validation problem details: { "Field": ["message", …] }
    for (const [field, messages] of Object.entries(errors)) add(field, messages);
  }
  return result;
}

/**
 * Reads an error body. Forms seen or expected:
 * - LIFE POS (docs/LIFEPOS-API.md, «Error body»): `{ code, message, info }` (optionally with `errors`);
 * - ASP.NET problem details from model binding: `{ title, status, errors: { Field: [msg] } }`;
 * - `{ message }` / `{ error }` from gateways; anything else (HTML from a proxy, empty) → undefined.
 */
export function parseApiErrorBody(body: string): LifePosApiError | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  const parsed: LifePosApiError = {
    code: typeof record.code === 'string' && record.code.length > 0 ? record.code : undefined,
    message: text(record.message) ?? text(record.title) ?? text(record.error) ?? text(record.detail),
    info: text(record.info),
    fieldErrors: fieldErrorsOf(record.errors),
  };
  const empty =
    parsed.code === undefined &&
    parsed.message === undefined &&
    parsed.info === undefined &&
    Object.keys(parsed.fieldErrors).length === 0;
  return empty ? undefined : parsed;
}

const DEFAULT_DEFER_MS = 1_000;
const MAX_DEFER_MS = 15 * 60_000;

/** Retry-After (seconds or an HTTP date) → milliseconds, bounded; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(MAX_DEFER_MS, Math.max(0, Math.ceil(ms)));
}

function snakeCase(code: string): string {
  return code
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

function describe(failure: LifePosFailure): string {
  const { status, api } = failure;
  const head = `${failure.method} ${failure.path} → ${status ?? 'no response'}${api?.code ? ` ${api.code}` : ''}`;
  const fields = Object.entries(api?.fieldErrors ?? {})
    .map(([field, messages]) => `${field || '(body)'}: ${messages.join('; ')}`)
    .join(', ');
  const said = [api?.message, api?.info, fields].filter((part) => part && part.length > 0).join(' — ');
  return said ? `${head}: ${said}` : head;
}

/**
 * Maps a non-2xx response to the error taxonomy. Decided here, where the status and the API's code are
 * understood: 429 → deferred (Retry-After if present); 5xx/408/TryLater → retryable; any other 4xx →
 * permanent with the API's message so a person can act. (401 reaches this only after the one re-sign-in.)
 */
export function errorForResponse(failure: LifePosFailure, retryAfter: string | undefined): LifePosError {
  const status = failure.status ?? 0;
  const apiCode = failure.api?.code;
  const description = describe(failure);

  if (
    status === 429 ||
    apiCode === LIFEPOS_API_CODES.tooManyRequests ||
    apiCode === LIFEPOS_API_CODES.tryActivateLater
  ) {
    const delay = retryAfterMs(retryAfter) ?? DEFAULT_DEFER_MS;
    return new LifePosDeferredError(`LIFE POS rate limit: ${description}`, delay, failure, {
      code: LIFEPOS_ERROR_CODES.rateLimited,
    });
  }
  if (status >= 500 || status === 408 || apiCode === LIFEPOS_API_CODES.tryLater) {
    return new LifePosRetryableError(`LIFE POS is temporarily unavailable: ${description}`, failure, {
      code:
        apiCode === LIFEPOS_API_CODES.tryLater
          ? LIFEPOS_ERROR_CODES.tryLater
          : LIFEPOS_ERROR_CODES.serverError,
    });
  }
  if (status === 401) {
    return new LifePosPermanentError(`LIFE POS rejected the sign-in token: ${description}`, failure, {
      code: LIFEPOS_ERROR_CODES.unauthorized,
      userMessage:
        `LIFE POS refused the request although the connector had just signed in (${description}). Check that ` +
        'the phone and password in the connector settings belong to an active Owner or Administrator employee.',
    });
  }
  if (status === 403) {
    return new LifePosPermanentError(`LIFE POS denied permission: ${description}`, failure, {
      code: LIFEPOS_ERROR_CODES.noPermissions,
      userMessage:
        `The LIFE POS employee of the connector lacks the rights for this operation (${description}). ` +
        'Give the employee the Owner or Administrator role in LIFE POS.',
    });
  }
  if (status === 404) {
    return new LifePosPermanentError(`LIFE POS object not found: ${description}`, failure, {
      code: LIFEPOS_ERROR_CODES.notFound,
      userMessage: `LIFE POS has no such object (${description}). It may have been deleted in LIFE POS.`,
    });
  }
  if (status >= 300 && status < 400) {
    return new LifePosPermanentError(`LIFE POS answered with a redirect: ${description}`, failure, {
      code: LIFEPOS_ERROR_CODES.redirect,
      userMessage: `LIFE POS answered with a redirect (${description}); check the configured LIFE POS API URL.`,
    });
  }
  return new LifePosPermanentError(`LIFE POS rejected the request: ${description}`, failure, {
    code: apiCode ? `lifepos.${snakeCase(apiCode)}` : `lifepos.http_${status}`,
    userMessage: `LIFE POS rejected the request (${description}).`,
  });
}

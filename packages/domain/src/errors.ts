/**
 * The error taxonomy of the whole system (docs/ARCHITECTURE.md, «Errors»). The code that
 * understands a failure (a client, a handler) throws one of these; the worker runner acts on `kind`
 * and never inspects messages:
 * - `retryable`: transient (network, timeout, 5xx) → retried with backoff, spends an attempt;
 * - `permanent`: retrying cannot help (validation, missing object, bad configuration) → straight to the
 *   final-failure hook, with `userMessage` for the person who has to act;
 * - `deferred`: not now (rate limit, order lock busy) → the job is delayed by `delayMs` without
 *   spending an attempt.
 */
export type ErrorKind = 'retryable' | 'permanent' | 'deferred';

export abstract class ConnectorError extends Error {
  abstract readonly kind: ErrorKind;
  /** Short machine-readable cause, used in incident dedupe keys (e.g. `lifepos.validation`). */
  readonly code: string;
  /** What a person should read in a task: what failed and what to do. Defaults to the message. */
  readonly userMessage: string;
  /** Structured details safe to log and show (never secrets): the API's own errors, status codes, … */
  readonly details: Record<string, unknown>;

  constructor(
    message: string,
    options: { code?: string; userMessage?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'unknown';
    this.userMessage = options.userMessage ?? message;
    this.details = options.details ?? {};
  }
}

export class RetryableError extends ConnectorError {
  readonly kind = 'retryable' as const;
}

export class PermanentError extends ConnectorError {
  readonly kind = 'permanent' as const;
}

export class DeferredError extends ConnectorError {
  readonly kind = 'deferred' as const;
  /** How long to wait before trying again. */
  readonly delayMs: number;

  constructor(
    message: string,
    delayMs: number,
    options: { code?: string; userMessage?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options);
    this.delayMs = Math.max(0, Math.ceil(delayMs));
  }
}

/** The kind of any thrown value: ours by `kind`, anything else is treated as retryable (unknown ≠ hopeless). */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof ConnectorError) return error.kind;
  if (typeof error === 'object' && error !== null && 'kind' in error) {
    const { kind } = error as { kind: unknown };
    if (kind === 'retryable' || kind === 'permanent' || kind === 'deferred') return kind;
  }
  return 'retryable';
}

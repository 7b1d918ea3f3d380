/**
 * An error a route throws to answer with a specific 4xx/5xx JSON body. Its message and details are sent
 * to the caller as they are, so they must be written for the caller (e.g. name the invalid field).
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

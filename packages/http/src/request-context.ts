import { randomUUID } from 'node:crypto';
import type { Logger } from '@connector/logger';
import type { Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';

// A caller's id is reused only if it cannot forge log lines or bloat records.
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const context = Symbol('connector.requestContext');

export interface RequestContext {
  readonly requestId: string;
  readonly logger: Logger;
  /** Set by the 404 handler: a route that matched earlier and called next() must not lend its label. */
  unmatched?: boolean;
  /** Set by a fast route (fast-routes.ts): its pattern, the label express's router would have given. */
  route?: string;
}

type WithContext = Response & { [context]?: RequestContext };

/** The caller's `X-Request-Id` when it is acceptable, a fresh UUID otherwise. */
export function chooseRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && ACCEPTED_REQUEST_ID.test(value) ? value : randomUUID();
}

export function attachRequestContext(res: Response, value: RequestContext): void {
  (res as WithContext)[context] = value;
}

export function findContext(res: Response): RequestContext | undefined {
  return (res as WithContext)[context];
}

function contextOf(res: Response): RequestContext {
  const value = findContext(res);
  if (!value) throw new Error('request context missing: the app was not built with createHttpApp');
  return value;
}

/** The id of the request being answered (also sent back in `X-Request-Id`). */
export function requestId(res: Response): string {
  return contextOf(res).requestId;
}

/** The app's logger with the request id attached: use it in route handlers. */
export function requestLogger(res: Response): Logger {
  return contextOf(res).logger;
}

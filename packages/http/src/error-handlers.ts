import type { Logger } from '@connector/logger';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { type ErrorBody, HttpError } from './http-error.js';
import { findContext } from './request-context.js';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

interface Answer {
  status: number;
  body: ErrorBody;
}

function answer(status: number, code: string, message: string, details?: unknown): Answer {
  return { status, body: { error: details === undefined ? { code, message } : { code, message, details } } };
}

/** Errors raised by express' body parsers (body-parser / raw-body) carry a `type`. */
interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' && error !== null && typeof (error as { type?: unknown }).type === 'string'
  );
}

function bodyParserAnswer(error: BodyParserError, req: Request): Answer | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return answer(
        413,
        'payload_too_large',
        error.limit === undefined
          ? 'Request body is too large'
          : `Request body is larger than the limit of ${error.limit} bytes`,
      );
    case 'entity.parse.failed':
      return req.is('json')
        ? answer(400, 'invalid_json', 'Request body is not valid JSON')
        : answer(400, 'invalid_body', 'Request body could not be parsed as its Content-Type says');
    case 'parameters.too.many':
      return answer(413, 'payload_too_large', 'Request body has too many form parameters');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return answer(415, 'unsupported_media_type', 'Request body has an unsupported encoding or charset');
    case 'request.aborted':
      return answer(400, 'request_aborted', 'Request was aborted before its body was received');
    case 'request.size.invalid':
      return answer(400, 'bad_request', 'Request body length does not match Content-Length');
    default:
      return undefined;
  }
}

/** http-errors style errors (thrown by express and its middleware) whose message is meant for clients. */
function exposedAnswer(error: unknown): Answer | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode, expose, message } = error as {
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499 || expose !== true) return undefined;
  return answer(
    code,
    CODE_BY_STATUS[code] ?? `http_${code}`,
    typeof message === 'string' ? message : 'Bad request',
  );
}

function classify(error: unknown, req: Request): Answer | undefined {
  if (error instanceof HttpError) return answer(error.status, error.code, error.message, error.details);
  if (isBodyParserError(error)) {
    const known = bodyParserAnswer(error, req);
    if (known) return known;
  }
  return exposedAnswer(error);
}

/** JSON 404 for every request no route answered. */
export function notFoundHandler(): RequestHandler {
  return (req, res) => {
    const context = findContext(res);
    if (context) context.unmatched = true;
    const body: ErrorBody = {
      error: { code: 'not_found', message: `No route for ${req.method} ${req.path}` },
    };
    res.status(404).json(body);
  };
}

/**
 * Renders every error as `{error: {code, message}}`. Unknown errors become a 500 that names nothing
 * internal; the error itself goes to the log with the request id, which the caller also gets back.
 */
export function errorHandler(appLogger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a JSON answer: express' default handler closes the connection.
      next(error);
      return;
    }
    const logger = findContext(res)?.logger ?? appLogger;
    const known = classify(error, req);
    if (known) {
      if (known.status >= 500) logger.error('request failed', { error });
      res.status(known.status).json(known.body);
      return;
    }
    logger.error('unhandled error in request', { error });
    const body: ErrorBody = { error: { code: 'internal_error', message: 'Internal server error' } };
    res.status(500).json(body);
  };
}

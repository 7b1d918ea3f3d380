/**
 * The slice of a logger the client uses; the winston Logger of @connector/logger fits. Records carry
 * request ids, methods, paths and statuses — never bodies or headers, so neither the password (a sign-in
 * body) nor the token (a header) can reach a log.
 */
export interface LifePosLogger {
  debug(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

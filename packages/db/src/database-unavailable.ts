/**
 * Whether an error says that PostgreSQL could not be reached or did not answer (down, restarting, frozen,
 * the network cut) rather than that the statement itself was wrong. Callers wait for the database then
 * instead of giving up on what they were doing: the ingress answers from what it knows, the workers defer
 * their jobs without spending an attempt.
 *
 * What the pg driver adapter throws (checked against a stopped and a SIGSTOPped server): Prisma's P1001
 * with the adapter's `DatabaseNotReachable` when the port is closed; pg's own errors, passed through
 * unwrapped, for a connect timeout ("Connection terminated due to connection timeout") and for the
 * client-side statement timeout ("Query read timeout"); PostgreSQL's 57P01 when it shuts down mid-session.
 * A server-side `statement_timeout` (57014) is not an outage: the statement was too slow.
 */

/** Prisma's codes for a server that cannot be reached or timed out, and for an exhausted pool. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** `DriverAdapterError` kinds of the pg adapter for socket failures. */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/**
 * SQLSTATE: class 08 (connection exception), 57P01–57P03 (admin shutdown, crash shutdown, cannot connect
 * now: starting up or shutting down), 53300 (too many connections).
 */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
/** pg's own messages (its errors carry no code). */
const PG_MESSAGES =
  /Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i;

function fieldsOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function saysUnreachable(fields: Record<string, unknown>): boolean {
  const { code, kind, originalCode, message } = fields;
  if (typeof code === 'string' && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATE.test(code))) {
    return true;
  }
  if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
  if (typeof originalCode === 'string' && SQLSTATE.test(originalCode)) return true;
  return typeof message === 'string' && PG_MESSAGES.test(firstLine(message));
}

/** Prisma's messages quote the calling code; only pg's own one-line messages are matched. */
function firstLine(message: string): string {
  return message.trimStart().split('\n', 1)[0] ?? '';
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const fields = fieldsOf(pending.pop());
    if (!fields || seen.has(fields)) continue;
    seen.add(fields);
    if (saysUnreachable(fields)) return true;
    // Wrapped: an error's cause, Prisma's `meta.driverAdapterError.cause`, an AggregateError's errors.
    pending.push(fields.cause, fieldsOf(fields.meta)?.driverAdapterError);
    if (Array.isArray(fields.errors)) pending.push(...fields.errors);
  }
  return false;
}

import { z } from 'zod';

/**
 * Shared pieces of the apps' environment schemas (docs/ARCHITECTURE.md, «Runtime contracts»). Each app
 * composes the variables it reads into its own small schema:
 * `parseEnv('ingress', { DATABASE_URL, REDIS_URL, PORT })`.
 */

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL with one of the protocols ${protocols.join(', ')}`,
  );

export const DATABASE_URL = url(['postgres:', 'postgresql:']);
export const REDIS_URL = url(['redis:', 'rediss:']);

export const LIFEPOS_API_URL = url(['https:', 'http:']).default('https://api.life-pos.ru');

/** Base of the notification URL given to LIFE POS (`<PUBLIC_URL>/lifepos/notifications/<token>`). */
export const PUBLIC_URL = url(['https:', 'http:']).transform((value) => value.replace(/\/+$/, ''));

/** AES-256-GCM key for secrets at rest: base64 of exactly 32 bytes. */
export const SECRETS_KEY = z.string().transform((value, ctx) => {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32 || key.toString('base64') !== value.replace(/\s+/g, '')) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be base64 of exactly 32 bytes (generate one with: openssl rand -base64 32)',
    });
    return z.NEVER;
  }
  return key;
});

/**
 * RetailCRM SaaS domains (docs/RETAILCRM-API.md, «Base URL and hosts»); an account's host must be
 * `<account>.<domain>` or listed exactly.
 */
export const DEFAULT_RETAILCRM_ALLOWED_HOSTS = [
  '.retailcrm.ru',
  '.retailcrm.pro',
  '.retailcrm.es',
  '.simla.com',
  '.simlachat.com',
  '.simlachat.ru',
  '.ecomlogic.com',
];

/**
 * Comma-separated host rules: `.example.com` allows sub-domains of example.com, `host` allows that host,
 * `host:port` that host on that port. Loopback and private addresses are only reachable when listed.
 */
export const RETAILCRM_ALLOWED_HOSTS = z
  .string()
  .default(DEFAULT_RETAILCRM_ALLOWED_HOSTS.join(','))
  .transform((value) =>
    value
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
  )
  .refine((hosts) => hosts.length > 0, 'must list at least one host');

export const PORT = z.coerce.number().int().min(0).max(65535);
export const portWithDefault = (port: number) => PORT.default(port);

export const LOG_LEVEL = z
  .enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'])
  .default('info');

export const NODE_ENV = z.enum(['production', 'development', 'test']).default('production');

/** Prefix of every BullMQ key; the braces make it a Redis Cluster hash tag. */
export const QUEUE_PREFIX = z
  .string()
  .regex(/^\{[A-Za-z0-9:_-]+\}$/, 'must be a hash tag in braces, e.g. {connector}')
  .default('{connector}');

export const CONSOLE_USER = z.string().min(1);
export const CONSOLE_PASSWORD = z.string().min(12, 'must be at least 12 characters');

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * Limits of every app's HTTP server against slow and abusive clients (packages/http `startHttpServer`).
 * Unset: packages/http's production defaults (`DEFAULT_HTTP_SERVER_LIMITS`). Spread into an app's shape.
 */
export const httpServerEnvShape = {
  /** Time a client has to send a whole request, headers and body (slow-body clients are cut after it). */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().max(3_600_000).optional(),
  /** Time a client has to send the request headers (slow-header clients are cut after it). */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().max(3_600_000).optional(),
  /** How long an idle keep-alive connection is kept; keep it above the reverse proxy's upstream idle timeout. */
  HTTP_KEEPALIVE_TIMEOUT_MS: z.coerce.number().int().positive().max(3_600_000).optional(),
  /** Requests one keep-alive connection may carry before the server closes it. */
  HTTP_MAX_REQUESTS_PER_SOCKET: z.coerce.number().int().positive().optional(),
  /** Open connections one process accepts; connections over it are closed at once. */
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().positive().optional(),
};

/**
 * Bounds on every PostgreSQL call (packages/db `createDatabase`), so that a database that is down or frozen
 * fails calls in seconds instead of hanging them. Spread into an app's shape.
 */
export const databaseEnvShape = {
  /** Time to open a connection (TCP and PostgreSQL's start-up answer); a frozen server fails after it. */
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(5_000),
  /** Time one statement may run (`statement_timeout`); the client gives up a second later if nothing answers. */
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(15_000),
};

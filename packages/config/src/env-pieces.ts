import { z } from 'zod';

/**
 * Shared pieces of the apps' environment schemas (ARCHITECTURE.md §5). Each app composes the
 * variables it reads into its own small schema: `parseEnv('ingress', { DATABASE_URL, REDIS_URL, PORT })`.
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

/** RetailCRM SaaS domains (reference §1.1); an account's host must be `<account>.<domain>` or listed exactly. */
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

import {
  CONSOLE_PASSWORD,
  CONSOLE_USER,
  DATABASE_URL,
  databaseEnvShape,
  httpServerEnvShape,
  LIFEPOS_API_URL,
  LOG_LEVEL,
  NODE_ENV,
  PUBLIC_URL,
  portWithDefault,
  positiveInt,
  QUEUE_PREFIX,
  REDIS_URL,
  RETAILCRM_ALLOWED_HOSTS,
  SECRETS_KEY,
} from '@connector/config';
import { z } from 'zod';

/**
 * What the console reads from its environment (docs/ARCHITECTURE.md, «Runtime contracts», plus its own
 * tunables).
 */
export const consoleEnvShape = {
  DATABASE_URL,
  REDIS_URL,
  /** Decrypts stored connections; the session cookie's signing key is derived from it too. */
  SECRETS_KEY,
  LIFEPOS_API_URL,
  RETAILCRM_ALLOWED_HOSTS,
  /** Base of the LIFE POS notification URL (`<PUBLIC_URL>/lifepos/notifications/<token>`). */
  PUBLIC_URL,
  /**
   * The address RetailCRM triggers post to, shown in the trigger instructions. Default
   * `<PUBLIC_URL>/retailCRM/update` (ingress and webhook behind one reverse proxy).
   */
  TRIGGER_URL: z.url().optional(),
  CONSOLE_USER,
  CONSOLE_PASSWORD,
  QUEUE_PREFIX,
  PORT: portWithDefault(3002),
  LOG_LEVEL,
  /** `development` drops the Secure flag of the session cookie (plain http on a laptop). */
  NODE_ENV,
  /**
   * express' `trust proxy`: which hops may set X-Forwarded-For / -Proto. The sign-in throttle counts per
   * client address, and the Secure session cookie and HSTS need to know that the browser used https.
   * Default: off (the direct peer is the client; forwarded headers are ignored, so they cannot be forged).
   * Behind a reverse proxy: `1` (trust the one hop in front), or the proxy's addresses / CIDRs, comma-separated.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value): boolean | number | string => trustProxySetting(value)),
  /** Failed sign-ins one user name, or one address, may make per window before sign-ins are refused. */
  LOGIN_MAX_FAILURES: positiveInt(10),
  LOGIN_WINDOW_MINUTES: positiveInt(15),
  /** Idle time after which an operator has to sign in again. */
  SESSION_IDLE_MINUTES: positiveInt(8 * 60),
  ...databaseEnvShape,
  ...httpServerEnvShape,
};

/** `TRUST_PROXY` as express takes it: unset / `false` off, `true` every hop, a number of hops, or addresses. */
export function trustProxySetting(value: string | undefined): boolean | number | string {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '' || trimmed === 'false') return false;
  if (trimmed === 'true') return true;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

export type ConsoleEnv = z.infer<z.ZodObject<typeof consoleEnvShape>>;

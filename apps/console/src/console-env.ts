import {
  CONSOLE_PASSWORD,
  CONSOLE_USER,
  DATABASE_URL,
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

/** What the console reads from its environment (ARCHITECTURE.md §5, plus its own tunables). */
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
   * express' `trust proxy`: which hops may set X-Forwarded-For / -Proto (the login rate limit counts per
   * client address; the Secure cookie needs to know the browser used https). Default: private networks,
   * where a reverse proxy in front of the console lives.
   */
  TRUST_PROXY: z.string().default('loopback, linklocal, uniquelocal'),
  /** Failed sign-ins one address may make per window before it gets 429. */
  LOGIN_MAX_FAILURES: positiveInt(10),
  LOGIN_WINDOW_MINUTES: positiveInt(15),
  /** Idle time after which an operator has to sign in again. */
  SESSION_IDLE_MINUTES: positiveInt(8 * 60),
};

export type ConsoleEnv = z.infer<z.ZodObject<typeof consoleEnvShape>>;

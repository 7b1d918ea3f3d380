import {
  DATABASE_URL,
  databaseEnvShape,
  httpServerEnvShape,
  LOG_LEVEL,
  portWithDefault,
  positiveInt,
  QUEUE_PREFIX,
  REDIS_URL,
  SECRETS_KEY,
} from '@connector/config';
import type { z } from 'zod';

/**
 * What the ingress reads from its environment (docs/ARCHITECTURE.md, «Runtime contracts», plus its own
 * tunables).
 */
export const ingressEnvShape = {
  DATABASE_URL,
  REDIS_URL,
  /** The database layer decrypts connections with it. */
  SECRETS_KEY,
  QUEUE_PREFIX,
  PORT: portWithDefault(3000),
  LOG_LEVEL,
  /**
   * Triggers one connection may send per second (per ingress process) before it gets 429. A real
   * RetailCRM account sends each trigger once and never retries, so this sits far above any shop's bulk
   * status change (thousands of orders at once); it only stops a runaway loop. Repeated triggers of one
   * order are not limited: they merge into the order's pending job.
   */
  INGRESS_FLOOD_PER_SECOND: positiveInt(2_000),
  /**
   * Database lookups per second (per ingress process) of `client_id`s that have named no connection
   * here yet; above it such triggers get 429 without a query. A known connection is never limited by it.
   */
  INGRESS_UNKNOWN_CLIENT_PER_SECOND: positiveInt(20),
  /**
   * How long a connection looked up by `client_id` is reused; also how long a disabling takes to apply.
   * While PostgreSQL is unreachable a known connection is reused past it (refreshed once it answers).
   */
  INGRESS_CONNECTION_CACHE_MS: positiveInt(5_000),
  /** How often the outbox is checked for triggers accepted while Redis was down. */
  OUTBOX_DRAIN_INTERVAL_MS: positiveInt(1_000),
  /** Outbox entries claimed per round. */
  OUTBOX_BATCH_SIZE: positiveInt(100),
  /**
   * How long a claimed outbox entry is reserved for its drainer before another may take it over. A round
   * takes milliseconds; entries of a round that Redis interrupted wait this long before the next try.
   * Too short is harmless (a second add under the same job id does nothing), too long delays delivery.
   */
  OUTBOX_LEASE_MS: positiveInt(10_000),
  ...databaseEnvShape,
  ...httpServerEnvShape,
};

export type IngressEnv = z.infer<z.ZodObject<typeof ingressEnvShape>>;

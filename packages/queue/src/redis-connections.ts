import type { Logger } from '@connector/logger';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** Shown in `CLIENT LIST`, so operators can tell the connections apart. */
  name?: string;
  /** Connection errors are logged here (throttled); without it they are swallowed (ioredis would print them). */
  logger?: Logger;
}

/** Reconnect forever, quickly at first, then every 2 s: a worker must come back whenever Redis does. */
function retryStrategy(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2_000) + Math.floor(Math.random() * 100);
}

/**
 * After a failover the old primary answers writes with READONLY, and a blocked command on it is
 * aborted with UNBLOCKED. Both mean "reconnect": DNS / the load balancer then points at the new primary.
 * 2 = reconnect and resend the failed command.
 */
function reconnectOnError(error: Error): boolean | 2 {
  if (error.message.startsWith('READONLY') || error.message.startsWith('UNBLOCKED')) return 2;
  return false;
}

/**
 * Logs the first error of an outage and then stays quiet until the connection is ready again, so a
 * Redis that is down for an hour does not write a line every two seconds.
 */
function attachErrorLogging(redis: Redis, { name, logger }: RedisConnectionOptions): Redis {
  let quiet = false;
  redis.on('ready', () => {
    if (quiet) logger?.info('redis connection ready again', { connection: name });
    quiet = false;
  });
  redis.on('error', (error: Error) => {
    if (quiet) return;
    quiet = true;
    logger?.warn('redis connection error; reconnecting', { connection: name, error: error.message });
  });
  return redis;
}

/**
 * For code that enqueues from a request (ingress, the console): fails fast when Redis is unreachable,
 * so the caller can fall back to its database outbox or answer 503 instead of hanging.
 */
export function createProducerRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.name ?? 'connector-producer',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy,
    reconnectOnError,
  };
  return attachErrorLogging(new Redis(url, redisOptions), options);
}

/**
 * For workers (BullMQ requires `maxRetriesPerRequest: null` there): commands wait through an outage
 * instead of failing, and the connection keeps reconnecting for as long as the process lives.
 */
export function createWorkerRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.name ?? 'connector-worker',
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy,
    reconnectOnError,
  };
  return attachErrorLogging(new Redis(url, redisOptions), options);
}

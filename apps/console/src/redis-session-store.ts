import session, { type SessionData } from 'express-session';
import type { Redis } from 'ioredis';

/**
 * express-session's store on the console's own ioredis connection (connect-redis wants the `redis` client,
 * a second Redis library for a handful of keys). Sessions expire in Redis with the cookie's age, so a
 * signed-out or idle operator leaves nothing behind.
 */
export class RedisSessionStore extends session.Store {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly defaultTtlMs: number,
  ) {
    super();
  }

  private key(sid: string): string {
    return `${this.prefix}:console:session:${sid}`;
  }

  private ttlMs(data: SessionData): number {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires).getTime() - Date.now() : undefined;
    return Math.max(1_000, Math.floor(expires ?? this.defaultTtlMs));
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.redis.get(this.key(sid)).then(
      (value) => callback(null, value ? (JSON.parse(value) as SessionData) : null),
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    this.redis.set(this.key(sid), JSON.stringify(data), 'PX', this.ttlMs(data)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.redis.del(this.key(sid)).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, data: SessionData, callback?: () => void): void {
    this.redis.pexpire(this.key(sid), this.ttlMs(data)).then(
      () => callback?.(),
      () => callback?.(),
    );
  }
}

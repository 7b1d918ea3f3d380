import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type LuaReply = string | number | null | LuaReply[];

/**
 * A Lua script run atomically by Redis: EVALSHA, and EVAL once when the server does not know the
 * script yet (first use, or after a restart emptied its script cache).
 */
export function luaScript(source: string, numberOfKeys: number) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis: Redis, keys: string[], args: Array<string | number>): Promise<LuaReply> => {
    if (keys.length !== numberOfKeys) throw new Error(`script expects ${numberOfKeys} keys`);
    try {
      return (await redis.evalsha(sha, numberOfKeys, ...keys, ...args)) as LuaReply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(source, numberOfKeys, ...keys, ...args)) as LuaReply;
    }
  };
}

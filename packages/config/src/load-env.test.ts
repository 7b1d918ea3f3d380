import { describe, expect, it } from '@jest/globals';
import {
  DATABASE_URL,
  EnvError,
  LOG_LEVEL,
  PORT,
  parseEnv,
  QUEUE_PREFIX,
  REDIS_URL,
  RETAILCRM_ALLOWED_HOSTS,
  SECRETS_KEY,
} from './index.js';

const shape = {
  DATABASE_URL,
  REDIS_URL,
  SECRETS_KEY,
  PORT,
  LOG_LEVEL,
  QUEUE_PREFIX,
  RETAILCRM_ALLOWED_HOSTS,
};
const good = {
  DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
  PORT: '8080',
};

function problemsOf(source: Record<string, string | undefined>) {
  try {
    parseEnv('test-app', shape, source);
  } catch (error) {
    if (error instanceof EnvError) return error;
  }
  throw new Error('expected an EnvError');
}

describe('parseEnv', () => {
  it('parses and applies defaults', () => {
    const env = parseEnv('test-app', shape, good);
    expect(env.PORT).toBe(8080);
    expect(env.SECRETS_KEY).toHaveLength(32);
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.QUEUE_PREFIX).toBe('{connector}');
    expect(env.RETAILCRM_ALLOWED_HOSTS).toContain('.retailcrm.ru');
  });

  it('names a missing variable', () => {
    const error = problemsOf({ ...good, DATABASE_URL: undefined });
    expect(error.problems).toEqual([{ variable: 'DATABASE_URL', message: 'is required but not set' }]);
    expect(error.message).toContain('test-app: invalid environment');
    expect(error.message).toContain('DATABASE_URL: is required but not set');
  });

  it('treats an empty value as unset', () => {
    expect(problemsOf({ ...good, REDIS_URL: '' }).problems[0]?.variable).toBe('REDIS_URL');
  });

  it.each([
    ['DATABASE_URL', 'mysql://x/y', 'protocols'],
    ['REDIS_URL', 'not a url', 'protocols'],
    ['SECRETS_KEY', Buffer.alloc(16).toString('base64'), '32 bytes'],
    ['PORT', 'eighty', 'number'],
    ['LOG_LEVEL', 'loud', 'error'],
    ['QUEUE_PREFIX', 'connector', 'hash tag'],
  ])('rejects %s=%s with a reason', (variable, value, reason) => {
    const error = problemsOf({ ...good, [variable]: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.variable).toBe(variable);
    expect(error.problems[0]?.message).toContain(reason);
  });
});

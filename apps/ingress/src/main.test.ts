import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runAppMain } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const runMain = (env: Record<string, string>) => runAppMain(appDir, env);

describe('main', () => {
  it('exits 1 naming DATABASE_URL when it is not set', async () => {
    const { code, stderr } = await runMain({
      REDIS_URL: 'redis://127.0.0.1:1',
      SECRETS_KEY: randomBytes(32).toString('base64'),
    });
    expect(code).toBe(1);
    expect(stderr).toContain('ingress: invalid environment');
    expect(stderr).toContain('DATABASE_URL: is required but not set');
  });

  it('names a bad tunable too', async () => {
    const { code, stderr } = await runMain({
      DATABASE_URL: 'postgresql://u@127.0.0.1:1/db',
      REDIS_URL: 'redis://127.0.0.1:1',
      SECRETS_KEY: randomBytes(32).toString('base64'),
      INGRESS_FLOOD_PER_SECOND: 'lots',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('INGRESS_FLOOD_PER_SECOND');
  });
});

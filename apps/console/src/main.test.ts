import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runAppMain } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const runMain = (env: Record<string, string>) => runAppMain(appDir, env);

describe('main', () => {
  it('exits 1 naming the console variables that are missing or wrong', async () => {
    const { code, stderr } = await runMain({
      DATABASE_URL: 'postgresql://u@127.0.0.1:1/db',
      REDIS_URL: 'redis://127.0.0.1:1',
      SECRETS_KEY: randomBytes(32).toString('base64'),
      PUBLIC_URL: 'https://connector.example.com',
      CONSOLE_USER: 'admin',
      CONSOLE_PASSWORD: 'short',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('console: invalid environment');
    expect(stderr).toContain('CONSOLE_PASSWORD');
  });
});

// Environment validation: starting any app with a missing or malformed variable exits non-zero, naming the variable.
// Every app with a src/main.ts is covered, including ones added later.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAppMain } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';

const appsDir = fileURLToPath(new URL('../../', import.meta.url));
const apps = readdirSync(appsDir).filter((name) => existsSync(path.join(appsDir, name, 'src', 'main.ts')));

const start = (app: string, env: Record<string, string>) => runAppMain(path.join(appsDir, app), env);

describe('start-up environment validation', () => {
  it('finds the apps', () => {
    expect(apps).toEqual(
      expect.arrayContaining([
        'ingress',
        'export-worker',
        'cancel-worker',
        'refund-worker',
        'sync-worker',
        'sandbox',
      ]),
    );
  });

  it.each(apps.filter((app) => app !== 'sandbox'))(
    '%s exits non-zero naming DATABASE_URL when it is missing',
    async (app) => {
      const { code, stderr } = await start(app, { REDIS_URL: 'redis://127.0.0.1:1' });
      expect(code).not.toBe(0);
      expect(stderr).toContain('DATABASE_URL');
      expect(stderr).toMatch(/required|not set/);
    },
  );

  it('a worker exits non-zero naming a malformed WORKER_CONCURRENCY', async () => {
    const { code, stderr } = await start('export-worker', { WORKER_CONCURRENCY: '0' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('WORKER_CONCURRENCY');
  });

  it('the sandbox exits non-zero naming a malformed PORT', async () => {
    const { code, stderr } = await start('sandbox', { PORT: 'abc' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('PORT');
  });
});

// Each worker app's real entry point (src/main.ts): starts from the environment alone, reports ready
// on /readyz, and exits 0 on SIGTERM after closing its workers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '@connector/db';
import {
  createTestDatabase,
  type TestDatabase,
  testRedisUrl,
  uniquePrefix,
  waitFor,
} from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const appsDir = fileURLToPath(new URL('../../', import.meta.url));

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: (url) => migrate(url) });
});
afterAll(async () => {
  await database?.drop();
});

describe('worker entry points', () => {
  it.each([
    ['export-worker', ['order-export']],
    ['cancel-worker', ['order-cancel']],
    ['refund-worker', ['order-refund']],
    ['sync-worker', ['sync', 'crm-tasks']],
    ['webhook-worker', ['lifepos-events']],
  ])('%s starts from the environment, reports ready and exits 0 on SIGTERM', async (app, queues) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: path.join(appsDir, app),
      // Only what is given: nothing of the test's own environment.
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        SECRETS_KEY: randomBytes(32).toString('base64'),
        QUEUE_PREFIX: `{${uniquePrefix()}}`,
        PORT: '0',
        LOG_LEVEL: 'info',
        PUBLIC_URL: 'https://connector.example.test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    try {
      const started = await waitFor(
        () =>
          output
            .split('\n')
            .map((line) => {
              try {
                return JSON.parse(line) as { message?: string; url?: string; queues?: string[] };
              } catch {
                return undefined;
              }
            })
            .find((record) => record?.message === 'worker app started'),
        { timeoutMs: 20_000, what: `${app} to start` },
      );
      expect(started.queues).toEqual(queues);
      const ready = await waitFor(
        async () => {
          const response = await fetch(`${started.url}/readyz`);
          return response.status === 200 ? response : undefined;
        },
        { timeoutMs: 10_000, what: '/readyz to answer 200' },
      );
      expect(ready.status).toBe(200);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

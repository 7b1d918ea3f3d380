import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const appDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs the real entry point through tsx (TypeScript sources via the `source` export condition). */
async function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

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

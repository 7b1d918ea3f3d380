import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Runs an app's real entry point — `src/main.ts` of `appDir`, through tsx with the `source` export
 * condition, as `pnpm dev` does — until it exits, with only the given environment (and PATH): nothing of
 * the test's own (DATABASE_URL may be set there). For start-up checks; killed after `timeoutMs`.
 */
export async function runAppMain(
  appDir: string,
  env: Record<string, string>,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

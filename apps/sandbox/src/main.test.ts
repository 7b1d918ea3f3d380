import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { DemoSummary } from './demo-seed.js';
import { TestApiClient } from './lifepos/test-client.js';
import { pollUntil, RcTestClient } from './retailcrm/test-client.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const started: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `src/main.ts` as its own Node process, through tsx with the `source` condition (as `pnpm dev` runs it). */
function runMain(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: packageDir,
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** Fails the test instead of hanging when the process does not exit in time. */
async function exitWithin(run: Run, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no exit within ${ms} ms: ${JSON.stringify(run.output())}`)),
      ms,
    );
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('main.ts (the sandbox process)', () => {
  it('refuses a bad PORT, naming it, and exits non-zero', async () => {
    const run = runMain({ PORT: 'abc' });
    const { code } = await exitWithin(run, 30_000);
    expect(code).not.toBe(0);
    expect(run.output().stderr).toMatch(/sandbox: invalid environment\n\s+PORT: /);
  });

  it('serves the page and /healthz, writes the demo file and stops on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-main-'));
    const demoFile = join(dir, 'demo.json');
    try {
      const run = runMain({
        PORT: '0',
        LIFEPOS_PORT: '0',
        RETAILCRM_DEMO_PORT: '0',
        SANDBOX_DEMO_FILE: demoFile,
        SANDBOX_INGRESS_URL: 'http://127.0.0.1:9/retailCRM/update',
      });
      const summary = await pollUntil(
        async () =>
          existsSync(demoFile) ? (JSON.parse(await readFile(demoFile, 'utf8')) as DemoSummary) : undefined,
        'the demo file',
        30_000,
      );

      const health = await fetch(new URL('/healthz', summary.pageUrl));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const pageResponse = await fetch(summary.pageUrl);
      expect(await pageResponse.text()).toContain('Заказ 5001A');

      // The written credentials are the live ones.
      const crm = await new RcTestClient(summary.retailcrm.baseUrl, summary.retailcrm.apiKey).get(
        '/api/credentials',
      );
      expect(crm.status).toBe(200);
      await new TestApiClient(summary.lifepos.url).signIn(summary.lifepos.phone, summary.lifepos.password);
      expect(summary.ingressUrl).toBe('http://127.0.0.1:9/retailCRM/update');
      expect(summary.connection.retailcrmUrl).toBe(summary.retailcrm.baseUrl);

      // The log says where everything is, demo credentials included (JSON lines in production).
      const records = run
        .output()
        .stdout.split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const ready = records.find((record) => String(record.message).startsWith('Sandbox is running'));
      expect(ready).toMatchObject({
        level: 'info',
        pageUrl: summary.pageUrl,
        lifeposApiUrl: summary.lifeposUrl,
        retailcrmUrl: summary.retailcrm.baseUrl,
        retailcrmDemoKey: summary.retailcrm.apiKey,
        lifeposOrgId: summary.lifepos.orgId,
        lifeposPhone: summary.lifepos.phone,
        lifeposDemoPassword: summary.lifepos.password,
      });
      expect(String(ready?.message)).toContain(summary.retailcrm.apiKey);

      run.child.kill('SIGTERM');
      const { code } = await exitWithin(run, 15_000);
      expect(code).toBe(0);
      expect(run.output().stdout).toContain('sandbox stopped');
      expect(existsSync(demoFile)).toBe(false);
      await expect(fetch(new URL('/healthz', summary.pageUrl))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

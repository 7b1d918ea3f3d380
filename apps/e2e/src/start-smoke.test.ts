// The README's start command as a new user meets it: a fresh copy of the working tree (tracked and new files,
// nothing installed, built or generated), `bash scripts/start.sh`, every app ready, the demo order exported into
// the LIFE POS simulator, then Ctrl-C (SIGINT to the whole process group) and nothing it started left running.
// Ports are shifted (LOCAL_PORT_OFFSET, REDIS_PORT, PG_PORT) so it runs beside a developer's own copy.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const APP_BASE_PORTS = [3000, 3001, 3002, 3101, 3102, 3103, 3104, 3105, 4000, 4001, 4002];
const READY_BANNER = 'The connector runs locally';

/** The working tree as a fresh clone would have it, plus uncommitted work: no node_modules, dist or generated code. */
function copyWorkingTree(): string {
  const tree = mkdtempSync(path.join(tmpdir(), 'connector-start-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file && existsSync(path.join(repoRoot, file)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
    cpSync(path.join(repoRoot, file), path.join(tree, file));
  }
  return tree;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** An offset under which every app port of the start script is free. */
async function freeOffset(): Promise<number> {
  for (let offset = 20_000; offset < 40_000; offset += 1_000) {
    const free = await Promise.all(APP_BASE_PORTS.map((port) => portIsFree(port + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free block of ports for the start script');
}

/** Processes whose working directory is inside `dir` (apps run in apps/<name>, the servers in their data dirs). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** The apps every checkout has: each apps/<name> with a src/main.ts entry point. */
function appsWithEntryPoint(): string[] {
  return readdirSync(path.join(repoRoot, 'apps')).filter((name) =>
    existsSync(path.join(repoRoot, 'apps', name, 'src', 'main.ts')),
  );
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url} → ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** One run of the start script, as a terminal would hold it: its own process group, its output collected. */
class StartRun {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn('bash', ['scripts/start.sh'], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: unknown) => {
      this.output += String(chunk);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Waits for the ready banner; returns the apps it lists with their ports. */
  async ready(): Promise<Map<string, number>> {
    await waitFor(() => this.output.includes(READY_BANNER) || this.child.exitCode !== null, {
      timeoutMs: 300_000,
      intervalMs: 500,
    }).catch(() => false);
    if (!this.output.includes(READY_BANNER)) {
      throw new Error(`start.sh did not reach its ready banner:\n${this.output.slice(-4_000)}`);
    }
    const lines = this.output.matchAll(/^ {2}([a-z-]+) {2}http:\/\/127\.0\.0\.1:(\d+)/gm);
    return new Map([...lines].map((m) => [String(m[1]), Number(m[2])]));
  }

  /** Ctrl-C: the terminal sends SIGINT to the whole foreground process group. */
  async interrupt(): Promise<number | null | 'timeout'> {
    if (!this.child.pid) throw new Error('start.sh has no pid');
    process.kill(-this.child.pid, 'SIGINT');
    return Promise.race([this.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000))]);
  }

  kill(): void {
    if (this.child.pid && this.child.exitCode === null) process.kill(-this.child.pid, 'SIGKILL');
  }
}

describe('the README start command on a fresh copy of the working tree', () => {
  const tree = copyWorkingTree();
  const servicesDir = mkdtempSync('/var/tmp/connector-start-services-');
  const runs: StartRun[] = [];
  let env: NodeJS.ProcessEnv = {};
  const stopServices = () =>
    execFileSync('bash', ['scripts/local-services.sh', 'stop'], { cwd: tree, env, stdio: 'ignore' });

  afterAll(() => {
    for (const run of runs) run.kill();
    try {
      stopServices();
    } catch {
      // already stopped by the test
    }
    rmSync(tree, { recursive: true, force: true });
    rmSync(servicesDir, { recursive: true, force: true });
  });

  /** Starts, checks every app is listed and ready, runs `check`, then Ctrl-C and nothing of it left running. */
  async function startCheckAndInterrupt(check: () => Promise<void>): Promise<void> {
    const run = new StartRun(tree, env);
    runs.push(run);
    const listed = await run.ready();
    const expected = appsWithEntryPoint().filter((name) => name !== 'sandbox');
    expect([...listed.keys()].sort()).toEqual(expected.sort());
    for (const [name, port] of listed) {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    }
    await check();
    expect(await run.interrupt()).toBe(0);
    await waitFor(() => processesUnder(tree).length === 0, { timeoutMs: 10_000 }).catch(() => false);
    expect(processesUnder(tree)).toEqual([]);
    for (const port of listed.values()) expect(await portIsFree(port)).toBe(true);
  }

  it('starts every app, exports the demo order, stops on Ctrl-C, and starts again', async () => {
    const offset = await freeOffset();
    const { NODE_OPTIONS, DATABASE_URL, REDIS_URL, QUEUE_PREFIX, ...inherited } = process.env;
    env = {
      ...inherited,
      LOCAL_PORT_OFFSET: String(offset),
      REDIS_PORT: String(await freePort()),
      PG_PORT: String(await freePort()),
      LOCAL_SERVICES_DIR: servicesDir,
    };
    const control = `http://127.0.0.1:${4000 + offset}/_sandbox`;

    // The tour's first step through the sandbox's control API: 5001A into the send status → a LIFE POS sale.
    await startCheckAndInterrupt(async () => {
      const demo = JSON.parse(readFileSync(path.join(tree, '.local', 'demo.json'), 'utf8')) as {
        retailcrm: { accountCode: string };
        lifepos: { orgId: string };
        orders: { id: number; number: string }[];
      };
      const order = demo.orders.find((o) => o.number === '5001A');
      if (!order) throw new Error('the demo has no order 5001A');
      await getJson(`${control}/retailcrm/accounts/${demo.retailcrm.accountCode}/orders/${order.id}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'send-to-assembling' }),
      });
      const sale = await waitFor(
        async () => {
          const { sales } = await getJson<{ sales: { sale: { number: string } }[] }>(
            `${control}/lifepos/orgs/${demo.lifepos.orgId}/sales`,
          );
          return sales.find(({ sale: s }) => s.number === order.number);
        },
        { timeoutMs: 30_000, intervalMs: 250, what: `a LIFE POS sale of ${order.number}` },
      );
      expect(sale.sale.number).toBe('5001A');
    });

    // A second run: the servers are still up, the database and the demo connection already exist.
    await startCheckAndInterrupt(async () => {});

    // The two servers keep running by design; their stop command stops them.
    stopServices();
    await waitFor(() => processesUnder(servicesDir).length === 0, { timeoutMs: 10_000 }).catch(() => false);
    expect(processesUnder(servicesDir)).toEqual([]);
  }, 600_000);
});

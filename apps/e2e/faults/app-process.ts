// One of the connector's apps in an OS process of its own, started from its TypeScript sources exactly as
// its `dev` script does, so a test can SIGKILL it and a benchmark can read its memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@connector/testkit';

/** apps/ (this file is apps/e2e/faults/app-process.ts). */
const APPS_DIR = fileURLToPath(new URL('../../', import.meta.url));
/** apps/e2e: where `--import tsx` is resolved from. */
const E2E_DIR = fileURLToPath(new URL('../', import.meta.url));
/** Preloaded into every child: it exits when this process is gone (no orphans after a crash). */
const LEASH = fileURLToPath(new URL('./parent-leash.mjs', import.meta.url));

/** `apps/<app>/src/main.ts`: the process entry of an app (`dist/main.js` once built, when `compiled`). */
export function appEntry(app: string, compiled = false): string {
  return compiled ? `${APPS_DIR}${app}/dist/main.js` : `${APPS_DIR}${app}/src/main.ts`;
}

export interface AppProcess {
  /** What it runs (an app name or a script), for messages. */
  readonly name: string;
  readonly pid: number;
  /** Base URL of its HTTP server (/healthz, /readyz, /metrics). */
  readonly url: string;
  /** Exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** Sends `signal` (default SIGKILL) and waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Resident set size from /proc (bytes); undefined once the process is gone. */
  rssBytes(): number | undefined;
  /** CPU time it has used so far (user + system, seconds, from /proc); undefined once it is gone. */
  cpuSeconds(): number | undefined;
  /** The last few kilobytes it printed, for failure messages. */
  output(): string;
}

export interface SpawnAppOptions {
  /** Directory name under apps/, e.g. `export-worker` (runs its src/main.ts) … */
  app?: string;
  /** … or the path of another TypeScript entry (e.g. a benchmark baseline server). */
  entry?: string;
  /**
   * Run the app's built `dist/main.js` with plain node, as the production image does (build it first:
   * `pnpm turbo run build --filter=@connector/<app>...`). Default: the sources through tsx.
   */
  compiled?: boolean;
  /** The app's environment (merged over this process's, NODE_OPTIONS cleared). PORT is chosen here … */
  env: Record<string, string>;
  /**
   * … unless given: an app that must know its own address before it starts (the webhook worker's
   * PUBLIC_URL) gets a port chosen beforehand (`freePort()`).
   */
  port?: number;
  /** How long to wait for /healthz. Default 60 s (tsx compiles the sources on the first start). */
  readyTimeoutMs?: number;
}

const OUTPUT_LIMIT = 16_384;

function vmRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100;

function cpuSecondsOf(pid: number): number | undefined {
  try {
    // Fields after the command name (which may contain spaces, hence the last ')'): state is field 3,
    // utime and stime are fields 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `apps/<app>/src/main.ts` (or `entry`) and resolves once its /healthz answers — for a worker app,
 * its workers are running then. The process gets PORT (a free port) and is started with tsx and the
 * `source` export condition, as the apps' `dev` scripts do.
 */
export async function spawnApp({
  app,
  entry,
  compiled = false,
  env,
  port: givenPort,
  readyTimeoutMs = 60_000,
}: SpawnAppOptions): Promise<AppProcess> {
  const script = entry ?? (app ? appEntry(app, compiled) : undefined);
  if (!script) throw new Error('spawnApp needs an app or an entry');
  const name = app ?? script;
  const port = givenPort ?? (await freePort());
  const child: ChildProcess = spawn(
    process.execPath,
    compiled
      ? ['--import', LEASH, script]
      : ['--import', 'tsx', '--import', LEASH, '--conditions=source', script],
    {
      cwd: E2E_DIR,
      env: { ...process.env, NODE_OPTIONS: '', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let running = true;
  const exited = once(child, 'exit').then(([code, signal]) => {
    running = false;
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const url = `http://127.0.0.1:${port}`;
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} could not be started`);

  const deadline = Date.now() + readyTimeoutMs;
  while (!(await healthy(url))) {
    if (!running) {
      const { code, signal } = await exited;
      throw new Error(`${name} exited (${signal ?? code}) before it was healthy:\n${output}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not healthy after ${readyTimeoutMs} ms:\n${output}`);
    }
    await sleep(100);
  }

  return {
    name,
    pid,
    url,
    exited,
    isRunning: () => running,
    async kill(signal = 'SIGKILL') {
      if (!running) return;
      child.kill(signal);
      await exited;
    },
    rssBytes: () => (running ? vmRssBytes(pid) : undefined),
    cpuSeconds: () => (running ? cpuSecondsOf(pid) : undefined),
    output: () => output,
  };
}

import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a server binary as the `postgres` user when we are root (PostgreSQL refuses to run as root). */
async function runAsPostgres(bin: string, args: string[]): Promise<void> {
  if (isRoot()) {
    await run('runuser', ['-u', 'postgres', '--', bin, ...args]);
  } else {
    await run(bin, args);
  }
}

export function findRedisServer(): string | undefined {
  const candidates = [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server', '/usr/local/bin/redis-server'];
  return candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate));
}

export function findPostgresBinDir(): string | undefined {
  if (process.env.PG_BIN_DIR && existsSync(path.join(process.env.PG_BIN_DIR, 'pg_ctl'))) {
    return process.env.PG_BIN_DIR;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export const missingBinariesHelp =
  'Install them with: apt-get install -y redis-server postgresql (or set REDIS_URL / DATABASE_URL, or run a Docker engine for testcontainers).';

export interface LocalRedis {
  url: string;
  port: number;
  dir: string;
  /** Stops the server (SHUTDOWN NOSAVE is not used: AOF keeps what was written). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  start(): Promise<void>;
  /** Stops it, deletes everything it had written (its append-only file), and starts it again, empty. */
  restartEmpty(): Promise<void>;
  /** Stops it for good and deletes its directory. */
  dispose(): Promise<void>;
}

export async function startLocalRedis(port: number): Promise<LocalRedis> {
  const bin = findRedisServer();
  if (!bin) throw new Error(`redis-server not found. ${missingBinariesHelp}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'connector-redis-'));
  let child: ReturnType<typeof spawn> | undefined;

  const start = async () => {
    child = spawn(
      bin,
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--dir',
        dir,
        '--maxmemory-policy',
        'noeviction',
        '--appendonly',
        'yes',
        '--appendfsync',
        'no',
        '--save',
        '',
        '--protected-mode',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    child.unref();
    await waitForPort(port, 10_000);
  };
  const stop = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    start,
    stop,
    restartEmpty: async () => {
      await stop();
      for (const entry of await readdir(dir))
        await rm(path.join(dir, entry), { recursive: true, force: true });
      await start();
    },
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface LocalPostgres {
  url: string;
  port: number;
  /** Stops the server (`pg_ctl stop -m fast`: connections are cut, the data stays). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  start(): Promise<void>;
  /**
   * SIGSTOPs the server and every backend: connections stay open and new ones are accepted by the
   * kernel, but nothing answers — a hung database host, not a stopped one.
   */
  freeze(): Promise<void>;
  /** SIGCONTs what `freeze` stopped. */
  thaw(): Promise<void>;
  dispose(): Promise<void>;
}

/** The postmaster's pid and every process it forked (backends, checkpointer, …), from /proc. */
async function clusterPids(data: string): Promise<number[]> {
  const postmaster = Number((await readFile(path.join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) comes after the command name, which may contain spaces: read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return [postmaster, ...children];
}

export async function startLocalPostgres(port: number): Promise<LocalPostgres> {
  const binDir = findPostgresBinDir();
  if (!binDir) throw new Error(`PostgreSQL binaries not found. ${missingBinariesHelp}`);
  // The data directory must be reachable by the postgres user: /tmp, never root's home.
  const dir = await mkdtemp(path.join('/tmp', 'connector-pg-'));
  if (isRoot()) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  await runAsPostgres(path.join(binDir, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const pgCtl = path.join(binDir, 'pg_ctl');
  const start = () =>
    runAsPostgres(pgCtl, [
      '-D',
      data,
      '-l',
      path.join(data, 'server.log'),
      '-w',
      '-t',
      '30',
      'start',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
    ]);
  let frozen: number[] = [];
  const thaw = async () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    }
    frozen = [];
  };
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop: () => runAsPostgres(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']),
    async freeze() {
      // The postmaster first, so that it forks no backend after its children are listed.
      const [postmaster] = await clusterPids(data);
      process.kill(postmaster!, 'SIGSTOP');
      frozen.push(postmaster!);
      for (const pid of (await clusterPids(data)).slice(1)) {
        process.kill(pid, 'SIGSTOP');
        frozen.push(pid);
      }
    },
    thaw,
    dispose: async () => {
      await thaw();
      await runAsPostgres(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const net = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

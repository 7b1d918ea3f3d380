import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

export interface ScriptProcess {
  /** The n-th line (from 0) the process prints; rejects if it exits first. */
  line(n: number): Promise<string>;
  send(text: string): void;
  kill(signal?: NodeJS.Signals): void;
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Runs one of the scripts next to this file in its own Node process through tsx, with the `source`
 * export condition so workspace packages resolve to their TypeScript sources. Killed after
 * `timeoutMs` at the latest.
 */
export function spawnScript(script: string, args: string[], timeoutMs = 30_000): ScriptProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args],
    { cwd: packageDir, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = once(child, 'exit').then(([code]) => {
    clearTimeout(timer);
    return code as number | null;
  });
  const received: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    received.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    line: (n) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (received.length > n) resolve(received[n]!);
          else waiters.push(check);
        };
        check();
        void exited.then((code) => {
          if (received.length <= n)
            reject(new Error(`${script} exited with ${code} before line ${n}: ${stderr}`));
        });
      }),
    send: (text) => void child.stdin.write(`${text}\n`),
    kill: (signal = 'SIGKILL') => void child.kill(signal),
    exited,
  };
}

/**
 * Runs `count` copies of a contender script at once: each prints "ready" once connected, all get "go"
 * together, and each prints one JSON line of results.
 */
export async function runTogether<T>(script: string, args: string[], count = 2): Promise<T[]> {
  const processes = Array.from({ length: count }, () => spawnScript(script, args));
  try {
    await Promise.all(processes.map((p) => p.line(0)));
    for (const p of processes) p.send('go');
    return await Promise.all(processes.map(async (p) => JSON.parse(await p.line(1)) as T));
  } finally {
    for (const p of processes) p.kill();
  }
}

// The benchmark's side of sandbox-process.ts: starts it, calls it, and hands its request log to listeners.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Tenant } from '@connector/testkit';
import type { ChildMessage, RemoteCall, RemoteLogEntry } from './sandbox-process.js';

const SCRIPT = fileURLToPath(new URL('./sandbox-process.ts', import.meta.url));
const LEASH = fileURLToPath(new URL('../faults/parent-leash.mjs', import.meta.url));
const E2E_DIR = fileURLToPath(new URL('../', import.meta.url));

/** A seeded tenant as the benchmark sees it: its data, without the in-process `createOrder`. */
export type RemoteTenant = Omit<Tenant, 'createOrder'>;

export interface RemoteSandbox {
  readonly lifeposUrl: string;
  readonly pid: number;
  call<K extends RemoteCall['op']>(op: K, ...args: Extract<RemoteCall, { op: K }>['args']): Promise<unknown>;
  seed(options: Extract<RemoteCall, { op: 'seed' }>['args'][0]): Promise<RemoteTenant>;
  /** Every logged request, as batches arrive (every 100 ms). */
  onRequest(listener: (entry: RemoteLogEntry) => void): () => void;
  close(): Promise<void>;
}

export async function startRemoteSandbox(env: Record<string, string> = {}): Promise<RemoteSandbox> {
  const child: ChildProcess = fork(SCRIPT, [], {
    cwd: E2E_DIR,
    execArgv: ['--import', 'tsx', '--import', LEASH, '--conditions=source'],
    env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const listeners = new Set<(entry: RemoteLogEntry) => void>();
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let ready: ((url: string) => void) | undefined;
  const lifeposUrl = new Promise<string>((resolve) => {
    ready = resolve;
  });
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') ready?.(message.lifeposUrl);
    else if (message.type === 'log') {
      for (const entry of message.entries) for (const listener of listeners) listener(entry);
    } else {
      const call = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(message.error));
      else call?.resolve(message.result);
    }
  });
  const exited = once(child, 'exit');
  const url = await Promise.race([
    lifeposUrl,
    exited.then(() => {
      throw new Error('the sandbox process exited before it was ready');
    }),
  ]);
  const call = (op: RemoteCall['op'], ...args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, op, args });
    });
  return {
    lifeposUrl: url,
    pid: child.pid!,
    call: call as RemoteSandbox['call'],
    seed: async (options) => (await call('seed', options)) as RemoteTenant,
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.disconnect();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

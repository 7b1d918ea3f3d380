// The idle-shops benchmark's stack: the simulators in a process of their own, the ingress and the worker apps
// as the deployed processes (built dist/main.js, production NODE_OPTIONS), one Redis and one PostgreSQL.
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database } from '@connector/db';
import { TRIGGER_PATH } from '@connector/ingress';
import { createWorkerRedis, type QueueName } from '@connector/queue';
import { freePort } from '@connector/testkit';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type AppProcess, spawnApp } from '../faults/app-process.js';
import { quietLogger } from '../src/stack.js';
import { productionNodeOptions } from './bench-options.js';
import type { BenchServices } from './bench-services.js';
import { type RemoteSandbox, startRemoteSandbox } from './remote-sandbox.js';

/** The queues whose definitions have periodic kinds, and the app whose schedule keeper keeps each. */
export const PERIODIC: ReadonlyArray<{ queue: QueueName; app: string }> = [
  { queue: 'sync', app: 'sync-worker' },
  { queue: 'lifepos-events', app: 'webhook-worker' },
  { queue: 'reconcile', app: 'reconcile-worker' },
];
export const WATCHED: readonly QueueName[] = [...PERIODIC.map(({ queue }) => queue), 'order-export'];
export const PREFIX = '{bench-idle}';

export type Log = (line: string) => void;

export interface IdleStack {
  remote: RemoteSandbox;
  db: Database;
  redis: Redis;
  env: Record<string, string>;
  apps: Map<string, AppProcess>;
  ingressUrl: string;
  close(): Promise<void>;
}

export async function startIdleStack(services: BenchServices): Promise<IdleStack> {
  // 10,000 accounts, each with its listener, are several GiB of heap in the simulators' process.
  const remote = await startRemoteSandbox({ NODE_OPTIONS: '--max-old-space-size=12288' });
  const database = await services.database();
  const secretsKey = randomBytes(32);
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: services.redis.url,
    SECRETS_KEY: secretsKey.toString('base64'),
    LIFEPOS_API_URL: remote.lifeposUrl,
    RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
    QUEUE_PREFIX: PREFIX,
    LOG_LEVEL: 'error',
  };
  const db = createDatabase({ url: database.url, secretsKey, logger: quietLogger('bench-idle') });
  const redis = createWorkerRedis(services.redis.url, { name: 'bench-idle' });
  const apps = new Map<string, AppProcess>();
  const ingress = await spawnApp({
    app: 'ingress',
    compiled: true,
    env: { ...env, NODE_OPTIONS: productionNodeOptions('ingress') },
  });
  apps.set('ingress', ingress);
  return {
    remote,
    db,
    redis,
    env,
    apps,
    ingressUrl: `${ingress.url}${TRIGGER_PATH}`,
    async close() {
      for (const app of apps.values()) await app.kill('SIGKILL');
      redis.disconnect();
      await db.close();
      await remote.close();
    },
  };
}

/** The worker apps, from their built dist/main.js with the production NODE_OPTIONS, as deployed. */
export async function startWorkers(stack: IdleStack): Promise<void> {
  const workerEnv = { ...stack.env, NODE_OPTIONS: productionNodeOptions('worker') };
  const port = await freePort();
  const starts: Array<[string, Promise<AppProcess>]> = [
    ['export-worker', spawnApp({ app: 'export-worker', compiled: true, env: workerEnv })],
    ['sync-worker', spawnApp({ app: 'sync-worker', compiled: true, env: workerEnv })],
    [
      'webhook-worker',
      spawnApp({
        app: 'webhook-worker',
        compiled: true,
        env: { ...workerEnv, PUBLIC_URL: `http://127.0.0.1:${port}` },
        port,
      }),
    ],
    ['reconcile-worker', spawnApp({ app: 'reconcile-worker', compiled: true, env: workerEnv })],
  ];
  for (const [name, started] of starts) stack.apps.set(name, await started);
}

/** A handle on each watched queue (for its counts and schedulers), on the stack's Redis. */
export function openQueues(stack: IdleStack): Map<QueueName, Queue> {
  return new Map(
    WATCHED.map((name) => {
      const queue = new Queue(name, { connection: stack.redis, prefix: PREFIX });
      queue.on('error', () => {});
      return [name, queue] as const;
    }),
  );
}

/** The apps that have exited, with the end of what they printed (e.g. a heap limit reached). */
export function deadApps(apps: ReadonlyMap<string, AppProcess>): string[] {
  return [...apps]
    .filter(([, app]) => !app.isRunning())
    .map(([name, app]) => `${name}: ${app.output().slice(-600).replaceAll('\n', ' ')}`);
}

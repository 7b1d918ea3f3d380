// Every queue of the catalog has exactly one consumer app: the apps' start files list the queues they consume
// (checked against their handlers when they start), and their sources define one handler per listed queue.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CANCEL_WORKER_QUEUES } from '@connector/cancel-worker';
import { EXPORT_WORKER_QUEUES } from '@connector/export-worker';
import { QUEUE_NAMES } from '@connector/queue';
import { RECONCILE_WORKER_QUEUES } from '@connector/reconcile-worker';
import { REFUND_WORKER_QUEUES } from '@connector/refund-worker';
import { SYNC_WORKER_QUEUES } from '@connector/sync-worker';
import { WEBHOOK_WORKER_QUEUES } from '@connector/webhook-worker';
import { describe, expect, it } from '@jest/globals';

const CONSUMES: Record<string, readonly string[]> = {
  'export-worker': EXPORT_WORKER_QUEUES,
  'cancel-worker': CANCEL_WORKER_QUEUES,
  'refund-worker': REFUND_WORKER_QUEUES,
  'sync-worker': SYNC_WORKER_QUEUES,
  'reconcile-worker': RECONCILE_WORKER_QUEUES,
  'webhook-worker': WEBHOOK_WORKER_QUEUES,
};

/** Queues consumed with a handler the worker app adds itself (packages/worker-app, worker-app.ts). */
const BUILT_IN = new Set(['crm-tasks']);

const appsDir = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : sources(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** The queues an app's production sources define a handler of (`defineHandler('<queue>', …)`). */
function handlersIn(app: string): string[] {
  return sources(path.join(appsDir, app, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/defineHandler\(\s*'([a-z-]+)'/g)].map((match) => match[1] ?? ''),
  );
}

describe('queue consumers', () => {
  it('has exactly one consumer app for every queue of the catalog', () => {
    const consumers = new Map<string, string[]>(QUEUE_NAMES.map((queue) => [queue, []]));
    for (const [app, queues] of Object.entries(CONSUMES)) {
      for (const queue of queues) consumers.set(queue, [...(consumers.get(queue) ?? []), app]);
    }
    const wrong = [...consumers].filter(([, apps]) => apps.length !== 1);
    expect(wrong).toEqual([]);
  });

  it('finds no other app with handlers, and in each worker app one handler per queue it lists', () => {
    const apps = readdirSync(appsDir).filter((app) => app !== 'e2e');
    for (const app of apps) {
      const listed = (CONSUMES[app] ?? []).filter((queue) => !BUILT_IN.has(queue));
      expect({ app, handlers: handlersIn(app).sort() }).toEqual({ app, handlers: [...listed].sort() });
    }
  });
});

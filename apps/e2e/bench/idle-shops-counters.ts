// What the steady period counts as it goes: the jobs the workers finish (from the queues' event streams) and
// the upstream calls of the idle shops (from the simulators' request log).
import { createWorkerRedis } from '@connector/queue';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { PREFIX, WATCHED } from './idle-shops-stack.js';
import type { RemoteLogEntry } from './sandbox-process.js';

/** A request path with its ids (numbers, guids) blanked, so that calls of one kind count together. */
export function endpointOf(entry: Pick<RemoteLogEntry, 'system' | 'method' | 'path'>): string {
  const path = entry.path
    .split('?')[0]!
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id')
    .replace(/\/\d+(?=\/|$)/g, '/:n');
  return `${entry.system === 'retailcrm' ? 'RetailCRM' : 'LIFE POS'} ${entry.method} ${path}`;
}

/** The periodic kind of a job (its scheduler id `<queue>.<connection>[.<kind>]`), or `on demand`. */
export function kindOfJob(queue: string, jobId: string | undefined): string {
  const match = /^repeat:(.+):\d+$/.exec(jobId ?? '');
  if (!match) return `${queue} on demand`;
  const [, , kind] = match[1]!.split('.');
  return `${queue} ${kind ?? 'all'}`;
}

/** Completed and failed jobs per kind, and per second, from the queues' event streams. */
export class JobCounter {
  readonly byKind = new Map<string, { completed: number; failed: number }>();
  readonly perSecond = new Map<number, number>();
  counting = false;
  private readonly events: QueueEvents[] = [];
  private readonly connections: Redis[] = [];

  async start(redisUrl: string): Promise<void> {
    for (const queue of WATCHED) {
      const connection = createWorkerRedis(redisUrl, { name: 'bench-idle-events' });
      const events = new QueueEvents(queue, { connection, prefix: PREFIX });
      events.on('error', () => {});
      events.on('completed', ({ jobId }) => this.count(queue, jobId, 'completed'));
      events.on('failed', ({ jobId }) => this.count(queue, jobId, 'failed'));
      await events.waitUntilReady();
      this.events.push(events);
      this.connections.push(connection);
    }
  }

  private count(queue: string, jobId: string, outcome: 'completed' | 'failed'): void {
    if (!this.counting) return;
    const kind = kindOfJob(queue, jobId);
    const entry = this.byKind.get(kind) ?? { completed: 0, failed: 0 };
    entry[outcome] += 1;
    this.byKind.set(kind, entry);
    const second = Math.floor(Date.now() / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
  }

  async close(): Promise<void> {
    await Promise.all(this.events.map((events) => events.close()));
    for (const connection of this.connections) connection.disconnect();
  }
}

/** Upstream calls during the steady period, of the idle shops and by endpoint. */
export class UpstreamCounter {
  counting = false;
  readonly idle = { retailcrm: 0, lifepos: 0, signIns: 0, rejected: 0 };
  readonly byEndpoint = new Map<string, number>();
  constructor(private readonly idleAccounts: ReadonlySet<string>) {}

  record(entry: RemoteLogEntry): void {
    if (!this.counting) return;
    if (entry.tenant === undefined) {
      if (entry.system === 'lifepos') this.idle.signIns += 1;
      return;
    }
    if (!this.idleAccounts.has(entry.tenant)) return;
    this.idle[entry.system] += 1;
    if (entry.status === 429 || entry.status === 503) this.idle.rejected += 1;
    const endpoint = endpointOf(entry);
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1);
  }
}

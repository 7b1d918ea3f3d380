import { QUEUE_NAMES, type QueueName } from '@connector/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Read-mostly handles on every queue of the catalog: Bull Board and the operations pages use them. */
export interface ConsoleQueues {
  byName: ReadonlyMap<QueueName, Queue>;
  close(): Promise<void>;
}

export function openQueues(redis: Redis, prefix: string): ConsoleQueues {
  const byName = new Map<QueueName, Queue>();
  for (const name of QUEUE_NAMES) {
    const queue = new Queue(name, { connection: redis, prefix });
    // Connection errors surface on the calls (the page shows them); the event would be unhandled.
    queue.on('error', () => {});
    byName.set(name, queue);
  }
  return {
    byName,
    close: async () => {
      await Promise.all([...byName.values()].map((queue) => queue.close()));
    },
  };
}

/** Jobs not finished yet: what "backlog" means on the operations pages. */
const PENDING = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

export interface QueueCounts {
  queue: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** waiting + active + delayed + prioritized + waiting-children. */
  backlog: number;
}

export async function queueCounts(queues: ConsoleQueues): Promise<QueueCounts[]> {
  return Promise.all(
    [...queues.byName].map(async ([name, queue]) => {
      const counts = await queue.getJobCounts(...PENDING, 'failed');
      const backlog = PENDING.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
      return {
        queue: name,
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        backlog,
      };
    }),
  );
}

/** Pending jobs looked at per queue for the per-connection backlog; beyond it the count is a lower bound. */
export const BACKLOG_SAMPLE = 500;

export interface ConnectionBacklog {
  /** Connection id → queue → pending jobs of that connection. */
  byConnection: Map<string, Partial<Record<QueueName, number>>>;
  /** Queues with more pending jobs than were looked at. */
  truncated: QueueName[];
}

/** Pending jobs per connection and queue (job data carries the connection id). */
export async function backlogByConnection(queues: ConsoleQueues): Promise<ConnectionBacklog> {
  const byConnection = new Map<string, Partial<Record<QueueName, number>>>();
  const truncated: QueueName[] = [];
  await Promise.all(
    [...queues.byName].map(async ([name, queue]) => {
      const jobs = await queue.getJobs([...PENDING], 0, BACKLOG_SAMPLE - 1);
      if (jobs.length >= BACKLOG_SAMPLE) truncated.push(name);
      for (const job of jobs) {
        const connectionId = (job?.data as { connectionId?: unknown } | undefined)?.connectionId;
        if (typeof connectionId !== 'string') continue;
        const counts = byConnection.get(connectionId) ?? {};
        counts[name] = (counts[name] ?? 0) + 1;
        byConnection.set(connectionId, counts);
      }
    }),
  );
  return { byConnection, truncated };
}

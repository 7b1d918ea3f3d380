// Settling: after the workers start, their schedule keepers create a scheduler per connection and kind, and
// the first runs of every schedule drain. The steady period is measured only after that.
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueName } from '@connector/queue';
import type { Queue } from 'bullmq';
import type { AppProcess } from '../faults/app-process.js';
import type { IdleShopsSizes } from './bench-options.js';
import { seconds } from './idle-shops-figures.js';
import { deadApps, type Log, PERIODIC } from './idle-shops-stack.js';
import { sum } from './stats.js';

export interface Settling {
  /** Per queue: ms from the workers' start until every scheduler existed (the creation pass). */
  createdMs: Map<QueueName, number>;
  /** Ms until the first runs had drained (nothing waiting). */
  drainedMs: number | undefined;
}

export async function backlogOf(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
  return sum(Object.values(counts));
}

export async function waitForSchedules(
  apps: ReadonlyMap<string, AppProcess>,
  queues: Map<QueueName, Queue>,
  expected: Map<QueueName, number>,
  sizes: IdleShopsSizes,
  log: Log,
): Promise<Settling> {
  const started = Date.now();
  const createdMs = new Map<QueueName, number>();
  let lastLog = started;
  while (Date.now() - started < sizes.settleTimeoutS * 1000) {
    const dead = deadApps(apps);
    if (dead.length > 0) {
      for (const line of dead) log(`  exited while the schedules settled — ${line}`);
      return { createdMs, drainedMs: undefined };
    }
    const backlog = new Map<QueueName, number>();
    for (const { queue } of PERIODIC) {
      const handle = queues.get(queue)!;
      if (!createdMs.has(queue) && (await handle.getJobSchedulersCount()) >= expected.get(queue)!) {
        createdMs.set(queue, Date.now() - started);
      }
      backlog.set(queue, await backlogOf(handle));
    }
    const waiting = sum([...backlog.values()]);
    if (createdMs.size === PERIODIC.length && waiting <= Math.max(10, sizes.shops / 100)) {
      return { createdMs, drainedMs: Date.now() - started };
    }
    if (Date.now() - lastLog >= 30_000) {
      lastLog = Date.now();
      log(
        `  ${seconds(Date.now() - started)}: schedulers ${[...createdMs.keys()].join(', ') || 'being created'}; ` +
          `backlog ${[...backlog].map(([queue, n]) => `${queue} ${n}`).join(', ')}`,
      );
    }
    await sleep(2_000);
  }
  return { createdMs, drainedMs: undefined };
}

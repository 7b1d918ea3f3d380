import type { OutboxEntry, OutboxRepository } from '@connector/db';
import { PermanentError } from '@connector/domain';
import type { Logger } from '@connector/logger';
import { isQueueName, type JobData, type Pace, type Producer, type QueueName } from '@connector/queue';
import { countDrained } from './ingress-metrics.js';

export interface OutboxDrainerOptions {
  outbox: Pick<OutboxRepository, 'claimBatch' | 'delete'>;
  producer: Producer;
  /** Whether Redis is reachable now; nothing is claimed while it is not. */
  redisReady: () => boolean;
  logger: Logger;
  /** Pause between rounds when the outbox is empty (a full batch is followed by the next at once). */
  intervalMs: number;
  batchSize: number;
  /** How long claimed entries stay reserved; after a crash another drainer takes them over then. */
  leaseMs: number;
  /** The pace of an entry's job (the trigger route's), so a drained backlog stays fair between shops. */
  paceFor?: (queue: QueueName, connectionId: string) => Promise<Pace | undefined>;
}

export interface DrainSummary {
  /** Entries this round claimed. */
  claimed: number;
  /** Claimed entries added to their queue. */
  enqueued: number;
  /** Enqueued entries removed from the outbox. */
  deleted: number;
}

export interface OutboxDrainer {
  /** One round: claim a batch, enqueue each entry under its own job id, delete it. */
  drainOnce(): Promise<DrainSummary>;
  start(): void;
  /** Runs a round now instead of at the next interval (e.g. when Redis is back). */
  kick(): void;
  /** Stops scheduling rounds and waits for the current one. */
  stop(): Promise<void>;
}

/**
 * Adds one claimed entry to its queue under its own job id. `skipped`: an entry no drain can enqueue
 * (left for an operator); `interrupted`: Redis went away again.
 */
async function enqueueEntry(
  { producer, logger, paceFor }: OutboxDrainerOptions,
  entry: OutboxEntry,
  context: Record<string, unknown>,
): Promise<'enqueued' | 'skipped' | 'interrupted'> {
  if (!isQueueName(entry.queue)) {
    logger.error('outbox entry names an unknown queue; left for an operator', context);
    return 'skipped';
  }
  const queue: QueueName = entry.queue;
  try {
    // Without its pace the job still runs, just not spaced: never hold a trigger back for it.
    const pace = await paceFor?.(queue, entry.connectionId).catch((error: unknown) => {
      logger.warn('could not read the pace of an outbox entry; enqueued unpaced', { ...context, error });
      return undefined;
    });
    await producer.add(queue, entry.payload as unknown as JobData<QueueName>, {
      jobId: entry.jobId,
      ...(pace && { pace }),
    });
  } catch (error) {
    if (error instanceof PermanentError) {
      logger.error('outbox entry cannot be enqueued; left for an operator', { ...context, error });
      return 'skipped';
    }
    // Redis went away again; the rest of the batch is taken up after its lease.
    logger.warn('outbox drain interrupted: redis unavailable', {
      ...context,
      error: (error as Error).message,
    });
    return 'interrupted';
  }
  countDrained(queue);
  return 'enqueued';
}

/** One round: claim a batch, enqueue each entry under its own job id, delete it. */
async function drainBatch(options: OutboxDrainerOptions): Promise<DrainSummary> {
  const { outbox, redisReady, logger, batchSize, leaseMs } = options;
  const summary: DrainSummary = { claimed: 0, enqueued: 0, deleted: 0 };
  if (!redisReady()) return summary;
  const entries = await outbox.claimBatch({ limit: batchSize, leaseMs });
  summary.claimed = entries.length;
  for (const entry of entries) {
    const context = {
      outboxId: entry.id,
      queue: entry.queue,
      jobId: entry.jobId,
      attempts: entry.attempts,
    };
    const enqueued = await enqueueEntry(options, entry, context);
    if (enqueued === 'skipped') continue;
    if (enqueued === 'interrupted') break;
    summary.enqueued += 1;
    try {
      if (await outbox.delete(entry.id)) summary.deleted += 1;
    } catch (error) {
      // Enqueued but still stored: re-enqueued after the lease under the same job id, which adds nothing.
      logger.warn('could not delete a drained outbox entry', {
        ...context,
        error: (error as Error).message,
      });
      break;
    }
  }
  if (summary.claimed > 0) logger.info('outbox drained', { ...summary });
  return summary;
}

/**
 * Moves triggers accepted while Redis was down into their queues. Exactly one job per entry, however
 * many drainers run and wherever one dies: entries are claimed with a lease (`FOR UPDATE SKIP LOCKED`,
 * so concurrent drainers take disjoint batches), and each is added under the job id it was accepted
 * with, which BullMQ ignores while that job exists. An entry enqueued by a drainer that died before
 * deleting it is claimed again after the lease, its add does nothing, and it is deleted.
 */
export function createOutboxDrainer(options: OutboxDrainerOptions): OutboxDrainer {
  const { logger, intervalMs, batchSize } = options;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let kicked = false;
  // Log the first failure of an outage, not one per round.
  let failing = false;

  const drainOnce = () => drainBatch(options);

  const schedule = (delayMs: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(round, delayMs);
    timer.unref();
  };

  function round(): void {
    timer = undefined;
    if (stopped) return;
    if (running) {
      kicked = true;
      return;
    }
    kicked = false;
    running = (async () => {
      let more = false;
      try {
        const summary = await drainOnce();
        more = summary.claimed === batchSize && summary.deleted === summary.claimed;
        if (failing) logger.info('outbox drainer recovered');
        failing = false;
      } catch (error) {
        if (!failing) logger.warn('outbox drain failed; retrying', { error: (error as Error).message });
        failing = true;
      }
      running = undefined;
      schedule(more || kicked ? 0 : intervalMs);
    })();
  }

  return {
    drainOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    kick() {
      if (running) kicked = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

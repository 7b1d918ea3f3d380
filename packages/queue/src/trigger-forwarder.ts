// Moves the triggers the ingress stored in the trigger stream into their BullMQ queues: one consumer of
// the `forwarders` group per worker process, so triggers move as long as any worker runs. An entry is
// acknowledged (and deleted) only once every trigger in it was added; a forwarder that dies leaves its
// entries pending, and another claims them after `reclaimIdleMs`. Adding a trigger twice makes one job:
// the job id is the trigger's own (see `StreamedTrigger.jobId`).
import { hostname } from 'node:os';
import { PermanentError } from '@connector/domain';
import type { Logger } from '@connector/logger';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX, orderJobId } from './catalog.js';
import type { Producer } from './producer.js';
import { FORWARDERS_GROUP, type StreamedTrigger, triggerStreamKey, triggersOf } from './trigger-stream.js';

/** A trigger now in its queue. */
export interface ForwardedTrigger {
  trigger: StreamedTrigger;
  /** The job that will act on it: its own, or the order's unfinished job it merged into. */
  jobId: string;
  deduplicated: boolean;
}

export interface TriggerForwarderOptions {
  /** A worker connection (commands wait through an outage); the forwarder reads on a duplicate of it. */
  redis: Redis;
  producer: Producer;
  prefix?: string;
  logger: Logger;
  /** Called with each batch once it is in its queues and acknowledged; failures are logged. */
  onForwarded?: (forwarded: ForwardedTrigger[]) => Promise<void>;
  /** Entries read at a time (each holds the triggers of one ingress event-loop turn). Default 20. */
  batchEntries?: number;
  /** Entries another forwarder left pending this long are claimed. Default 30 s. */
  reclaimIdleMs?: number;
  /** How long one read waits for new entries. Default 2 s. */
  blockMs?: number;
  /** Other consumers idle this long with nothing pending are removed from the group. Default 1 hour. */
  goneConsumerIdleMs?: number;
}

export interface TriggerForwarder {
  /** Finishes the batch in hand and stops reading. */
  stop(): Promise<void>;
}

type Entry = [id: string, fields: string[]];

const RETRY_PAUSE_MS = 1_000;
const STOP_GRACE_MS = 5_000;
/** How long a stopping forwarder tries to leave the group (Redis may be down: it is not waited for). */
const LEAVE_WAIT_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Adds one trigger's job; the job id says whether it merged into the order's unfinished job. */
async function addTrigger(producer: Producer, trigger: StreamedTrigger): Promise<ForwardedTrigger> {
  const { queue, connectionId, orderId, jobId, pace } = trigger;
  const added = await producer.add(
    queue,
    { connectionId, orderId, source: 'trigger' },
    { jobId, dedupeId: orderJobId(queue, connectionId, orderId), ...(pace && { pace }) },
  );
  return { trigger, jobId: added.id, deduplicated: added.id !== jobId };
}

/** What one forwarder's reads and writes share. */
interface Reader {
  redis: Redis;
  key: string;
  consumer: string;
  batchEntries: number;
  reclaimIdleMs: number;
  blockMs: number;
  /** Own pending entries first (after a start or a failed add), then new ones. */
  ownPending: boolean;
  reclaimedAt: number;
  tidiedAt: number;
  goneAfterMs: number;
}

const TIDY_EVERY_MS = 10 * 60_000;

/**
 * Removes the group's consumers that have nothing pending and were idle for an hour: every worker start
 * adds a consumer, and one that died (or stopped before its removal) would stay listed for ever.
 */
async function forgetGoneConsumers({ redis, key, consumer, goneAfterMs }: Reader): Promise<void> {
  const consumers = (await redis.xinfo('CONSUMERS', key, FORWARDERS_GROUP)) as unknown[][];
  for (const fields of consumers) {
    const info = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i], fields[i + 1]);
    const name = info.get('name');
    if (typeof name !== 'string' || name === consumer) continue;
    if (info.get('pending') === 0 && Number(info.get('idle')) >= goneAfterMs) {
      await redis.xgroup('DELCONSUMER', key, FORWARDERS_GROUP, name);
    }
  }
}

async function ensureGroup({ redis, key }: Reader): Promise<void> {
  try {
    await redis.xgroup('CREATE', key, FORWARDERS_GROUP, '0', 'MKSTREAM');
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
  }
}

/** Entries dead forwarders left (now and then), else this one's own pending ones, else new ones. */
async function readEntries(reader: Reader): Promise<Entry[]> {
  const { redis, key, consumer, batchEntries } = reader;
  if (Date.now() - reader.tidiedAt >= TIDY_EVERY_MS) {
    reader.tidiedAt = Date.now();
    // Housekeeping only: no stream yet, or Redis away, must not hold up the read (it meets that itself).
    await forgetGoneConsumers(reader).catch(() => {});
  }
  if (Date.now() - reader.reclaimedAt >= reader.reclaimIdleMs / 2) {
    reader.reclaimedAt = Date.now();
    const [, claimed] = (await redis.xautoclaim(
      key,
      FORWARDERS_GROUP,
      consumer,
      reader.reclaimIdleMs,
      '0-0',
      'COUNT',
      batchEntries,
    )) as [string, Entry[]];
    if (claimed.length > 0) return claimed;
  }
  const group = ['GROUP', FORWARDERS_GROUP, consumer, 'COUNT', batchEntries] as const;
  const answer = (await (reader.ownPending
    ? redis.xreadgroup(...group, 'STREAMS', key, '0')
    : redis.xreadgroup(...group, 'BLOCK', reader.blockMs, 'STREAMS', key, '>'))) as Array<
    [string, Entry[]]
  > | null;
  const entries = answer?.[0]?.[1] ?? [];
  if (reader.ownPending && entries.length === 0) reader.ownPending = false;
  return entries;
}

type Queued = { entry: string; trigger: StreamedTrigger };

/** The entries' triggers by connection, each connection's in the order they arrived. */
function byConnection(entries: Entry[]): Queued[][] {
  const groups = new Map<string, Queued[]>();
  for (const [entry, fields] of entries) {
    for (const trigger of triggersOf(fields)) {
      const group = groups.get(trigger.connectionId) ?? [];
      group.push({ entry, trigger });
      groups.set(trigger.connectionId, group);
    }
  }
  return [...groups.values()];
}

/**
 * Forwards the entries, each connection's triggers in the order they arrived (its export slots follow
 * it), connections side by side; acknowledges the entries whose every trigger is in its queue, then
 * records them. Throws the first failure after that (the failed entries stay pending).
 */
async function forwardEntries(
  reader: Reader,
  options: TriggerForwarderOptions,
  entries: Entry[],
): Promise<void> {
  const { producer, logger, onForwarded } = options;
  const failedEntries = new Set<string>();
  const forwarded: Array<{ entry: string; one: ForwardedTrigger }> = [];
  let failure: unknown;
  const forwardGroup = async (group: Queued[]) => {
    for (const { entry, trigger } of group) {
      if (failedEntries.has(entry)) continue;
      try {
        forwarded.push({ entry, one: await addTrigger(producer, trigger) });
      } catch (error) {
        if (error instanceof PermanentError) {
          logger.error('trigger dropped: its job is invalid', { error, entry });
          continue;
        }
        failedEntries.add(entry);
        failure = error;
      }
    }
  };
  await Promise.all(byConnection(entries).map(forwardGroup));
  const done = entries.map(([id]) => id).filter((id) => !failedEntries.has(id));
  if (done.length > 0) {
    await reader.redis
      .multi()
      .xack(reader.key, FORWARDERS_GROUP, ...done)
      .xdel(reader.key, ...done)
      .exec();
  }
  // Recorded once acknowledged: an entry forwarded again (its acknowledgement lost) is recorded once.
  const recorded = forwarded.filter(({ entry }) => !failedEntries.has(entry)).map(({ one }) => one);
  if (recorded.length > 0 && onForwarded) {
    await onForwarded(recorded).catch((error: unknown) =>
      logger.warn('could not record forwarded triggers', { error, triggers: recorded.length }),
    );
  }
  if (failure !== undefined) throw failure;
}

export function startTriggerForwarder(options: TriggerForwarderOptions): TriggerForwarder {
  const { logger } = options;
  const redis = options.redis.duplicate({ connectionName: 'trigger-forwarder' });
  redis.on('error', () => {}); // the worker's own connection logs outages
  const reader: Reader = {
    redis,
    key: triggerStreamKey(options.prefix ?? DEFAULT_PREFIX),
    consumer: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    batchEntries: options.batchEntries ?? 20,
    reclaimIdleMs: options.reclaimIdleMs ?? 30_000,
    blockMs: options.blockMs ?? 2_000,
    ownPending: true,
    reclaimedAt: 0,
    tidiedAt: 0,
    goneAfterMs: options.goneConsumerIdleMs ?? 60 * 60_000,
  };
  let stopping = false;
  let forwarding = false;
  let quietUntil = 0;

  const round = async () => {
    const entries = await readEntries(reader);
    if (entries.length === 0) return;
    forwarding = true;
    await forwardEntries(reader, options, entries).finally(() => {
      forwarding = false;
    });
  };
  const running = (async () => {
    while (!stopping) {
      try {
        await round();
      } catch (error) {
        if (stopping) break;
        if (error instanceof Error && error.message.startsWith('NOGROUP')) {
          // A new Redis, or one that lost its data: the group is made again (also at the start).
          await ensureGroup(reader).catch(() => sleep(RETRY_PAUSE_MS));
          continue;
        }
        reader.ownPending = true;
        if (Date.now() >= quietUntil) {
          logger.warn('trigger forwarding failed; retrying', { error });
          quietUntil = Date.now() + 10_000;
        }
        await sleep(RETRY_PAUSE_MS);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      // A batch in hand gets a moment to finish; a read, or a command waiting for Redis, is cut off
      // (an entry read and not acknowledged stays pending and is forwarded again).
      if (forwarding) await Promise.race([running, sleep(STOP_GRACE_MS)]);
      redis.disconnect();
      // An add waiting for a Redis that is down (the worker's connection waits through outages) would hold
      // the stop for ever: past the grace the batch is left pending, and forwarded again by another.
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        running.then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), STOP_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!ended) {
        logger.warn('trigger forwarder stopped with a batch in hand; its entry stays pending for another');
        return;
      }
      // Leaves the group unless it holds entries (another forwarder claims those after `reclaimIdleMs`).
      const leave = async () => {
        const { key, consumer } = reader;
        const pending = (await options.redis.xpending(
          key,
          FORWARDERS_GROUP,
          '-',
          '+',
          1,
          consumer,
        )) as unknown[];
        if (pending.length === 0) await options.redis.xgroup('DELCONSUMER', key, FORWARDERS_GROUP, consumer);
      };
      await Promise.race([leave().catch(() => {}), sleep(LEAVE_WAIT_MS)]);
    },
  };
}

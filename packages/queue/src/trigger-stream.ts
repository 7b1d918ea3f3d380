// The trigger stream: where the ingress stores an accepted RetailCRM trigger before its 202, and where the
// workers' forwarders take it from into its BullMQ queue (docs/ARCHITECTURE.md, «Trigger stream»). The 202 then
// costs one Redis command shared by every trigger of the same event-loop turn, instead of BullMQ's add and
// the export pacing per trigger.
import { RetryableError } from '@connector/domain';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX, type QueueName } from './catalog.js';
import { exportPaceKey, type Pace } from './pacing.js';

/** The queues a trigger enqueues into. */
export type TriggerQueue = Extract<QueueName, 'order-export' | 'order-cancel' | 'order-refund'>;

/** One accepted trigger as stored in the stream. */
export interface StreamedTrigger {
  queue: TriggerQueue;
  connectionId: string;
  orderId: number;
  /** The trigger's status (`new`, `closed`, `refund`). */
  status: string;
  /** The job id of this trigger's own (`jobIdFor`): a trigger forwarded twice still makes one job. */
  jobId: string;
  /** When the ingress received it (epoch ms). */
  receivedAt: number;
  /** The pace of the connection's exports (`order-export` only). */
  pace?: Pace;
}

/** The field of a stream entry that holds its triggers (a JSON array: one entry per event-loop turn). */
export const TRIGGERS_FIELD = 't';
/** The consumer group of every forwarder. */
export const FORWARDERS_GROUP = 'forwarders';

export function triggerStreamKey(prefix = DEFAULT_PREFIX): string {
  return `${prefix}:triggers`;
}

export interface TriggerAppender {
  /** Resolves once the trigger is in the stream; rejects with a `RetryableError` when Redis did not take it. */
  append(trigger: StreamedTrigger): Promise<void>;
}

interface Waiting {
  trigger: StreamedTrigger;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Appends triggers to the stream in group commits: every trigger of one event-loop turn goes into one
 * entry by one `XADD`. `redis` should fail fast (`createProducerRedis`): a request path must not wait
 * for a Redis that is down, it falls back to the outbox.
 */
export function createTriggerAppender(redis: Redis, prefix = DEFAULT_PREFIX): TriggerAppender {
  const key = triggerStreamKey(prefix);
  let waiting: Waiting[] = [];
  // One append in flight at a time: what arrives meanwhile goes into the next, so an entry holds more
  // triggers the busier the ingress is, and a lone trigger is appended at once.
  let scheduled = false;
  let inFlight = false;
  const schedule = () => {
    if (scheduled || inFlight || waiting.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  };
  const flush = () => {
    scheduled = false;
    const batch = waiting;
    waiting = [];
    const fail = (error: unknown) => {
      const stored = new RetryableError(`could not store triggers: ${(error as Error).message}`, {
        code: 'queue.redis_unavailable',
        cause: error,
      });
      for (const one of batch) one.reject(stored);
    };
    if (redis.status !== 'ready') {
      fail(new Error(`Redis is not available (connection ${redis.status})`));
      return;
    }
    inFlight = true;
    const payload = encodeTriggers(batch.map((one) => one.trigger));
    redis
      .xadd(key, '*', TRIGGERS_FIELD, payload)
      .then(() => {
        for (const one of batch) one.resolve();
      }, fail)
      .finally(() => {
        inFlight = false;
        schedule();
      });
  };
  return {
    append(trigger) {
      return new Promise((resolve, reject) => {
        waiting.push({ trigger, resolve, reject });
        schedule();
      });
    },
  };
}

/**
 * A trigger as stored: `[queue, connectionId, orderId, status, job id, receivedAt, pace]`, the job id
 * without the `<queue>.<connectionId>.<orderId>.` it starts with (`jobIdFor`), the pace as its interval
 * alone when its key is the connection's export key (`orderExportPace`), else as `key, interval`.
 * Positions instead of names and no repeated ids: the ingress writes every trigger (at its busiest tens of
 * thousands a second) and Redis keeps each in memory and in its append-only file until it is forwarded.
 */
type Encoded = [string, string, number, string, string, number, (string | number)?, number?];

function encode({ queue, connectionId, orderId, status, jobId, receivedAt, pace }: StreamedTrigger): Encoded {
  const prefix = `${queue}.${connectionId}.${orderId}.`;
  const job = jobId.startsWith(prefix) ? jobId.slice(prefix.length) : `=${jobId}`;
  const encoded: Encoded = [queue, connectionId, orderId, status, job, receivedAt];
  if (pace?.key === exportPaceKey(connectionId)) encoded.push(pace.intervalMs);
  else if (pace) encoded.push(pace.key, pace.intervalMs);
  return encoded;
}

/** One stream entry's value: the triggers appended together. */
export function encodeTriggers(triggers: readonly StreamedTrigger[]): string {
  return JSON.stringify(triggers.map(encode));
}

function decodePace(connectionId: string, first: unknown, second: unknown): Pace | undefined {
  if (typeof first === 'number') return { key: exportPaceKey(connectionId), intervalMs: first };
  if (typeof first === 'string' && typeof second === 'number') return { key: first, intervalMs: second };
  return undefined;
}

function decode([
  queue,
  connectionId,
  orderId,
  status,
  job,
  receivedAt,
  pace,
  paceMs,
]: Encoded): StreamedTrigger {
  const jobId = job.startsWith('=') ? job.slice(1) : `${queue}.${connectionId}.${orderId}.${job}`;
  const trigger: StreamedTrigger = {
    queue: queue as TriggerQueue,
    connectionId,
    orderId,
    status,
    jobId,
    receivedAt,
  };
  const decodedPace = decodePace(connectionId, pace, paceMs);
  if (decodedPace) trigger.pace = decodedPace;
  return trigger;
}

const isEncoded = (value: unknown): value is Encoded =>
  Array.isArray(value) &&
  value.length >= 6 &&
  typeof value[0] === 'string' &&
  typeof value[1] === 'string' &&
  typeof value[2] === 'number' &&
  typeof value[4] === 'string';

/** The triggers of one stream entry; what does not parse is left out (and so dropped). */
export function triggersOf(fields: readonly string[]): StreamedTrigger[] {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] !== TRIGGERS_FIELD) continue;
    try {
      const parsed: unknown = JSON.parse(fields[i + 1]!);
      return Array.isArray(parsed) ? parsed.filter(isEncoded).map(decode) : [];
    } catch {
      return [];
    }
  }
  return [];
}

import { z } from 'zod';

/**
 * The one place that names queues (trigger.dev's typed catalog): each queue's payload schema and its
 * delivery policy. Producers, the worker runner and Bull Board all read from here; handler types are
 * inferred from it.
 *
 * Payloads carry ids only. The schemas are strict so a secret (an API key, a password) cannot ride
 * along in job data by accident: unknown keys are rejected.
 */

/** Default prefix of every Redis key: a Redis Cluster hash tag, so all keys of a queue hash to one slot. */
export const DEFAULT_PREFIX = '{connector}';

const connectionId = z.uuid();
const orderJob = z.strictObject({
  connectionId,
  orderId: z.number().int().positive(),
  source: z.enum(['trigger', 'reconcile', 'outbox', 'manual']),
});

export interface QueuePolicy {
  /** Attempts including the first one. */
  attempts: number;
  /** Exponential backoff: `delayMs · 2^(attempt-1)`, randomised down by up to `jitter` (0..1). */
  backoff: { type: 'exponential'; delay: number; jitter: number };
  /** Retention of finished jobs (seconds / count), so Redis does not grow and operators can look back. */
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number; count: number };
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Retention shared by every queue: a day of successes, two weeks of failures for investigation. */
const retention = {
  removeOnComplete: { age: DAY, count: 1000 },
  removeOnFail: { age: 14 * DAY, count: 10_000 },
};

/** 8 attempts from 5 s: the last retry comes ~10 min after the first failure (RetailCRM/LIFE POS blips). */
const orderPolicy: QueuePolicy = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
  ...retention,
};

/** The whole order lock key space; jobs of one (tenant, order) in any order queue never run at once. */
export function orderLockKey(connectionId: string, orderId: number): string {
  return `order:${connectionId}:${orderId}`;
}

interface CatalogEntry<S extends z.ZodType> {
  schema: S;
  policy: QueuePolicy;
  /** The per-job lock the worker runner holds while the handler runs ("one order, one writer"). */
  lockKey?: (data: z.output<S>) => string;
}

function entry<S extends z.ZodType>(value: CatalogEntry<S>): CatalogEntry<S> {
  return value;
}

export const catalog = {
  'order-export': entry({
    schema: orderJob,
    policy: orderPolicy,
    lockKey: (data) => orderLockKey(data.connectionId, data.orderId),
  }),
  'order-cancel': entry({
    schema: orderJob,
    policy: orderPolicy,
    lockKey: (data) => orderLockKey(data.connectionId, data.orderId),
  }),
  'order-refund': entry({
    schema: orderJob,
    policy: orderPolicy,
    lockKey: (data) => orderLockKey(data.connectionId, data.orderId),
  }),
  'lifepos-events': entry({
    // Everything LIFE POS sends or holds that RetailCRM must learn: one stored notification, one sale to
    // write back, or one of the connection's periodic checks (the sales poll that repairs lost
    // notifications, the notification subscription). One queue, so one app consumes all of it.
    schema: z
      .strictObject({
        connectionId,
        notificationId: z.uuid().optional(),
        saleId: z.string().min(1).optional(),
        check: z.enum(['sales', 'subscription']).optional(),
      })
      .refine(
        (data) =>
          [data.notificationId, data.saleId, data.check].filter((value) => value !== undefined).length === 1,
        { message: 'exactly one of notificationId, saleId or check is required' },
      ),
    policy: orderPolicy,
  }),
  sync: entry({
    schema: z
      .strictObject({
        connectionId,
        scope: z.enum(['all', 'store', 'courier']),
        storeCode: z.string().min(1).optional(),
        courierId: z.number().int().positive().optional(),
      })
      .refine((data) => data.storeCode === undefined || data.scope === 'store', {
        message: "storeCode is only allowed with scope 'store'",
        path: ['storeCode'],
      })
      .refine((data) => data.courierId === undefined || data.scope === 'courier', {
        message: "courierId is only allowed with scope 'courier'",
        path: ['courierId'],
      }),
    policy: { attempts: 5, backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 }, ...retention },
  }),
  'crm-tasks': entry({
    schema: z.strictObject({ connectionId, incidentId: z.uuid() }),
    // Tasks are how errors reach people: keep trying for ~1.5 h before giving up.
    policy: { attempts: 10, backoff: { type: 'exponential', delay: 10_000, jitter: 0.5 }, ...retention },
  }),
  reconcile: entry({
    schema: z.strictObject({
      connectionId,
      // `retailcrm-history`: the history scan (lost triggers); `sweep`: the convergence sweep (order state).
      kind: z.enum(['retailcrm-history', 'sweep']),
    }),
    // Reconciliation runs periodically anyway; a few quick retries are enough.
    policy: { attempts: 3, backoff: { type: 'exponential', delay: 30_000, jitter: 0.5 }, ...retention },
  }),
} as const;

export type Catalog = typeof catalog;
export type QueueName = keyof Catalog;
export type JobData<Q extends QueueName> = z.output<Catalog[Q]['schema']>;

export const QUEUE_NAMES = Object.keys(catalog) as QueueName[];

export function isQueueName(value: string): value is QueueName {
  return Object.hasOwn(catalog, value);
}

/** The catalog's lock key for a job, if its queue has one. */
export function lockKeyOf<Q extends QueueName>(queue: Q, data: JobData<Q>): string | undefined {
  const lockKey = catalog[queue] as { lockKey?: (data: JobData<Q>) => string };
  return lockKey.lockKey?.(data);
}

/**
 * A deterministic id for deduplication, e.g. `order-export.<connectionId>.<orderId>`.
 * BullMQ forbids ':' in job ids, hence '.' as the separator.
 *
 * Dedupe semantics (tested in producer.test.ts) — pick the right knob in `producer.add`:
 * - `dedupeId` (recommended for triggers): while a job with that id is waiting or delayed, another add
 *   adds nothing. While it is *active*, the newest add is kept and runs once after it finishes, so a
 *   change that arrives mid-run is never lost. Once it has finished, the next add creates a new job.
 * - `jobId` (for things that happen once, e.g. one LIFE POS notification): an add is ignored while a job
 *   with that id exists in ANY state — including completed/failed jobs still kept by retention (a day /
 *   two weeks). Using it for order triggers would silently drop a legitimate re-export.
 */
export function jobIdFor(queue: QueueName, ...parts: Array<string | number>): string {
  for (const part of parts) {
    const text = String(part);
    if (text.length === 0 || text.includes(':')) {
      throw new Error(`job id part ${JSON.stringify(text)} must be non-empty and must not contain ':'`);
    }
  }
  return [queue, ...parts].join('.');
}

export function orderJobId(
  queue: 'order-export' | 'order-cancel' | 'order-refund',
  connectionId: string,
  orderId: number,
): string {
  return jobIdFor(queue, connectionId, orderId);
}

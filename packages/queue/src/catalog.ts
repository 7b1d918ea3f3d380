import type { z } from 'zod';
import type { JobDefinition } from './job-definition.js';
import { jobId } from './job-ids.js';
import { crmTasksJob } from './jobs/crm-tasks.js';
import { lifeposEventsJob } from './jobs/lifepos-events.js';
import { orderCancelJob, orderExportJob, orderRefundJob } from './jobs/order-jobs.js';
import { reconcileJob } from './jobs/reconcile.js';
import { syncJob } from './jobs/sync.js';

export { orderLockKey } from './jobs/order-jobs.js';
export type { QueuePolicy } from './queue-policy.js';

/**
 * The one place that names queues (trigger.dev's typed catalog): each queue's job definition — payload
 * schema, delivery policy, subject, action, periodic kinds. Producers, the worker runner, the incidents
 * code, the schedule keeper and Bull Board all read from here; handler types are inferred from it.
 *
 * Payloads carry ids only. The schemas are strict so a secret (an API key, a password) cannot ride
 * along in job data by accident: unknown keys are rejected.
 */

/** Default prefix of every Redis key: a Redis Cluster hash tag, so all keys of a queue hash to one slot. */
export const DEFAULT_PREFIX = '{connector}';

/** The job definitions, one per queue, each in its own file under jobs/ (see job-definition.ts). */
export const catalog = {
  'order-export': orderExportJob,
  'order-cancel': orderCancelJob,
  'order-refund': orderRefundJob,
  'lifepos-events': lifeposEventsJob,
  sync: syncJob,
  'crm-tasks': crmTasksJob,
  reconcile: reconcileJob,
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
  return jobOf(queue).lockKey?.(data);
}

/**
 * The definition of a queue's jobs, seen without its payload's type: what code over every queue (the
 * runner, the schedule keeper, the incidents) reads. Its functions take a payload the schema accepted.
 */
export function jobOf(queue: QueueName): JobDefinition<QueueName> {
  return catalog[queue] as unknown as JobDefinition<QueueName>;
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
  return jobId(queue, ...parts);
}

export function orderJobId(
  queue: 'order-export' | 'order-cancel' | 'order-refund',
  connectionId: string,
  orderId: number,
): string {
  return jobIdFor(queue, connectionId, orderId);
}

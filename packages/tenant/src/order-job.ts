import type { OrderTrigger } from '@connector/db';
import type { Job } from 'bullmq';
import type { Tenant, TenantRuntime } from './tenant-runtime.js';

type OrderQueue = 'order-export' | 'order-cancel' | 'order-refund';

/** The trigger whose job each queue runs (the ingress's `QUEUE_BY_STATUS` the other way round). */
const TRIGGER_OF: Record<OrderQueue, OrderTrigger> = {
  'order-export': 'new',
  'order-cancel': 'closed',
  'order-refund': 'refund',
};
type Extra = Record<string, string | number | null>;

export interface OrderJob<Outcome extends string> {
  tenant: Tenant;
  /** Records the outcome on the order's timeline and returns it as the job's result. */
  finished(outcome: Outcome, message: string, extra?: Extra): Promise<{ outcome: Outcome } & Extra>;
  /**
   * Ends a job whose order RetailCRM does not have (`getOrderOrNull` answered null): records why on the
   * timeline (`orderNotFoundMessage`) and returns the `not-found` result. No incident, no tasks.
   */
  notFound(): Promise<{ outcome: 'not-found' }>;
}

/**
 * A trigger names an order RetailCRM does not have: a made-up id (a forged trigger), an order deleted
 * since, or a trigger template that sends the number instead of the id. Nothing can be done, and nothing
 * in either system is wrong because of it, so the job ends without an incident or tasks; the timeline
 * says what happened and what to check.
 */
export function orderNotFoundMessage(orderId: number, source: string): string {
  const skipped = source === 'trigger' || source === 'outbox' ? 'триггер пропущен' : 'задача пропущена';
  return (
    `Заказ не найден в RetailCRM — ${skipped}. В аккаунте нет заказа с ID ${orderId}: он удалён, или ` +
    'запрос прислан не RetailCRM. Если заказ есть, проверьте, что триггер передаёт order_id = {{ order.id }}, а не номер заказа.'
  );
}

/**
 * The common opening of an order job: open the tenant, put "started" on the order's timeline, and give
 * the handler `finished(outcome, message)` for the closing entry operators and tests read.
 *
 * A job of a trigger (straight from the ingress, or through its outbox) also records that trigger as
 * received, at the time its job was made. The ingress records it as well, but after its answer and
 * best-effort (lost while PostgreSQL is down); this is the reliable record reconciliation can count on.
 */
export async function startOrderJob<Outcome extends string = string>(
  runtime: TenantRuntime,
  queue: OrderQueue,
  data: { connectionId: string; orderId: number; source: string },
  job: Pick<Job, 'id' | 'attemptsMade' | 'timestamp'>,
  what: string,
): Promise<OrderJob<Outcome>> {
  const tenant = await runtime.open(data.connectionId);
  const attempt = job.attemptsMade + 1;
  const fromTrigger = data.source === 'trigger' || data.source === 'outbox';
  await Promise.all([
    tenant.timeline.append(data.orderId, {
      type: 'job.started',
      message: `${what} started (${data.source}, attempt ${attempt})`,
      data: { queue, jobId: job.id ?? null, attempt, source: data.source },
    }),
    fromTrigger && tenant.triggerReceived(data.orderId, TRIGGER_OF[queue], new Date(job.timestamp)),
  ]);
  const finished = async <O extends string>(outcome: O, message: string, extra: Extra = {}) => {
    await tenant.timeline.append(data.orderId, {
      type: 'job.finished',
      message,
      data: { outcome, queue, ...extra },
    });
    return { outcome, ...extra };
  };
  return {
    tenant,
    finished,
    notFound: () => finished('not-found', orderNotFoundMessage(data.orderId, data.source)),
  };
}

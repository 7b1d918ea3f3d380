import type { Job } from 'bullmq';
import type { Tenant, TenantRuntime } from './tenant-runtime.js';

type OrderQueue = 'order-export' | 'order-cancel' | 'order-refund';
type Extra = Record<string, string | number | null>;

export interface OrderJob<Outcome extends string> {
  tenant: Tenant;
  /** Records the outcome on the order's timeline and returns it as the job's result. */
  finished(outcome: Outcome, message: string, extra?: Extra): Promise<{ outcome: Outcome } & Extra>;
}

/**
 * The common opening of an order job: open the tenant, put "started" on the order's timeline, and give
 * the handler `finished(outcome, message)` for the closing entry operators and tests read.
 */
export async function startOrderJob<Outcome extends string = string>(
  runtime: TenantRuntime,
  queue: OrderQueue,
  data: { connectionId: string; orderId: number; source: string },
  job: Pick<Job, 'id' | 'attemptsMade'>,
  what: string,
): Promise<OrderJob<Outcome>> {
  const tenant = await runtime.open(data.connectionId);
  const attempt = job.attemptsMade + 1;
  await tenant.record(data.orderId, {
    type: 'job.started',
    message: `${what} started (${data.source}, attempt ${attempt})`,
    data: { queue, jobId: job.id ?? null, attempt },
  });
  return {
    tenant,
    finished: async (outcome, message, extra = {}) => {
      await tenant.record(data.orderId, { type: 'job.finished', message, data: { outcome, ...extra } });
      return { outcome, ...extra };
    },
  };
}

import { z } from 'zod';
import { defineJob } from '../job-definition.js';
import { orderPolicy } from '../queue-policy.js';
import { connectionId } from './fields.js';

/** The whole order lock key space; jobs of one (tenant, order) in any order queue never run at once. */
export function orderLockKey(connectionId: string, orderId: number): string {
  return `order:${connectionId}:${orderId}`;
}

const orderJob = z.strictObject({
  connectionId,
  orderId: z.number().int().positive(),
  source: z.enum(['trigger', 'reconcile', 'outbox', 'manual']),
});

/** A job about one RetailCRM order, run when a trigger (or a repair) names it. */
function orderQueue<const Q extends string>(queue: Q, action: string) {
  return defineJob({
    queue,
    schema: orderJob,
    policy: orderPolicy,
    lockKey: (data) => orderLockKey(data.connectionId, data.orderId),
    action,
    subject: (data) => `order:${data.orderId}`,
  });
}

export const orderExportJob = orderQueue('order-export', 'выгрузить заказ в LIFE POS');
export const orderCancelJob = orderQueue('order-cancel', 'отменить продажу в LIFE POS');
export const orderRefundJob = orderQueue('order-refund', 'оформить возврат оплаты в LIFE POS');

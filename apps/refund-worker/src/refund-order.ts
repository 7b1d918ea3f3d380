import type { Database } from '@connector/db';
import {
  currentSaleOf,
  kopecksToDecimalString,
  PermanentError,
  paymentsToRefund,
  refundsToCreate,
  saleMetaFor,
  stableGuid,
} from '@connector/domain';
import { isDuplicate } from '@connector/lifepos';
import { defineHandler, type JobHandler } from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';
import { readMoneyDocuments, readOrderSales, startOrderJob } from '@connector/tenant';

export interface RefundOrderDeps {
  runtime: TenantRuntime;
  db: Database;
}

const rubles = (kopecks: number) => `${kopecksToDecimalString(kopecks)} ₽`;

/**
 * `order-refund`: acts only when a RetailCRM payment of the order is in a refund payment status. Refunds
 * what is left of every LIFE POS payment of the order's sale, part by part; a payment already refunded gets
 * nothing, and each refund carries a guid derived from (payment, amount refunded before), so a job that
 * runs twice — even one whose answer was lost — refunds once. No payment in LIFE POS → permanent failure.
 */
export function createRefundOrderHandler({ runtime, db }: RefundOrderDeps): JobHandler<'order-refund'> {
  return defineHandler('order-refund', async ({ data, job, signal }) => {
    const { orderId } = data;
    const { tenant, finished, notFound } = await startOrderJob(
      runtime,
      'order-refund',
      data,
      job,
      'refund in LIFE POS',
    );

    // A forged trigger, or an order deleted since: recorded on the timeline, no incident (see `notFound`).
    const order = await tenant.retailcrm.getOrderOrNull(orderId);
    if (!order) return notFound();
    const requested = paymentsToRefund(order.payments, tenant.settings.refundPaymentStatuses);
    if (requested.length === 0) {
      return finished(
        'ignored',
        `refund trigger ignored: no payment of the order is in a refund status (${tenant.settings.refundPaymentStatuses.join(', ')})`,
      );
    }

    const link = await db.orderLinks.get(tenant.connection.id, orderId);
    const sale = currentSaleOf(
      order,
      await readOrderSales(tenant.lifepos, orderId, link?.lifeposSaleId),
      link?.lifeposSaleId,
    );
    const { payments, refunds } = sale
      ? await readMoneyDocuments(tenant.lifepos, sale.guid)
      : { payments: [], refunds: [] };
    if (!sale || payments.filter((payment) => !payment.archived).length === 0) {
      throw new PermanentError(`LIFE POS took no payment for this order (order ${order.number})`, {
        code: 'refund.no_payment',
        userMessage:
          `LIFE POS не принимал оплату по заказу ${order.number}${sale ? ` (продажа ${sale.number})` : ''}: возвращать нечего. ` +
          'Если клиент платил иначе, оформите возврат там, где принималась оплата, и поправьте статус оплаты в RetailCRM.',
        details: { saleId: sale?.guid ?? null },
      });
    }

    const plans = refundsToCreate(payments, refunds);
    for (const plan of plans) {
      signal.throwIfAborted();
      const guid = stableGuid('refund', tenant.connection.id, plan.paymentGuid, plan.refundedBeforeKopecks);
      const total = plan.cashKopecks + plan.cardKopecks;
      try {
        await tenant.lifepos.money.createRefund(sale.guid, {
          guid,
          paymentGuid: plan.paymentGuid,
          cashKopecks: plan.cashKopecks,
          cardKopecks: plan.cardKopecks,
          meta: saleMetaFor(orderId),
        });
      } catch (error) {
        // Created by an earlier run whose answer was lost.
        if (!isDuplicate(error)) throw error;
      }
      await tenant.timeline.append(orderId, {
        type: 'external.call',
        message: `refund of ${rubles(total)} (cash ${rubles(plan.cashKopecks)}, card ${rubles(plan.cardKopecks)}) created for payment ${plan.paymentGuid} of sale ${sale.number}`,
        data: {
          saleId: sale.guid,
          paymentId: plan.paymentGuid,
          refundId: guid,
          cashKopecks: plan.cashKopecks,
          cardKopecks: plan.cardKopecks,
        },
      });
    }
    await db.orderLinks.upsert(tenant.connection.id, orderId, {
      state: 'refunded',
      retailcrmOrderNumber: order.number,
      lifeposSaleId: sale.guid,
      lifeposSaleNumber: sale.number,
    });
    return plans.length > 0
      ? finished('refunded', `${plans.length} refund(s) created for sale ${sale.number}`, {
          saleId: sale.guid,
          refunds: plans.length,
        })
      : finished('already-refunded', `every payment of sale ${sale.number} is already refunded`, {
          saleId: sale.guid,
          refunds: 0,
        });
  });
}

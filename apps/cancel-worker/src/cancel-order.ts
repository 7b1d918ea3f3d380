import type { Database, OrderLinkState } from '@connector/db';
import {
  currentSaleOf,
  decideCancel,
  orderStatusRole,
  PermanentError,
  RetryableError,
} from '@connector/domain';
import { hasLifePosApiCode, LIFEPOS_API_CODES, type Sale } from '@connector/lifepos';
import { defineHandler, type JobHandler } from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';
import { readOrderSales, startOrderJob } from '@connector/tenant';

export interface CancelOrderDeps {
  runtime: TenantRuntime;
  db: Database;
}

const STATE_LABEL: Record<Sale['state'], string> = {
  New: 'создана',
  InProgress: 'в процессе',
  Completed: 'завершена',
  Cancelled: 'отменена',
};

/** The link state that matches what LIFE POS holds for the order's sale. */
function linkStateOf(sale: Pick<Sale, 'archived' | 'state'>): OrderLinkState {
  if (sale.archived) return 'deleted';
  return sale.state === 'Cancelled' ? 'cancelled' : 'exported';
}

/**
 * `order-cancel`: acts only when the order's current RetailCRM status is a cancel or delete status, so a
 * forged or stale `closed` trigger changes nothing. A `New` sale is cancelled (archived for a delete
 * status, so that a later send exports the order anew); a sale closed through LIFE POS is left alone; a
 * sale with money or goods moved in part needs a person (permanent failure → tasks).
 */
export function createCancelOrderHandler({ runtime, db }: CancelOrderDeps): JobHandler<'order-cancel'> {
  return defineHandler('order-cancel', async ({ data, job, signal }) => {
    const { orderId } = data;
    const { tenant, finished, notFound } = await startOrderJob(
      runtime,
      'order-cancel',
      data,
      job,
      'cancellation in LIFE POS',
    );

    // A forged trigger, or an order deleted since: recorded on the timeline, no incident (see `notFound`).
    const order = await tenant.retailcrm.getOrderOrNull(orderId);
    if (!order) return notFound();
    if (orderStatusRole(order.status, tenant.settings) === 'other') {
      return finished(
        'ignored',
        `closed trigger ignored: the order status "${order.status}" is not a cancel status`,
        { status: order.status },
      );
    }

    const link = await db.orderLinks.get(tenant.connection.id, orderId);
    const sale = currentSaleOf(
      order,
      await readOrderSales(tenant.lifepos, orderId, link?.lifeposSaleId),
      link?.lifeposSaleId,
    );
    const decision = decideCancel({
      orderStatus: order.status,
      settings: tenant.settings,
      sale: sale ?? null,
    });
    const linkAs = (state: OrderLinkState, current: Sale) =>
      db.orderLinks.upsert(tenant.connection.id, orderId, {
        state,
        retailcrmOrderNumber: order.number,
        lifeposSaleId: current.guid,
        lifeposSaleNumber: current.number,
      });
    const describe = (current: Sale) =>
      `sale ${current.number} (${current.state}, ${current.paymentStatus}, ${current.shippingStatus})`;

    if (!sale || decision === 'nothing') {
      if (sale) await linkAs(linkStateOf(sale), sale);
      return finished(
        'nothing',
        sale
          ? `nothing to cancel: ${describe(sale)}${sale.archived ? ' is archived' : ''}`
          : 'nothing to cancel: LIFE POS has no sale for this order',
        { saleId: sale?.guid ?? null },
      );
    }
    if (decision === 'cancel' || decision === 'archive') {
      signal.throwIfAborted();
      try {
        if (decision === 'cancel') await tenant.lifepos.sales.cancel(sale.guid);
        else await tenant.lifepos.sales.archive(sale.guid);
      } catch (error) {
        // A payment or shipment arrived between our read and the write: read again on the next attempt.
        if (hasLifePosApiCode(error, LIFEPOS_API_CODES.operationCannotBePerformed)) {
          throw new RetryableError(`sale ${sale.number} changed while being cancelled`, {
            code: 'cancel.sale_changed',
            cause: error,
          });
        }
        throw error;
      }
      const done =
        decision === 'cancel'
          ? 'cancelled'
          : 'archived (erroneous cancel: a new send exports the order anew)';
      await tenant.timeline.append(orderId, {
        type: 'external.call',
        message: `sale ${sale.number} ${done}`,
        data: { saleId: sale.guid, action: decision, orderStatus: order.status },
      });
      await linkAs(decision === 'cancel' ? 'cancelled' : 'deleted', sale);
      return finished(decision === 'cancel' ? 'cancelled' : 'archived', `sale ${sale.number} ${done}`, {
        saleId: sale.guid,
      });
    }
    if (decision === 'leave-closed') {
      await linkAs(linkStateOf(sale), sale);
      return finished('closed-in-lifepos', `left as it is: ${describe(sale)} was closed through LIFE POS`, {
        saleId: sale.guid,
      });
    }
    throw new PermanentError(`order ${order.number}: ${describe(sale)} was paid or shipped in part`, {
      code: 'cancel.manual',
      userMessage:
        `Заказ ${order.number} переведён в статус отмены, но продажа ${sale.number} в LIFE POS ${STATE_LABEL[sale.state]} ` +
        `и оплачена или отгружена частично (оплата: ${sale.paymentStatus}, отгрузка: ${sale.shippingStatus}). ` +
        'Коннектор не может отменить такую продажу: завершите её или оформите возврат в LIFE POS, либо верните заказ в рабочий статус.',
      details: { saleId: sale.guid, paymentStatus: sale.paymentStatus, shippingStatus: sale.shippingStatus },
    });
  });
}

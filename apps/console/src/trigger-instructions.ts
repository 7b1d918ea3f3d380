import type { ConnectionSettings } from '@connector/db';
import type { ReferenceBooks } from './connection-checks.js';
import { type Text, t } from './i18n.js';

/**
 * The three RetailCRM triggers the integration guide has the shop create (Автоматизация → Триггеры), with
 * this connection's values: where to post, how, and which statuses fire each one.
 */

export const ORDER_ID_TEMPLATE = '{{ order.getId() }}';

export interface TriggerInstruction {
  /** The `status` parameter. */
  status: 'new' | 'closed' | 'refund';
  name: Text;
  event: Text;
  condition: Text;
  /** Status codes (payment-status codes for `refund`) that fire it, with their names where known. */
  statuses: { code: string; name?: string | undefined }[];
}

export interface TriggerInstructions {
  url: string;
  method: 'POST';
  /** «Передавать параметры: В теле запроса (urlencode)». */
  encoding: 'urlencoded';
  params: { client_id: string; order_id: string };
  triggers: TriggerInstruction[];
}

export function triggerInstructions(
  triggerUrl: string,
  orgId: string,
  settings: ConnectionSettings,
  books?: ReferenceBooks,
): TriggerInstructions {
  const orderStatus = (code: string) => ({ code, name: books?.statuses.find((s) => s.code === code)?.name });
  const paymentStatus = (code: string) => ({
    code,
    name: books?.paymentStatuses.find((s) => s.code === code)?.name,
  });
  const orderChange = t('Изменение заказа', 'Order change');
  return {
    url: triggerUrl,
    method: 'POST',
    encoding: 'urlencoded',
    params: { client_id: orgId, order_id: ORDER_ID_TEMPLATE },
    triggers: [
      {
        status: 'new',
        name: t('Триггер на новый заказ', 'New order trigger'),
        event: orderChange,
        condition: t('Конструктор → Статус заказа, переход в:', 'Builder → Order status, changes to:'),
        statuses: settings.exportStatuses.map(orderStatus),
      },
      {
        status: 'closed',
        name: t('Триггер на отмену неоплаченного заказа', 'Unpaid order cancellation trigger'),
        event: orderChange,
        condition: t('Конструктор → Статус заказа, переход в:', 'Builder → Order status, changes to:'),
        statuses: [...settings.cancelStatuses, ...settings.deleteStatuses].map(orderStatus),
      },
      {
        status: 'refund',
        name: t('Триггер на возврат оплаченного заказа', 'Paid order refund trigger'),
        event: orderChange,
        condition: t(
          `Конструктор → Статус оплаты: начальное значение — «${paymentStatus(settings.paidPaymentStatus).name ?? settings.paidPaymentStatus}» (или «Любой»), новое значение:`,
          `Builder → Payment status: from “${paymentStatus(settings.paidPaymentStatus).name ?? settings.paidPaymentStatus}” (or “Any”), to:`,
        ),
        statuses: settings.refundPaymentStatuses.map(paymentStatus),
      },
    ],
  };
}

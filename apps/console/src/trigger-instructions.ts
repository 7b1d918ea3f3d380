import type { ConnectionSettings } from '@connector/db';
import type { ReferenceBooks } from './checks/index.js';
import { type Text, t } from './i18n.js';

/**
 * The RetailCRM triggers the shop creates (Автоматизация → Триггеры), with this connection's values: where
 * to post, how, and what fires each one. The integration guide's three (export, cancel, refund) and a fourth
 * for a shop change after export: the guide allows that change, and only a `new` moves the sale to the new
 * shop's outlet. Its condition is a code condition on the order's change set, whose field names are those
 * of the order history (docs/RETAILCRM-API.md, triggers). Without it the reconciliation applies the change
 * within one period.
 */

export const ORDER_ID_TEMPLATE = '{{ order.getId() }}';

/** The code condition of the shop-change trigger: the order's shipment store changed. */
export const SHOP_CHANGE_CONDITION = 'changeSet.hasChangedField("shipment_store")';

export interface TriggerInstruction {
  /** What the trigger is for; one per row of the instructions. */
  kind: 'export' | 'cancel' | 'refund' | 'shop';
  /** The `status` parameter. */
  status: 'new' | 'closed' | 'refund';
  name: Text;
  event: Text;
  condition: Text;
  /** Status codes (payment-status codes for `refund`) that fire it, with their names where known. */
  statuses: { code: string; name?: string | undefined }[];
  /** A code condition to paste, for a trigger that no status list describes. */
  expression?: string;
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
        kind: 'export',
        status: 'new',
        name: t('Триггер на новый заказ', 'New order trigger'),
        event: orderChange,
        condition: t('Конструктор → Статус заказа, переход в:', 'Builder → Order status, changes to:'),
        statuses: settings.exportStatuses.map(orderStatus),
      },
      {
        kind: 'cancel',
        status: 'closed',
        name: t('Триггер на отмену неоплаченного заказа', 'Unpaid order cancellation trigger'),
        event: orderChange,
        condition: t('Конструктор → Статус заказа, переход в:', 'Builder → Order status, changes to:'),
        statuses: [...settings.cancelStatuses, ...settings.deleteStatuses].map(orderStatus),
      },
      {
        kind: 'refund',
        status: 'refund',
        name: t('Триггер на возврат оплаченного заказа', 'Paid order refund trigger'),
        event: orderChange,
        condition: t(
          `Конструктор → Статус оплаты: начальное значение — «${paymentStatus(settings.paidPaymentStatus).name ?? settings.paidPaymentStatus}» (или «Любой»), новое значение:`,
          `Builder → Payment status: from “${paymentStatus(settings.paidPaymentStatus).name ?? settings.paidPaymentStatus}” (or “Any”), to:`,
        ),
        statuses: settings.refundPaymentStatuses.map(paymentStatus),
      },
      {
        kind: 'shop',
        status: 'new',
        name: t('Триггер на смену склада отгрузки', 'Shipment store change trigger'),
        event: orderChange,
        condition: t(
          'Условие → «Код» (не Конструктор); переносит продажу LIFE POS в точку нового склада:',
          'Condition → “Code” (not the Builder); moves the LIFE POS sale to the new store’s outlet:',
        ),
        statuses: [],
        expression: SHOP_CHANGE_CONDITION,
      },
    ],
  };
}

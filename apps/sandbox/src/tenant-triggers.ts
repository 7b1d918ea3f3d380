import type { TriggerRuleInput } from './retailcrm/triggers.js';
import type { TenantOptions } from './tenant-types.js';

/**
 * The "HTTP request" triggers the console asks for, urlencoded, with the org guid as `client_id`: the
 * integration guide's three, and `new` when the order's shop (`shipment_store`) changes.
 */
export function triggerRulesFor(
  ingressUrl: string,
  orgId: string,
  switches: TenantOptions['triggers'] = {},
  statuses: { send: string[]; closed: string[]; refund: string[] },
): TriggerRuleInput[] {
  const common = {
    url: ingressUrl,
    method: 'POST' as const,
    fireOnCreate: switches.fireOnCreate ?? false,
    ignoreApiChanges: switches.ignoreApiChanges ?? false,
  };
  const params = (status: 'new' | 'closed' | 'refund') => ({
    client_id: orgId,
    order_id: '{{ order.getId() }}',
    status,
  });
  return [
    {
      ...common,
      name: 'LIFE POS: передать заказ',
      event: 'order.status',
      statuses: statuses.send,
      params: params('new'),
    },
    {
      ...common,
      name: 'LIFE POS: отменить неоплаченный заказ',
      event: 'order.status',
      statuses: statuses.closed,
      params: params('closed'),
    },
    {
      ...common,
      name: 'LIFE POS: вернуть оплату',
      event: 'payment.status',
      statuses: statuses.refund,
      params: params('refund'),
    },
    ...(switches.shopChange === false
      ? []
      : [
          {
            ...common,
            name: 'LIFE POS: сменить склад отгрузки',
            event: 'order.field' as const,
            fields: ['shipment_store'],
            params: params('new'),
          },
        ]),
  ];
}

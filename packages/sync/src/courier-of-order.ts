import { courierIdOfDelivery } from '@connector/domain';
import type { RetailCrmOrder } from '@connector/retailcrm';

/**
 * The RetailCRM courier of an order (docs/RETAILCRM-API.md, «Courier of an order»:
 * `delivery.data.courierId`), or undefined.
 */
export function courierIdOf(order: RetailCrmOrder): number | undefined {
  const delivery = order.delivery;
  if (!delivery) return undefined;
  return courierIdOfDelivery({
    integrationCode: delivery.integrationCode,
    data: delivery.data && {
      courierId: delivery.data.courierId,
      id: delivery.data.id,
      firstName: delivery.data.firstName,
      lastName: delivery.data.lastName,
    },
  });
}

import { PermanentError, shopOfOrder } from '@connector/domain';
import type { RetailCrmOrder } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';

/**
 * The order's shop (RetailCRM store code): `shipmentStore`, else the store of its site (see `shopOfOrder`:
 * RetailCRM's site reference names no store, so it is the one selling store mapped to the site, or the
 * account's only selling store). Reads the stores only when the order names none.
 */
export async function shopOf(tenant: Tenant, order: RetailCrmOrder): Promise<string> {
  if (order.shipmentStore) return order.shipmentStore;
  const shop = shopOfOrder({
    site: order.site,
    stores: await tenant.retailcrm.stores(),
    sellingTypes: tenant.settings.syncStoreTypes,
    storeSites: tenant.settings.storeSites,
  });
  if (shop.kind === 'store') {
    await tenant.timeline.append(order.id, {
      type: 'export.shop',
      message: `the order names no shop: using store ${shop.storeCode} (${shop.via === 'site-store' ? `the store of site ${order.site}` : 'the only selling store'})`,
      data: { storeCode: shop.storeCode, via: shop.via },
    });
    return shop.storeCode;
  }
  throw new PermanentError(`order ${order.number} names no shop and site ${order.site} has no single store`, {
    code: 'export.no_shop',
    userMessage:
      `В заказе ${order.number} не указан склад отгрузки (магазин продажи), а по магазину «${order.site}» его нельзя определить однозначно` +
      `${shop.candidates.length > 0 ? ` (подходят: ${shop.candidates.join(', ')})` : ' (нет ни одной активной торговой точки)'}. ` +
      'Укажите склад отгрузки в заказе и отправьте заказ снова.',
    details: { site: order.site, candidates: shop.candidates },
  });
}

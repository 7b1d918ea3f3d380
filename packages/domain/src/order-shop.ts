import { isSellingStore, type StoreInput } from './store-to-outlet.js';

/**
 * The shop (RetailCRM store code) an order sells from, whose LIFE POS outlet gets the sale: the order's
 * `shipmentStore`, else its site's store. RetailCRM has no store field on a site (docs/RETAILCRM-API.md,
 * «Reference books»), so a site's store is the only selling store the connection maps to that site (settings
 * `storeSites`), else the account's only selling store; anything else is ambiguous and the order must name
 * its shop.
 */
export type OrderShop =
  | { kind: 'store'; storeCode: string; via: 'shipment-store' | 'site-store' | 'only-store' }
  | { kind: 'ambiguous'; candidates: string[] };

export interface OrderShopInput {
  shipmentStore?: string | null | undefined;
  site: string;
  stores: ReadonlyArray<StoreInput>;
  /** Settings `syncStoreTypes`. */
  sellingTypes: readonly string[];
  /** Settings `storeSites`: store code → site code. */
  storeSites: Readonly<Record<string, string>>;
}

export function shopOfOrder({
  shipmentStore,
  site,
  stores,
  sellingTypes,
  storeSites,
}: OrderShopInput): OrderShop {
  if (shipmentStore) return { kind: 'store', storeCode: shipmentStore, via: 'shipment-store' };
  const selling = stores.filter((store) => isSellingStore(store, sellingTypes)).map((store) => store.code);
  const ofSite = selling.filter((code) => storeSites[code] === site);
  if (ofSite.length === 1 && ofSite[0]) return { kind: 'store', storeCode: ofSite[0], via: 'site-store' };
  if (ofSite.length === 0 && selling.length === 1 && selling[0]) {
    return { kind: 'store', storeCode: selling[0], via: 'only-store' };
  }
  return { kind: 'ambiguous', candidates: ofSite.length > 0 ? ofSite : selling };
}

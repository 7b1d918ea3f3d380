import { describe, expect, it } from '@jest/globals';
import { type OrderShop, type OrderShopInput, shopOfOrder } from './index.js';

const retail = 'store-type-retail';
const store = (code: string, type = retail, active = true) => ({ code, name: code, type, active });
const stores: OrderShopInput['stores'] = [
  store('msk-1'),
  store('msk-2'),
  store('spb-1'),
  store('warehouse', 'store-type-warehouse'),
  store('closed', retail, false),
];
const base: OrderShopInput = { site: 'spb', stores, sellingTypes: [retail], storeSites: {} };

describe('shopOfOrder', () => {
  it.each<[string, Partial<OrderShopInput>, OrderShop]>([
    [
      'the order names its shop',
      { shipmentStore: 'warehouse' },
      { kind: 'store', storeCode: 'warehouse', via: 'shipment-store' },
    ],
    [
      "the site's only mapped store",
      { storeSites: { 'msk-1': 'msk', 'msk-2': 'msk', 'spb-1': 'spb' } },
      { kind: 'store', storeCode: 'spb-1', via: 'site-store' },
    ],
    [
      'several stores mapped to the site',
      { site: 'msk', storeSites: { 'msk-1': 'msk', 'msk-2': 'msk' } },
      { kind: 'ambiguous', candidates: ['msk-1', 'msk-2'] },
    ],
    [
      'a closed or non-selling store mapped to the site does not count',
      { storeSites: { closed: 'spb', warehouse: 'spb', 'spb-1': 'spb' } },
      { kind: 'store', storeCode: 'spb-1', via: 'site-store' },
    ],
    [
      'nothing mapped, several selling stores',
      {},
      { kind: 'ambiguous', candidates: ['msk-1', 'msk-2', 'spb-1'] },
    ],
    [
      "the account's only selling store",
      { stores: [store('only'), store('w', 'store-type-warehouse')] },
      { kind: 'store', storeCode: 'only', via: 'only-store' },
    ],
    ['no selling store at all', { stores: [] }, { kind: 'ambiguous', candidates: [] }],
  ])('%s', (_name, overrides, expected) => {
    expect(shopOfOrder({ ...base, ...overrides })).toEqual(expected);
  });
});

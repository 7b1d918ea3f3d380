import { describe, expect, it } from '@jest/globals';
import {
  findOutletForStore,
  isSellingStore,
  needsLegalEntityBook,
  normalizeInn,
  type OutletSnapshot,
  outletFieldsFor,
  outletPatchFor,
  resolveStoreInn,
  type StoreInnInput,
  siteInns,
  storeOutletMeta,
} from './index.js';

const RETAIL = ['store-type-retail'];

describe('isSellingStore', () => {
  it.each([
    ['active retail store', { type: 'store-type-retail', active: true }, RETAIL, true],
    ['retail store without an active flag', { type: 'store-type-retail' }, RETAIL, true],
    ['inactive retail store', { type: 'store-type-retail', active: false }, RETAIL, false],
    ['warehouse', { type: 'store-type-warehouse', active: true }, RETAIL, false],
    [
      'warehouse when warehouses are configured',
      { type: 'store-type-warehouse' },
      ['store-type-warehouse'],
      true,
    ],
    ['store without a type', {}, RETAIL, false],
  ])('%s', (_, fields, types, expected) => {
    expect(isSellingStore({ code: 's', name: 'S', ...fields }, types)).toBe(expected);
  });
});

describe('normalizeInn', () => {
  it.each([
    ['7714567895', '7714567895'],
    [' 7714 567 895 ', '7714567895'],
    ['771456789512', '771456789512'],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
    ['нет', undefined],
  ])('%p → %p', (input, expected) => {
    expect(normalizeInn(input)).toBe(expected);
  });
});

describe('siteInns', () => {
  it('takes the embedded legal entity first, else the book by contragentCode', () => {
    const inns = siteInns(
      [
        { code: 'msk', contragent: { code: 'llc-msk', INN: '7714 567895' }, contragentCode: 'llc-msk' },
        { code: 'spb', contragentCode: 'llc-spb' },
        { code: 'nsk', contragentCode: 'llc-unknown' },
        { code: 'online' },
      ],
      [
        { code: 'llc-msk', INN: '1111111111' },
        { code: 'llc-spb', INN: '7812345675' },
      ],
    );
    expect([...inns]).toEqual([
      ['msk', '7714567895'],
      ['spb', '7812345675'],
      ['nsk', undefined],
      ['online', undefined],
    ]);
  });

  it('needs the legal-entity book only when a site names its entity by code alone', () => {
    expect(
      needsLegalEntityBook([{ code: 'a', contragent: { INN: '7714567895' }, contragentCode: 'x' }]),
    ).toBe(false);
    expect(needsLegalEntityBook([{ code: 'a', contragentCode: 'x' }])).toBe(true);
    expect(needsLegalEntityBook([{ code: 'a' }])).toBe(false);
  });
});

describe('resolveStoreInn', () => {
  const twoEntities = new Map<string, string | undefined>([
    ['msk', '7714567895'],
    ['msk-2', '7714567895'],
    ['spb', '7812345675'],
    ['no-entity', undefined],
  ]);
  const cases: Array<[string, StoreInnInput, ReturnType<typeof resolveStoreInn>]> = [
    [
      'one legal entity for every site: no orders needed',
      {
        storeCode: 'a',
        sites: new Map([
          ['msk', '7714567895'],
          ['msk-2', '7714567895'],
        ]),
      },
      { kind: 'resolved', inn: '7714567895', via: 'single-legal-entity', siteCodes: ['msk', 'msk-2'] },
    ],
    [
      'several legal entities and no order sites yet: ask for them',
      { storeCode: 'a', sites: twoEntities },
      { kind: 'needs-order-sites' },
    ],
    [
      'orders of sites of one legal entity',
      { storeCode: 'a', sites: twoEntities, orderSites: ['msk', 'msk-2', 'msk'] },
      { kind: 'resolved', inn: '7714567895', via: 'order-sites', siteCodes: ['msk', 'msk-2'] },
    ],
    [
      'orders of sites of two legal entities',
      { storeCode: 'a', sites: twoEntities, orderSites: ['msk', 'spb'] },
      {
        kind: 'unresolved',
        reason: 'sites-disagree',
        siteCodes: ['msk', 'spb'],
        inns: ['7714567895', '7812345675'],
      },
    ],
    [
      'orders of a site without a legal entity',
      { storeCode: 'a', sites: twoEntities, orderSites: ['no-entity'] },
      { kind: 'unresolved', reason: 'site-without-inn', siteCodes: ['no-entity'], inns: [] },
    ],
    [
      'no orders at all',
      { storeCode: 'a', sites: twoEntities, orderSites: [] },
      { kind: 'unresolved', reason: 'no-evidence', siteCodes: [], inns: ['7714567895', '7812345675'] },
    ],
    [
      'orders only of sites the key cannot see',
      { storeCode: 'a', sites: twoEntities, orderSites: ['hidden'] },
      { kind: 'unresolved', reason: 'no-evidence', siteCodes: [], inns: ['7714567895', '7812345675'] },
    ],
    [
      'the only site has no legal entity',
      { storeCode: 'a', sites: new Map([['msk', undefined]]), orderSites: ['msk'] },
      { kind: 'unresolved', reason: 'site-without-inn', siteCodes: ['msk'], inns: [] },
    ],
    [
      'a configured site wins over everything',
      { storeCode: 'a', sites: twoEntities, storeSites: { a: 'spb' }, orderSites: ['msk'] },
      { kind: 'resolved', inn: '7812345675', via: 'configured-site', siteCodes: ['spb'] },
    ],
    [
      'a configured site that does not exist',
      { storeCode: 'a', sites: twoEntities, storeSites: { a: 'gone' } },
      { kind: 'unresolved', reason: 'unknown-site', siteCodes: ['gone'], inns: [] },
    ],
    [
      'a configured site without a legal entity',
      { storeCode: 'a', sites: twoEntities, storeSites: { a: 'no-entity' } },
      { kind: 'unresolved', reason: 'site-without-inn', siteCodes: ['no-entity'], inns: [] },
    ],
    [
      'the mapping of another store does not apply',
      { storeCode: 'a', sites: twoEntities, storeSites: { b: 'spb' } },
      { kind: 'needs-order-sites' },
    ],
  ];
  it.each(cases)('%s', (_, input, expected) => {
    expect(resolveStoreInn(input)).toEqual(expected);
  });
});

describe('outletFieldsFor', () => {
  it.each([
    [
      'name and address with the city added',
      { name: ' Кофейня  на Тверской ', address: { city: 'Москва', text: 'ул. Тверская, д. 10' } },
      { name: 'Кофейня на Тверской', address: 'Москва, ул. Тверская, д. 10' },
    ],
    [
      'the city already in the text',
      { name: 'Кофейня', address: { city: 'Москва', text: 'г. Москва, ул. Тверская, 10' } },
      { name: 'Кофейня', address: 'г. Москва, ул. Тверская, 10' },
    ],
    ['only a city', { name: 'Кофейня', address: { city: 'Москва' } }, { name: 'Кофейня', address: 'Москва' }],
    [
      'no address: the legal entity address',
      { name: 'Кофейня', address: null },
      { name: 'Кофейня', address: '125047, Москва, ул. Тверская-Ямская, 8' },
    ],
    [
      'a one-letter name gets the code',
      { name: 'К', address: { text: 'Арбат, 1' } },
      { name: 'К s1', address: 'Арбат, 1' },
    ],
    [
      'an overlong name is cut to 256',
      { name: 'Я'.repeat(300), address: { text: 'Арбат, 1' } },
      { name: 'Я'.repeat(256), address: 'Арбат, 1' },
    ],
  ])('%s', (_, store, expected) => {
    expect(
      outletFieldsFor({ code: 's1', ...store }, 'le-1', '125047, Москва, ул. Тверская-Ямская, 8'),
    ).toEqual({ ...expected, legalEntityGuid: 'le-1' });
  });

  it('falls back to the name when neither the store nor the legal entity has an address', () => {
    expect(outletFieldsFor({ code: 's1', name: 'Кофейня' }, 'le-1', null).address).toBe('Кофейня');
  });
});

const outlet = (fields: Partial<OutletSnapshot>): OutletSnapshot => ({
  guid: 'o-1',
  name: 'Кофейня',
  address: 'Москва, Арбат, 1',
  legalEntityGuid: 'le-1',
  meta: null,
  deletedAt: null,
  createdAt: '2026-01-01T00:00:00Z',
  ...fields,
});

describe('outletPatchFor', () => {
  const wanted = { name: 'Кофейня', address: 'Москва, Арбат, 1', legalEntityGuid: 'le-1' };
  it.each([
    ['in step', outlet({}), {}],
    ['whitespace differences only', outlet({ name: ' Кофейня ', address: 'Москва,  Арбат, 1' }), {}],
    ['renamed store', outlet({ name: 'Старое имя' }), { name: 'Кофейня' }],
    ['moved store', outlet({ address: 'СПб' }), { address: 'Москва, Арбат, 1' }],
    ['another legal entity', outlet({ legalEntityGuid: 'le-2' }), { legal_entity: { guid: 'le-1' } }],
    [
      'no values in LIFE POS',
      outlet({ name: null, address: null }),
      { name: 'Кофейня', address: 'Москва, Арбат, 1' },
    ],
  ])('%s', (_, current, expected) => {
    expect(outletPatchFor(current, wanted)).toEqual(expected);
  });
});

describe('findOutletForStore', () => {
  const wanted = { name: 'Кофейня', address: 'x', legalEntityGuid: 'le-1' };
  it.each([
    ['nothing there', [], undefined],
    [
      'its own outlet by meta, even renamed',
      [outlet({ guid: 'mine', name: 'Другое', meta: storeOutletMeta('s1') })],
      'mine',
    ],
    [
      'meta beats name',
      [outlet({ guid: 'named' }), outlet({ guid: 'mine', name: 'X', meta: storeOutletMeta('s1') })],
      'mine',
    ],
    ['a same-named outlet in the legal entity', [outlet({ guid: 'named', name: 'кофейня' })], 'named'],
    ['same name in another legal entity', [outlet({ legalEntityGuid: 'le-2' })], undefined],
    ['same name but claimed by another store', [outlet({ meta: storeOutletMeta('s2') })], undefined],
    ['archived', [outlet({ meta: storeOutletMeta('s1'), deletedAt: '2026-02-01T00:00:00Z' })], undefined],
    [
      'the oldest of two same-named',
      [outlet({ guid: 'newer', createdAt: '2026-03-01T00:00:00Z' }), outlet({ guid: 'older' })],
      'older',
    ],
  ])('%s', (_, outlets, expected) => {
    expect(findOutletForStore(outlets, 's1', wanted)?.guid).toBe(expected);
  });
});

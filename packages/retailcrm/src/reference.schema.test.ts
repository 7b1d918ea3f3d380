import { describe, expect, it } from '@jest/globals';
import { referenceBooks } from './reference.schema.js';

describe('reference books: keyed by code or a list, always decoded to an array', () => {
  const statusesKeyed = {
    success: true,
    statuses: {
      new: { name: 'Новый', code: 'new', active: true, ordering: 10, group: 'new' },
      'cancel-other': { name: 'Отменен', code: 'cancel-other', active: true, ordering: 190, group: 'cancel' },
    },
  };

  it('decodes a keyed book (statuses) to an array in the API order', () => {
    expect(referenceBooks.statuses.parse(statusesKeyed).statuses).toEqual([
      { name: 'Новый', code: 'new', active: true, ordering: 10, group: 'new' },
      { name: 'Отменен', code: 'cancel-other', active: true, ordering: 190, group: 'cancel' },
    ]);
  });

  it('decodes the same book sent as an array to the same result', () => {
    const asList = { success: true, statuses: Object.values(statusesKeyed.statuses) };
    expect(referenceBooks.statuses.parse(asList).statuses).toEqual(
      referenceBooks.statuses.parse(statusesKeyed).statuses,
    );
  });

  it('fills a missing `code` from the key of a keyed book', () => {
    const parsed = referenceBooks.paymentStatuses.parse({
      success: true,
      paymentStatuses: { paid: { name: 'Оплачен', active: true, paymentComplete: true } },
    });
    expect(parsed.paymentStatuses).toEqual([
      { code: 'paid', name: 'Оплачен', active: true, paymentComplete: true },
    ]);
  });

  it('decodes an array book (stores) and a keyed one sent as an empty `[]`', () => {
    const stores = referenceBooks.stores.parse({
      success: true,
      stores: [
        {
          code: 'main12',
          name: 'Магазин на Ленина',
          type: 'store-type-retail',
          active: true,
          address: { text: 'Ростов-на-Дону, ул. Ленина, 1' },
          workTime: { mo: [] },
        },
      ],
    }).stores;
    expect(stores).toMatchObject([
      { code: 'main12', type: 'store-type-retail', address: { text: expect.any(String) } },
    ]);
    expect(referenceBooks.deliveryTypes.parse({ success: true, deliveryTypes: [] }).deliveryTypes).toEqual(
      [],
    );
  });

  it('decodes status groups with their statuses, sites with their legal entity, couriers and legal entities', () => {
    expect(
      referenceBooks.statusGroups.parse({
        success: true,
        statusGroups: {
          cancel: { name: 'Отменен', code: 'cancel', process: false, statuses: ['no-call', 'cancel-other'] },
        },
      }).statusGroups,
    ).toEqual([{ name: 'Отменен', code: 'cancel', process: false, statuses: ['no-call', 'cancel-other'] }]);
    expect(
      referenceBooks.sites.parse({
        success: true,
        sites: {
          aliexpress: {
            name: 'AliExpress',
            url: 'https://a.example',
            contragent: { INN: '7701234567', legalName: 'ООО Ромашка' },
          },
        },
      }).sites,
    ).toMatchObject([{ code: 'aliexpress', contragent: { INN: '7701234567' } }]);
    expect(
      referenceBooks.couriers.parse({
        success: true,
        couriers: [
          { id: 7, firstName: 'Иван', lastName: 'Петров', active: true, phone: { number: '+79990000000' } },
        ],
      }).couriers,
    ).toMatchObject([{ id: 7, phone: { number: '+79990000000' } }]);
    expect(
      referenceBooks.legalEntities.parse({
        success: true,
        legalEntities: [
          {
            code: 'romashka',
            contragentType: 'legal-entity',
            INN: '7701234567',
            KPP: '770101001',
            vatRate: '20.00',
          },
        ],
      }).legalEntities,
    ).toMatchObject([{ code: 'romashka', INN: '7701234567', KPP: '770101001' }]);
  });
});

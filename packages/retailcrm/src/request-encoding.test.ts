import { describe, expect, it } from '@jest/globals';
import { encodeForm, encodeQuery } from './request-encoding.js';

describe('encodeQuery (GET parameters in PHP bracket notation)', () => {
  it('encodes list filters as repeated `key[]` pairs, as the Go client and the docs do', () => {
    expect(encodeQuery({ filter: { ids: [1, 2] }, limit: 50, page: 2 })).toBe(
      'filter[ids][]=1&filter[ids][]=2&limit=50&page=2',
    );
  });

  it('encodes nested maps with named brackets (custom field ranges)', () => {
    expect(
      encodeQuery({ filter: { numbers: ['1235C'], customFields: { nps: { min: 5 } } }, limit: 50 }),
    ).toBe('filter[numbers][]=1235C&filter[customFields][nps][min]=5&limit=50');
  });

  it('encodes user filters: group codes and booleans as 1/0', () => {
    expect(
      encodeQuery({ filter: { groups: ['manager', 'error-desk'], active: true, isManager: false } }),
    ).toBe('filter[groups][]=manager&filter[groups][]=error-desk&filter[active]=1&filter[isManager]=0');
  });

  it('percent-encodes values (Cyrillic, spaces, &, =) but keeps the brackets readable', () => {
    const query = encodeQuery({ filter: { city: 'Ростов-на-Дону', text: 'a&b=c d' } });
    expect(query).toBe(
      'filter[city]=%D0%A0%D0%BE%D1%81%D1%82%D0%BE%D0%B2-%D0%BD%D0%B0-%D0%94%D0%BE%D0%BD%D1%83&filter[text]=a%26b%3Dc%20d',
    );
    expect(Object.fromEntries(new URLSearchParams(query))).toEqual({
      'filter[city]': 'Ростов-на-Дону',
      'filter[text]': 'a&b=c d',
    });
  });

  it('leaves out undefined and null values and empty lists', () => {
    expect(
      encodeQuery({ filter: { sinceId: undefined, orderId: null, ids: [] }, by: 'id', site: undefined }),
    ).toBe('by=id');
  });

  it('indexes objects inside lists so their fields stay together', () => {
    expect(
      encodeQuery({
        items: [
          { code: 'a', value: 1 },
          { code: 'b', value: 2 },
        ],
      }),
    ).toBe('items[0][code]=a&items[0][value]=1&items[1][code]=b&items[1][value]=2');
  });

  it('refuses non-finite numbers instead of sending "NaN"', () => {
    expect(() => encodeQuery({ limit: Number.NaN })).toThrow(RangeError);
  });
});

describe('encodeForm (POST urlencoded with JSON-string entity fields)', () => {
  it('matches the documented example body exactly', () => {
    expect(encodeForm({ site: 'simple-site', order: { externalId: 'a123', firstName: 'Tom' } })).toBe(
      'site=simple-site&order=%7B%22externalId%22%3A%22a123%22%2C%22firstName%22%3A%22Tom%22%7D',
    );
  });

  it('puts `by` and `site` as plain fields next to the JSON field, which decodes back to the entity', () => {
    const body = encodeForm({
      by: 'id',
      site: 'shop',
      order: { status: 'assembling', customFields: { pos: 'Чек №1' } },
    });
    const fields = new URLSearchParams(body);
    expect([...fields.keys()]).toEqual(['by', 'site', 'order']);
    expect(fields.get('by')).toBe('id');
    expect(JSON.parse(fields.get('order') ?? '')).toEqual({
      status: 'assembling',
      customFields: { pos: 'Чек №1' },
    });
  });

  it('omits undefined fields and drops undefined entity properties from the JSON', () => {
    const body = encodeForm({ site: undefined, payment: { type: 'cash', comment: undefined } });
    expect(body).toBe('payment=%7B%22type%22%3A%22cash%22%7D');
  });
});

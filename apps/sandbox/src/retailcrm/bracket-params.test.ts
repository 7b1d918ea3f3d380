import { describe, expect, it } from '@jest/globals';
import { paramList, parseBracketParams } from './bracket-params.js';

describe('parseBracketParams (PHP parse_str semantics)', () => {
  it('reads `[]` lists and `[0]` indexed lists alike', () => {
    expect(parseBracketParams('filter[ids][]=1&filter[ids][]=2')).toEqual({ filter: { ids: ['1', '2'] } });
    expect(parseBracketParams('filter%5Bids%5D%5B0%5D=1&filter%5Bids%5D%5B1%5D=2')).toEqual({
      filter: { ids: ['1', '2'] },
    });
  });

  it('reads nested maps, plain values and form encoding', () => {
    expect(parseBracketParams('filter[customFields][nps][min]=5&limit=50&page=2&q=a+b%26c')).toEqual({
      filter: { customFields: { nps: { min: '5' } } },
      limit: '50',
      page: '2',
      q: 'a b&c',
    });
  });

  it('keeps the JSON-string fields of a POST body intact', () => {
    const body = new URLSearchParams({
      by: 'id',
      order: JSON.stringify({ status: 'new', items: [{ id: 1 }] }),
    }).toString();
    const parsed = parseBracketParams(body);
    expect(parsed.by).toBe('id');
    expect(JSON.parse(parsed.order as string)).toEqual({ status: 'new', items: [{ id: 1 }] });
  });

  it('continues numbering after explicit indexes and lets a later scalar win, as PHP does', () => {
    expect(parseBracketParams('a[5]=x&a[]=y')).toEqual({ a: ['x', 'y'] });
    expect(parseBracketParams('a=1&a=2')).toEqual({ a: '2' });
  });

  it('takes keys with unbalanced brackets literally and cannot be used to pollute prototypes', () => {
    expect(parseBracketParams('a[b=1')).toEqual({ 'a[b': '1' });
    const parsed = parseBracketParams('__proto__[polluted]=1&x[__proto__][y]=2');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });

  it('paramList reads lists, indexed maps and single values', () => {
    expect(paramList(['1', '2'])).toEqual(['1', '2']);
    expect(paramList({ a: '1', b: '2' })).toEqual(['1', '2']);
    expect(paramList('1')).toEqual(['1']);
    expect(paramList(undefined)).toBeUndefined();
  });
});

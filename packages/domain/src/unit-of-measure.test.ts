import { describe, expect, it } from '@jest/globals';
import { PermanentError, type UnitOfMeasureFacts, uomResolver } from './index.js';

const units: UnitOfMeasureFacts[] = [
  { guid: 'uom-kg', name: 'кг', shortName: null, code: '166' },
  { guid: 'uom-pc', name: 'шт', shortName: null, code: '796' },
  { guid: 'uom-l', name: 'Литр', shortName: 'л', code: '112' },
  { guid: 'uom-box', name: 'Коробка', shortName: 'кор', code: null },
];

describe('uomResolver', () => {
  const uomFor = uomResolver(units);

  it.each<[string | undefined, string]>([
    [undefined, 'uom-pc'],
    ['', 'uom-pc'],
    ['pc', 'uom-pc'],
    ['PC', 'uom-pc'],
    ['шт.', 'uom-pc'],
    ['kg', 'uom-kg'],
    ['166', 'uom-kg'],
    ['l', 'uom-l'],
    ['Л', 'uom-l'],
    ['кор', 'uom-box'],
    ['коробка', 'uom-box'],
    ['g', 'uom-pc'],
    ['unknown', 'uom-pc'],
  ])('%s → %s', (code, guid) => {
    expect(uomFor(code)).toBe(guid);
  });

  it('falls back to the first unit when there is no piece', () => {
    expect(uomResolver([{ guid: 'only', name: 'Порция', shortName: null, code: null }])('pc')).toBe('only');
  });

  it('refuses an organization without units', () => {
    expect(() => uomResolver([])).toThrow(PermanentError);
  });
});

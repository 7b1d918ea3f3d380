import { PermanentError } from './errors.js';

/** A LIFE POS unit of measure (`/orgs/{org}/uoms`): `code` is the OKEI code where LIFE POS gives one. */
export interface UnitOfMeasureFacts {
  guid: string;
  name: string | null;
  shortName: string | null;
  code: string | null;
}

/** OKEI code of the piece, the unit of anything whose unit is not known. */
export const PIECE_OKEI = '796';

/**
 * RetailCRM unit codes (`offer.unit.code`, account-specific, these are the standard book's) and the Russian
 * short names they are shown with → OKEI codes, which LIFE POS units carry.
 */
export const RETAILCRM_UNIT_TO_OKEI: Readonly<Record<string, string>> = {
  pc: '796',
  pcs: '796',
  piece: '796',
  шт: '796',
  kg: '166',
  кг: '166',
  g: '163',
  г: '163',
  l: '112',
  л: '112',
  ml: '111',
  мл: '111',
  m: '006',
  м: '006',
  set: '839',
  компл: '839',
  pack: '778',
  упак: '778',
};

const normalise = (text: string) => text.trim().toLowerCase().replace(/\.$/, '');

/**
 * `uomFor` of the sale mapping: a RetailCRM unit code → the LIFE POS unit guid, matched by the unit's own
 * code, short name or name, then through the OKEI table; the piece (else the first unit) when nothing
 * matches. An organization without units cannot sell anything, which a person has to fix.
 */
export function uomResolver(units: readonly UnitOfMeasureFacts[]): (unitCode: string | undefined) => string {
  const byKey = new Map<string, string>();
  for (const unit of units) {
    for (const key of [unit.code, unit.shortName, unit.name]) {
      if (key && !byKey.has(normalise(key))) byKey.set(normalise(key), unit.guid);
    }
  }
  const byOkei = new Map(units.filter((unit) => unit.code).map((unit) => [unit.code as string, unit.guid]));
  const fallback = byOkei.get(PIECE_OKEI) ?? byKey.get('шт') ?? units[0]?.guid;
  if (fallback === undefined) {
    throw new PermanentError('the LIFE POS organization has no units of measure', {
      code: 'mapping.no_uom',
      userMessage:
        'В организации LIFE POS нет ни одной единицы измерения: позиции продажи создать нельзя. Добавьте единицу «шт» в LIFE POS.',
    });
  }
  return (unitCode) => {
    if (!unitCode) return fallback;
    const key = normalise(unitCode);
    const okei = RETAILCRM_UNIT_TO_OKEI[key];
    return byKey.get(key) ?? (okei ? byOkei.get(okei) : undefined) ?? fallback;
  };
}

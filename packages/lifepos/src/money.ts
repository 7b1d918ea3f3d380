import { type Kopecks, kopecksToRubles, rublesToKopecks } from '@connector/domain';
import { z } from 'zod';
import { UnexpectedResponseError } from './unexpected-response.js';

/**
 * LIFE POS money is `{ value, currency, type_of }`. Third-party clients treat `value` as integer kopecks
 * (docs/LIFEPOS-API.md, «Value objects», gap G-8: CODE evidence only), so the unit is configurable: if the
 * live API turns out to speak rubles, `moneyUnit: 'rubles'` converts at this edge and nothing else changes.
 * Either way the rest of the system sees integer kopecks only, and conversions are exact (no float
 * multiplication).
 */
export type MoneyUnit = 'kopecks' | 'rubles';

export const wireMoneySchema = z.looseObject({
  value: z.union([z.number(), z.string()]),
  currency: z.string().nullish(),
});
export type WireMoney = z.infer<typeof wireMoneySchema>;

export interface EncodedMoney {
  value: number;
  currency: 'RUB';
}

export interface MoneyCodec {
  readonly unit: MoneyUnit;
  encode(kopecks: Kopecks | number): EncodedMoney;
  decode(wire: WireMoney, field: string): Kopecks;
}

export function moneyCodec(unit: MoneyUnit = 'kopecks'): MoneyCodec {
  return {
    unit,
    encode(kopecks) {
      if (!Number.isSafeInteger(kopecks)) {
        throw new RangeError(`money must be a whole number of kopecks, got ${kopecks}`);
      }
      return { value: unit === 'kopecks' ? kopecks : kopecksToRubles(kopecks), currency: 'RUB' };
    },
    decode(wire, field) {
      const { value } = wire;
      if (unit === 'rubles') {
        try {
          return rublesToKopecks(value);
        } catch (error) {
          throw new UnexpectedResponseError(`${field}: ${(error as Error).message}`);
        }
      }
      const kopecks =
        typeof value === 'number' ? value : /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
      // A fractional "kopeck" value means the unit assumption is wrong: refuse rather than misread money.
      if (!Number.isSafeInteger(kopecks)) {
        throw new UnexpectedResponseError(
          `${field}: expected a whole number of kopecks, got ${JSON.stringify(value)} (is moneyUnit right?)`,
        );
      }
      return kopecks as Kopecks;
    },
  };
}

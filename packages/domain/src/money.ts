/**
 * Money is handled as integer kopecks. RetailCRM speaks rubles as decimal numbers (`12.3`), LIFE POS
 * speaks kopecks (integers). Conversions are exact: they go through the decimal text, never through
 * float multiplication (0.1 + 0.2 style errors would otherwise leak into receipts).
 */
export type Kopecks = number & { readonly __brand?: 'kopecks' };

/** Rubles (number or decimal string, up to 2 fraction digits after rounding half away from zero) → kopecks. */
export function rublesToKopecks(rubles: number | string): Kopecks {
  const text = typeof rubles === 'number' ? numberToPlainString(rubles) : rubles.trim();
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new RangeError(`not an amount of rubles: ${JSON.stringify(rubles)}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const padded = `${fraction}000`;
  let kopecks = BigInt(whole) * 100n + BigInt(padded.slice(0, 2));
  // Round half away from zero on the third fraction digit (sub-kopeck remainders from float noise).
  if (Number(padded[2]) >= 5) kopecks += 1n;
  const value = Number(sign === '-' ? -kopecks : kopecks);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount out of range: ${text}`);
  return value as Kopecks;
}

/** Kopecks → rubles as a number with at most two decimals (what RetailCRM accepts). */
export function kopecksToRubles(kopecks: Kopecks | number): number {
  if (!Number.isInteger(kopecks)) throw new RangeError(`kopecks must be an integer, got ${kopecks}`);
  return Number(kopecksToDecimalString(kopecks));
}

/** Kopecks → `"123.45"`. */
export function kopecksToDecimalString(kopecks: Kopecks | number): string {
  const negative = kopecks < 0;
  const abs = Math.abs(kopecks);
  const text = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  // toPrecision(15) strips binary noise (0.1 + 0.2 → "0.300000000000000"), then plain notation.
  const precise = Number(value.toPrecision(15));
  return precise.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

import { describe, expect, it } from '@jest/globals';
import { kopecksToDecimalString, kopecksToRubles, rublesToKopecks } from './index.js';

describe('money', () => {
  it.each([
    [0.1 + 0.2, 30],
    [1.005, 101],
    [19.99, 1999],
    [1234567.89, 123456789],
    ['12.3', 1230],
    ['7', 700],
    [0, 0],
    [-5.5, -550],
    [4.35 * 100, 43500],
  ])('rublesToKopecks(%p) = %p', (rubles, kopecks) => {
    expect(rublesToKopecks(rubles)).toBe(kopecks);
  });

  it('sums exactly in kopecks where floats drift', () => {
    const items = [0.1, 0.2, 0.7].map(rublesToKopecks);
    expect(items.reduce((a, b) => a + b, 0)).toBe(100);
    expect(kopecksToRubles(30)).toBe(0.3);
  });

  it.each([
    [12345, '123.45'],
    [5, '0.05'],
    [-550, '-5.50'],
  ])('kopecksToDecimalString(%p) = %p', (kopecks, text) => {
    expect(kopecksToDecimalString(kopecks)).toBe(text);
  });

  it('rejects what is not an amount', () => {
    expect(() => rublesToKopecks('12,30')).toThrow(RangeError);
    expect(() => rublesToKopecks(Number.NaN)).toThrow(RangeError);
    expect(() => kopecksToRubles(1.5)).toThrow(RangeError);
  });
});

import { describe, expect, it } from '@jest/globals';
import { formatRetailCrmDate, parseRetailCrmDate } from './retailcrm-dates.js';

describe('RetailCRM date formats (account time zone, no offset)', () => {
  const instant = new Date('2026-05-01T21:05:07.900Z');

  it('formats date-time as Y-m-d H:i:s in the account zone', () => {
    expect(formatRetailCrmDate(instant, 'date-time', 'Europe/Moscow')).toBe('2026-05-02 00:05:07');
    expect(formatRetailCrmDate(instant, 'date-time', 'UTC')).toBe('2026-05-01 21:05:07');
  });

  it('formats task deadlines as Y-m-d H:i and dates as Y-m-d', () => {
    expect(formatRetailCrmDate(instant, 'date-time-minutes', 'Asia/Vladivostok')).toBe('2026-05-02 07:05');
    expect(formatRetailCrmDate(instant, 'date', 'Europe/Kaliningrad')).toBe('2026-05-01');
  });

  it('uses 00 for midnight, never 24', () => {
    expect(formatRetailCrmDate(new Date('2026-01-01T21:00:00Z'), 'date-time', 'Europe/Moscow')).toBe(
      '2026-01-02 00:00:00',
    );
  });

  it('passes text through only when it has exactly the requested form', () => {
    expect(formatRetailCrmDate('2026-05-01 12:00:00', 'date-time', 'UTC')).toBe('2026-05-01 12:00:00');
    expect(formatRetailCrmDate('2026-05-01 12:00', 'date-time-minutes', 'UTC')).toBe('2026-05-01 12:00');
    expect(() => formatRetailCrmDate('2026-05-01T12:00:00Z', 'date-time', 'UTC')).toThrow(RangeError);
    expect(() => formatRetailCrmDate('2026-05-01 12:00:00', 'date-time-minutes', 'UTC')).toThrow(RangeError);
    expect(() => formatRetailCrmDate(new Date(Number.NaN), 'date', 'UTC')).toThrow(RangeError);
  });

  it('parses account text back to the instant, across a DST change', () => {
    expect(parseRetailCrmDate('2020-12-29 17:35:08', 'Europe/Moscow').toISOString()).toBe(
      '2020-12-29T14:35:08.000Z',
    );
    expect(parseRetailCrmDate('2026-03-29 03:30:00', 'Europe/Berlin').toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(parseRetailCrmDate('2026-03-28 03:30', 'Europe/Berlin').toISOString()).toBe(
      '2026-03-28T02:30:00.000Z',
    );
    expect(() => parseRetailCrmDate('29.12.2020', 'UTC')).toThrow(RangeError);
  });
});

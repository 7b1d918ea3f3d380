import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_TIME_ZONE,
  dayIn,
  formatConnectionTime,
  formatDateTime,
  utcOffset,
  zoneName,
  zoneOf,
} from './i18n.js';

/** One instant, as the shops of three accounts read it. */
const instant = new Date('2026-12-04T21:30:00Z');

describe('a connection’s times in its RetailCRM account’s zone', () => {
  it('takes the account’s zone, else the default one', () => {
    expect(zoneOf({ retailcrmTimeZone: 'Asia/Vladivostok' })).toBe('Asia/Vladivostok');
    expect(zoneOf({ retailcrmTimeZone: null })).toBe(DEFAULT_TIME_ZONE);
    expect(zoneOf(undefined)).toBe('Europe/Moscow');
  });

  it('shows one instant as each zone’s wall clock, the date turning where it is past midnight', () => {
    expect(formatDateTime(instant, 'ru', 'Europe/Moscow')).toBe('05.12.2026, 00:30:00');
    expect(formatDateTime(instant, 'ru', 'Asia/Vladivostok')).toBe('05.12.2026, 07:30:00');
    expect(formatDateTime(instant, 'ru', 'Europe/Kaliningrad')).toBe('04.12.2026, 23:30:00');
    expect(formatDateTime(instant, 'ru')).toBe(formatDateTime(instant, 'ru', DEFAULT_TIME_ZONE));
  });

  it('names a zone by its offset at the instant, daylight saving included', () => {
    expect(utcOffset('Europe/Moscow', instant)).toBe('UTC+3');
    expect(utcOffset('Asia/Kolkata', instant)).toBe('UTC+5:30');
    expect(utcOffset('UTC', instant)).toBe('UTC');
    expect(utcOffset('America/Sao_Paulo', instant)).toBe('UTC−3');
    expect(utcOffset('Europe/Berlin', new Date('2026-07-01T12:00:00Z'))).toBe('UTC+2');
    expect(utcOffset('Europe/Berlin', instant)).toBe('UTC+1');
    expect(zoneName('Asia/Vladivostok', instant)).toBe('Asia/Vladivostok (UTC+10)');
  });

  it('marks a time of another zone on a page of several connections, not one of the default zone', () => {
    expect(formatConnectionTime(instant, 'ru', 'Asia/Vladivostok')).toBe('05.12.2026, 07:30:00 (UTC+10)');
    expect(formatConnectionTime(instant, 'ru', DEFAULT_TIME_ZONE)).toBe('05.12.2026, 00:30:00');
    expect(formatConnectionTime(null, 'ru', 'Asia/Vladivostok')).toBe('—');
  });

  it('takes a calendar day as that zone’s day (23 hours when its clocks go forward)', () => {
    expect(dayIn('2026-12-05', 'Asia/Vladivostok')).toEqual({
      from: new Date('2026-12-04T14:00:00Z'),
      before: new Date('2026-12-05T14:00:00Z'),
    });
    expect(dayIn('2026-12-31', 'Europe/Moscow')).toEqual({
      from: new Date('2026-12-30T21:00:00Z'),
      before: new Date('2026-12-31T21:00:00Z'),
    });
    const spring = dayIn('2026-03-29', 'Europe/Berlin');
    expect(spring.before.getTime() - spring.from.getTime()).toBe(23 * 3_600_000);
  });
});

import { parseRetailCrmDate } from '@connector/retailcrm';

/**
 * Russian first, English available. Texts are written in both languages where they are made (`t(ru, en)`),
 * so a message and its translation never drift apart in separate dictionaries.
 */
export const LOCALES = ['ru', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'ru';

export interface Text {
  ru: string;
  en: string;
}

export function t(ru: string, en: string): Text {
  return { ru, en };
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Joins texts language by language. */
export function joinTexts(texts: readonly Text[], separator = ' '): Text {
  return {
    ru: texts.map((text) => text.ru).join(separator),
    en: texts.map((text) => text.en).join(separator),
  };
}

/**
 * The zone of times that belong to no connection (Bull Board, a connection whose account's zone is not
 * known yet): Moscow, where most shops are. A connection's times are in its RetailCRM account's zone
 * (docs/RETAILCRM-API.md, «Dates and time zone»), read by its checks.
 */
export const DEFAULT_TIME_ZONE = 'Europe/Moscow';

/** A connection's zone: its RetailCRM account's, else the default. */
export function zoneOf(connection: { retailcrmTimeZone: string | null } | null | undefined): string {
  return connection?.retailcrmTimeZone ?? DEFAULT_TIME_ZONE;
}

/** The zone's offset at the instant as people write it: `UTC+3`, `UTC+5:30`, `UTC−3`, `UTC`. */
export function utcOffset(timeZone: string, at: Date = new Date()): string {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!match) return 'UTC';
  const [, sign, hours, minutes] = match;
  if (hours === '00' && minutes === '00') return 'UTC';
  return `UTC${sign === '-' ? '−' : '+'}${Number(hours)}${minutes === '00' ? '' : `:${minutes}`}`;
}

/** The zone as pages name it: `Asia/Vladivostok (UTC+10)`. */
export function zoneName(timeZone: string, at: Date = new Date()): string {
  return `${timeZone} (${utcOffset(timeZone, at)})`;
}

/** Dates as people in the locale read them, in the given zone (the default one when left out). */
export function formatDateTime(
  value: Date | null | undefined,
  locale: Locale,
  timeZone: string = DEFAULT_TIME_ZONE,
): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'medium',
    timeZone,
  }).format(value);
}

/** The instants a calendar day (`YYYY-MM-DD`) spans in the zone (23 or 25 hours on a clock change). */
export function dayIn(date: string, timeZone: string): { from: Date; before: Date } {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return {
    from: parseRetailCrmDate(`${date} 00:00:00`, timeZone),
    before: parseRetailCrmDate(`${next.toISOString().slice(0, 10)} 00:00:00`, timeZone),
  };
}

/**
 * A connection's time on a page of several connections: in its zone, the offset named when it is not the
 * default zone the page names.
 */
export function formatConnectionTime(
  value: Date | null | undefined,
  locale: Locale,
  timeZone: string,
): string {
  const text = formatDateTime(value, locale, timeZone);
  return value && timeZone !== DEFAULT_TIME_ZONE ? `${text} (${utcOffset(timeZone, value)})` : text;
}

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
 * The one time zone of the console's pages and its Bull Board: the connections' (their RetailCRM clients
 * write and read dates in it, docs/RETAILCRM-API.md, «Dates and time zone»), where the shops are.
 */
export const CONSOLE_TIME_ZONE = 'Europe/Moscow';

/** Dates as people in the locale read them, in the connections' time zone. */
export function formatDateTime(
  value: Date | null | undefined,
  locale: Locale,
  timeZone: string = CONSOLE_TIME_ZONE,
): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'medium',
    timeZone,
  }).format(value);
}

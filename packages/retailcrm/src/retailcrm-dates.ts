/**
 * RetailCRM dates are wall-clock text in the account's time zone without an offset (docs/RETAILCRM-API.md,
 * «Dates and time zone»): date-time `Y-m-d H:i:s`, task deadline `Y-m-d H:i`, date `Y-m-d`. Instants are
 * converted here, with the account's IANA time zone, and text the caller already formatted is checked against
 * the exact form.
 */

export type RetailCrmDateForm = 'date-time' | 'date-time-minutes' | 'date';

const FORMS: Record<RetailCrmDateForm, { pattern: RegExp; length: number }> = {
  'date-time': { pattern: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, length: 19 },
  'date-time-minutes': { pattern: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, length: 16 },
  date: { pattern: /^\d{4}-\d{2}-\d{2}$/, length: 10 },
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError for a time zone Intl does not know (checked when a client is created). */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/** Whether Intl knows the IANA time zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    assertTimeZone(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** `Y-m-d H:i:s` wall-clock text of `instant` in `timeZone`. */
function wallClock(instant: Date, timeZone: string): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('invalid Date');
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** An instant as RetailCRM text in the given form; text input must already be in that exact form. */
export function formatRetailCrmDate(input: Date | string, form: RetailCrmDateForm, timeZone: string): string {
  const { pattern, length } = FORMS[form];
  if (typeof input === 'string') {
    if (!pattern.test(input))
      throw new RangeError(`"${input}" is not a RetailCRM ${form} (${pattern.source})`);
    return input;
  }
  return wallClock(input, timeZone).slice(0, length);
}

/** RetailCRM text (`Y-m-d[ H:i[:s]]`) in `timeZone` → the instant it names. */
export function parseRetailCrmDate(text: string, timeZone: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a RetailCRM date`);
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match;
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // The zone's offset at the guess, then once more at the corrected instant (DST boundaries).
  let instant = asUtc - offsetAt(asUtc, timeZone);
  instant = asUtc - offsetAt(instant, timeZone);
  return new Date(instant);
}

function offsetAt(instant: number, timeZone: string): number {
  const text = wallClock(new Date(instant), timeZone);
  const wall = Date.UTC(
    Number(text.slice(0, 4)),
    Number(text.slice(5, 7)) - 1,
    Number(text.slice(8, 10)),
    Number(text.slice(11, 13)),
    Number(text.slice(14, 16)),
    Number(text.slice(17, 19)),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

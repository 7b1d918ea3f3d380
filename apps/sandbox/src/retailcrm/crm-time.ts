/**
 * RetailCRM dates are wall-clock strings in the account's time zone without an offset (docs/RETAILCRM-API.md,
 * «Dates and time zone»): date `Y-m-d`, date-time `Y-m-d H:i:s`, task deadline `Y-m-d H:i`, delivery time
 * `H:i`.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (!cached) {
    // The sv-SE locale prints ISO-like `2026-05-01 12:00:00`.
    cached = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

export function formatDateTime(date: Date, timeZone: string): string {
  return formatter(timeZone).format(date);
}

export const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
export const DATE_TIME_MINUTES = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/;
export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const TIME = /^\d{2}:\d{2}$/;

/** Accepts `Y-m-d` or `Y-m-d H:i:s` (date filters) and returns a comparable `Y-m-d H:i:s` bound. */
export function filterBound(value: string, edge: 'from' | 'to'): string | undefined {
  if (DATE_TIME.test(value)) return value;
  if (DATE.test(value)) return `${value} ${edge === 'from' ? '00:00:00' : '23:59:59'}`;
  return undefined;
}

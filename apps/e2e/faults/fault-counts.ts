// The counts every fault scenario prints and checks the same way: what was sent, what the connector
// accepted (202), what reached the other side, what was lost and what was doubled. Lost and doubled must be
// zero whatever the fault; the line is printed first, so a failing run still shows its figures.
import { createLogger } from '@connector/logger';
import { expect } from '@jest/globals';

export interface FaultCounts {
  /** Requests (triggers, notifications) the scenario sent. */
  sent: number;
  /** Of those, answered 202 (accepted: from here on the connector owes the outcome). */
  accepted: number;
  /** Accepted ones whose outcome exists exactly once or more (a sale, a payment in RetailCRM, …). */
  exported: number;
  /** Accepted ones with no outcome: must be 0. */
  lost: number;
  /** Accepted ones whose outcome exists more than once: must be 0. */
  duplicates: number;
}

const report = createLogger({ service: 'fault-suite', level: 'info' });

/**
 * Counts `items` by their answer and the number of copies of their outcome (e.g. the LIFE POS sales of the
 * order). Items not accepted are counted as sent only.
 */
export function tally<T>(
  items: readonly T[],
  accepted: (item: T, index: number) => boolean,
  copiesOf: (item: T) => number,
): FaultCounts {
  const taken = items.filter((item, index) => accepted(item, index));
  const copies = taken.map(copiesOf);
  return {
    sent: items.length,
    accepted: taken.length,
    exported: copies.filter((n) => n >= 1).length,
    lost: copies.filter((n) => n === 0).length,
    duplicates: copies.filter((n) => n > 1).length,
  };
}

/**
 * Prints the scenario's counts (with any extra figures) as one line, then checks the promise: nothing
 * accepted lost, nothing doubled, and — unless `refusedAllowed` — every request sent was accepted.
 */
export function reportFaultCounts(
  scenario: string,
  counts: FaultCounts,
  extra: Record<string, number | string> = {},
  { refusedAllowed = false }: { refusedAllowed?: boolean } = {},
): void {
  report.info(`fault counts — ${scenario}`, { ...counts, ...extra });
  expect({ lost: counts.lost, duplicates: counts.duplicates }).toEqual({ lost: 0, duplicates: 0 });
  expect(counts.exported).toBe(counts.accepted);
  if (!refusedAllowed) expect(counts.accepted).toBe(counts.sent);
}

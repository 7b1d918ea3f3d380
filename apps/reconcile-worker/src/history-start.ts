import type { RetailCrmClient } from '@connector/retailcrm';

/**
 * Where the first history scan of a connection starts when the console set no `reconcileFrom`: at the
 * connection's activation, so a trigger lost in the first seconds of a connection is repaired like any other.
 *
 * The history filter `startDate` is a wall-clock text of the account's own time zone (docs/RETAILCRM-API.md,
 * order history), which the connector does not know. Every history answer carries `generatedAt`, the
 * account's "now" in that zone: its distance to our clock, rounded to a quarter of an hour (zone offsets
 * are whole quarters; clocks agree far better than that), is the zone's offset. The start is taken a
 * little before activation, so a clock difference left over cannot hide the first entries; what that
 * margin brings in happened while the connection was being activated and is harmless to replay.
 */

/** Taken off the activation instant: covers our clock against RetailCRM's and the request's time. */
export const ACTIVATION_MARGIN_MS = 60_000;
const QUARTER_HOUR_MS = 15 * 60_000;

function asUtcWallClock(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

/**
 * `instant` as the account's wall-clock text (`Y-m-d H:i:s`), the zone read off `generatedAt` received at
 * `receivedAt`; undefined when `generatedAt` is missing or unreadable.
 */
export function accountWallClock(
  instant: Date,
  generatedAt: string | undefined,
  receivedAt: Date,
): string | undefined {
  const accountNow = generatedAt === undefined ? undefined : asUtcWallClock(generatedAt);
  if (accountNow === undefined) return undefined;
  const offset = Math.round((accountNow - receivedAt.getTime()) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  return new Date(instant.getTime() + offset).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The `startDate` of a first scan from activation: the account's wall clock when it can be read (one
 * history request, answered with a small page), else the instant (the client converts it in its own zone).
 */
export async function activationStart(
  retailcrm: Pick<RetailCrmClient, 'orderHistory'>,
  activatedAt: Date,
  now: () => Date,
): Promise<Date | string> {
  const from = new Date(activatedAt.getTime() - ACTIVATION_MARGIN_MS);
  const { generatedAt } = await retailcrm.orderHistory({ startDate: from, limit: 20 });
  return accountWallClock(from, generatedAt, now()) ?? from;
}

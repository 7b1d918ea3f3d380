/**
 * What state an order is in for the people who run the shops, from what the connector knows of it: its
 * order link (what the last job did to the LIFE POS sale), the latest facts on its timeline (triggers, job
 * outcomes, write-backs of LIFE POS payments and sale states), its open incidents and a job of it still
 * in a queue. The one place that decides it: the orders page shows and filters by it.
 */

export const ORDER_STATES = [
  'failed',
  'waiting',
  'exported',
  'paid',
  'completed',
  'cancelled',
  'refunded',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export function isOrderState(value: unknown): value is OrderState {
  return typeof value === 'string' && (ORDER_STATES as readonly string[]).includes(value);
}

/** Timeline entry types the state is read from (the latest of each). */
export const STATE_FACT_TYPES = [
  'trigger.received',
  'job.finished',
  'job.failed',
  'writeback.payment',
  'writeback.payment_refunded',
  'writeback.sale_state',
] as const;

/** An order waiting longer than this for its job is stuck. */
export const STUCK_AFTER_MS = 15 * 60_000;

export interface OrderStateInput {
  link: { state: string; lastSyncedAt: Date } | null;
  /** The latest entry of each of `STATE_FACT_TYPES` the order has. */
  facts: readonly { type: string; data: unknown; createdAt: Date }[];
  /** Unresolved incidents holding the order up. */
  openIncidents: number;
  /** When a job of the order still in a queue was enqueued. */
  queuedSince?: Date | undefined;
  now: Date;
}

export interface OrderStateView {
  state: OrderState;
  /** Waiting longer than `STUCK_AFTER_MS`. */
  stuck: boolean;
  /** Failed or stuck: shown on top. */
  attention: boolean;
}

type Facts = Map<string, { data: unknown; createdAt: Date }>;

const time = (value: { createdAt: Date } | undefined) => value?.createdAt.getTime() ?? 0;

/** Since when the connector has owed the order a job: a job queued, or a trigger no job has answered yet. */
function waitingSince(input: OrderStateInput, facts: Facts): Date | undefined {
  if (input.queuedSince) return input.queuedSince;
  const trigger = facts.get('trigger.received');
  if (!trigger) return undefined;
  const answered = Math.max(
    time(facts.get('job.finished')),
    time(facts.get('job.failed')),
    input.link?.lastSyncedAt.getTime() ?? 0,
  );
  return trigger.createdAt.getTime() > answered ? trigger.createdAt : undefined;
}

/** An exported sale's later life in LIFE POS, as the write-backs recorded it (the latest wins). */
function exportedState(facts: Facts): OrderState {
  const saleState = facts.get('writeback.sale_state');
  const stateOfSale = (saleState?.data as { state?: unknown } | null | undefined)?.state;
  const candidates: [OrderState, number][] = [
    ['refunded', time(facts.get('writeback.payment_refunded'))],
    ['paid', time(facts.get('writeback.payment'))],
  ];
  if (stateOfSale === 'Completed') candidates.push(['completed', time(saleState)]);
  if (stateOfSale === 'Cancelled') candidates.push(['cancelled', time(saleState)]);
  const [latest] = candidates.filter(([, at]) => at > 0).sort((a, b) => b[1] - a[1]);
  // A completed sale stays completed when its payment is booked after it.
  if (latest?.[0] === 'paid' && stateOfSale === 'Completed') return 'completed';
  return latest?.[0] ?? 'exported';
}

export function orderState(input: OrderStateInput): OrderStateView {
  const facts: Facts = new Map(input.facts.map((fact) => [fact.type, fact]));
  const { link } = input;
  const lastFailure = time(facts.get('job.failed'));
  const failed =
    input.openIncidents > 0 ||
    link?.state === 'failed' ||
    // Never exported, and the last job to try ended in failure.
    (!link && lastFailure > time(facts.get('job.finished')) && !input.queuedSince);
  if (failed) return { state: 'failed', stuck: false, attention: true };
  const since = waitingSince(input, facts);
  if (since || !link) {
    const stuck = since !== undefined && input.now.getTime() - since.getTime() > STUCK_AFTER_MS;
    return { state: 'waiting', stuck, attention: stuck };
  }
  const state: OrderState =
    link.state === 'cancelled' || link.state === 'deleted'
      ? 'cancelled'
      : link.state === 'refunded'
        ? 'refunded'
        : exportedState(facts);
  return { state, stuck: false, attention: false };
}

/** Link states an order in `state` may have: narrows the list query before the state is derived. */
export function linkStatesOf(state: OrderState): string[] | undefined {
  switch (state) {
    case 'exported':
    case 'paid':
    case 'completed':
      return ['exported'];
    case 'cancelled':
      return ['cancelled', 'deleted', 'exported'];
    case 'refunded':
      return ['refunded', 'exported'];
    default:
      return undefined;
  }
}

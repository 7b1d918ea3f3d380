// Fault suite: LIFE POS delivers its notifications twice (half of them) and out of order (half of
// them are held back until a later one of the organization is through). Cashiers pay orders in cash, by card
// and both, in one or two payments, close and cancel sales, several events per sale in quick succession,
// while the webhook worker (receiver + lifepos-events, in a process of its own) writes them back. Every
// RetailCRM order ends with each LIFE POS payment part booked exactly once, in the status the connection maps
// the sale's state to, and nothing else.
import { setTimeout as pace } from 'node:timers/promises';
import { queueDrained } from '@connector/queue';
import { type Sandbox, type Tenant, waitFor } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import { useProcessStack } from './use-process-stack.js';

/** What the cashier does with one sale; each kind a few events in a row. */
type Kind = 'cash' | 'card' | 'split' | 'two-payments' | 'ship-then-pay' | 'paid-open' | 'cancelled';
/** Per tenant: every kind once, cancellation twice. */
const KINDS: readonly Kind[] = [
  'cash',
  'card',
  'split',
  'two-payments',
  'ship-then-pay',
  'paid-open',
  'cancelled',
  'cancelled',
];
const TENANTS = 2;
/** The cashier's actions come in rounds this far apart: less than the hold, so later events overtake. */
const ROUND_GAP_MS = 150;
const REORDER_HOLD_MS = 400;

type Part = 'cash' | 'card';
/** One notification as the simulator's delivery log keeps it. */
type DeliveryRecord = ReturnType<Sandbox['lifepos']['deliveries']>[number];
interface SaleCase {
  tenant: Tenant;
  connectionId: string;
  kind: Kind;
  orderId: number;
  saleId: string;
  totalKopecks: number;
}

/** The RetailCRM payment a LIFE POS payment part becomes, as this test compares them. */
interface BookedPayment {
  externalId: string;
  type: string;
  amountKopecks: number;
  status: string;
}
interface OrderState {
  orderId: number;
  status: string;
  payments: BookedPayment[];
}

interface CrmPayment {
  id: number;
  type: string;
  amount: number;
  status: string;
  externalId?: string;
}

const byExternalId = (a: BookedPayment, b: BookedPayment) => a.externalId.localeCompare(b.externalId);

describe('duplicate and out-of-order LIFE POS notifications', () => {
  const stackOf = useProcessStack();

  it('ends every RetailCRM order in the right state, each payment booked once', async () => {
    const stack = stackOf();
    const { sandbox } = stack;
    const lifepos = sandbox.lifepos;
    const tenants = await Promise.all(
      Array.from({ length: TENANTS }, () =>
        stack.seed({
          tenant: { sites: 1 },
          rateLimits: { lifeposPerSecond: 15 },
          // The periodic sales check (which repairs lost notifications) runs at the worker's start, when
          // nothing is paid yet, and not again during the test: what reaches RetailCRM comes through the
          // notifications.
          settings: { lifeposPollSeconds: 3600 },
        }),
      ),
    );

    // ---- the orders are exported first, through the trigger path
    const orders = tenants.flatMap(({ tenant, connectionId }) =>
      KINDS.map((kind) => ({
        tenant,
        connectionId,
        kind,
        order: tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send }),
      })),
    );
    for (const { tenant, order } of orders) {
      expect((await stack.trigger(tenant, order.id)).status).toBe(202);
    }
    await waitFor(
      () => orders.every(({ tenant, order }) => stack.salesOf(tenant.orgId, order.id).length > 0),
      {
        what: 'every order exported',
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    await stack.queueIdle('order-export', 30_000);
    const cases: SaleCase[] = [];
    for (const { tenant, connectionId, kind, order } of orders) {
      const sales = stack.salesOf(tenant.orgId, order.id);
      expect(sales).toHaveLength(1);
      const { sale } = sales[0]!;
      expect(sale.state).toBe('New');
      expect((await stack.db.orderLinks.get(connectionId, order.id))?.lifeposSaleId).toBe(sale.guid);
      cases.push({
        tenant,
        connectionId,
        kind,
        orderId: order.id,
        saleId: sale.guid,
        totalKopecks: sale.total_sum.value,
      });
    }

    // ---- delivery misbehaves: half the notifications twice, half held back behind later ones
    lifepos.configureNotifications({
      duplicateRate: 0.5,
      reorderRate: 0.5,
      reorderHoldMs: REORDER_HOLD_MS,
      // Retries in milliseconds: a POST answered 503 while the receiver's Redis connection comes up is
      // delivered again soon (still at-least-once, like LIFE POS).
      baseDelayMs: 20,
      maxDelayMs: 500,
      maxAttempts: 10,
    });
    lifepos.clearDeliveries();

    // ---- the webhook worker starts and, as on every start, points each organization's notifications at itself
    const webhook = await stack.startWebhookWorker();
    for (const { tenant, connectionId } of tenants) {
      const connection = await stack.db.connections.get(connectionId);
      const url = `${webhook.url}/lifepos/notifications/${connection!.notificationToken}`;
      await waitFor(
        () => {
          const service = lifepos.subscription(tenant.orgId);
          return service?.turned_on === true && service.primary_url_for_notifications === url;
        },
        { what: `the notifications of ${tenant.orgId} pointed at the webhook worker`, timeoutMs: 30_000 },
      );
    }
    await waitFor(async () => (await fetch(`${webhook.url}/readyz`)).status === 200, {
      what: 'the webhook worker ready',
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    // ---- cashiers at work: several events per sale, the rounds closer together than the reorder hold
    const cashShare = (total: number) => Math.floor(total * 0.4);
    const rounds: ((sale: SaleCase) => void)[] = [
      ({ tenant, kind, saleId, totalKopecks: total }) => {
        const org = tenant.orgId;
        if (kind === 'cash') lifepos.takePayment(org, saleId, { cash: total });
        else if (kind === 'card') lifepos.takePayment(org, saleId, { card: total });
        else if (kind === 'split' || kind === 'paid-open')
          lifepos.takePayment(org, saleId, { cash: cashShare(total), card: total - cashShare(total) });
        else if (kind === 'two-payments') lifepos.takePayment(org, saleId, { cash: cashShare(total) });
        else if (kind === 'ship-then-pay') lifepos.ship(org, saleId);
        else lifepos.cancel(org, saleId);
      },
      ({ tenant, kind, saleId, totalKopecks: total }) => {
        const org = tenant.orgId;
        if (kind === 'cash' || kind === 'card' || kind === 'split') lifepos.complete(org, saleId);
        else if (kind === 'two-payments')
          lifepos.takePayment(org, saleId, { card: total - cashShare(total) });
        // Paid in full after the goods went out: LIFE POS completes the sale by itself.
        else if (kind === 'ship-then-pay') lifepos.takePayment(org, saleId, { card: total });
      },
      ({ tenant, kind, saleId }) => {
        if (kind === 'two-payments') lifepos.complete(tenant.orgId, saleId);
      },
    ];
    for (const [index, round] of rounds.entries()) {
      if (index > 0) await pace(ROUND_GAP_MS);
      for (const sale of cases) round(sale);
    }

    // LIFE POS is where the cashiers' work is: the sales are where each case meant them to be.
    const finalSaleState: Record<Kind, string> = {
      cash: 'Completed',
      card: 'Completed',
      split: 'Completed',
      'two-payments': 'Completed',
      'ship-then-pay': 'Completed',
      'paid-open': 'InProgress',
      cancelled: 'Cancelled',
    };
    const paymentParts: Record<Kind, Part[]> = {
      cash: ['cash'],
      card: ['card'],
      split: ['cash', 'card'],
      'two-payments': ['cash', 'card'],
      'ship-then-pay': ['card'],
      'paid-open': ['cash', 'card'],
      cancelled: [],
    };
    const expected: OrderState[] = cases.map(({ tenant, kind, orderId, saleId, totalKopecks }) => {
      const { sale, payments } = lifepos.sale(tenant.orgId, saleId);
      expect(sale.state).toBe(finalSaleState[kind]);
      const booked = payments.flatMap((payment) =>
        (['cash', 'card'] as const)
          .map((part) => ({
            part,
            amount: (part === 'cash' ? payment.sum_by_cash : payment.sum_by_card).value,
          }))
          .filter(({ amount }) => amount > 0)
          .map(({ part, amount }) => ({
            externalId: `lifepos-${payment.guid}-${part}`,
            type: part === 'cash' ? tenant.paymentTypes.cash : tenant.paymentTypes.card,
            amountKopecks: amount,
            status: tenant.paymentStatuses.paid,
          })),
      );
      expect(booked.map((payment) => payment.externalId.slice(-4))).toEqual(paymentParts[kind]);
      expect(booked.reduce((sum, payment) => sum + payment.amountKopecks, 0)).toBe(
        kind === 'cancelled' ? 0 : totalKopecks,
      );
      const mapping = tenant.connection.settings.saleStateToStatus;
      const status =
        sale.state === 'Completed'
          ? mapping.Completed
          : sale.state === 'Cancelled'
            ? mapping.Cancelled
            : tenant.statuses.send;
      return { orderId, status, payments: booked.sort(byExternalId) };
    });

    const actual = (): OrderState[] =>
      cases.map(({ tenant, orderId }) => {
        const order = sandbox.retailcrm.getOrder(tenant.accountCode, orderId) as {
          status: string;
          payments?: Record<string, CrmPayment>;
        };
        const payments = Object.values(order.payments ?? {}).map((payment) => ({
          externalId: payment.externalId ?? `(none: RetailCRM payment ${payment.id})`,
          type: payment.type,
          amountKopecks: Math.round(payment.amount * 100),
          status: payment.status,
        }));
        return { orderId, status: order.status, payments: payments.sort(byExternalId) };
      });

    // A wrong state shows as the difference below rather than as a timeout. (Compared as JSON: the
    // simulator's structured clones are arrays of another realm under Jest, which a deep-equal rejects.)
    await waitFor(() => JSON.stringify(actual()) === JSON.stringify(expected), {
      what: 'every RetailCRM order in its final state',
      timeoutMs: 60_000,
      intervalMs: 100,
    }).catch(() => undefined);
    expect(actual()).toEqual(expected);

    // ---- then everything settles: no notification left to deliver, no write-back left to run …
    const inFlight = () =>
      lifepos.deliveries().filter((record) => record.status === 'held' || record.status === 'pending');
    await waitFor(() => inFlight().length === 0, {
      what: 'every notification delivered',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const events = stack.queue('lifepos-events');
    await waitFor(() => queueDrained(events), {
      what: 'the lifepos-events queue drained',
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    // … and the late copies changed nothing.
    expect(actual()).toEqual(expected);
    expect((await events.getJobCounts('failed')).failed).toBe(0);
    for (const { tenant, connectionId, kind, orderId } of cases) {
      const history = sandbox.retailcrm.history(tenant.accountCode, { orderId }) as {
        source: string;
        field: string;
        oldValue: unknown;
      }[];
      const byConnector = history.filter((entry) => entry.source === 'api');
      // Each payment was created once (never created twice and one of them deleted), the status set once.
      expect(
        byConnector.filter((entry) => entry.field === 'payments' && entry.oldValue === null),
      ).toHaveLength(paymentParts[kind].length);
      expect(byConnector.filter((entry) => entry.field === 'payments' && entry.oldValue !== null)).toEqual(
        [],
      );
      expect(byConnector.filter((entry) => entry.field === 'status')).toHaveLength(
        kind === 'paid-open' ? 0 : 1,
      );
      // The connector's own memory agrees: one payment link and one timeline entry per part.
      const links = await stack.db.paymentLinks.listForOrder(connectionId, orderId);
      expect(links.map((link) => link.status)).toEqual(paymentParts[kind].map(() => 'paid'));
      const timeline = await stack.db.orderEvents.list(connectionId, orderId);
      expect(timeline.filter((event) => event.type === 'writeback.payment')).toHaveLength(
        paymentParts[kind].length,
      );
    }

    // ---- the faults really happened, on the wire, and each copy that was answered went through the worker
    const deliveries = lifepos.deliveries();
    const delivered = deliveries.filter((record) => record.status === 'delivered');
    expect(delivered.length).toBe(deliveries.length);
    const duplicates = delivered.filter((record) => record.duplicate);
    const overtaken = delivered.filter((record) => wasOvertaken(record, delivered, 'org'));
    expect(duplicates.length).toBeGreaterThan(5);
    expect(overtaken.length).toBeGreaterThan(0);
    // Among them notifications of a sale sent after a later one of the same sale: the older news came last.
    expect(delivered.filter((record) => wasOvertaken(record, delivered, 'sale')).length).toBeGreaterThan(0);
    for (const { tenant, connectionId } of tenants) {
      const rows = await stack.db.prisma.lifeposNotification.findMany({ where: { connectionId } });
      const answered = delivered
        .filter((record) => record.org === tenant.orgId)
        .reduce((sum, record) => sum + record.attempts.filter((attempt) => attempt.status === 200).length, 0);
      // One stored notification per POST answered 200, and every one of them written back.
      expect(rows.length).toBe(answered);
      expect(rows.filter((row) => row.processedAt === null)).toEqual([]);
    }
    expect(webhook.isRunning()).toBe(true);
  }, 240_000);
});

/** The sale a notification is about: the Sale itself, or the sale of a payment or refund. */
function saleOf(record: DeliveryRecord): string {
  if (record.type_of === 'Sale') return record.object_guid;
  const sale = record.payload.sale as { guid?: string } | undefined;
  return sale?.guid ?? '';
}

/**
 * Whether a notification went out only after a later one (of its organization, or of its very sale) had
 * been delivered: the simulator releases a held notification once the next one of the organization is
 * through, or after the hold when none comes (then nothing overtook it).
 */
function wasOvertaken(
  record: DeliveryRecord,
  delivered: readonly DeliveryRecord[],
  scope: 'org' | 'sale',
): boolean {
  const sentAt = record.attempts[0]?.at;
  if (!record.reordered || sentAt === undefined) return false;
  return delivered.some(
    (later) =>
      later.org === record.org &&
      (scope === 'org' || saleOf(later) === saleOf(record)) &&
      later.id > record.id &&
      !later.duplicate &&
      later.finished_at !== null &&
      later.finished_at <= sentAt,
  );
}

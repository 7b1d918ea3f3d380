import type { CrmAccount } from './account.js';
import { diffOrders } from './order-changes.js';
import { historyOrderStub } from './order-view.js';
import type { Actor, HistoryRecord, OrderRecord } from './records.js';
import type { TemplateContext, TriggerEvent } from './triggers.js';

/** An order's history (`/api/v5/orders/history`) and the trigger events each stored change raises. */

/** Stores the new version, appends its history entries and hands its changes to the triggers. */
export function commit(
  account: CrmAccount,
  before: OrderRecord | undefined,
  after: OrderRecord,
  actor: Actor,
): void {
  const createdAt = account.now();
  const who =
    actor.kind === 'api'
      ? { source: 'api' as const, apiKey: actor.apiKey }
      : { source: 'user' as const, userId: actor.userId };
  const events: TriggerEvent[] = [];
  if (!before) {
    account.history.push({
      id: account.nextId('history'),
      createdAt,
      created: true,
      ...who,
      field: 'status',
      oldValue: null,
      newValue: { code: after.status },
      orderId: after.id,
      order: account.render(after, 'array'),
    });
    events.push({ kind: 'order.status', from: null, to: after.status, created: true });
    for (const payment of after.payments)
      events.push({
        kind: 'payment.status',
        paymentId: payment.id,
        from: null,
        to: payment.status,
        created: true,
      });
  } else {
    const changes = diffOrders(before, after, account.viewContext);
    const stub = historyOrderStub(after);
    for (const change of changes) {
      account.history.push({
        id: account.nextId('history'),
        createdAt,
        ...who,
        ...change,
        orderId: after.id,
        order: stub,
      });
      const paymentId = change.payment?.id;
      if (!change.payment && !change.item) {
        events.push({ kind: 'order.field', field: change.field, created: false });
      }
      if (change.field === 'status') {
        events.push({ kind: 'order.status', from: before.status, to: after.status, created: false });
      } else if (
        typeof paymentId === 'number' &&
        (change.field === 'payments.status' || (change.field === 'payments' && change.oldValue === null))
      ) {
        const previous = before.payments.find((payment) => payment.id === paymentId);
        const current = after.payments.find((payment) => payment.id === paymentId);
        if (current)
          events.push({
            kind: 'payment.status',
            paymentId,
            from: previous?.status ?? null,
            to: current.status,
            created: false,
          });
      }
    }
  }
  account.orders.set(after.id, after);
  if (events.length > 0) {
    account.triggers.dispatch(after.id, events, who.source, (event) =>
      templateContext(account, after.id, event),
    );
  }
}

/** Entity-like views for trigger templates: `order.getStatus().getCode()`, `order.site`, `payment.amount`… */
function templateContext(account: CrmAccount, orderId: number, event: TriggerEvent): TemplateContext {
  const order = account.orders.get(orderId);
  if (!order) return {};
  const named = <T extends { name: string }>(book: Map<string, T>, code: string | undefined) =>
    code === undefined ? null : { code, name: book.get(code)?.name ?? code };
  const manager = order.managerId === undefined ? undefined : account.users.get(order.managerId);
  const view: TemplateContext = {
    order: {
      ...account.render(order, 'array'),
      status: { ...named(account.statuses, order.status), group: account.statuses.get(order.status)?.group },
      site: named(account.sites, order.site),
      orderType: named(account.orderTypes, order.orderType),
      orderMethod: named(account.orderMethods, order.orderMethod),
      shipmentStore: named(account.stores, order.shipmentStore),
      manager: manager
        ? { id: manager.id, firstName: manager.firstName, lastName: manager.lastName, email: manager.email }
        : null,
    },
  };
  if (event.kind === 'payment.status') {
    const payment = order.payments.find((candidate) => candidate.id === event.paymentId);
    if (payment)
      view.payment = {
        ...payment,
        type: named(account.paymentTypes, payment.type),
        status: named(account.paymentStatuses, payment.status),
      };
  }
  return view;
}

export function render(record: HistoryRecord, readerKey?: string): Record<string, unknown> {
  return {
    id: record.id,
    createdAt: record.createdAt,
    ...(record.created ? { created: true } : {}),
    source: record.source,
    ...(record.userId === undefined ? {} : { user: { id: record.userId } }),
    ...(record.apiKey === undefined ? {} : { apiKey: { current: record.apiKey === readerKey } }),
    field: record.field,
    oldValue: record.oldValue,
    newValue: record.newValue,
    order: record.order,
    ...(record.item ? { item: record.item } : {}),
    ...(record.payment ? { payment: record.payment } : {}),
  };
}

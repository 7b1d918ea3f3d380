import { entityFormatErrors, notFound, orderNotLoaded } from './api-error.js';
import { paramList } from './bracket-params.js';
import { FilterReader, inRange, paginate, readPage } from './list-params.js';
import { orderFilter } from './order-filter.js';
import { orderInputSchema, paymentInputSchema } from './order-input.js';
import type { OrderRecord } from './records.js';
import type { ApiRoute, RouteContext } from './route-context.js';

/** Orders, their history, statuses and payments (docs/RETAILCRM-API.md, «Methods the connector uses»). */

function findOrder(context: RouteContext, id: string): OrderRecord {
  const { account } = context;
  const by = context.by();
  const order =
    by === 'id'
      ? /^\d+$/.test(id)
        ? account.orders.get(Number(id))
        : undefined
      : account.findOrder('externalId', id, context.site(true));
  if (!order) throw notFound();
  context.assertOrderVisible(order);
  return order;
}

const HISTORY_FILTERS = ['sinceId', 'orderId', 'orderExternalId', 'startDate', 'endDate'];

export const orderRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/v5/orders',
    scope: 'orders.read',
    handle(context) {
      const page = readPage(context.query);
      const matches = orderFilter(context.account, context.query);
      const visible = new Set(context.visibleSites());
      // docs/RETAILCRM-API.md, «Order list»: the order is not documented; newest first is the stated
      // assumption.
      const orders = [...context.account.orders.values()]
        .filter((order) => visible.has(order.site) && matches(order))
        .sort((a, b) => b.id - a.id);
      const { pagination, items } = paginate(orders, page);
      return { body: { pagination, orders: items.map((order) => context.account.render(order, 'keyed')) } };
    },
  },
  {
    method: 'POST',
    path: '/api/v5/orders/create',
    scope: 'orders.write',
    handle(context) {
      const site = context.site(true) ?? '';
      const input = context.jsonField('order', orderInputSchema, orderNotLoaded);
      const order = context.account.createOrder(input, site, context.actor);
      return { status: 201, body: { id: order.id, order: context.account.render(order, 'array') } };
    },
  },
  {
    method: 'GET',
    path: '/api/v5/orders/history',
    scope: 'orders.read',
    handle(context) {
      const { account } = context;
      const page = readPage(context.query);
      const f = new FilterReader(context.query, HISTORY_FILTERS, HISTORY_FILTERS);
      const sinceId = f.int('sinceId');
      const orderId = f.int('orderId');
      const orderExternalId = f.string('orderExternalId');
      const startDate = f.date('startDate', 'from');
      const endDate = f.date('endDate', 'to');
      const visible = new Set(context.visibleSites());
      const entries = account.history.filter((entry) => {
        const order = account.orders.get(entry.orderId);
        return (
          order !== undefined &&
          visible.has(order.site) &&
          (sinceId === undefined || entry.id > sinceId) &&
          (orderId === undefined || entry.orderId === orderId) &&
          (orderExternalId === undefined || order.externalId === orderExternalId) &&
          inRange(entry.createdAt, startDate, endDate)
        );
      });
      const { pagination, items } = paginate(entries, page);
      return {
        body: {
          generatedAt: account.now(),
          pagination,
          history: items.map((entry) => account.renderHistory(entry, context.key.key)),
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/v5/orders/statuses',
    scope: 'orders.read',
    handle(context) {
      const { account } = context;
      const ids = paramList(context.query.ids) ?? [];
      const externalIds = paramList(context.query.externalIds) ?? [];
      const visible = new Set(context.visibleSites());
      const orders = [...account.orders.values()]
        .filter(
          (order) =>
            visible.has(order.site) &&
            (ids.includes(String(order.id)) ||
              (order.externalId !== undefined && externalIds.includes(order.externalId))),
        )
        .map((order) => ({
          id: order.id,
          ...(order.externalId === undefined ? {} : { externalId: order.externalId }),
          status: order.status,
          group: account.statuses.get(order.status)?.group ?? null,
        }));
      return { body: { orders } };
    },
  },
  {
    method: 'POST',
    path: '/api/v5/orders/payments/create',
    scope: 'payments.write',
    handle(context) {
      const { account } = context;
      const input = context.jsonField('payment', paymentInputSchema, entityFormatErrors);
      const ref = input.order;
      if (!ref || (ref.id === undefined && ref.externalId === undefined && ref.number === undefined)) {
        throw entityFormatErrors({ order: 'Set one of the following fields: id, externalId, number' });
      }
      const order =
        ref.id !== undefined
          ? account.orders.get(ref.id)
          : ref.externalId !== undefined
            ? account.findOrder('externalId', ref.externalId, context.site(true))
            : account.findOrder('number', ref.number ?? '', context.site(false));
      if (!order) throw notFound();
      context.assertOrderVisible(order);
      const payment = account.createPayment(order.id, input, context.actor);
      return { status: 201, body: { id: payment.id } };
    },
  },
  {
    method: 'POST',
    path: '/api/v5/orders/payments/:id/edit',
    scope: 'payments.write',
    handle(context) {
      const { account } = context;
      const id = context.pathParam('id');
      const by = context.by();
      const input = context.jsonField('payment', paymentInputSchema, entityFormatErrors);
      const found = account.findPayment(by, id);
      if (found) context.assertOrderVisible(found.order);
      const payment = account.editPayment(by, id, input, context.actor);
      return { body: { id: payment.id } };
    },
  },
  {
    method: 'POST',
    path: '/api/v5/orders/payments/:id/delete',
    scope: 'payments.write',
    handle(context) {
      const { account } = context;
      const id = context.pathParam('id');
      const found = account.findPayment('id', id);
      if (found) context.assertOrderVisible(found.order);
      account.deletePayment(id, context.actor);
      return { body: {} };
    },
  },
  {
    method: 'GET',
    path: '/api/v5/orders/:id',
    scope: 'orders.read',
    handle(context) {
      const order = findOrder(context, context.pathParam('id'));
      return { body: { order: context.account.render(order, 'keyed') } };
    },
  },
  {
    method: 'POST',
    path: '/api/v5/orders/:id/edit',
    scope: 'orders.write',
    handle(context) {
      const input = context.jsonField('order', orderInputSchema, orderNotLoaded);
      const order = findOrder(context, context.pathParam('id'));
      // `payments` in an edit are left alone: v5 manages them through /orders/payments/*
      // (docs/RETAILCRM-API.md, «Order edit»).
      const edited = context.account.editOrder(order.id, input, context.actor);
      return { body: { id: edited.id, order: context.account.render(edited, 'array') } };
    },
  },
];

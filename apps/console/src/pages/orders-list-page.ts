import { type Html, html } from '@connector/html';
import { formatConnectionTime } from '../i18n.js';
import { ORDER_STATES, type OrderState } from '../order-state.js';
import { csrfField, layout, type PageContext, say, zoneNote } from './layout.js';

export interface OrderRow {
  connectionId: string;
  connectionName: string;
  orderId: number;
  orderNumber: string | null;
  state: OrderState;
  stuck: boolean;
  /** The link's last change, or since when the order has waited or failed. */
  at: Date | null;
  /** The connection's zone, which `at` is shown in. */
  timeZone: string;
}

export interface OrderFilterValues {
  state: OrderState | '';
  connection: string;
  /** YYYY-MM-DD (in the chosen connection's zone, else the default one), or ''. */
  date: string;
  q: string;
}

export interface OrdersView {
  filter: OrderFilterValues;
  connections: { id: string; name: string }[];
  /** Failed and stuck (and still waiting) orders: shown on top, on the first page. */
  attention: OrderRow[] | undefined;
  rows: OrderRow[];
  nextQuery: string | undefined;
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
}

export const STATE_NAMES: Record<OrderState, [string, string]> = {
  failed: ['ошибка', 'failed'],
  waiting: ['ждёт выгрузки', 'waiting'],
  exported: ['выгружен', 'exported'],
  paid: ['оплачен', 'paid'],
  completed: ['выполнен', 'completed'],
  cancelled: ['отменён', 'cancelled'],
  refunded: ['возврат', 'refunded'],
};

const STATE_CLASS: Partial<Record<OrderState, string>> = {
  failed: 'error',
  waiting: 'warning',
  completed: 'ok',
  paid: 'ok',
};

function option(value: string, label: string, selected: string): Html {
  return html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;
}

function filters(ctx: PageContext, view: OrdersView): Html {
  const { filter } = view;
  return html`<form method="get" action="/orders" role="search" class="filters">
  <label for="q">${say(ctx, 'ID или номер заказа RetailCRM', 'RetailCRM order id or number')}<input type="search" id="q" name="q" value="${filter.q}"></label>
  <label>${say(ctx, 'Состояние', 'State')}<select name="state" id="state">
    ${option('', say(ctx, 'Любое', 'Any'), filter.state)}
    ${ORDER_STATES.map((state) => option(state, say(ctx, ...STATE_NAMES[state]), filter.state))}
  </select></label>
  <label>${say(ctx, 'Подключение', 'Connection')}<select name="connection">
    ${option('', say(ctx, 'Все', 'All'), filter.connection)}
    ${view.connections.map((connection) => option(connection.id, connection.name, filter.connection))}
  </select></label>
  <label>${say(ctx, 'Изменён (день)', 'Changed on')}<input type="date" name="date" value="${filter.date}"></label>
  <button type="submit">${say(ctx, 'Найти', 'Search')}</button>
</form>`;
}

function table(ctx: PageContext, id: string, rows: OrderRow[]): Html {
  return html`<div class="table-wrap"><table id="${id}">
  <thead><tr><th>${say(ctx, 'Заказ', 'Order')}</th><th>${say(ctx, 'Состояние', 'State')}</th><th class="hide-narrow">${say(ctx, 'Подключение', 'Connection')}</th><th class="hide-narrow">${say(ctx, 'Когда', 'When')}</th><th>${say(ctx, 'Действие', 'Action')}</th></tr></thead>
  <tbody>${rows.map(
    (
      row,
    ) => html`<tr data-order="${row.orderId}" data-state="${row.state}"${row.stuck ? html` data-stuck="true"` : ''}>
      <td><a href="/connections/${row.connectionId}/orders/${row.orderId}">${row.orderNumber ? `№ ${row.orderNumber} ` : ''}(id ${row.orderId})</a></td>
      <td><span class="status ${STATE_CLASS[row.state] ?? ''}">${say(ctx, ...STATE_NAMES[row.state])}</span>${row.stuck ? html` <span class="status error">${say(ctx, 'завис', 'stuck')}</span>` : ''}</td>
      <td class="hide-narrow">${row.connectionName}</td>
      <td class="hide-narrow">${formatConnectionTime(row.at, ctx.locale, row.timeZone)}</td>
      <td><form method="post" action="/orders/${row.connectionId}/${row.orderId}/reexport" class="inline">${csrfField(ctx)}<input type="hidden" name="back" value="${ctx.path}"><button type="submit" class="link">${say(ctx, 'Выгрузить заново', 'Export again')}</button></form></td>
    </tr>`,
  )}</tbody></table></div>`;
}

export function ordersListPage(ctx: PageContext, view: OrdersView): Html {
  return layout(
    ctx,
    say(ctx, 'Заказы', 'Orders'),
    html`${view.notice && html`<p class="notice ${view.notice.kind}" role="status">${view.notice.text}</p>`}
${filters(ctx, view)}
${
  view.attention &&
  view.attention.length > 0 &&
  html`<h2>${say(ctx, 'Требуют внимания: ошибки и ожидающие', 'Needing attention: failed and waiting')}</h2>${table(ctx, 'attention', view.attention)}`
}
<h2>${say(ctx, 'Последние заказы', 'Recent orders')}</h2>
${view.rows.length === 0 ? html`<p id="no-orders">${say(ctx, 'Ничего не найдено.', 'Nothing found.')}</p>` : table(ctx, 'orders', view.rows)}
${zoneNote(ctx)}
${view.nextQuery && html`<p class="actions"><a class="button secondary" href="/orders?${view.nextQuery}">${say(ctx, 'Дальше', 'Next')}</a></p>`}`,
  );
}

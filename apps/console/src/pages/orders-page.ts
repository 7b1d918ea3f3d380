import type { Incident, OrderEventRecord, OrderLink } from '@connector/db';
import { type Html, html } from '../html.js';
import { formatDateTime } from '../i18n.js';
import { layout, type PageContext, say } from './layout.js';

export interface OrderHit {
  connectionId: string;
  lifeposOrgId: string;
  orderId: number;
  orderNumber: string | null;
  state: string | null;
  lastEventAt: Date | null;
}

function searchForm(ctx: PageContext, q: string): Html {
  return html`<form method="get" action="/orders" role="search" class="actions">
  <label for="q" class="muted">${say(ctx, 'ID или номер заказа RetailCRM', 'RetailCRM order id or number')}</label>
  <input type="search" id="q" name="q" value="${q}" required>
  <button type="submit">${say(ctx, 'Найти', 'Search')}</button>
</form>`;
}

export function ordersPage(ctx: PageContext, view: { q: string; hits: OrderHit[] | undefined }): Html {
  return layout(
    ctx,
    say(ctx, 'История заказов', 'Order timelines'),
    html`${searchForm(ctx, view.q)}
${
  view.hits === undefined
    ? ''
    : view.hits.length === 0
      ? html`<p id="no-hits">${say(ctx, 'Ничего не найдено.', 'Nothing found.')}</p>`
      : html`<div class="table-wrap"><table id="hits">
  <thead><tr><th>${say(ctx, 'Заказ', 'Order')}</th><th>${say(ctx, 'Организация LIFE POS', 'LIFE POS organization')}</th><th>${say(ctx, 'Состояние', 'State')}</th><th>${say(ctx, 'Последнее событие', 'Last event')}</th></tr></thead>
  <tbody>${view.hits.map(
    (
      hit,
    ) => html`<tr><td><a href="/connections/${hit.connectionId}/orders/${hit.orderId}">${hit.orderNumber ? `№ ${hit.orderNumber}` : ''} (id ${hit.orderId})</a></td>
      <td>${hit.lifeposOrgId}</td><td>${hit.state ?? '—'}</td><td>${formatDateTime(hit.lastEventAt, ctx.locale)}</td></tr>`,
  )}</tbody></table></div>`
}`,
  );
}

/** External-call data are summaries (method, path, status, ids); shown as they are, escaped. */
function eventData(data: unknown): Html | string {
  if (data === null || data === undefined) return '';
  return html`<details><summary>data</summary><pre>${JSON.stringify(data, null, 2)}</pre></details>`;
}

export interface TimelineView {
  connectionId: string;
  lifeposOrgId: string;
  orderId: number;
  link: OrderLink | null;
  events: OrderEventRecord[];
  incidents: Incident[];
}

export function timelinePage(ctx: PageContext, view: TimelineView): Html {
  const number = view.link?.retailcrmOrderNumber;
  return layout(
    ctx,
    say(
      ctx,
      `Заказ ${number ? `№ ${number} ` : ''}(id ${view.orderId})`,
      `Order ${number ? `#${number} ` : ''}(id ${view.orderId})`,
    ),
    html`${searchForm(ctx, '')}
<section>
  <p>${say(ctx, 'Организация LIFE POS:', 'LIFE POS organization:')} <a href="/connections/${view.connectionId}">${view.lifeposOrgId}</a></p>
  ${
    view.link
      ? html`<p id="order-link">${say(ctx, 'Продажа LIFE POS:', 'LIFE POS sale:')} <code>${view.link.lifeposSaleId ?? '—'}</code>${view.link.lifeposSaleNumber && html` (№ ${view.link.lifeposSaleNumber})`},
        ${say(ctx, 'торговая точка', 'outlet')} <code>${view.link.lifeposOutletId ?? '—'}</code>,
        ${say(ctx, 'состояние', 'state')} <strong>${view.link.state}</strong>, ${say(ctx, 'сверено', 'synced')} ${formatDateTime(view.link.lastSyncedAt, ctx.locale)}</p>`
      : html`<p>${say(ctx, 'Заказ ещё не выгружен в LIFE POS.', 'The order has not been exported to LIFE POS.')}</p>`
  }
</section>
${
  view.incidents.length > 0 &&
  html`<h2>${say(ctx, 'Инциденты', 'Incidents')}</h2>
<div class="table-wrap"><table id="incidents"><thead><tr><th>${say(ctx, 'Когда', 'When')}</th><th>${say(ctx, 'Что', 'What')}</th><th>${say(ctx, 'Состояние', 'State')}</th><th>${say(ctx, 'Задачи RetailCRM', 'RetailCRM tasks')}</th></tr></thead>
<tbody>${view.incidents.map(
    (incident) =>
      html`<tr><td>${formatDateTime(incident.createdAt, ctx.locale)}</td><td><strong>${incident.action}</strong>: ${incident.cause}</td><td>${incident.status}</td><td>${incident.taskIds.join(', ') || '—'}</td></tr>`,
  )}</tbody></table></div>`
}
<h2>${say(ctx, 'События', 'Events')}</h2>
${
  view.events.length === 0
    ? html`<p id="no-events">${say(ctx, 'Событий нет.', 'No events.')}</p>`
    : html`<div class="table-wrap"><table id="timeline">
  <thead><tr><th>${say(ctx, 'Время', 'Time')}</th><th>${say(ctx, 'Событие', 'Event')}</th><th>${say(ctx, 'Описание', 'Description')}</th></tr></thead>
  <tbody>${view.events.map(
    (event) =>
      html`<tr data-event-type="${event.type}"><td>${formatDateTime(event.createdAt, ctx.locale)}</td><td><code>${event.type}</code></td><td>${event.message}${eventData(event.data)}</td></tr>`,
  )}</tbody></table></div>`
}`,
  );
}

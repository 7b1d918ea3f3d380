import { type Html, html } from '@connector/html';
import type { QueueName } from '@connector/queue';
import type { PublicConnection } from '../connection-service.js';
import { formatConnectionTime, zoneOf } from '../i18n.js';
import type { QueueCounts } from '../queues.js';
import { openIncidentsLink } from './incidents-page.js';
import { layout, type PageContext, say, zoneNote } from './layout.js';

export interface ConnectionRow {
  connection: PublicConnection;
  openIncidents: number;
  backlog: Partial<Record<QueueName, number>>;
}

export interface ConnectionsView {
  rows: ConnectionRow[];
  /** The search typed (organization name or id, RetailCRM address); rows are already filtered by it. */
  q?: string;
  /** Undefined when Redis did not answer. */
  queues: QueueCounts[] | undefined;
  /** Queues whose per-connection backlog is a lower bound. */
  truncated: QueueName[];
}

const STATES: Record<string, [string, string]> = {
  active: ['активно', 'active'],
  draft: ['черновик', 'draft'],
  disabled: ['отключено', 'disabled'],
};

function stateName(ctx: PageContext, status: string): string {
  const names = STATES[status];
  return names ? say(ctx, ...names) : status;
}

const date = (ctx: PageContext, value: string | null, connection: PublicConnection) =>
  formatConnectionTime(value ? new Date(value) : null, ctx.locale, zoneOf(connection));

function health(ctx: PageContext, row: ConnectionRow): Html {
  const { health: h } = row.connection;
  const check =
    h.lastCheckOk === null
      ? html`<span class="muted">${say(ctx, 'не проверялось', 'never checked')}</span>`
      : h.lastCheckOk
        ? html`<span class="status ok">${say(ctx, 'в порядке', 'fine')}</span>`
        : html`<span class="status error">${say(ctx, 'ошибка', 'error')}</span>`;
  return html`${check} <span class="muted">(${date(ctx, h.lastCheckAt, row.connection)})</span>
    ${h.lastError && html`<pre class="last-error">${h.lastError}</pre>`}`;
}

function backlog(ctx: PageContext, row: ConnectionRow, truncated: readonly QueueName[]): Html {
  const entries = Object.entries(row.backlog).filter(([, count]) => (count ?? 0) > 0);
  if (entries.length === 0) return html`<span class="muted">${say(ctx, 'пусто', 'empty')}</span>`;
  return html`${entries.map(
    ([queue, count]) =>
      html`<div><code>${queue}</code>: ${truncated.includes(queue as QueueName) ? '≥' : ''}${count}</div>`,
  )}`;
}

export function connectionsPage(ctx: PageContext, view: ConnectionsView): Html {
  return layout(
    ctx,
    say(ctx, 'Подключения', 'Connections'),
    html`<div class="actions"><a class="button" href="/connections/new">${say(ctx, 'Новое подключение', 'New connection')}</a>
<form method="get" action="/connections" role="search" class="actions inline-search">
  <label for="connections-q" class="muted">${say(ctx, 'Организация или аккаунт RetailCRM', 'Organization or RetailCRM account')}</label>
  <input type="search" id="connections-q" name="q" value="${view.q ?? ''}">
  <button type="submit" class="secondary">${say(ctx, 'Найти', 'Search')}</button>
</form></div>
${
  view.rows.length === 0
    ? html`<p id="no-connections">${view.q ? say(ctx, 'Ничего не найдено.', 'Nothing found.') : say(ctx, 'Подключений пока нет.', 'No connections yet.')}</p>`
    : html`<div class="table-wrap"><table id="connections">
  <thead><tr>
    <th>${say(ctx, 'Организация LIFE POS / RetailCRM', 'LIFE POS organization / RetailCRM')}</th>
    <th>${say(ctx, 'Состояние', 'State')}</th>
    <th>${say(ctx, 'Последняя синхронизация', 'Last successful sync')}</th>
    <th>${say(ctx, 'Последняя проверка и ошибка', 'Last check and error')}</th>
    <th>${say(ctx, 'Открытые инциденты', 'Open incidents')}</th>
    <th>${say(ctx, 'Очереди (ожидают)', 'Queues (backlog)')}</th>
  </tr></thead>
  <tbody>
  ${view.rows.map(
    (row) => html`<tr data-connection="${row.connection.id}">
      <td><a href="/connections/${row.connection.id}" data-connection-name>${row.connection.lifeposOrgName ?? row.connection.lifeposOrgId}</a><br><span class="muted">${row.connection.retailcrmUrl.replace(/^https?:\/\//, '')}</span>${row.connection.lifeposOrgName && html`<br><span class="muted small">ID ${row.connection.lifeposOrgId}</span>`}</td>
      <td><span class="status ${row.connection.status}">${stateName(ctx, row.connection.status)}</span></td>
      <td>${date(ctx, row.connection.health.lastSyncAt, row.connection)}</td>
      <td>${health(ctx, row)}</td>
      <td data-open-incidents="${row.openIncidents}">${openIncidentsLink(ctx, row.connection.id, row.openIncidents)}</td>
      <td>${backlog(ctx, row, view.truncated)}</td>
    </tr>`,
  )}
  </tbody>
</table></div>${zoneNote(ctx)}`
}
<h2>${say(ctx, 'Очереди', 'Queues')}</h2>
${
  view.queues
    ? html`<div class="table-wrap"><table id="queues">
  <thead><tr><th>${say(ctx, 'Очередь', 'Queue')}</th><th>${say(ctx, 'Ожидают', 'Backlog')}</th><th>${say(ctx, 'В работе', 'Active')}</th><th>${say(ctx, 'Отложены', 'Delayed')}</th><th>${say(ctx, 'Упали', 'Failed')}</th></tr></thead>
  <tbody>${view.queues.map(
    (queue) =>
      html`<tr data-queue="${queue.queue}"><td><a href="/admin/queues/queue/${queue.queue}"><code>${queue.queue}</code></a></td><td>${queue.backlog}</td><td>${queue.active}</td><td>${queue.delayed}</td><td>${queue.failed}</td></tr>`,
  )}</tbody>
</table></div>`
    : html`<p class="notice error">${say(ctx, 'Redis не ответил: состояние очередей неизвестно.', 'Redis did not answer: the queue state is unknown.')}</p>`
}`,
  );
}

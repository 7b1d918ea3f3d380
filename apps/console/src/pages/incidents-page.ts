import type { ListedIncident } from '@connector/db';
import { type Html, html } from '@connector/html';
import { incidentAdvice, JOB_ACTION, OUTAGE_TEXT } from '@connector/incidents';
import { DEFAULT_TIME_ZONE, formatConnectionTime } from '../i18n.js';
import { csrfField, layout, type PageContext, say, zoneNote } from './layout.js';

export const INCIDENT_AGES = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};
export type IncidentAge = keyof typeof INCIDENT_AGES | 'all';

export interface IncidentFilterValues {
  status: 'open' | 'resolved' | 'all';
  connection: string;
  cause: string;
  age: IncidentAge;
}

export interface IncidentsView {
  filter: IncidentFilterValues;
  /** Every connection: its name, and the zone its times are shown in. */
  connections: { id: string; name: string; timeZone: string }[];
  incidents: ListedIncident[];
  /** Query string of the next page, when there is one. */
  nextQuery: string | undefined;
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
}

const STATUS_NAMES: Record<string, [string, string]> = {
  open: ['открыт, задачи ещё не созданы', 'open, tasks not created yet'],
  tasks_created: ['открыт, задачи созданы', 'open, tasks created'],
  resolved: ['решён', 'resolved'],
};

function option(value: string, label: string, selected: string): Html {
  return html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;
}

function filters(ctx: PageContext, view: IncidentsView): Html {
  const { filter } = view;
  return html`<form method="get" action="/incidents" class="filters" aria-label="${say(ctx, 'Отбор', 'Filter')}">
  <label>${say(ctx, 'Состояние', 'State')}<select name="status">
    ${option('open', say(ctx, 'Открытые', 'Open'), filter.status)}
    ${option('resolved', say(ctx, 'Решённые', 'Resolved'), filter.status)}
    ${option('all', say(ctx, 'Все', 'All'), filter.status)}
  </select></label>
  <label>${say(ctx, 'Подключение', 'Connection')}<select name="connection">
    ${option('', say(ctx, 'Все', 'All'), filter.connection)}
    ${view.connections.map((connection) => option(connection.id, connection.name, filter.connection))}
  </select></label>
  <label>${say(ctx, 'Причина', 'Cause')}<select name="cause">
    ${option('', say(ctx, 'Любая', 'Any'), filter.cause)}
    ${Object.entries(OUTAGE_TEXT).map(([cause, text]) => option(cause, text.title, filter.cause))}
    ${option('other', say(ctx, 'Ошибка заказа или задания', 'An order’s or job’s own error'), filter.cause)}
  </select></label>
  <label>${say(ctx, 'Открыты за', 'Opened within')}<select name="age">
    ${option('1h', say(ctx, 'час', 'an hour'), filter.age)}
    ${option('24h', say(ctx, 'сутки', 'a day'), filter.age)}
    ${option('7d', say(ctx, '7 дней', '7 days'), filter.age)}
    ${option('30d', say(ctx, '30 дней', '30 days'), filter.age)}
    ${option('all', say(ctx, 'всё время', 'all time'), filter.age)}
  </select></label>
  <button type="submit">${say(ctx, 'Показать', 'Show')}</button>
</form>`;
}

function subjectsList(ctx: PageContext, incident: ListedIncident): Html {
  const subjects =
    incident.subjects.length > 0
      ? incident.subjects
      : incident.retailcrmOrderId !== null
        ? [
            {
              queue: '',
              subject: '',
              retailcrmOrderId: incident.retailcrmOrderId,
              resolvedAt: incident.resolvedAt,
            },
          ]
        : [];
  if (subjects.length === 0)
    return html`<p class="muted">${say(ctx, 'Заказов нет: сбой задания коннектора.', 'No orders: a job of the connector failed.')}</p>`;
  const more = incident._count.subjects - incident.subjects.length;
  return html`<ul class="subjects">${subjects.map((subject) => {
    const action = JOB_ACTION[subject.queue as keyof typeof JOB_ACTION] ?? '';
    const done = subject.resolvedAt ? say(ctx, 'выполнено', 'done') : say(ctx, 'ожидает', 'pending');
    return subject.retailcrmOrderId !== null
      ? html`<li data-order="${subject.retailcrmOrderId}"><a href="/connections/${incident.connectionId}/orders/${subject.retailcrmOrderId}">${say(ctx, 'Заказ', 'Order')} ${subject.retailcrmOrderId}</a>${action && html` — ${action}`} <span class="muted">(${done})</span></li>`
      : html`<li>${action || subject.subject} <span class="muted">(${done})</span></li>`;
  })}${more > 0 && html`<li class="muted">${say(ctx, `и ещё ${more}`, `and ${more} more`)}</li>`}</ul>`;
}

function actions(ctx: PageContext, incident: ListedIncident): Html | string {
  if (incident.status === 'resolved') return '';
  const back = html`<input type="hidden" name="back" value="${ctx.path}">`;
  return html`<div class="actions">
  <form method="post" action="/incidents/${incident.id}/retry" class="inline">${csrfField(ctx)}${back}<button type="submit">${say(ctx, 'Повторить сейчас', 'Retry now')}</button></form>
  <form method="post" action="/incidents/${incident.id}/close" class="inline">${csrfField(ctx)}${back}<button type="submit" class="secondary">${say(ctx, 'Закрыть', 'Close')}</button></form>
</div>`;
}

function incidentCard(
  ctx: PageContext,
  incident: ListedIncident,
  connection: { name: string; timeZone: string },
): Html {
  const when = (value: Date | null) => formatConnectionTime(value, ctx.locale, connection.timeZone);
  const connectionName = connection.name;
  const advice = incidentAdvice(incident);
  const status = STATUS_NAMES[incident.status];
  return html`<section class="incident" data-incident="${incident.id}" data-status="${incident.status}">
  <h2>${advice.title}</h2>
  <p class="muted">${say(ctx, 'Подключение', 'Connection')} <a href="/connections/${incident.connectionId}">${connectionName}</a> ·
    ${say(ctx, 'открыт', 'opened')} ${when(incident.createdAt)} ·
    ${say(ctx, 'последняя ошибка', 'last failure')} ${when(incident.lastFailureAt)} ·
    <span class="status ${incident.status === 'resolved' ? 'ok' : 'error'}">${status ? say(ctx, ...status) : incident.status}</span>${
      incident.resolvedAt &&
      html` ${when(incident.resolvedAt)}${incident.resolvedByHand ? say(ctx, ' (закрыт вручную)', ' (closed by hand)') : ''}`
    }</p>
  <p><strong>${say(ctx, 'Причина:', 'Cause:')}</strong> ${incident.cause}</p>
  <p><strong>${say(ctx, 'Что сделать:', 'What to do:')}</strong> ${advice.todo}</p>
  <h3>${say(ctx, 'Затронутые заказы и задания', 'Affected orders and jobs')} (${incident._count.subjects || (incident.retailcrmOrderId ? 1 : 0)})</h3>
  ${subjectsList(ctx, incident)}
  <p class="tasks"><strong>${say(ctx, 'Задачи в RetailCRM:', 'RetailCRM tasks:')}</strong> ${
    incident.taskIds.length > 0
      ? html`${incident.taskIds.map((id, index) => html`${index > 0 ? ', ' : ''}<code>${id}</code>`)}${incident.tasksCompletedAt ? say(ctx, ' — закрыты', ' — completed') : ''}`
      : say(ctx, 'ещё не созданы', 'not created yet')
  }</p>
  ${actions(ctx, incident)}
</section>`;
}

export function incidentsPage(ctx: PageContext, view: IncidentsView): Html {
  const byId = new Map(view.connections.map((connection) => [connection.id, connection]));
  return layout(
    ctx,
    say(ctx, 'Инциденты', 'Incidents'),
    html`${view.notice && html`<p class="notice ${view.notice.kind}" role="status">${view.notice.text}</p>`}
${filters(ctx, view)}
${
  view.incidents.length === 0
    ? html`<p id="no-incidents">${say(ctx, 'Инцидентов нет.', 'No incidents.')}</p>`
    : html`<div id="incidents">${view.incidents.map((incident) => incidentCard(ctx, incident, byId.get(incident.connectionId) ?? { name: incident.connectionId, timeZone: DEFAULT_TIME_ZONE }))}</div>${zoneNote(ctx)}`
}
${view.nextQuery && html`<p class="actions"><a class="button secondary" href="/incidents?${view.nextQuery}">${say(ctx, 'Дальше', 'Next')}</a></p>`}`,
  );
}

/** The connection's open incidents as a link to them on the incidents page (a plain «нет» when none). */
export function openIncidentsLink(ctx: PageContext, connectionId: string, count: number): Html {
  if (count === 0) return html`<span class="muted">${say(ctx, 'нет', 'none')}</span>`;
  return html`<a class="status error" href="/incidents?connection=${connectionId}">${say(ctx, `${count} открыт${count === 1 ? '' : 'о'}`, `${count} open`)}</a>`;
}

/** The line of the connection page: its open incidents, linked. */
export function openIncidentsLine(ctx: PageContext, connectionId: string, count: number): Html {
  return html`<p id="open-incidents" data-open-incidents="${count}">${say(ctx, 'Открытые инциденты:', 'Open incidents:')} ${openIncidentsLink(ctx, connectionId, count)}${
    count > 0
      ? say(
          ctx,
          ' — коннектору что-то мешает: откройте, там причина и что сделать.',
          ' — something holds the connector up: open them for the cause and what to do.',
        )
      : ''
  }</p>`;
}

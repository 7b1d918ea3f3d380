import type { Incident, OrderEventRecord, OrderLink } from '@connector/db';
import { type Html, html } from '@connector/html';
import { formatDateTime, zoneName } from '../i18n.js';
import { describeEvent, type TimelineNames } from '../timeline/event-catalog.js';
import { orderStanding, STANDING_NAMES } from '../timeline/order-state.js';
import { layout, type PageContext, say, tr } from './layout.js';

export interface TimelineView {
  connectionId: string;
  /** How operators call the connection (organization name · RetailCRM account). */
  connectionName: string;
  orderId: number;
  link: OrderLink | null;
  /** Oldest first, in the order they were written. */
  events: OrderEventRecord[];
  incidents: Incident[];
  names: TimelineNames;
  /** The connection's zone: every time of the page is in it. */
  timeZone: string;
}

/** The raw entry for engineers: its code and data (summaries of external calls, ids), escaped. */
function rawEvent(ctx: PageContext, event: OrderEventRecord): Html {
  const raw = { id: event.id, type: event.type, message: event.message, data: event.data ?? null };
  return html`<details class="raw"><summary>${say(ctx, 'Подробности для инженеров', 'Details for engineers')}</summary><pre>${JSON.stringify(raw, null, 2)}</pre></details>`;
}

function header(ctx: PageContext, view: TimelineView): Html {
  const { link } = view;
  const outlet = link?.lifeposOutletId
    ? (view.names.outlets.get(link.lifeposOutletId) ??
      say(ctx, 'торговая точка без названия', 'unnamed outlet'))
    : '—';
  const standing = orderStanding(link?.state, view.events);
  return html`<section>
  <p>${say(ctx, 'Подключение:', 'Connection:')} <a href="/connections/${view.connectionId}">${view.connectionName}</a></p>
  <p class="muted small" id="time-zone" data-time-zone="${view.timeZone}">${say(ctx, 'Время — в часовом поясе аккаунта RetailCRM:', 'Times are in the RetailCRM account time zone:')} ${zoneName(view.timeZone)}</p>
  <p id="order-state">${say(ctx, 'Состояние:', 'State:')} <strong data-standing="${standing}">${tr(ctx, STANDING_NAMES[standing])}</strong></p>
  ${
    link
      ? html`<p id="order-link">${say(ctx, 'Продажа LIFE POS', 'LIFE POS sale')} ${link.lifeposSaleNumber ? `№ ${link.lifeposSaleNumber}` : ''},
        ${say(ctx, 'торговая точка', 'outlet')} <span id="order-outlet">${outlet}</span>,
        ${say(ctx, 'сверено', 'synced')} ${formatDateTime(link.lastSyncedAt, ctx.locale, view.timeZone)}</p>`
      : html`<p>${say(ctx, 'Заказ ещё не выгружен в LIFE POS.', 'The order has not been exported to LIFE POS.')}</p>`
  }
</section>`;
}

function incidents(ctx: PageContext, view: TimelineView): Html | false {
  return (
    view.incidents.length > 0 &&
    html`<h2>${say(ctx, 'Инциденты', 'Incidents')}</h2>
<ul class="timeline" id="incidents">${view.incidents.map(
      (incident) =>
        html`<li><span class="when">${formatDateTime(incident.createdAt, ctx.locale, view.timeZone)}</span>
          <strong>${incident.action}</strong><p class="event-text">${incident.cause}</p>
          <p class="muted">${say(ctx, 'Состояние:', 'State:')} ${incident.status}; ${say(ctx, 'задачи RetailCRM:', 'RetailCRM tasks:')} ${incident.taskIds.join(', ') || '—'}</p></li>`,
    )}</ul>`
  );
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
    html`${header(ctx, view)}
${incidents(ctx, view)}
<h2>${say(ctx, 'События', 'Events')}</h2>
${
  view.events.length === 0
    ? html`<p id="no-events">${say(ctx, 'Событий нет.', 'No events.')}</p>`
    : html`<ol class="timeline" id="timeline">${view.events.map((event) => {
        const described = describeEvent(event, view.names);
        return html`<li data-event-type="${event.type}" data-event-id="${event.id}">
  <span class="when">${formatDateTime(event.createdAt, ctx.locale, view.timeZone)}</span>
  <strong class="event-title">${tr(ctx, described.title)}</strong>
  <p class="event-text">${tr(ctx, described.sentence)}</p>
  ${rawEvent(ctx, event)}
</li>`;
      })}</ol>`
}`,
  );
}

import { type Html, html } from '@connector/html';
import type { ReportLine } from '../connection-service.js';
import { formatDateTime, zoneName } from '../i18n.js';
import type { TriggerInstructions } from '../trigger-instructions.js';
import { type PageContext, say, tr } from './layout.js';

const STATUS_WORDS = {
  ok: ['OK', 'OK'],
  warning: ['Предупреждение', 'Warning'],
  error: ['Ошибка', 'Error'],
  skipped: ['Не проверено', 'Not checked'],
} as const;

/** A check to show: a fresh report or the one stored on the connection. */
export interface ShownCheck {
  lines: readonly ReportLine[];
  checkedAt: string;
}

/** The checks as a checklist: one line each, ok / warning / error, with the reason and what to do. */
export function checkList(
  ctx: PageContext,
  report: ShownCheck,
  activation: readonly ReportLine[] = [],
  timeZone?: string,
): Html {
  const lines = [...report.lines, ...activation];
  return html`<section aria-labelledby="checks-title" id="checks">
  <h2 id="checks-title">${say(ctx, 'Проверка настроек', 'Settings check')}</h2>
  <p class="muted" id="checked-at">${say(ctx, 'Проверено', 'Checked')} <time datetime="${report.checkedAt}">${formatDateTime(new Date(report.checkedAt), ctx.locale, timeZone)}</time>${timeZone && `, ${zoneName(timeZone, new Date(report.checkedAt))}`}</p>
  <ul class="checklist">
  ${lines.map((entry) => {
    const [ru, en] = STATUS_WORDS[entry.status];
    return html`<li class="${entry.status}" data-check="${entry.id}" data-status="${entry.status}">
      <span class="status ${entry.status}">${say(ctx, ru, en)}:</span> <strong>${tr(ctx, entry.title)}</strong><br>
      <span class="check-message">${tr(ctx, entry.message)}</span>
      ${entry.action && html`<br><span class="muted">${say(ctx, 'Что сделать:', 'What to do:')}</span> ${tr(ctx, entry.action)}`}
    </li>`;
  })}
  </ul>
</section>`;
}

/** The four triggers to create in RetailCRM, with the exact values to paste. */
export function triggerSection(ctx: PageContext, triggers: TriggerInstructions): Html {
  return html`<section aria-labelledby="triggers-title" id="triggers">
  <h2 id="triggers-title">${say(ctx, 'Настройте триггеры в RetailCRM', 'Set up the RetailCRM triggers')}</h2>
  <p>${say(
    ctx,
    'Автоматизация → Триггеры → «+ Триггер». Для каждого из четырёх триггеров добавьте действие «Выполнить HTTP-запрос»:',
    'Automation → Triggers → “+ Trigger”. For each of the four triggers add the “Execute HTTP request” action:',
  )}</p>
  <div class="table-wrap"><table>
    <tbody>
      <tr><th scope="row">${say(ctx, 'Адрес запроса', 'Request address')}</th><td><code data-trigger="url">${triggers.url}</code></td></tr>
      <tr><th scope="row">${say(ctx, 'HTTP метод', 'HTTP method')}</th><td><code>${triggers.method}</code></td></tr>
      <tr><th scope="row">${say(ctx, 'Передавать параметры', 'Send parameters')}</th><td>${say(ctx, 'В теле запроса (urlencode)', 'In the request body (urlencode)')}</td></tr>
      <tr><th scope="row"><code>client_id</code></th><td><code data-trigger="client_id">${triggers.params.client_id}</code></td></tr>
      <tr><th scope="row"><code>order_id</code></th><td><code data-trigger="order_id">${triggers.params.order_id}</code></td></tr>
      <tr><th scope="row"><code>status</code></th><td>${say(ctx, 'своё для каждого триггера — см. ниже', 'one per trigger — see below')}</td></tr>
    </tbody>
  </table></div>
  <div class="table-wrap"><table class="trigger-list">
    <thead><tr><th>${say(ctx, 'Триггер', 'Trigger')}</th><th><code>status</code></th><th>${say(ctx, 'Событие', 'Event')}</th><th>${say(ctx, 'Условие', 'Condition')}</th></tr></thead>
    <tbody>
    ${triggers.triggers.map(
      (trigger) => html`<tr data-trigger-kind="${trigger.kind}" data-trigger-status="${trigger.status}">
        <td>${tr(ctx, trigger.name)}</td>
        <td><code>${trigger.status}</code></td>
        <td>${tr(ctx, trigger.event)}</td>
        <td>${tr(ctx, trigger.condition)} ${
          trigger.expression
            ? html`<code data-trigger-expression>${trigger.expression}</code>`
            : trigger.statuses.length === 0
              ? html`<em>${say(ctx, 'статусы не выбраны в настройках', 'no statuses chosen in the settings')}</em>`
              : trigger.statuses.map(
                  (status, index) =>
                    html`${index > 0 && ', '}${status.name ? html`«${status.name}» ` : ''}<code>${status.code}</code>`,
                )
        }</td>
      </tr>`,
    )}
    </tbody>
  </table></div>
</section>`;
}

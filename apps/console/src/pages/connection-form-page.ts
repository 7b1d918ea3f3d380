import { type Html, html } from '@connector/html';
import { connectionName, type PublicConnection } from '../connection-service.js';
import { formatDateTime, type Text, t, zoneName, zoneOf } from '../i18n.js';
import { checkList, triggerSection } from './check-report.js';
import { advancedSection } from './connection-form-advanced.js';
import { FIELDS, mainField } from './connection-form-fields.js';
import type { ConnectionFormView } from './connection-form-values.js';
import { openIncidentsLine } from './incidents-page.js';
import { csrfField, layout, type PageContext, say, tr } from './layout.js';

export {
  type ConnectionFormView,
  emptyFormValues,
  type FormValues,
  formValuesOf,
  formValuesOfInput,
} from './connection-form-values.js';

/** A new connection's advanced settings come from its account: the form shows them once the keys are checked. */
function proposedNote(ctx: PageContext): Html {
  return html`<p class="muted" id="proposed-settings-note">${say(
    ctx,
    'Статусы заказов и оплат и типы доставки, оставленные в разделе «Дополнительно» как есть, коннектор подберёт сам — по справочникам вашего RetailCRM (стандартные коды там, где они есть). Их можно посмотреть после «Проверить без сохранения» и изменить на странице подключения.',
    'The order and payment statuses and delivery types left as they are under “Advanced” are chosen from your RetailCRM reference books (the standard codes where the account has them). See them after “Check without saving”, change them on the connection’s page.',
  )}</p>`;
}

function statusLine(ctx: PageContext, connection: PublicConnection): Html {
  const names: Record<string, Text> = {
    active: t('активно', 'active'),
    draft: t('черновик — не активно', 'draft — not active'),
    disabled: t('отключено', 'disabled'),
  };
  return html`<p>${say(ctx, 'Состояние:', 'State:')} <span class="status ${connection.status}" id="connection-status" data-status="${connection.status}">${tr(ctx, names[connection.status] ?? t(connection.status, connection.status))}</span>${
    connection.disabledReason && html` — ${connection.disabledReason}`
  }. ${say(ctx, 'Последняя проверка:', 'Last check:')} ${formatDateTime(connection.health.lastCheckAt ? new Date(connection.health.lastCheckAt) : null, ctx.locale, zoneOf(connection))}.</p>
  <p class="muted small" id="time-zone" data-time-zone="${zoneOf(connection)}">${
    connection.retailcrmTimeZone
      ? say(
          ctx,
          `Время подключения — в часовом поясе аккаунта RetailCRM: ${zoneName(connection.retailcrmTimeZone)}.`,
          `The connection's times are in its RetailCRM account time zone: ${zoneName(connection.retailcrmTimeZone)}.`,
        )
      : say(
          ctx,
          `Часовой пояс аккаунта RetailCRM ещё не прочитан: время показано в ${zoneName(zoneOf(connection))}. Проверка подключения его прочитает.`,
          `The RetailCRM account time zone is not known yet: times are shown in ${zoneName(zoneOf(connection))}. Checking the connection reads it.`,
        )
  }</p>`;
}

export function connectionFormPage(ctx: PageContext, view: ConnectionFormView): Html {
  const { connection } = view;
  const action = connection ? `/connections/${connection.id}` : '/connections';
  const title = connection
    ? say(ctx, `Подключение ${connectionName(connection)}`, `Connection ${connectionName(connection)}`)
    : say(ctx, 'Новое подключение', 'New connection');
  const hasFieldErrors = Object.keys(view.fieldErrors ?? {}).length > 0;
  return layout(
    ctx,
    title,
    html`${connection && statusLine(ctx, connection)}${connection && view.openIncidents !== undefined && openIncidentsLine(ctx, connection.id, view.openIncidents)}
${view.notice && html`<p class="notice ${view.notice.kind}" role="${view.notice.kind === 'error' ? 'alert' : 'status'}" id="save-notice">${tr(ctx, view.notice.text)}</p>`}
${hasFieldErrors && html`<p class="notice error" role="alert">${say(ctx, 'Исправьте отмеченные поля.', 'Fix the marked fields.')}</p>`}
${view.report && checkList(ctx, view.report, view.activation, (view.report as { timeZone?: string }).timeZone ?? zoneOf(connection))}
${!view.report && connection && html`<p class="muted" id="no-check">${say(ctx, 'Подключение ещё не проверялось: нажмите «Проверить без сохранения».', 'The connection has not been checked yet: press “Check without saving”.')}</p>`}
${view.triggers && triggerSection(ctx, view.triggers)}
<form method="post" action="${action}" novalidate data-check-form>
  ${csrfField(ctx)}
  <fieldset>
    <legend>${say(ctx, 'Форма настройки коннектора', 'Connector settings')}</legend>
    ${FIELDS.map((spec) => mainField(ctx, view, spec))}
  </fieldset>
  ${!connection && proposedNote(ctx)}
  ${advancedSection(ctx, view)}
  <div class="actions">
    <button type="submit" name="intent" value="save">${say(ctx, 'Сохранить', 'Save')}</button>
    <button type="submit" name="intent" value="check" class="secondary">${say(ctx, 'Проверить без сохранения', 'Check without saving')}</button>
  </div>
  <p class="notice progress" id="check-progress" role="status" aria-live="polite" hidden
    data-text-save="${say(ctx, 'Проверяем LIFE POS и RetailCRM и сохраняем… Обычно это занимает до 10 секунд.', 'Checking LIFE POS and RetailCRM, then saving… This usually takes up to 10 seconds.')}"
    data-text-check="${say(ctx, 'Проверяем LIFE POS и RetailCRM… Обычно это занимает до 10 секунд.', 'Checking LIFE POS and RetailCRM… This usually takes up to 10 seconds.')}"></p>
</form>
${
  view.kept &&
  view.kept.length > 0 &&
  html`<form method="post" action="/connections/${connection?.id ?? 'new'}/discard-secrets" class="actions" id="discard-secrets">
  ${csrfField(ctx)}
  <button type="submit" class="secondary">${say(ctx, 'Забыть введённые пароль и ключ', 'Forget the typed password and key')}</button>
  <span class="muted">${connection ? say(ctx, 'Останутся те, что сохранены в подключении.', 'The ones stored in the connection stay.') : say(ctx, 'Их нужно будет ввести снова.', 'They will have to be typed again.')}</span>
</form>`
}
${
  connection?.status === 'active' &&
  html`<form method="post" action="/connections/${connection.id}/sweep" class="actions">
  ${csrfField(ctx)}
  <button type="submit" class="secondary">${say(ctx, 'Сверить сейчас', 'Reconcile now')}</button>
  <span class="muted">${say(ctx, 'Сравнить недавние заказы RetailCRM с LIFE POS и исправить расхождения (само выполняется по расписанию).', 'Compare recent RetailCRM orders with LIFE POS and repair what differs (also runs on a schedule).')}</span>
</form>`
}
${
  connection &&
  connection.status !== 'disabled' &&
  html`<form method="post" action="/connections/${connection.id}/disable" class="actions">
  ${csrfField(ctx)}
  <label for="reason" class="muted">${say(ctx, 'Причина отключения', 'Reason for disabling')}</label>
  <input type="text" id="reason" name="reason" maxlength="200">
  <button type="submit" class="danger">${say(ctx, 'Отключить подключение', 'Disable the connection')}</button>
</form>`
}`,
  );
}

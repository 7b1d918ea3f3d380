import { connectionSettingsSchema } from '@connector/db';
import { ORDER_KINDS, SALE_STATES, type SaleState } from '@connector/domain';
import { type Html, html } from '@connector/html';
import {
  PERIOD_BOUNDS,
  type PeriodSetting,
  RECONCILE_FROM_MAX_DAYS,
  RETAILCRM_STORE_TYPES,
  STORE_TYPE_NAMES,
} from '../advanced-settings.schema.js';
import { type Text, t } from '../i18n.js';
import { describedBy, fieldError } from './connection-form-fields.js';
import type { ConnectionFormView, FormValues } from './connection-form-values.js';
import { type PageContext, say, tr } from './layout.js';

type Book = { code: string; name: string; active?: boolean | undefined }[];

/** Checkboxes from the reference book when it is known (plus chosen codes it lacks), else a text list. */
function codeList(
  ctx: PageContext,
  view: ConnectionFormView,
  name: keyof FormValues['settings'],
  label: Text,
  hint: Text,
  book: Book | undefined,
): Html {
  const chosen = view.values.settings[name] as string[];
  const errorName = `settings.${name}`;
  if (!book) {
    return html`<div class="field">
      <label for="${name}">${tr(ctx, label)}</label>
      <span class="hint" id="${errorName}-hint">${tr(ctx, hint)} ${say(ctx, 'Коды через запятую.', 'Codes, comma separated.')}</span>
      <input type="text" id="${name}" name="${name}" value="${chosen.join(', ')}" aria-describedby="${errorName}-hint">
      ${fieldError(ctx, view.fieldErrors, errorName)}
    </div>`;
  }
  const missing = chosen.filter((code) => !book.some((item) => item.code === code));
  const options = [
    ...book,
    ...missing.map((code) => ({
      code,
      name: say(ctx, 'нет в справочнике', 'not in the book'),
      active: false,
    })),
  ];
  return html`<fieldset class="field">
    <legend>${tr(ctx, label)}</legend>
    <span class="hint">${tr(ctx, hint)}</span>
    <input type="hidden" name="${name}" value="">
    <div class="choices">
    ${options.map(
      (item) =>
        html`<label><input type="checkbox" name="${name}" value="${item.code}" ${chosen.includes(item.code) && html`checked`}> ${item.name} <code>${item.code}</code></label>`,
    )}
    </div>
    ${fieldError(ctx, view.fieldErrors, errorName)}
  </fieldset>`;
}

/** A select from the book when known (with an empty choice when `optional`), else a text field. */
function codeSelect(
  ctx: PageContext,
  id: string,
  name: string,
  label: Text,
  value: string,
  book: Book | undefined,
  optional?: Text,
): Html {
  if (!book) {
    return html`<div class="field"><label for="${id}">${tr(ctx, label)}</label>
      <input type="text" id="${id}" name="${name}" value="${value}"></div>`;
  }
  const known = book.some((item) => item.code === value);
  return html`<div class="field"><label for="${id}">${tr(ctx, label)}</label>
    <select id="${id}" name="${name}">
      ${optional && html`<option value="" ${value === '' && html`selected`}>${tr(ctx, optional)}</option>`}
      ${!known && value !== '' && html`<option value="${value}" selected>${value} (${say(ctx, 'нет в справочнике', 'not in the book')})</option>`}
      ${book.map((item) => html`<option value="${item.code}" ${item.code === value && html`selected`}>${item.name} (${item.code})</option>`)}
    </select></div>`;
}

const KIND_NAMES: Record<string, Text> = {
  delivery: t('доставка', 'delivery'),
  pickup: t('самовывоз', 'pickup'),
  in_hall: t('оплата в зале', 'payment in the hall'),
};

const SALE_STATE_NAMES: Record<SaleState, Text> = {
  New: t('Продажа создана (New)', 'Sale created (New)'),
  InProgress: t('Продажа в процессе (InProgress)', 'Sale in progress (InProgress)'),
  Completed: t('Продажа завершена (Completed)', 'Sale completed (Completed)'),
  Cancelled: t('Продажа отменена (Cancelled)', 'Sale cancelled (Cancelled)'),
};

function deliveryKinds(ctx: PageContext, view: ConnectionFormView): Html {
  const mapping = view.values.settings.deliveryTypeToOrderKind;
  const label = t(
    'Тип доставки RetailCRM → вид заказа LIFE POS',
    'RetailCRM delivery type → LIFE POS order kind',
  );
  const book = view.books?.deliveryTypes;
  if (!book) {
    return html`<div class="field"><label for="deliveryKinds">${tr(ctx, label)}</label>
      <span class="hint" id="deliveryKinds-hint">${say(ctx, 'По строке на тип доставки: код = delivery | pickup | in_hall.', 'One line per delivery type: code = delivery | pickup | in_hall.')}</span>
      <textarea id="deliveryKinds" name="deliveryKinds" rows="4" aria-describedby="deliveryKinds-hint">${Object.entries(
        mapping,
      )
        .map(([code, kind]) => `${code} = ${kind}`)
        .join('\n')}</textarea>
      ${fieldError(ctx, view.fieldErrors, 'settings.deliveryTypeToOrderKind')}</div>`;
  }
  const codes = [
    ...book.map((item) => item.code),
    ...Object.keys(mapping).filter((code) => !book.some((item) => item.code === code)),
  ];
  return html`<fieldset class="field"><legend>${tr(ctx, label)}</legend>
    <span class="hint">${say(ctx, 'Заказ с типом доставки без вида выгружается как доставка.', 'An order whose delivery type has no kind is exported as a delivery.')}</span>
    ${codes.map((code) => {
      const name = book.find((item) => item.code === code)?.name ?? code;
      const id = `deliveryKind-${code}`;
      return html`<div class="field"><label for="${id}">${name} <code>${code}</code></label>
        <select id="${id}" name="deliveryKind.${code}">
          <option value="">${say(ctx, '— как доставка (по умолчанию)', '— as a delivery (default)')}</option>
          ${ORDER_KINDS.map((kind) => html`<option value="${kind}" ${mapping[code] === kind && html`selected`}>${tr(ctx, KIND_NAMES[kind] ?? t(kind, kind))}</option>`)}
        </select></div>`;
    })}
    ${fieldError(ctx, view.fieldErrors, 'settings.deliveryTypeToOrderKind')}
  </fieldset>`;
}

type SingleSetting = 'reconcileFrom' | PeriodSetting;

/** A one-value advanced setting: label, hint and error wired to the input for screen readers. */
function settingField(
  ctx: PageContext,
  view: ConnectionFormView,
  key: SingleSetting,
  label: Text,
  hint: Text,
): Html {
  const name = `settings.${key}`;
  const bounds = key === 'reconcileFrom' ? undefined : PERIOD_BOUNDS[key];
  return html`<div class="field">
    <label for="${key}">${tr(ctx, label)}</label>
    <span class="hint" id="${name}-hint">${tr(ctx, hint)}</span>
    <input type="${bounds ? 'number' : 'text'}" id="${key}" name="${key}" value="${view.values.settings[key]}"
      ${bounds ? html`min="${bounds.min}" max="${bounds.max}" step="1" inputmode="numeric"` : html`placeholder="${say(ctx, 'ГГГГ-ММ-ДД', 'YYYY-MM-DD')}"`}
      autocomplete="off" spellcheck="false"
      aria-describedby="${describedBy(view.fieldErrors, name)}"
      ${view.fieldErrors?.[name] ? html`aria-invalid="true"` : ''}>
    ${fieldError(ctx, view.fieldErrors, name)}
  </div>`;
}

const bounded = (key: PeriodSetting, ru: string, en: string): Text => {
  const { min, max } = PERIOD_BOUNDS[key];
  const fallback = connectionSettingsSchema.parse({})[key];
  return t(
    `${ru} От ${min} до ${max}, по умолчанию ${fallback}.`,
    `${en} From ${min} to ${max}, default ${fallback}.`,
  );
};

/** The periodic jobs of the connection: when the reconciliation starts and how often each job runs. */
function scheduleFields(ctx: PageContext, view: ConnectionFormView): Html {
  return html`<fieldset class="field"><legend>${say(ctx, 'Фоновые задачи: сверка и синхронизация', 'Periodic jobs: reconciliation and sync')}</legend>
    ${settingField(
      ctx,
      view,
      'reconcileFrom',
      t('Начало первой сверки с историей RetailCRM', 'Start of the first RetailCRM history reconciliation'),
      t(
        `Сверка читает историю заказов RetailCRM и повторяет триггеры, которые не дошли до коннектора. Пусто — с момента включения, прошлое не разбирается. Дата ГГГГ-ММ-ДД (полночь по времени аккаунта) или момент ISO 8601 со смещением, например 2026-05-01T09:30:00+03:00: первая сверка начнёт с него. Не в будущем и не раньше чем за ${RECONCILE_FROM_MAX_DAYS} дней. Действует только на первую сверку — дальше она продолжает с того места, где остановилась.`,
        `The reconciliation reads the RetailCRM order history and repeats the triggers that never reached the connector. Empty: from activation, the past is not replayed. A date YYYY-MM-DD (midnight in the account’s time zone) or an ISO 8601 instant with an offset, e.g. 2026-05-01T09:30:00+03:00: the first reconciliation starts there. Not in the future and not more than ${RECONCILE_FROM_MAX_DAYS} days ago. Only the first reconciliation uses it; later ones continue where the previous one stopped.`,
      ),
    )}
    ${settingField(
      ctx,
      view,
      'reconcileEverySeconds',
      t('Период сверки с историей RetailCRM, секунд', 'RetailCRM history reconciliation period, seconds'),
      bounded(
        'reconcileEverySeconds',
        'Не дошедший триггер RetailCRM повторяется примерно через этот срок.',
        'A RetailCRM trigger that never arrived is repeated within about this period.',
      ),
    )}
    ${settingField(
      ctx,
      view,
      'lifeposPollSeconds',
      t('Период проверки продаж LIFE POS, секунд', 'LIFE POS sales check period, seconds'),
      bounded(
        'lifeposPollSeconds',
        'Как часто коннектор запрашивает изменённые продажи LIFE POS, чтобы записать в RetailCRM то, о чём не пришло уведомление.',
        'How often the connector lists the changed LIFE POS sales, to write to RetailCRM what a lost notification did not.',
      ),
    )}
    ${settingField(
      ctx,
      view,
      'syncEveryMinutes',
      t('Период синхронизации складов и курьеров, минут', 'Store and courier sync period, minutes'),
      bounded(
        'syncEveryMinutes',
        'Как часто склады RetailCRM переносятся в торговые точки LIFE POS, а курьеры — в сотрудников.',
        'How often RetailCRM stores are carried over to LIFE POS outlets, and couriers to employees.',
      ),
    )}
  </fieldset>`;
}

/** Which stores become outlets, and the site (so the legal entity) of those the sync cannot place. */
function storeFields(ctx: PageContext, view: ConnectionFormView): Html {
  const { syncStoreTypes, storeSites } = view.values.settings;
  const types = [
    ...RETAILCRM_STORE_TYPES,
    ...syncStoreTypes.filter((type) => !(RETAILCRM_STORE_TYPES as readonly string[]).includes(type)),
  ];
  const typeName = (type: string) =>
    type in STORE_TYPE_NAMES
      ? tr(ctx, STORE_TYPE_NAMES[type as keyof typeof STORE_TYPE_NAMES])
      : say(ctx, 'неизвестный тип', 'unknown type');
  return html`<fieldset class="field" aria-describedby="settings.syncStoreTypes-hint">
    <legend>${say(ctx, 'Типы складов — торговые точки LIFE POS', 'Store types that become LIFE POS outlets')}</legend>
    <span class="hint" id="settings.syncStoreTypes-hint">${say(ctx, 'Активные склады RetailCRM этих типов становятся торговыми точками LIFE POS; заказы выгружаются только с них. Обычно — розничный магазин.', 'Active RetailCRM stores of these types become LIFE POS outlets; orders are exported only from them. Usually the retail store.')}</span>
    <input type="hidden" name="syncStoreTypes" value="">
    <div class="choices">
    ${types.map(
      (type) =>
        html`<label><input type="checkbox" name="syncStoreTypes" value="${type}" ${syncStoreTypes.includes(type) && html`checked`}> ${typeName(type)} <code>${type}</code></label>`,
    )}
    </div>
    ${fieldError(ctx, view.fieldErrors, 'settings.syncStoreTypes')}
  </fieldset>
  ${storeSiteFields(ctx, view, storeSites)}`;
}

function storeSiteFields(
  ctx: PageContext,
  view: ConnectionFormView,
  storeSites: Record<string, string>,
): Html {
  const label = t('Склад → магазин RetailCRM', 'Store → RetailCRM site');
  const hint = t(
    'Нужно, только если в RetailCRM несколько юрлиц, а по заказам склада не понять, к какому магазину он относится: торговая точка создаётся в юрлице указанного магазина.',
    'Needed only when RetailCRM has several legal entities and the store’s orders do not tell which site it belongs to: the outlet is made in the legal entity of the site given here.',
  );
  const { stores, sites } = view.books ?? {};
  if (!stores || !sites) {
    return html`<div class="field"><label for="storeSites">${tr(ctx, label)}</label>
      <span class="hint" id="settings.storeSites-hint">${tr(ctx, hint)} ${say(ctx, 'По строке на склад: код склада = код магазина.', 'One line per store: store code = site code.')}</span>
      <textarea id="storeSites" name="storeSites" rows="3" spellcheck="false" aria-describedby="${describedBy(view.fieldErrors, 'settings.storeSites')}" ${view.fieldErrors?.['settings.storeSites'] ? html`aria-invalid="true"` : ''}>${Object.entries(
        storeSites,
      )
        .map(([store, site]) => `${store} = ${site}`)
        .join('\n')}</textarea>
      ${fieldError(ctx, view.fieldErrors, 'settings.storeSites')}</div>`;
  }
  const codes = [
    ...stores.map((store) => store.code),
    ...Object.keys(storeSites).filter((code) => !stores.some((store) => store.code === code)),
  ];
  const notInBook = say(ctx, 'нет в справочнике', 'not in the book');
  return html`<fieldset class="field" aria-describedby="settings.storeSites-hint"><legend>${tr(ctx, label)}</legend>
    <span class="hint" id="settings.storeSites-hint">${tr(ctx, hint)}</span>
    ${codes.map((code) => {
      const store = stores.find((item) => item.code === code);
      const chosen = storeSites[code] ?? '';
      const id = `storeSite-${code}`;
      return html`<div class="field"><label for="${id}">${store?.name ?? notInBook} <code>${code}</code></label>
        <select id="${id}" name="storeSite.${code}">
          <option value="">${say(ctx, '— определить автоматически', '— decide automatically')}</option>
          ${chosen !== '' && !sites.some((site) => site.code === chosen) && html`<option value="${chosen}" selected>${chosen} (${notInBook})</option>`}
          ${sites.map((site) => html`<option value="${site.code}" ${site.code === chosen && html`selected`}>${site.name} (${site.code})</option>`)}
        </select></div>`;
    })}
    ${fieldError(ctx, view.fieldErrors, 'settings.storeSites')}
  </fieldset>`;
}

export function advancedSection(ctx: PageContext, view: ConnectionFormView): Html {
  const { settings } = view.values;
  const books = view.books;
  const hasErrors = Object.keys(view.fieldErrors ?? {}).some((key) => key.startsWith('settings.'));
  const noChange = t('— не менять статус', '— leave the status');
  return html`<details ${hasErrors && html`open`}>
    <summary>${say(ctx, 'Дополнительно: статусы, типы доставки, лимиты, фоновые задачи, склады', 'Advanced: statuses, delivery types, limits, periodic jobs, stores')}</summary>
    <p class="muted">${
      books
        ? say(
            ctx,
            'Варианты взяты из справочников вашего RetailCRM.',
            'The choices come from your RetailCRM reference books.',
          )
        : say(
            ctx,
            'Когда ключи проверены, здесь появятся варианты из справочников RetailCRM.',
            'Once the keys are checked, the choices from the RetailCRM reference books appear here.',
          )
    }</p>
    <input type="hidden" name="advanced" value="1">
    ${codeList(ctx, view, 'exportStatuses', t('Статусы выгрузки в LIFE POS', 'Statuses that export to LIFE POS'), t('Триггер «new» выгружает заказ только в этих статусах.', 'The “new” trigger exports an order only in these statuses.'), books?.statuses)}
    ${codeList(ctx, view, 'cancelStatuses', t('Статусы отмены', 'Cancel statuses'), t('Триггер «closed» отменяет продажу в LIFE POS, если заказ в одном из этих статусов и не закрыт в LIFE POS.', 'The “closed” trigger cancels the LIFE POS sale when the order is in one of these statuses and was not closed in LIFE POS.'), books?.statuses)}
    ${codeList(ctx, view, 'deleteStatuses', t('Статусы ошибочной отмены (удаление)', 'Erroneous-cancel (delete) statuses'), t('В этих статусах продажа удаляется, чтобы заказ можно было выгрузить заново.', 'In these statuses the sale is deleted so the order can be exported again.'), books?.statuses)}
    ${codeList(ctx, view, 'refundPaymentStatuses', t('Статусы оплаты для возврата', 'Refund payment statuses'), t('Триггер «refund» возвращает оплату LIFE POS, когда оплата заказа в одном из этих статусов.', 'The “refund” trigger refunds the LIFE POS payment when the order’s payment is in one of these statuses.'), books?.paymentStatuses)}
    <fieldset class="field"><legend>${say(ctx, 'Статус заказа при изменении продажи в LIFE POS', 'Order status when the LIFE POS sale changes')}</legend>
      ${SALE_STATES.map((state) =>
        codeSelect(
          ctx,
          `saleStatus-${state}`,
          `saleStatus.${state}`,
          SALE_STATE_NAMES[state],
          settings.saleStateToStatus[state] ?? '',
          books?.statuses,
          noChange,
        ),
      )}
      ${fieldError(ctx, view.fieldErrors, 'settings.saleStateToStatus')}
    </fieldset>
    ${codeSelect(ctx, 'paidPaymentStatus', 'paidPaymentStatus', t('Статус оплаты, принятой в LIFE POS', 'Status of a payment taken in LIFE POS'), settings.paidPaymentStatus, books?.paymentStatuses)}
    ${fieldError(ctx, view.fieldErrors, 'settings.paidPaymentStatus')}
    ${codeSelect(ctx, 'refundedPaymentStatus', 'refundedPaymentStatus', t('Статус оплаты, возвращённой в LIFE POS', 'Status of a payment refunded in LIFE POS'), settings.refundedPaymentStatus, books?.paymentStatuses)}
    ${fieldError(ctx, view.fieldErrors, 'settings.refundedPaymentStatus')}
    ${deliveryKinds(ctx, view)}
    <fieldset class="field"><legend>${say(ctx, 'Лимиты запросов (в секунду)', 'Request limits (per second)')}</legend>
      <div class="field"><label for="retailcrmPerSecond">RetailCRM</label>
        <input type="number" id="retailcrmPerSecond" name="retailcrmPerSecond" min="1" max="100" value="${settings.retailcrmPerSecond}">
        ${fieldError(ctx, view.fieldErrors, 'settings.rateLimits.retailcrmPerSecond')}</div>
      <div class="field"><label for="lifeposPerSecond">LIFE POS</label>
        <input type="number" id="lifeposPerSecond" name="lifeposPerSecond" min="1" max="100" value="${settings.lifeposPerSecond}">
        ${fieldError(ctx, view.fieldErrors, 'settings.rateLimits.lifeposPerSecond')}</div>
    </fieldset>
    ${scheduleFields(ctx, view)}
    ${storeFields(ctx, view)}
  </details>`;
}

import {
  type ConnectionSettings,
  connectionSettingsSchema,
  LIFEPOS_SALE_STATES,
  type LifeposSaleState,
  ORDER_KINDS,
} from '@connector/db';
import {
  PERIOD_BOUNDS,
  type PeriodSetting,
  RECONCILE_FROM_MAX_DAYS,
  RETAILCRM_STORE_TYPES,
  STORE_TYPE_NAMES,
} from '../advanced-settings.schema.js';
import type { ReferenceBooks } from '../connection-checks.js';
import type { FieldErrors } from '../connection-input.schema.js';
import { type ActivationLine, connectionName, type PublicConnection } from '../connection-service.js';
import { type Html, html } from '../html.js';
import { formatDateTime, type Text, t, zoneName, zoneOf } from '../i18n.js';
import type { SecretField } from '../kept-secrets.js';
import type { TriggerInstructions } from '../trigger-instructions.js';
import { checkList, type ShownCheck, triggerSection } from './check-report.js';
import { openIncidentsLine } from './incidents-page.js';
import { csrfField, layout, type PageContext, say, tr } from './layout.js';

/** What the form shows in its fields: never a secret. */
export interface FormValues {
  lifeposOrgId: string;
  lifeposPhone: string;
  retailcrmUrl: string;
  errorUserGroupCode: string;
  cashPaymentTypeCode: string;
  cashlessPaymentTypeCode: string;
  settings: {
    exportStatuses: string[];
    cancelStatuses: string[];
    deleteStatuses: string[];
    refundPaymentStatuses: string[];
    saleStateToStatus: Partial<Record<LifeposSaleState, string>>;
    paidPaymentStatus: string;
    refundedPaymentStatus: string;
    deliveryTypeToOrderKind: Record<string, string>;
    retailcrmPerSecond: string;
    lifeposPerSecond: string;
    /** Empty: the first history reading starts from activation. */
    reconcileFrom: string;
    reconcileEverySeconds: string;
    lifeposPollSeconds: string;
    syncEveryMinutes: string;
    syncStoreTypes: string[];
    storeSites: Record<string, string>;
  };
}

function settingsValues(settings: ConnectionSettings): FormValues['settings'] {
  return {
    exportStatuses: settings.exportStatuses,
    cancelStatuses: settings.cancelStatuses,
    deleteStatuses: settings.deleteStatuses,
    refundPaymentStatuses: settings.refundPaymentStatuses,
    saleStateToStatus: settings.saleStateToStatus,
    paidPaymentStatus: settings.paidPaymentStatus,
    refundedPaymentStatus: settings.refundedPaymentStatus,
    deliveryTypeToOrderKind: settings.deliveryTypeToOrderKind,
    retailcrmPerSecond: String(settings.rateLimits.retailcrmPerSecond),
    lifeposPerSecond: String(settings.rateLimits.lifeposPerSecond),
    reconcileFrom: settings.reconcileFrom ?? '',
    reconcileEverySeconds: String(settings.reconcileEverySeconds),
    lifeposPollSeconds: String(settings.lifeposPollSeconds),
    syncEveryMinutes: String(settings.syncEveryMinutes),
    syncStoreTypes: settings.syncStoreTypes,
    storeSites: settings.storeSites,
  };
}

/** An empty form: the advanced section with its defaults (or the settings proposed for the account) filled in. */
export function emptyFormValues(settings?: ConnectionSettings): FormValues {
  return {
    lifeposOrgId: '',
    lifeposPhone: '',
    retailcrmUrl: '',
    errorUserGroupCode: '',
    cashPaymentTypeCode: '',
    cashlessPaymentTypeCode: '',
    settings: settingsValues(settings ?? connectionSettingsSchema.parse({})),
  };
}

export function formValuesOf(connection: PublicConnection): FormValues {
  return {
    lifeposOrgId: connection.lifeposOrgId,
    lifeposPhone: connection.lifeposPhone,
    retailcrmUrl: connection.retailcrmUrl,
    errorUserGroupCode: connection.errorUserGroupCode,
    cashPaymentTypeCode: connection.cashPaymentTypeCode,
    cashlessPaymentTypeCode: connection.cashlessPaymentTypeCode,
    settings: settingsValues(connection.settings),
  };
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');
/** A field left out of the input shows what it would keep. */
const shown = (value: unknown, kept: string) =>
  value === undefined ? kept : typeof value === 'number' ? String(value) : text(value);
const texts = (value: unknown) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
const record = (value: unknown): Record<string, string> =>
  typeof value === 'object' && value !== null
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
    : {};

/** What was submitted (from `inputFromForm`), shown again after a refused save; secrets are not in it. */
export function formValuesOfInput(input: Record<string, unknown>, fallback: FormValues): FormValues {
  const settings =
    typeof input.settings === 'object' && input.settings !== null
      ? (input.settings as Record<string, unknown>)
      : undefined;
  const rates = (settings?.rateLimits ?? {}) as Record<string, unknown>;
  return {
    lifeposOrgId: text(input.lifeposOrgId),
    lifeposPhone: text(input.lifeposPhone),
    retailcrmUrl: text(input.retailcrmUrl),
    errorUserGroupCode: text(input.errorUserGroupCode),
    cashPaymentTypeCode: text(input.cashPaymentTypeCode),
    cashlessPaymentTypeCode: text(input.cashlessPaymentTypeCode),
    settings: settings
      ? {
          exportStatuses: texts(settings.exportStatuses),
          cancelStatuses: texts(settings.cancelStatuses),
          deleteStatuses: texts(settings.deleteStatuses),
          refundPaymentStatuses: texts(settings.refundPaymentStatuses),
          saleStateToStatus: record(settings.saleStateToStatus),
          paidPaymentStatus: text(settings.paidPaymentStatus),
          refundedPaymentStatus: text(settings.refundedPaymentStatus),
          deliveryTypeToOrderKind: record(settings.deliveryTypeToOrderKind),
          retailcrmPerSecond: rates.retailcrmPerSecond === undefined ? '' : String(rates.retailcrmPerSecond),
          lifeposPerSecond: rates.lifeposPerSecond === undefined ? '' : String(rates.lifeposPerSecond),
          reconcileFrom: shown(settings.reconcileFrom, fallback.settings.reconcileFrom),
          reconcileEverySeconds: shown(
            settings.reconcileEverySeconds,
            fallback.settings.reconcileEverySeconds,
          ),
          lifeposPollSeconds: shown(settings.lifeposPollSeconds, fallback.settings.lifeposPollSeconds),
          syncEveryMinutes: shown(settings.syncEveryMinutes, fallback.settings.syncEveryMinutes),
          syncStoreTypes:
            settings.syncStoreTypes === undefined
              ? fallback.settings.syncStoreTypes
              : texts(settings.syncStoreTypes),
          storeSites:
            settings.storeSites === undefined ? fallback.settings.storeSites : record(settings.storeSites),
        }
      : fallback.settings,
  };
}

export interface ConnectionFormView {
  /** Undefined for a new connection. */
  connection?: PublicConnection;
  values: FormValues;
  fieldErrors?: FieldErrors;
  /** A fresh check, or the one stored on the connection (shown when its page opens). */
  report?: ShownCheck;
  activation?: readonly ActivationLine[];
  /** Shown when the connection is active (after activation, or on its page). */
  triggers?: TriggerInstructions;
  books?: ReferenceBooks;
  notice?: { kind: 'ok' | 'error'; text: Text };
  /** Unresolved incidents of the stored connection. */
  openIncidents?: number;
  /** Secrets typed earlier and kept for the next try (`kept-secrets.ts`): named, never shown. */
  kept?: readonly SecretField[];
}

interface FieldSpec {
  name: keyof Omit<FormValues, 'settings'> | 'lifeposPassword' | 'retailcrmApiKey';
  label: Text;
  /** Where to find the value (the integration guide's words). */
  hint: Text;
  type: 'text' | 'tel' | 'url' | 'password';
  autocomplete: string;
}

/** The seed's «Форма настройки коннектора», field by field, with its hints. */
const FIELDS: readonly FieldSpec[] = [
  {
    name: 'lifeposOrgId',
    label: t('ID организации LIFE POS', 'LIFE POS organization id'),
    hint: t(
      'Его можно получить в ЛК LIFE POS в адресной строке браузера после …/orgs/.',
      'Find it in the LIFE POS back office, in the browser address after …/orgs/.',
    ),
    type: 'text',
    autocomplete: 'off',
  },
  {
    name: 'lifeposPhone',
    label: t('Телефон сотрудника LIFE POS', 'LIFE POS employee phone'),
    hint: t(
      'Номер телефона, к которому привязан аккаунт с уровнем доступа «Владелец» или «Администратор».',
      'The phone number of an account with the Owner or Administrator access level.',
    ),
    type: 'tel',
    autocomplete: 'off',
  },
  {
    name: 'lifeposPassword',
    label: t('Пароль сотрудника LIFE POS', 'LIFE POS employee password'),
    hint: t('Пароль этого сотрудника в LIFE POS.', 'That employee’s LIFE POS password.'),
    type: 'password',
    autocomplete: 'new-password',
  },
  {
    name: 'retailcrmUrl',
    label: t('Ссылка на контур RetailCRM', 'RetailCRM account URL'),
    hint: t(
      'Можно взять в адресной строке после входа в ЛК RetailCRM, например https://my-company.retailcrm.ru.',
      'Take it from the address bar after signing in to RetailCRM, e.g. https://my-company.retailcrm.ru.',
    ),
    type: 'url',
    autocomplete: 'off',
  },
  {
    name: 'retailcrmApiKey',
    label: t('API-ключ RetailCRM', 'RetailCRM API key'),
    hint: t(
      'Настройки → Интеграция → Ключи доступа к API → Добавить. Включите «Активность», тип доступа «Доступ ко всем магазинам» и разрешения: заказы (получение и редактирование), клиенты (получение), склад (получение), справочники (получение), доставки (получение и редактирование), пользователи (получение), задачи (получение и редактирование), платежи (получение и редактирование).',
      'Settings → Integration → API access keys → Add. Make it active, with access to all stores and these permissions: orders (read, edit), customers (read), store (read), reference books (read), deliveries (read, edit), users (read), tasks (read, edit), payments (read, edit).',
    ),
    type: 'password',
    autocomplete: 'off',
  },
  {
    name: 'errorUserGroupCode',
    label: t('Код группы пользователей для задач RetailCRM', 'RetailCRM user group code for tasks'),
    hint: t(
      'Используется при проблемах с интеграцией: на сотрудников этой группы в RetailCRM коннектор будет создавать задачи с описанием возникших проблем.',
      'Used when the integration has a problem: the connector creates RetailCRM tasks describing it for the members of this group.',
    ),
    type: 'text',
    autocomplete: 'off',
  },
  {
    name: 'cashPaymentTypeCode',
    label: t('Код типа оплаты наличными', 'Cash payment type code'),
    hint: t(
      'Код типа оплаты для проведения оплаты через LIFE POS наличными денежными средствами.',
      'The payment type code for payments taken in cash through LIFE POS.',
    ),
    type: 'text',
    autocomplete: 'off',
  },
  {
    name: 'cashlessPaymentTypeCode',
    label: t('Код типа оплаты безналичными', 'Cashless payment type code'),
    hint: t(
      'Код типа оплаты для проведения оплаты через LIFE POS безналичным способом.',
      'The payment type code for cashless payments taken through LIFE POS.',
    ),
    type: 'text',
    autocomplete: 'off',
  },
];

function fieldError(ctx: PageContext, errors: FieldErrors | undefined, name: string): Html | false {
  const error = errors?.[name];
  return !!error && html`<p class="field-error" id="${name}-error">${tr(ctx, error)}</p>`;
}

function describedBy(errors: FieldErrors | undefined, name: string): string {
  return errors?.[name] ? `${name}-hint ${name}-error` : `${name}-hint`;
}

/** What a secret field says about its value: kept from an earlier try, stored, or nothing yet. */
function secretNote(ctx: PageContext, view: ConnectionFormView, spec: FieldSpec): Html | string {
  if (view.kept?.includes(spec.name as SecretField)) {
    return html` <span class="kept-secret" data-kept="${spec.name}">${
      view.connection
        ? say(
            ctx,
            'Введённое ранее значение сохранено (зашифровано) и будет проверено и применено при следующем сохранении; до тех пор действует прежнее. Введите новое, чтобы заменить.',
            'The value typed earlier is kept (encrypted) and will be checked and applied by the next save; until then the previous one stays in effect. Type a new one to replace it.',
          )
        : say(
            ctx,
            'Введённое ранее значение сохранено (зашифровано) и будет использовано; введите новое, чтобы заменить.',
            'The value typed earlier is kept (encrypted) and will be used; type a new one to replace it.',
          )
    }</span>`;
  }
  return view.connection
    ? html` ${say(ctx, 'Сохранённое значение не показывается; оставьте поле пустым, чтобы его не менять.', 'The stored value is not shown; leave the field empty to keep it.')}`
    : '';
}

function secretPlaceholder(ctx: PageContext, view: ConnectionFormView, spec: FieldSpec): Html {
  if (view.kept?.includes(spec.name as SecretField))
    return html`placeholder="${say(ctx, 'сохранён, введите новый, чтобы заменить', 'kept; type a new one to replace it')}"`;
  return view.connection
    ? html`placeholder="${say(ctx, 'оставить без изменений', 'leave unchanged')}"`
    : html`required`;
}

function mainField(ctx: PageContext, view: ConnectionFormView, spec: FieldSpec): Html {
  const secret = spec.type === 'password';
  const value = secret ? '' : view.values[spec.name as keyof Omit<FormValues, 'settings'>];
  const datalist =
    spec.name === 'errorUserGroupCode'
      ? view.books?.userGroups
      : spec.name === 'cashPaymentTypeCode' || spec.name === 'cashlessPaymentTypeCode'
        ? view.books?.paymentTypes.filter((type) => type.active !== false)
        : undefined;
  return html`<div class="field">
    <label for="${spec.name}">${tr(ctx, spec.label)}</label>
    <span class="hint" id="${spec.name}-hint">${tr(ctx, spec.hint)}${secret && secretNote(ctx, view, spec)}</span>
    <input type="${spec.type}" id="${spec.name}" name="${spec.name}" value="${value}"
      autocomplete="${spec.autocomplete}" spellcheck="false"
      ${secret ? secretPlaceholder(ctx, view, spec) : html`required`}
      ${datalist && html`list="${spec.name}-choices"`}
      aria-describedby="${describedBy(view.fieldErrors, spec.name)}"
      ${view.fieldErrors?.[spec.name] ? html`aria-invalid="true"` : ''}>
    ${datalist && html`<datalist id="${spec.name}-choices">${datalist.map((item) => html`<option value="${item.code}">${item.name}</option>`)}</datalist>`}
    ${fieldError(ctx, view.fieldErrors, spec.name)}
  </div>`;
}

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

const SALE_STATE_NAMES: Record<LifeposSaleState, Text> = {
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

function advancedSection(ctx: PageContext, view: ConnectionFormView): Html {
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
      ${LIFEPOS_SALE_STATES.map((state) =>
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

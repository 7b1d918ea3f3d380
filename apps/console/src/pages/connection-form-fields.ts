import { type Html, html } from '@connector/html';
import type { FieldErrors } from '../connection-input.schema.js';
import { type Text, t } from '../i18n.js';
import type { SecretField } from '../kept-secrets.js';
import type { ConnectionFormView, FormValues } from './connection-form-values.js';
import { type PageContext, say, tr } from './layout.js';

interface FieldSpec {
  name: keyof Omit<FormValues, 'settings'> | 'lifeposPassword' | 'retailcrmApiKey';
  label: Text;
  /** Where to find the value (the integration guide's words). */
  hint: Text;
  type: 'text' | 'tel' | 'url' | 'password';
  autocomplete: string;
}

/** The seed's «Форма настройки коннектора», field by field, with its hints. */
export const FIELDS: readonly FieldSpec[] = [
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

export function fieldError(ctx: PageContext, errors: FieldErrors | undefined, name: string): Html | false {
  const error = errors?.[name];
  return !!error && html`<p class="field-error" id="${name}-error">${tr(ctx, error)}</p>`;
}

export function describedBy(errors: FieldErrors | undefined, name: string): string {
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

export function mainField(ctx: PageContext, view: ConnectionFormView, spec: FieldSpec): Html {
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

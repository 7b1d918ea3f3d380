import { type ConnectionRecord, type ConnectionSettings, connectionSettingsSchema } from '@connector/db';
import { normalizePhone, SALE_STATES } from '@connector/domain';
import { z } from 'zod';
import {
  advancedSettingsErrors,
  isUnset,
  PERIOD_BOUNDS,
  type PeriodSetting,
} from './advanced-settings.schema.js';
import { type Text, t } from './i18n.js';

/**
 * The settings form (the integration guide's «Форма настройки коннектора») as the console and its JSON API
 * accept it. One schema for both, so the page and automation get the same validation. Secrets may be left
 * out of an update: the stored ones stay.
 */

const trimmed = (max: number) => z.string().trim().min(1).max(max);
const code = trimmed(64);

export const connectionFieldsSchema = z.object({
  /** LIFE POS organization guid: it becomes a path segment of every LIFE POS call and the triggers' client_id. */
  lifeposOrgId: trimmed(64).regex(/^[A-Za-z0-9-]+$/),
  /**
   * Typed as people write it (`8 916 555-00-11`, `+7 (916) 555-00-11`), stored as LIFE POS signs in with it
   * (`+79165550011`): its sign-in refuses spaces (docs/LIFEPOS-API.md, «Sign-in and tokens»).
   */
  lifeposPhone: z
    .string()
    .trim()
    .max(24)
    .regex(/^\+?[0-9()\-\s]+$/)
    .transform((value, context) => {
      const phone = normalizePhone(value);
      if (phone === undefined) {
        context.addIssue({ code: 'custom', message: 'not a Russian phone number' });
        return z.NEVER;
      }
      return phone;
    }),
  /** LIFE POS accepts 6–32 characters (sign-in-by-phone). */
  lifeposPassword: z.string().min(6).max(32),
  retailcrmUrl: z
    .string()
    .trim()
    .max(200)
    .transform((value) => value.replace(/\/+$/, ''))
    .pipe(z.url({ protocol: /^https?$/ })),
  retailcrmApiKey: z.string().trim().min(1).max(200),
  errorUserGroupCode: code,
  cashPaymentTypeCode: code,
  cashlessPaymentTypeCode: code,
  /** Advanced settings as given; validated by `connectionSettingsSchema` after merging with the stored ones. */
  settings: z.record(z.string(), z.unknown()).optional(),
});

type ConnectionFields = z.output<typeof connectionFieldsSchema>;
export type FieldName = keyof ConnectionFields;

/** A complete configuration to check or store: every field, secrets in plaintext, settings complete. */
export interface ConnectionDraft extends Omit<ConnectionFields, 'settings'> {
  settings: ConnectionSettings;
}

/** Secret fields: never rendered back, never logged; left out of an update they keep their stored value. */
export const SECRET_FIELDS = ['lifeposPassword', 'retailcrmApiKey'] as const;

/** What a person reads next to a field the input got wrong (the seed's hints say where to find each value). */
const FIELD_ERRORS: Record<FieldName, Text> = {
  lifeposOrgId: t(
    'Укажите ID организации LIFE POS: он виден в адресной строке личного кабинета LIFE POS после …/orgs/.',
    'Enter the LIFE POS organization id: it is in the LIFE POS back-office address after …/orgs/.',
  ),
  lifeposPhone: t(
    'Укажите российский номер телефона сотрудника LIFE POS, например 8 916 555-00-11 или +7 (916) 555-00-11.',
    'Enter the LIFE POS employee’s Russian phone number, e.g. 8 916 555-00-11 or +7 (916) 555-00-11.',
  ),
  lifeposPassword: t(
    'Укажите пароль сотрудника LIFE POS (от 6 до 32 символов).',
    'Enter the LIFE POS employee password (6 to 32 characters).',
  ),
  retailcrmUrl: t(
    'Укажите адрес RetailCRM вида https://my-company.retailcrm.ru — из адресной строки после входа в RetailCRM.',
    'Enter the RetailCRM address like https://my-company.retailcrm.ru — from the address bar after signing in.',
  ),
  retailcrmApiKey: t(
    'Укажите API-ключ RetailCRM (Настройки → Интеграция → Ключи доступа к API).',
    'Enter the RetailCRM API key (Settings → Integration → API access keys).',
  ),
  errorUserGroupCode: t(
    'Укажите код группы пользователей RetailCRM.',
    'Enter the RetailCRM user group code.',
  ),
  cashPaymentTypeCode: t('Укажите код типа оплаты наличными.', 'Enter the cash payment type code.'),
  cashlessPaymentTypeCode: t(
    'Укажите код типа оплаты безналичными.',
    'Enter the cashless payment type code.',
  ),
  settings: t('Проверьте дополнительные настройки.', 'Check the advanced settings.'),
};

/** Field name (`settings.rateLimits.retailcrmPerSecond` for nested ones) → what is wrong. */
export type FieldErrors = Record<string, Text>;

/**
 * The field an issue belongs to: a top-level field, or `settings.<key>` (the rate limits one level deeper,
 * as the form shows them) — an issue deeper in a list or a map names the entry in its message instead, so
 * the form can show it next to the setting.
 */
function fieldOf(path: readonly string[]): string {
  const [head, key, sub] = path;
  if (head !== 'settings' || key === undefined) return head ?? '';
  return key === 'rateLimits' && sub !== undefined ? `settings.${key}.${sub}` : `settings.${key}`;
}

function collectErrors(errors: FieldErrors, error: z.ZodError, prefix: string[] = []): void {
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map(String)];
    const [head, ...rest] = path;
    if (head === undefined) continue;
    const key = fieldOf(path);
    if (errors[key]) continue;
    errors[key] =
      head === 'settings'
        ? t(
            `Неверное значение (${rest.join('.')}): ${issue.message}`,
            `Invalid value (${rest.join('.')}): ${issue.message}`,
          )
        : (FIELD_ERRORS[head as FieldName] ?? t(issue.message, issue.message));
  }
}

export type ParsedInput = { ok: true; draft: ConnectionDraft } | { ok: false; fieldErrors: FieldErrors };

/**
 * Settings given on top of the base ones, key by key (rate limits one level deeper), so keys the form does
 * not show survive a save, then validated as a whole: first the console's own rules for the values given
 * that differ from the stored ones (their messages name the field), then the stored schema. A
 * `reconcileFrom` given empty or null is removed: the first history reading starts from now.
 */
function mergeSettings(
  base: ConnectionSettings | undefined,
  given: Record<string, unknown> | undefined,
  errors: FieldErrors,
): ConnectionSettings | undefined {
  const baseRates = base?.rateLimits ?? {};
  const givenRates = given?.rateLimits;
  const merged: Record<string, unknown> = {
    ...base,
    ...given,
    ...(typeof givenRates === 'object' && givenRates !== null
      ? { rateLimits: { ...baseRates, ...givenRates } }
      : {}),
  };
  if (given && 'reconcileFrom' in given && isUnset(given.reconcileFrom)) delete merged.reconcileFrom;
  const own = advancedSettingsErrors(given ?? {}, base, new Date());
  Object.assign(errors, own);
  const parsed = connectionSettingsSchema.safeParse(merged);
  if (!parsed.success) collectErrors(errors, parsed.error, ['settings']);
  return parsed.success && Object.keys(own).length === 0 ? parsed.data : undefined;
}

/** A new connection: every field required. */
export function parseCreateInput(raw: unknown): ParsedInput {
  const errors: FieldErrors = {};
  const fields = connectionFieldsSchema.safeParse(raw);
  if (!fields.success) collectErrors(errors, fields.error);
  const rawSettings = fields.success ? fields.data.settings : undefined;
  const settings = mergeSettings(undefined, rawSettings, errors);
  if (!fields.success || !settings) return { ok: false, fieldErrors: errors };
  return { ok: true, draft: { ...fields.data, settings } };
}

/** A change of a stored connection: fields left out (secrets too) keep their stored values. */
export function parseUpdateInput(raw: unknown, stored: ConnectionRecord): ParsedInput {
  const errors: FieldErrors = {};
  const fields = connectionFieldsSchema.partial().safeParse(raw);
  if (!fields.success) collectErrors(errors, fields.error);
  const given = fields.success ? fields.data : {};
  const settings = mergeSettings(stored.settings, given.settings, errors);
  if (!fields.success || !settings) return { ok: false, fieldErrors: errors };
  return {
    ok: true,
    draft: {
      lifeposOrgId: given.lifeposOrgId ?? stored.lifeposOrgId,
      lifeposPhone: given.lifeposPhone ?? stored.lifeposPhone,
      lifeposPassword: given.lifeposPassword ?? stored.lifeposPassword,
      retailcrmUrl: given.retailcrmUrl ?? stored.retailcrmUrl,
      retailcrmApiKey: given.retailcrmApiKey ?? stored.retailcrmApiKey,
      errorUserGroupCode: given.errorUserGroupCode ?? stored.errorUserGroupCode,
      cashPaymentTypeCode: given.cashPaymentTypeCode ?? stored.cashPaymentTypeCode,
      cashlessPaymentTypeCode: given.cashlessPaymentTypeCode ?? stored.cashlessPaymentTypeCode,
      settings,
    },
  };
}

/** The stored connection as a draft (to check it again). */
export function draftOfStored(stored: ConnectionRecord): ConnectionDraft {
  return {
    lifeposOrgId: stored.lifeposOrgId,
    lifeposPhone: stored.lifeposPhone,
    lifeposPassword: stored.lifeposPassword,
    retailcrmUrl: stored.retailcrmUrl,
    retailcrmApiKey: stored.retailcrmApiKey,
    errorUserGroupCode: stored.errorUserGroupCode,
    cashPaymentTypeCode: stored.cashPaymentTypeCode,
    cashlessPaymentTypeCode: stored.cashlessPaymentTypeCode,
    settings: stored.settings,
  };
}

// ---------------------------------------------------------------- the HTML form's encoding

type FormBody = Record<string, string | string[] | undefined>;

const list = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .flatMap((item) => item.split(/[\n,]/))
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const single = (value: string | string[] | undefined): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  const trimmedValue = first?.trim();
  return trimmedValue ? trimmedValue : undefined;
};

/** Multi-value settings: checkboxes (repeated fields) when the reference book is known, else a text list. */
export const LIST_SETTINGS = [
  'exportStatuses',
  'cancelStatuses',
  'deleteStatuses',
  'refundPaymentStatuses',
] as const;

/**
 * The HTML form's fields → the input the schemas validate. Empty secret fields mean "leave unchanged"
 * (they are left out). Settings come as flat fields: lists as repeated or comma/newline separated values,
 * `saleStatus.<State>`, `deliveryKind.<code>` selects (or the `deliveryKinds` text, `code = kind` lines),
 * the two rate limits, the periodic jobs' fields and the store settings.
 */
export function inputFromForm(body: FormBody): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of [
    'lifeposOrgId',
    'lifeposPhone',
    'retailcrmUrl',
    'errorUserGroupCode',
    'cashPaymentTypeCode',
    'cashlessPaymentTypeCode',
  ] as const) {
    input[field] = single(body[field]) ?? '';
  }
  for (const secret of ['lifeposPassword', 'retailcrmApiKey'] as const) {
    const value = single(body[secret]);
    if (value !== undefined) input[secret] = value;
  }
  if (body.advanced === undefined) return input;

  const settings: Record<string, unknown> = {};
  for (const key of LIST_SETTINGS) settings[key] = list(body[key]);
  const saleStateToStatus: Record<string, string> = {};
  for (const state of SALE_STATES) {
    const status = single(body[`saleStatus.${state}`]);
    if (status) saleStateToStatus[state] = status;
  }
  settings.saleStateToStatus = saleStateToStatus;
  const paid = single(body.paidPaymentStatus);
  if (paid) settings.paidPaymentStatus = paid;
  const refunded = single(body.refundedPaymentStatus);
  if (refunded) settings.refundedPaymentStatus = refunded;

  const kinds: Record<string, string> = {};
  const selects = Object.keys(body).filter((key) => key.startsWith('deliveryKind.'));
  if (selects.length > 0) {
    for (const key of selects) {
      const kind = single(body[key]);
      if (kind) kinds[key.slice('deliveryKind.'.length)] = kind;
    }
  } else {
    for (const line of (single(body.deliveryKinds) ?? '').split('\n')) {
      const [deliveryType, kind] = line.split('=').map((part) => part.trim());
      if (deliveryType && kind) kinds[deliveryType] = kind;
    }
  }
  settings.deliveryTypeToOrderKind = kinds;
  const rate = (name: string) => {
    const value = single(body[name]);
    return value === undefined ? undefined : Number(value);
  };
  settings.rateLimits = {
    ...(rate('retailcrmPerSecond') !== undefined && { retailcrmPerSecond: rate('retailcrmPerSecond') }),
    ...(rate('lifeposPerSecond') !== undefined && { lifeposPerSecond: rate('lifeposPerSecond') }),
  };
  Object.assign(settings, periodicSettingsFromForm(body), storeSettingsFromForm(body));
  input.settings = settings;
  return input;
}

/**
 * The periodic jobs' fields. An empty `reconcileFrom` is null ("from now"); an empty period is left out
 * (the stored or default one stays); a period that is not a number stays text, so its error can show it.
 */
function periodicSettingsFromForm(body: FormBody): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (body.reconcileFrom !== undefined) settings.reconcileFrom = single(body.reconcileFrom) ?? null;
  for (const key of Object.keys(PERIOD_BOUNDS) as PeriodSetting[]) {
    const value = single(body[key]);
    if (value !== undefined) settings[key] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return settings;
}

/**
 * Store types (checkboxes, left out when the form did not have them) and the store → site binding: a
 * `storeSite.<store>` select per store when the books are known (empty: decided automatically), else the
 * `storeSites` text, a `store = site` line each. A line that is not a pair is kept as it is (an empty
 * side), so that its error names it instead of the line silently disappearing.
 */
function storeSettingsFromForm(body: FormBody): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (body.syncStoreTypes !== undefined) settings.syncStoreTypes = list(body.syncStoreTypes);
  const selects = Object.keys(body).filter((key) => key.startsWith('storeSite.'));
  if (selects.length > 0) {
    const sites: Record<string, string> = {};
    for (const key of selects) {
      const site = single(body[key]);
      if (site) sites[key.slice('storeSite.'.length)] = site;
    }
    settings.storeSites = sites;
  } else if (body.storeSites !== undefined) {
    const sites: Record<string, string> = {};
    for (const line of (single(body.storeSites) ?? '').split('\n')) {
      if (!line.trim()) continue;
      const eq = line.indexOf('=');
      const store = (eq < 0 ? line : line.slice(0, eq)).trim();
      sites[store] = eq < 0 ? '' : line.slice(eq + 1).trim();
    }
    settings.storeSites = sites;
  }
  return settings;
}

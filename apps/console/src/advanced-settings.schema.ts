import { z } from 'zod';
import { type Text, t } from './i18n.js';

/**
 * The console's own rules for the advanced settings a person sets, stricter than `connectionSettingsSchema`
 * (which stays lenient so that values stored by other means, e.g. tests with second-long periods, still
 * load): periods a production tenant can afford, a `reconcileFrom` that is neither in the future nor a
 * replay of months of history, store types RetailCRM has, and a store → site binding that names both.
 * Only the values an input changes are held to them, so a stored value never blocks an unrelated change:
 * the form sends every field back, and a `reconcileFrom` that was fine when set ages past the window.
 */

/** RetailCRM's store types (docs/RETAILCRM-API.md, «Reference books»: `Enum/Reference/StoreType.php`). */
export const RETAILCRM_STORE_TYPES = [
  'store-type-retail',
  'store-type-online',
  'store-type-warehouse',
  'store-type-supplier',
] as const;

export const STORE_TYPE_NAMES: Record<(typeof RETAILCRM_STORE_TYPES)[number], Text> = {
  'store-type-retail': t('Розничный магазин (точка продаж)', 'Retail store (point of sale)'),
  'store-type-online': t('Интернет-магазин', 'Online store'),
  'store-type-warehouse': t('Склад', 'Warehouse'),
  'store-type-supplier': t('Поставщик', 'Supplier'),
};

export type PeriodSetting = 'reconcileEverySeconds' | 'lifeposPollSeconds' | 'syncEveryMinutes';

/**
 * Periods of the per-connection job schedulers. A run costs at least one request of the tenant's budget
 * (RetailCRM ~10/s, LIFE POS 5/s, shared with exports), so the seconds-long ones start at 10 s; the upper
 * bounds are the schema's, beyond which a lost trigger or notification waits too long for its repair.
 */
export const PERIOD_BOUNDS: Record<PeriodSetting, { min: number; max: number }> = {
  reconcileEverySeconds: { min: 10, max: 3600 },
  lifeposPollSeconds: { min: 10, max: 3600 },
  syncEveryMinutes: { min: 1, max: 1440 },
};

/**
 * How far back the first history reading may start. Every handled entry may re-send an export, a cancel
 * or a refund, so months of history would be a back-fill storm (docs/ARCHITECTURE.md, «Reconciliation»).
 */
export const RECONCILE_FROM_MAX_DAYS = 90;
/** A client clock a little ahead of ours must not make "now" a future instant. */
const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

const reconcileFromFormat = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/**
 * The span of instants a `reconcileFrom` value may mean. A date is midnight in the account's time zone,
 * which the console does not know: somewhere between UTC+14 (earliest) and UTC−12 (latest).
 */
function instantsOf(value: string): { earliest: number; latest: number } {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return { earliest: Date.parse(`${value}T00:00:00+14:00`), latest: Date.parse(`${value}T00:00:00-12:00`) };
  }
  const instant = Date.parse(value);
  return { earliest: instant, latest: instant };
}

const FROM_FIELD = t(
  'Начало первой сверки с историей RetailCRM (reconcileFrom)',
  'Start of the first RetailCRM history reconciliation (reconcileFrom)',
);

function reconcileFromProblem(value: unknown, now: number): Text | undefined {
  if (typeof value !== 'string' || !reconcileFromFormat.safeParse(value).success) {
    const raw = typeof value === 'string' ? value : String(JSON.stringify(value));
    return t(
      `${FROM_FIELD.ru}: «${raw}» — не дата. Укажите дату в виде ГГГГ-ММ-ДД (например, 2026-05-01) или момент ISO 8601 со смещением (2026-05-01T09:30:00+03:00); оставьте пустым, чтобы начать с момента включения.`,
      `${FROM_FIELD.en}: “${raw}” is not a date. Enter a date as YYYY-MM-DD (e.g. 2026-05-01) or an ISO 8601 instant with an offset (2026-05-01T09:30:00+03:00); leave it empty to start from activation.`,
    );
  }
  const { earliest, latest } = instantsOf(value);
  if (earliest > now + CLOCK_SKEW_MS) {
    return t(
      `${FROM_FIELD.ru}: «${value}» ещё не наступило. Укажите прошедшую дату или оставьте поле пустым.`,
      `${FROM_FIELD.en}: “${value}” is in the future. Enter a past date or leave the field empty.`,
    );
  }
  if (latest < now - RECONCILE_FROM_MAX_DAYS * DAY_MS) {
    return t(
      `${FROM_FIELD.ru}: «${value}» раньше чем ${RECONCILE_FROM_MAX_DAYS} дней назад — первая сверка повторила бы события за месяцы. Укажите дату не раньше.`,
      `${FROM_FIELD.en}: “${value}” is more than ${RECONCILE_FROM_MAX_DAYS} days ago — the first reconciliation would replay months of events. Enter a later date.`,
    );
  }
  return undefined;
}

const PERIOD_FIELDS: Record<PeriodSetting, { name: Text; unit: Text }> = {
  reconcileEverySeconds: {
    name: t(
      'Период сверки с историей RetailCRM (reconcileEverySeconds)',
      'RetailCRM history reconciliation period (reconcileEverySeconds)',
    ),
    unit: t('секунд', 'seconds'),
  },
  lifeposPollSeconds: {
    name: t(
      'Период проверки продаж LIFE POS (lifeposPollSeconds)',
      'LIFE POS sales check period (lifeposPollSeconds)',
    ),
    unit: t('секунд', 'seconds'),
  },
  syncEveryMinutes: {
    name: t(
      'Период синхронизации складов и курьеров (syncEveryMinutes)',
      'Store and courier sync period (syncEveryMinutes)',
    ),
    unit: t('минут', 'minutes'),
  },
};

function periodProblem(key: PeriodSetting, value: unknown): Text | undefined {
  const { min, max } = PERIOD_BOUNDS[key];
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
  const { name, unit } = PERIOD_FIELDS[key];
  return t(
    `${name.ru}: укажите целое число ${unit.ru} от ${min} до ${max}.`,
    `${name.en}: enter a whole number of ${unit.en} from ${min} to ${max}.`,
  );
}

const isStoreType = (value: unknown): boolean =>
  typeof value === 'string' && (RETAILCRM_STORE_TYPES as readonly string[]).includes(value);

function storeTypesProblem(value: unknown): Text | undefined {
  if (Array.isArray(value) && value.length > 0 && value.every(isStoreType)) return undefined;
  const unknown = Array.isArray(value) ? value.filter((item) => !isStoreType(item)).map(String) : [];
  const known = RETAILCRM_STORE_TYPES.join(', ');
  return t(
    `Типы складов — торговые точки (syncStoreTypes): ${unknown.length ? `нет типов ${unknown.map((item) => `«${item}»`).join(', ')}; ` : ''}выберите хотя бы один из: ${known}.`,
    `Store types that sell (syncStoreTypes): ${unknown.length ? `no such types ${unknown.map((item) => `“${item}”`).join(', ')}; ` : ''}choose at least one of: ${known}.`,
  );
}

const CODE = /^\S{1,64}$/;

function storeSitesProblem(value: unknown): Text | undefined {
  const field = t('Склад → магазин RetailCRM (storeSites)', 'Store → RetailCRM site (storeSites)');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return t(
      `${field.ru}: ожидаются пары «код склада → код магазина».`,
      `${field.en}: expected pairs “store code → site code”.`,
    );
  }
  const bad = Object.entries(value).filter(
    ([store, site]) => !CODE.test(store) || typeof site !== 'string' || !CODE.test(site),
  );
  if (bad.length === 0) return undefined;
  const shown = bad.map(
    ([store, site]) => `«${store} = ${typeof site === 'string' ? site : JSON.stringify(site)}»`,
  );
  return t(
    `${field.ru}: неверные строки ${shown.join(', ')}. Укажите код склада и код магазина через «=», например msk-tverskaya = zerno-msk.`,
    `${field.en}: invalid lines ${shown.join(', ')}. Enter the store code and the site code joined by “=”, e.g. msk-tverskaya = zerno-msk.`,
  );
}

/**
 * What is wrong with the advanced settings an input gives, by field name (`settings.<key>`), for the keys
 * the console holds to its own rules; a value equal to the stored one is not looked at. `reconcileFrom`
 * given as null or '' means "unset" and is fine.
 */
export function advancedSettingsErrors(
  given: Record<string, unknown>,
  stored: Readonly<Record<string, unknown>> | undefined,
  now: Date,
): Record<string, Text> {
  const errors: Record<string, Text> = {};
  const changed = (key: string) =>
    key in given && JSON.stringify(given[key]) !== JSON.stringify(stored?.[key]);
  const add = (key: string, problem: Text | undefined) => {
    if (problem) errors[`settings.${key}`] = problem;
  };
  if (changed('reconcileFrom') && !isUnset(given.reconcileFrom)) {
    add('reconcileFrom', reconcileFromProblem(given.reconcileFrom, now.getTime()));
  }
  for (const key of Object.keys(PERIOD_BOUNDS) as PeriodSetting[]) {
    if (changed(key)) add(key, periodProblem(key, given[key]));
  }
  if (changed('syncStoreTypes')) add('syncStoreTypes', storeTypesProblem(given.syncStoreTypes));
  if (changed('storeSites')) add('storeSites', storeSitesProblem(given.storeSites));
  return errors;
}

/** `reconcileFrom` cleared: the first reading starts from now. */
export const isUnset = (value: unknown): boolean => value === null || value === undefined || value === '';

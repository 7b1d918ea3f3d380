import { type ConnectionSettings, LIFEPOS_SALE_STATES } from '@connector/db';
import {
  isSellingStore,
  needsLegalEntityBook,
  normalizeInn,
  resolveStoreInn,
  type StoreInnResolution,
  siteInns,
} from '@connector/domain';
import {
  isLifePosError,
  type LegalEntity,
  type LifePosClient,
  type Page,
  type Role,
} from '@connector/lifepos';
import { redactString } from '@connector/logger';
import {
  RetailCrmApiError,
  type RetailCrmClient,
  type RetailCrmCredentials,
  type RetailCrmDeliveryType,
  type RetailCrmLegalEntity,
  type RetailCrmPaymentStatus,
  type RetailCrmPaymentType,
  type RetailCrmSite,
  type RetailCrmStatus,
  type RetailCrmStore,
  type RetailCrmSystemSettings,
  RetailCrmUnavailableError,
  RetailCrmUrlNotAllowedError,
  type RetailCrmUser,
  type RetailCrmUserGroup,
} from '@connector/retailcrm';
import type { CheckClients } from './check-clients.js';
import type { ConnectionDraft } from './connection-input.schema.js';
import { joinTexts, type Text, t } from './i18n.js';
import { proposeSettings } from './proposed-settings.js';

/**
 * The live checks of the settings form: one line per thing the integration guide asks for, each with the
 * exact reason and what to do. Only a configuration whose lines have no error is activated.
 */

export type CheckStatus = 'ok' | 'warning' | 'error' | 'skipped';

export type CheckId =
  | 'lifepos.sign_in'
  | 'lifepos.role'
  | 'retailcrm.account'
  | 'retailcrm.api_key'
  | 'retailcrm.error_group'
  | 'retailcrm.payment_types'
  | 'legal_entities.inn'
  | 'stores.outlets'
  | 'settings.codes';

export interface CheckLine {
  id: CheckId;
  status: CheckStatus;
  title: Text;
  message: Text;
  /** What to do about a warning or an error. */
  action?: Text;
}

/** The account's reference books the advanced settings offer choices from. */
export interface ReferenceBooks {
  statuses: { code: string; name: string; group?: string | undefined; active?: boolean | undefined }[];
  paymentStatuses: {
    code: string;
    name: string;
    active?: boolean | undefined;
    paymentComplete?: boolean | undefined;
  }[];
  paymentTypes: { code: string; name: string; active?: boolean | undefined }[];
  deliveryTypes: {
    code: string;
    name: string;
    active?: boolean | undefined;
    integrationCode?: string | undefined;
  }[];
  userGroups: { code: string; name: string }[];
  /** Stores and sites, for the store → site binding; present when RetailCRM listed them. */
  stores?: { code: string; name: string; type?: string | undefined; active?: boolean | undefined }[];
  sites?: { code: string; name: string }[];
}

/** Who the LIFE POS side is, as the check read it: names for the pages (never a secret). */
export interface LifePosIdentity {
  orgName: string | null;
  employeeId?: string | undefined;
  employeeName?: string | null | undefined;
}

export interface CheckReport {
  /** No line is an error. */
  ok: boolean;
  lines: CheckLine[];
  /** Present when RetailCRM answered with them. */
  books?: ReferenceBooks;
  /** Present when LIFE POS said which organization and employee these are. */
  lifepos?: LifePosIdentity;
  /** The settings checked, when they were proposed from the account's books (a new connection). */
  settings?: ConnectionSettings;
  /** The RetailCRM account's IANA time zone, when its settings could be read. */
  timeZone?: string;
  checkedAt: string;
}

export interface RunChecksOptions {
  /**
   * Propose the advanced settings from the account's books (`proposed-settings.ts`), except the keys
   * given here: a new connection starts with codes its account has.
   */
  propose?: { given: ReadonlySet<string> };
}

/**
 * The key permissions the integration guide lists (docs/RETAILCRM-API.md, «Key scopes», names their codes).
 */
export const REQUIRED_SCOPES: readonly { scopes: readonly string[]; name: Text }[] = [
  {
    scopes: ['order_read', 'order_write'],
    name: t('Заказы, получение и редактирование', 'Orders: read and edit'),
  },
  { scopes: ['customer_read'], name: t('Клиенты, получение', 'Customers: read') },
  { scopes: ['store_read'], name: t('Склад, получение', 'Store: read') },
  { scopes: ['reference_read'], name: t('Справочники, получение', 'Reference books: read') },
  {
    scopes: ['delivery_read', 'delivery_write'],
    name: t('Доставки, получение и редактирование', 'Deliveries: read and edit'),
  },
  { scopes: ['user_read'], name: t('Пользователи, получение', 'Users: read') },
  {
    scopes: ['task_read', 'task_write'],
    name: t('Задачи, получение и редактирование', 'Tasks: read and edit'),
  },
  {
    scopes: ['payments_read', 'payments_write'],
    name: t('Платежи, получение и редактирование', 'Payments: read and edit'),
  },
];

export const REQUIRED_SCOPE_CODES: readonly string[] = REQUIRED_SCOPES.flatMap((entry) => entry.scopes);

const API_ROLE_TYPES = ['Owner', 'Administrator'];
/** When the role book cannot be read, the role's own name still tells (LIFE POS names them in Russian). */
const API_ROLE_NAMES = /^(owner|administrator|admin|владелец|администратор)$/i;
const MAX_PAGES = 20;
/** Stores looked at in the store → outlet preview; more are summarised. */
const MAX_STORES = 20;

const TITLES: Record<CheckId, Text> = {
  'lifepos.sign_in': t(
    'Вход в LIFE POS по телефону и паролю',
    'LIFE POS sign-in with the phone and password',
  ),
  'lifepos.role': t(
    'Сотрудник LIFE POS — владелец или администратор организации',
    'The LIFE POS employee is Owner or Administrator of the organization',
  ),
  'retailcrm.account': t(
    'Адрес RetailCRM разрешён и аккаунт отвечает',
    'RetailCRM address allowed and answering',
  ),
  'retailcrm.api_key': t(
    'API-ключ RetailCRM: разрешения и доступ к магазинам',
    'RetailCRM API key: permissions and access to the sites',
  ),
  'retailcrm.error_group': t('Группа пользователей для задач об ошибках', 'User group for error tasks'),
  'retailcrm.payment_types': t('Типы оплаты наличными и безналичными', 'Cash and cashless payment types'),
  'legal_entities.inn': t(
    'Юрлица RetailCRM есть в LIFE POS (по ИНН)',
    'RetailCRM legal entities exist in LIFE POS (by INN)',
  ),
  'stores.outlets': t('Магазины RetailCRM → торговые точки LIFE POS', 'RetailCRM stores → LIFE POS outlets'),
  'settings.codes': t(
    'Дополнительные настройки: коды есть в справочниках RetailCRM',
    'Advanced settings: the codes exist in the RetailCRM reference books',
  ),
};

function line(id: CheckId, status: CheckStatus, message: Text, action?: Text): CheckLine {
  return { id, status, title: TITLES[id], message, ...(action ? { action } : {}) };
}

const skipped = (id: CheckId, because: Text) =>
  line(id, 'skipped', joinTexts([t('Не проверено:', 'Not checked:'), because]));

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

async function allPages<T>(fetch: (pageToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await fetch(pageToken);
    items.push(...result.items);
    pageToken = result.nextPageToken;
    if (pageToken === undefined) break;
  }
  return items;
}

/** What the upstream said, for a person; never a secret (the clients keep keys out of messages). */
function said(error: unknown): string {
  let text: string;
  if (error instanceof RetailCrmApiError) text = error.errorMsg ?? error.code;
  else if (error instanceof RetailCrmUrlNotAllowedError) text = error.reason;
  else if (isLifePosError(error))
    text = error.failure.api?.message ?? error.failure.api?.code ?? error.message;
  else text = error instanceof Error ? error.message : String(error);
  return redactString(text);
}

/**
 * The upstream's own words, after the Russian explanation that precedes them: ` Ответ LIFE POS: «…».`
 * (the API answers in English; an operator reads what it means first, the quote is for support).
 */
function answer(system: 'LIFE POS' | 'RetailCRM', error: unknown): Text {
  const text = said(error).replace(/[.\s]+$/, '');
  return t(` Ответ ${system}: «${text}».`, ` ${system} said: “${text}”.`);
}

/** A Russian explanation followed by the upstream's answer. */
const explained = (explanation: Text, system: 'LIFE POS' | 'RetailCRM', error: unknown): Text =>
  joinTexts([explanation, answer(system, error)], '');

const quoted = (items: readonly string[]) => items.map((item) => `«${item}»`).join(', ');

// ---------------------------------------------------------------- LIFE POS

interface LifePosFacts {
  signIn: Outcome<void>;
  me?: Outcome<{
    guid: string;
    name: string | null;
    roleGuid: string | undefined;
    roleName: string | undefined;
  }>;
  org?: Outcome<{ name: string | null }>;
  roles?: Outcome<Role[]>;
  legalEntities?: Outcome<LegalEntity[]>;
}

async function lifeposFacts(lifepos: LifePosClient): Promise<LifePosFacts> {
  const signIn = await attempt(() => lifepos.signIn());
  if (!signIn.ok) return { signIn };
  const [me, org, roles, legalEntities] = await Promise.all([
    attempt(async () => {
      const employee = await lifepos.orgs.me();
      return {
        guid: employee.guid,
        name: employee.name,
        roleGuid: employee.role?.guid,
        roleName: employee.role?.name,
      };
    }),
    attempt(async () => ({ name: (await lifepos.orgs.get()).name })),
    attempt(() => allPages((pageToken) => lifepos.roles.list({ pageToken }))),
    attempt(() =>
      allPages((pageToken) => lifepos.legalEntities.list({ pageToken, selection: 'alive_only' })),
    ),
  ]);
  return { signIn, me, org, roles, legalEntities };
}

function identityOf(facts: LifePosFacts): LifePosIdentity | undefined {
  const org = facts.org?.ok ? facts.org.value.name : null;
  const me = facts.me?.ok ? facts.me.value : undefined;
  if (org === null && !me) return undefined;
  return { orgName: org, ...(me && { employeeId: me.guid, employeeName: me.name }) };
}

function signInLine(facts: LifePosFacts): CheckLine {
  const id = 'lifepos.sign_in';
  if (facts.signIn.ok)
    return line(id, 'ok', t('Телефон и пароль приняты.', 'The phone and password were accepted.'));
  const { error } = facts.signIn;
  if (isLifePosError(error) && error.code === 'lifepos.auth.invalid_credentials') {
    return line(
      id,
      'error',
      explained(
        t(
          'LIFE POS не принял телефон и пароль сотрудника.',
          'LIFE POS did not accept the employee phone and password.',
        ),
        'LIFE POS',
        error,
      ),
      t(
        'Проверьте телефон и пароль сотрудника LIFE POS с уровнем доступа «Владелец» или «Администратор» и сохраните снова.',
        'Check the phone and password of a LIFE POS employee with the Owner or Administrator access level and save again.',
      ),
    );
  }
  return line(
    id,
    'error',
    explained(
      t(
        'LIFE POS сейчас недоступен или ответил ошибкой.',
        'LIFE POS is unavailable or answered with an error.',
      ),
      'LIFE POS',
      error,
    ),
    t('Повторите проверку через несколько минут.', 'Run the check again in a few minutes.'),
  );
}

function roleLine(facts: LifePosFacts, draft: ConnectionDraft): CheckLine {
  const id = 'lifepos.role';
  if (!facts.signIn.ok || !facts.me)
    return skipped(id, t('вход в LIFE POS не удался.', 'the LIFE POS sign-in failed.'));
  const org = draft.lifeposOrgId;
  const notOwner = (detail: Text) =>
    line(
      id,
      'error',
      joinTexts(
        [
          t(
            `Сотрудник с телефоном ${draft.lifeposPhone} не владелец и не администратор организации ${org}.`,
            `The employee with phone ${draft.lifeposPhone} is neither Owner nor Administrator of organization ${org}.`,
          ),
          detail,
        ],
        '',
      ),
      t(
        'Укажите телефон и пароль сотрудника с уровнем доступа «Владелец» или «Администратор» этой организации.',
        'Enter the phone and password of an employee with the Owner or Administrator access level in this organization.',
      ),
    );
  if (!facts.me.ok) {
    const { error } = facts.me;
    const status = isLifePosError(error) ? error.failure.status : undefined;
    if (status === 404) {
      return line(
        id,
        'error',
        t(`Организации ${org} нет в LIFE POS.`, `LIFE POS has no organization ${org}.`),
        t(
          'Проверьте ID организации: он виден в адресной строке личного кабинета LIFE POS после …/orgs/.',
          'Check the organization id: it is in the LIFE POS back-office address after …/orgs/.',
        ),
      );
    }
    if (status === 403) return notOwner(answer('LIFE POS', error));
    return line(
      id,
      'error',
      explained(
        t('LIFE POS не ответил, кто этот сотрудник.', 'LIFE POS did not say who the employee is.'),
        'LIFE POS',
        error,
      ),
      t('Повторите проверку через несколько минут.', 'Run the check again in a few minutes.'),
    );
  }
  const me = facts.me.value;
  const role = facts.roles?.ok
    ? facts.roles.value.find((candidate) => candidate.guid === me.roleGuid)
    : undefined;
  const roleName = role?.name ?? me.roleName ?? role?.roleType ?? '—';
  const allowed = role?.roleType
    ? API_ROLE_TYPES.includes(role.roleType)
    : API_ROLE_NAMES.test((me.roleName ?? '').trim());
  if (!allowed) return notOwner(t(` Его роль: «${roleName}».`, ` Their role: “${roleName}”.`));
  return line(
    id,
    'ok',
    t(
      `${me.name ?? draft.lifeposPhone}: роль «${roleName}».`,
      `${me.name ?? draft.lifeposPhone}: role “${roleName}”.`,
    ),
  );
}

// ---------------------------------------------------------------- RetailCRM

interface RetailCrmFacts {
  /** The client could not be built (SSRF guard) or the account did not answer. */
  account: Outcome<RetailCrmCredentials>;
  sites?: Outcome<RetailCrmSite[]>;
  stores?: Outcome<RetailCrmStore[]>;
  statuses?: Outcome<RetailCrmStatus[]>;
  paymentTypes?: Outcome<RetailCrmPaymentType[]>;
  paymentStatuses?: Outcome<RetailCrmPaymentStatus[]>;
  deliveryTypes?: Outcome<RetailCrmDeliveryType[]>;
  legalEntities?: Outcome<RetailCrmLegalEntity[]>;
  userGroups?: Outcome<RetailCrmUserGroup[]>;
  groupUsers?: Outcome<RetailCrmUser[]>;
  /** The account's settings (its time zone): not a check of its own, the connection's dates use it. */
  systemSettings?: Outcome<RetailCrmSystemSettings>;
  /** Store code → sites of recent orders shipped from it (only when the account has several legal entities). */
  orderSites?: Map<string, string[]>;
}

async function allRetailCrmPages<T>(
  fetch: (page: number) => Promise<{ items: T[]; totalPageCount: number }>,
): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const result = await fetch(page);
    items.push(...result.items);
    if (page >= result.totalPageCount) break;
  }
  return items;
}

async function retailcrmFacts(
  client: CheckClients['retailcrm'],
  draft: ConnectionDraft,
): Promise<RetailCrmFacts> {
  if (client instanceof RetailCrmUrlNotAllowedError) return { account: { ok: false, error: client } };
  const account = await attempt(() => client.credentials());
  if (!account.ok) return { account };
  const [
    sites,
    stores,
    statuses,
    paymentTypes,
    paymentStatuses,
    deliveryTypes,
    userGroups,
    groupUsers,
    systemSettings,
  ] = await Promise.all([
    attempt(() => client.sites()),
    attempt(() => client.stores()),
    attempt(() => client.statuses()),
    attempt(() => client.paymentTypes()),
    attempt(() => client.paymentStatuses()),
    attempt(() => client.deliveryTypes()),
    attempt(() =>
      allRetailCrmPages(async (page) => {
        const { groups, pagination } = await client.userGroups({ page, limit: 100 });
        return { items: groups, totalPageCount: pagination.totalPageCount };
      }),
    ),
    attempt(() =>
      allRetailCrmPages(async (page) => {
        const { users, pagination } = await client.listUsers(
          { groups: [draft.errorUserGroupCode], active: true },
          { page, limit: 100 },
        );
        return { items: users, totalPageCount: pagination.totalPageCount };
      }),
    ),
    attempt(() => client.systemSettings()),
  ]);
  const legalEntities = await attempt(() => client.legalEntities());
  const facts: RetailCrmFacts = {
    account,
    sites,
    stores,
    statuses,
    paymentTypes,
    paymentStatuses,
    deliveryTypes,
    legalEntities,
    userGroups,
    groupUsers,
    systemSettings,
  };
  facts.orderSites = await orderSitesOfStores(client, facts, draft);
  return facts;
}

/** What the store sync will look at when the account has several legal entities: the sites of the store's orders. */
async function orderSitesOfStores(
  client: RetailCrmClient,
  facts: RetailCrmFacts,
  draft: ConnectionDraft,
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  if (!facts.sites?.ok || !facts.stores?.ok) return result;
  const inns = siteInnsOf(facts);
  if (new Set(inns.values()).size <= 1) return result;
  const selling = facts.stores.value
    .filter((store) => isSellingStore(store, draft.settings.syncStoreTypes))
    .filter((store) => draft.settings.storeSites[store.code] === undefined)
    .slice(0, MAX_STORES);
  await Promise.all(
    selling.map(async (store) => {
      const orders = await attempt(() => client.listOrders({ shipmentStores: [store.code] }, { limit: 20 }));
      if (orders.ok) {
        result.set(
          store.code,
          orders.value.orders
            .map((order) => order.site)
            .filter((site): site is string => typeof site === 'string'),
        );
      }
    }),
  );
  return result;
}

function siteInnsOf(facts: RetailCrmFacts): Map<string, string | undefined> {
  const sites = facts.sites?.ok ? facts.sites.value : [];
  const book = facts.legalEntities?.ok ? facts.legalEntities.value : [];
  return siteInns(
    sites.map((site) => ({
      code: site.code,
      contragent: site.contragent,
      contragentCode: typeof site.contragentCode === 'string' ? site.contragentCode : undefined,
    })),
    needsLegalEntityBook(sites) ? book : [],
  );
}

/** Key refused (wrong or inactive key): the account itself answered. */
const keyRefused = (facts: RetailCrmFacts) =>
  !facts.account.ok &&
  facts.account.error instanceof RetailCrmApiError &&
  facts.account.error.code === 'retailcrm.auth';

function accountLine(facts: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
  const id = 'retailcrm.account';
  if (facts.account.ok || keyRefused(facts)) {
    return line(
      id,
      'ok',
      t(`Аккаунт ${draft.retailcrmUrl} отвечает.`, `The account ${draft.retailcrmUrl} answers.`),
    );
  }
  const { error } = facts.account;
  const fixAddress = t(
    'Укажите адрес аккаунта из адресной строки после входа в RetailCRM, например https://my-company.retailcrm.ru — без пути и параметров.',
    'Enter the account address from the browser after signing in to RetailCRM, e.g. https://my-company.retailcrm.ru — no path or parameters.',
  );
  if (error instanceof RetailCrmUrlNotAllowedError) {
    return line(
      id,
      'error',
      t(
        `Адрес RetailCRM не разрешён: коннектор обращается только к аккаунтам RetailCRM по https, без логина, пути и параметров в адресе. Причина: «${said(error)}».`,
        `The RetailCRM address is not allowed: the connector calls RetailCRM accounts over https only, with no login, path or parameters in the address. Reason: “${said(error)}”.`,
      ),
      fixAddress,
    );
  }
  if (error instanceof RetailCrmUnavailableError) {
    return line(
      id,
      'error',
      explained(
        t(
          `RetailCRM не отвечает по адресу ${draft.retailcrmUrl}.`,
          `RetailCRM does not answer at ${draft.retailcrmUrl}.`,
        ),
        'RetailCRM',
        error,
      ),
      joinTexts([
        fixAddress,
        t('Если адрес верный, повторите проверку позже.', 'If it is right, check again later.'),
      ]),
    );
  }
  return line(
    id,
    'error',
    explained(
      t(
        `По адресу ${draft.retailcrmUrl} нет аккаунта RetailCRM.`,
        `There is no RetailCRM account at ${draft.retailcrmUrl}.`,
      ),
      'RetailCRM',
      error,
    ),
    fixAddress,
  );
}

function apiKeyLine(facts: RetailCrmFacts): CheckLine {
  const id = 'retailcrm.api_key';
  const keySettings = t(
    'В RetailCRM: Настройки → Интеграция → Ключи доступа к API → ваш ключ.',
    'In RetailCRM: Settings → Integration → API access keys → your key.',
  );
  if (keyRefused(facts)) {
    const error = (facts.account as { error: unknown }).error;
    return line(
      id,
      'error',
      explained(
        t('RetailCRM не принял API-ключ.', 'RetailCRM did not accept the API key.'),
        'RetailCRM',
        error,
      ),
      joinTexts([
        keySettings,
        t(
          'Скопируйте ключ заново и убедитесь, что включена опция «Активность».',
          'Copy the key again and make sure it is active.',
        ),
      ]),
    );
  }
  if (!facts.account.ok)
    return skipped(id, t('аккаунт RetailCRM не ответил.', 'the RetailCRM account did not answer.'));
  const credentials = facts.account.value;
  const granted = new Set(credentials.scopes);
  const missing = REQUIRED_SCOPES.map((entry) => ({
    ...entry,
    lacking: entry.scopes.filter((scope) => !granted.has(scope)),
  })).filter((entry) => entry.lacking.length > 0);
  if (missing.length > 0) {
    const list = (locale: 'ru' | 'en') =>
      missing.map((entry) => `${entry.name[locale]} (${entry.lacking.join(', ')})`).join('; ');
    return line(
      id,
      'error',
      t(`Ключу не хватает разрешений: ${list('ru')}.`, `The key lacks permissions: ${list('en')}.`),
      joinTexts([
        keySettings,
        t(
          'Включите в «Разрешенные действия в API» недостающие пункты и сохраните ключ.',
          'Enable the missing items under the allowed API actions and save the key.',
        ),
      ]),
    );
  }
  if (credentials.siteAccess === 'access_selective') {
    const sites = facts.sites?.ok ? facts.sites.value.map((site) => site.code) : [];
    const available = new Set(credentials.sitesAvailable);
    const lacking = sites.filter((site) => !available.has(site));
    const chooseAll = joinTexts([
      keySettings,
      t('Выберите Тип доступа «Доступ ко всем магазинам».', 'Choose the access type “Access to all stores”.'),
    ]);
    if (lacking.length > 0) {
      return line(
        id,
        'error',
        t(
          `У ключа нет доступа к магазинам: ${quoted(lacking)}.`,
          `The key has no access to the sites: ${quoted(lacking)}.`,
        ),
        chooseAll,
      );
    }
    return line(
      id,
      'warning',
      t(
        'Ключ видит только выбранные магазины: магазин, добавленный позже, будет ему недоступен.',
        'The key sees only the chosen sites: a site added later will not be accessible.',
      ),
      chooseAll,
    );
  }
  return line(
    id,
    'ok',
    t(
      'Все разрешения из инструкции есть; доступ ко всем магазинам.',
      'Every permission the guide lists is granted; access to all sites.',
    ),
  );
}

function errorGroupLine(facts: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
  const id = 'retailcrm.error_group';
  const code = draft.errorUserGroupCode;
  if (!facts.account.ok || !facts.userGroups)
    return skipped(id, t('API-ключ RetailCRM не подошёл.', 'the RetailCRM API key did not work.'));
  if (!facts.userGroups.ok) {
    return line(
      id,
      'error',
      explained(
        t('Не удалось прочитать группы пользователей.', 'Could not read the user groups.'),
        'RetailCRM',
        facts.userGroups.error,
      ),
      t('Проверьте разрешение ключа «Пользователи, получение».', 'Check the key permission “Users: read”.'),
    );
  }
  const group = facts.userGroups.value.find((candidate) => candidate.code === code);
  if (!group) {
    const known = facts.userGroups.value.map((candidate) => `${candidate.code} (${candidate.name})`);
    return line(
      id,
      'error',
      t(
        `Группы пользователей с кодом «${code}» нет в RetailCRM.${known.length ? ` Есть: ${known.join(', ')}.` : ''}`,
        `RetailCRM has no user group with code “${code}”.${known.length ? ` There are: ${known.join(', ')}.` : ''}`,
      ),
      t(
        'Укажите код группы из RetailCRM (Настройки → Пользователи → Группы) или создайте группу для задач об ошибках интеграции.',
        'Enter a group code from RetailCRM (Settings → Users → Groups) or create a group for integration error tasks.',
      ),
    );
  }
  const users = facts.groupUsers?.ok
    ? facts.groupUsers.value.filter((user) => user.active !== false)
    : undefined;
  if (users === undefined) {
    return line(
      id,
      'error',
      t(
        `Не удалось прочитать пользователей группы «${group.name}».`,
        `Could not read the users of group “${group.name}”.`,
      ),
      t('Проверьте разрешение ключа «Пользователи, получение».', 'Check the key permission “Users: read”.'),
    );
  }
  if (users.length === 0) {
    return line(
      id,
      'error',
      t(
        `В группе «${group.name}» (${code}) нет ни одного активного пользователя: задачи об ошибках некому ставить.`,
        `Group “${group.name}” (${code}) has no active user: nobody would get the error tasks.`,
      ),
      t(
        'Добавьте в группу хотя бы одного активного пользователя и дайте группе права на работу с задачами.',
        'Add at least one active user to the group and give the group the rights to work with tasks.',
      ),
    );
  }
  return line(
    id,
    'ok',
    t(
      `«${group.name}»: активных пользователей — ${users.length}.`,
      `“${group.name}”: ${users.length} active user(s).`,
    ),
  );
}

function paymentTypesLine(facts: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
  const id = 'retailcrm.payment_types';
  if (!facts.account.ok || !facts.paymentTypes)
    return skipped(id, t('API-ключ RetailCRM не подошёл.', 'the RetailCRM API key did not work.'));
  if (!facts.paymentTypes.ok) {
    return line(
      id,
      'error',
      explained(
        t('Не удалось прочитать типы оплат.', 'Could not read the payment types.'),
        'RetailCRM',
        facts.paymentTypes.error,
      ),
      t(
        'Проверьте разрешение ключа «Справочники, получение».',
        'Check the key permission “Reference books: read”.',
      ),
    );
  }
  const types = facts.paymentTypes.value;
  const problems: Text[] = [];
  const found: Text[] = [];
  for (const [code, kind] of [
    [draft.cashPaymentTypeCode, t('наличными', 'cash')],
    [draft.cashlessPaymentTypeCode, t('безналичными', 'cashless')],
  ] as const) {
    const type = types.find((candidate) => candidate.code === code);
    if (!type)
      problems.push(
        t(
          `Типа оплаты «${code}» (${kind.ru}) нет в RetailCRM.`,
          `RetailCRM has no payment type “${code}” (${kind.en}).`,
        ),
      );
    else if (type.active === false)
      problems.push(
        t(
          `Тип оплаты «${type.name}» (${code}) не активен.`,
          `Payment type “${type.name}” (${code}) is not active.`,
        ),
      );
    else found.push(t(`${kind.ru}: «${type.name}» (${code})`, `${kind.en}: “${type.name}” (${code})`));
  }
  if (problems.length > 0) {
    const known = types.filter((type) => type.active !== false).map((type) => `${type.code} (${type.name})`);
    return line(
      id,
      'error',
      joinTexts([
        ...problems,
        t(
          `Активные типы оплат: ${known.join(', ') || '—'}.`,
          `Active payment types: ${known.join(', ') || '—'}.`,
        ),
      ]),
      t(
        'Укажите коды активных типов оплат (Настройки → Справочники → Типы оплат) и настройте для них статусы.',
        'Enter the codes of active payment types (Settings → Reference books → Payment types) and set up their statuses.',
      ),
    );
  }
  if (draft.cashPaymentTypeCode === draft.cashlessPaymentTypeCode) {
    return line(
      id,
      'warning',
      t(
        'Для наличных и безналичных указан один и тот же тип оплаты: в RetailCRM их будет не различить.',
        'Cash and cashless use the same payment type: RetailCRM will not tell them apart.',
      ),
      t('Укажите разные типы оплат.', 'Use two different payment types.'),
    );
  }
  return line(id, 'ok', joinTexts(found, '; '));
}

function innLine(lp: LifePosFacts, rc: RetailCrmFacts): CheckLine {
  const id = 'legal_entities.inn';
  if (!lp.legalEntities) return skipped(id, t('вход в LIFE POS не удался.', 'the LIFE POS sign-in failed.'));
  if (!rc.account.ok || !rc.legalEntities)
    return skipped(id, t('API-ключ RetailCRM не подошёл.', 'the RetailCRM API key did not work.'));
  if (!lp.legalEntities.ok) {
    return line(
      id,
      'error',
      explained(
        t('LIFE POS не отдал список юрлиц.', 'LIFE POS did not list the legal entities.'),
        'LIFE POS',
        lp.legalEntities.error,
      ),
      t('Повторите проверку через несколько минут.', 'Run the check again in a few minutes.'),
    );
  }
  if (!rc.legalEntities.ok) {
    return line(
      id,
      'error',
      explained(
        t('RetailCRM не отдал список юрлиц.', 'RetailCRM did not list the legal entities.'),
        'RetailCRM',
        rc.legalEntities.error,
      ),
      t(
        'Проверьте разрешение ключа «Справочники, получение».',
        'Check the key permission “Reference books: read”.',
      ),
    );
  }
  const lifeposInns = new Set(
    lp.legalEntities.value.map((entity) => normalizeInn(entity.inn)).filter(Boolean),
  );
  const retailcrm = rc.legalEntities.value
    .map((entity) => ({ name: entity.legalName ?? entity.code ?? '—', inn: normalizeInn(entity.INN) }))
    .filter((entity): entity is { name: string; inn: string } => entity.inn !== undefined);
  if (retailcrm.length === 0) {
    return line(
      id,
      'warning',
      t(
        'В RetailCRM нет юрлиц с ИНН: магазины не с чем сопоставить с торговыми точками LIFE POS.',
        'RetailCRM has no legal entity with an INN: stores cannot be matched to LIFE POS outlets.',
      ),
      t(
        'Укажите юрлица и их ИНН в RetailCRM (Настройки → Магазины → Юрлица).',
        'Add the legal entities with their INN in RetailCRM.',
      ),
    );
  }
  const missing = retailcrm.filter((entity) => !lifeposInns.has(entity.inn));
  const describe = (entities: typeof retailcrm, innWord: string) =>
    entities.map((entity) => `${entity.name} (${innWord} ${entity.inn})`).join(', ');
  if (missing.length > 0) {
    return line(
      id,
      'error',
      t(
        `В LIFE POS нет юрлиц: ${describe(missing, 'ИНН')}.`,
        `LIFE POS has no legal entity for: ${describe(missing, 'INN')}.`,
      ),
      t(
        'Добавьте их в LIFE POS: Структура бизнеса → Юридические лица → Добавить. ИНН должен полностью совпадать с указанным в RetailCRM.',
        'Add them in LIFE POS: Business structure → Legal entities → Add. The INN must match the one in RetailCRM exactly.',
      ),
    );
  }
  return line(
    id,
    'ok',
    t(
      `Все юрлица RetailCRM есть в LIFE POS: ${describe(retailcrm, 'ИНН')}.`,
      `Every RetailCRM legal entity is in LIFE POS: ${describe(retailcrm, 'INN')}.`,
    ),
  );
}

/** Why a store's legal entity cannot be told, as the store sync would say it. */
function unresolvedStore(
  store: RetailCrmStore,
  resolution: Exclude<StoreInnResolution, { kind: 'resolved' }>,
): Text {
  const head = `${store.name} (${store.code}) →`;
  const sites = resolution.kind === 'unresolved' ? quoted(resolution.siteCodes) : '';
  switch (resolution.kind === 'unresolved' ? resolution.reason : 'no-evidence') {
    case 'unknown-site':
      return t(
        `${head} в настройке storeSites указан магазин ${sites}, которого нет в RetailCRM`,
        `${head} the storeSites setting names site ${sites}, which RetailCRM does not have`,
      );
    case 'site-without-inn':
      return t(
        `${head} у магазина ${sites} нет юрлица с ИНН`,
        `${head} site ${sites} has no legal entity with an INN`,
      );
    case 'sites-disagree':
      return t(
        `${head} с этого склада отгружаются заказы магазинов разных юрлиц (${sites}): укажите магазин склада в настройке storeSites`,
        `${head} this store ships orders of sites with different legal entities (${sites}): set the store’s site in the storeSites setting`,
      );
    default:
      return t(
        `${head} юрлицо не определить: нет заказов с этого склада и не задан магазин в настройке storeSites`,
        `${head} legal entity unknown: no orders from this store and no site in the storeSites setting`,
      );
  }
}

function storesLine(lp: LifePosFacts, rc: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
  const id = 'stores.outlets';
  if (!rc.account.ok || !rc.stores)
    return skipped(id, t('API-ключ RetailCRM не подошёл.', 'the RetailCRM API key did not work.'));
  if (!rc.stores.ok) {
    return line(
      id,
      'error',
      explained(
        t('RetailCRM не отдал список складов.', 'RetailCRM did not list the stores.'),
        'RetailCRM',
        rc.stores.error,
      ),
      t(
        'Проверьте разрешения ключа «Склад, получение» и «Справочники, получение».',
        'Check the key permissions “Store: read” and “Reference books: read”.',
      ),
    );
  }
  const types = draft.settings.syncStoreTypes;
  const selling = rc.stores.value.filter((store) => isSellingStore(store, types));
  if (selling.length === 0) {
    return line(
      id,
      'warning',
      t(
        `В RetailCRM нет активных складов с типом ${quoted(types)}: заказы не к чему привязать в LIFE POS.`,
        `RetailCRM has no active store of type ${quoted(types)}: orders have no outlet to go to in LIFE POS.`,
      ),
      t(
        'Создайте в RetailCRM магазин (склад) типа «Розничный магазин».',
        'Create a RetailCRM store of the “retail store” type.',
      ),
    );
  }
  const inns = siteInnsOf(rc);
  const lifeposInns = lp.legalEntities?.ok
    ? new Set(lp.legalEntities.value.map((entity) => normalizeInn(entity.inn)))
    : undefined;
  const names = new Map(
    (rc.legalEntities?.ok ? rc.legalEntities.value : []).map((entity) => [
      normalizeInn(entity.INN),
      entity.legalName,
    ]),
  );
  let status: CheckStatus = 'ok';
  const rows = selling.slice(0, MAX_STORES).map((store) => {
    const resolution = resolveStoreInn({
      storeCode: store.code,
      sites: inns,
      storeSites: draft.settings.storeSites,
      orderSites: rc.orderSites?.get(store.code) ?? [],
    });
    if (resolution.kind !== 'resolved') {
      status = 'warning';
      return unresolvedStore(store, resolution);
    }
    const legalName = names.get(resolution.inn) ?? '';
    if (lifeposInns && !lifeposInns.has(resolution.inn)) {
      status = 'warning';
      return t(
        `${store.name} (${store.code}) → ${legalName} ИНН ${resolution.inn}: такого юрлица нет в LIFE POS, торговая точка не будет создана`,
        `${store.name} (${store.code}) → ${legalName} INN ${resolution.inn}: no such legal entity in LIFE POS, no outlet will be made`,
      );
    }
    return t(
      `${store.name} (${store.code}) → торговая точка юрлица ${legalName} ИНН ${resolution.inn}`,
      `${store.name} (${store.code}) → an outlet of ${legalName} INN ${resolution.inn}`,
    );
  });
  const more = selling.length - rows.length;
  if (more > 0) rows.push(t(`и ещё ${more}`, `and ${more} more`));
  return line(
    id,
    status,
    joinTexts(rows, '; '),
    status === 'ok'
      ? undefined
      : t(
          'Добавьте недостающие юрлица в LIFE POS или укажите магазин склада в разделе «Дополнительно» → «Склад → магазин RetailCRM» (настройка storeSites).',
          'Add the missing legal entities in LIFE POS or set the store’s site under “Advanced” → “Store → RetailCRM site” (the storeSites setting).',
        ),
  );
}

/**
 * The store → site binding against the account: an unknown store or site is an error (the sync and the
 * export would use a binding that cannot be), a store that does not sell makes the binding unused.
 */
function storeSitesProblems(
  rc: RetailCrmFacts,
  draft: ConnectionDraft,
): { errors: Text[]; warnings: Text[] } {
  const errors: Text[] = [];
  const warnings: Text[] = [];
  const binding = Object.entries(draft.settings.storeSites);
  if (binding.length === 0 || !rc.stores?.ok || !rc.sites?.ok) return { errors, warnings };
  const stores = new Map(rc.stores.value.map((store) => [store.code, store]));
  const sites = new Set(rc.sites.value.map((site) => site.code));
  const unknownStores = binding.filter(([store]) => !stores.has(store)).map(([store]) => store);
  if (unknownStores.length)
    errors.push(
      t(
        `в привязке складов к магазинам (storeSites) указаны склады ${quoted(unknownStores)}, которых нет в RetailCRM`,
        `the store → site binding (storeSites) names stores ${quoted(unknownStores)} that RetailCRM does not have`,
      ),
    );
  const unknownSites = [...new Set(binding.map(([, site]) => site).filter((site) => !sites.has(site)))];
  if (unknownSites.length)
    errors.push(
      t(
        `в привязке складов к магазинам (storeSites) указаны магазины ${quoted(unknownSites)}, которых нет в RetailCRM`,
        `the store → site binding (storeSites) names sites ${quoted(unknownSites)} that RetailCRM does not have`,
      ),
    );
  const idle = binding
    .map(([code]) => stores.get(code))
    .filter((store): store is RetailCrmStore => store !== undefined)
    .filter((store) => !isSellingStore(store, draft.settings.syncStoreTypes))
    .map((store) => store.code);
  if (idle.length)
    warnings.push(
      t(
        `склады ${quoted(idle)} не активны или не выбранного типа — их привязка к магазину не используется`,
        `stores ${quoted(idle)} are inactive or not of a chosen type — their site binding is not used`,
      ),
    );
  return { errors, warnings };
}

function settingsLine(rc: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
  const id = 'settings.codes';
  if (!rc.statuses?.ok || !rc.paymentStatuses?.ok || !rc.deliveryTypes?.ok) {
    return skipped(
      id,
      t('справочники RetailCRM не прочитаны.', 'the RetailCRM reference books were not read.'),
    );
  }
  const statuses = new Set(rc.statuses.value.map((status) => status.code));
  const paymentStatuses = new Set(rc.paymentStatuses.value.map((status) => status.code));
  const deliveryTypes = new Set(rc.deliveryTypes.value.map((type) => type.code));
  const s = draft.settings;
  const unknown = (codes: readonly string[], book: Set<string>) => codes.filter((code) => !book.has(code));

  // Codes the connector writes into RetailCRM: an unknown one would make every write-back fail.
  const errors: Text[] = [];
  const written = unknown(
    LIFEPOS_SALE_STATES.map((state) => s.saleStateToStatus[state]).filter((code): code is string => !!code),
    statuses,
  );
  if (written.length)
    errors.push(t(`нет статусов заказа ${quoted(written)}`, `no order statuses ${quoted(written)}`));
  const writtenPayments = unknown([s.paidPaymentStatus, s.refundedPaymentStatus], paymentStatuses);
  if (writtenPayments.length)
    errors.push(
      t(`нет статусов оплаты ${quoted(writtenPayments)}`, `no payment statuses ${quoted(writtenPayments)}`),
    );

  // Codes the connector only compares with: an unknown one never matches.
  const warnings: Text[] = [];
  const listed = unknown([...s.exportStatuses, ...s.cancelStatuses, ...s.deleteStatuses], statuses);
  if (listed.length)
    warnings.push(
      t(
        `статусов ${quoted(listed)} нет — они не сработают`,
        `statuses ${quoted(listed)} do not exist and never match`,
      ),
    );
  const refund = unknown(s.refundPaymentStatuses, paymentStatuses);
  if (refund.length)
    warnings.push(
      t(`статусов оплаты ${quoted(refund)} нет`, `payment statuses ${quoted(refund)} do not exist`),
    );
  const kinds = unknown(Object.keys(s.deliveryTypeToOrderKind), deliveryTypes);
  if (kinds.length)
    warnings.push(t(`типов доставки ${quoted(kinds)} нет`, `delivery types ${quoted(kinds)} do not exist`));
  const binding = storeSitesProblems(rc, draft);
  errors.push(...binding.errors);
  warnings.push(...binding.warnings);
  const both = s.cancelStatuses.filter((code) => s.deleteStatuses.includes(code));
  if (both.length)
    warnings.push(
      t(
        `статусы ${quoted(both)} указаны и для отмены, и для удаления`,
        `statuses ${quoted(both)} are both cancel and delete statuses`,
      ),
    );

  const fix = t(
    'Выберите коды из справочников RetailCRM в разделе «Дополнительно».',
    'Choose codes from the RetailCRM reference books in the “Advanced” section.',
  );
  if (errors.length > 0) return line(id, 'error', joinTexts([...errors, ...warnings], '; '), fix);
  if (warnings.length > 0) return line(id, 'warning', joinTexts(warnings, '; '), fix);
  return line(
    id,
    'ok',
    t('Все коды есть в справочниках RetailCRM.', 'Every code exists in the RetailCRM reference books.'),
  );
}

function booksOf(
  facts: Pick<
    RetailCrmFacts,
    'statuses' | 'paymentStatuses' | 'paymentTypes' | 'deliveryTypes' | 'userGroups' | 'stores' | 'sites'
  >,
): ReferenceBooks | undefined {
  const { statuses, paymentStatuses, paymentTypes, deliveryTypes, userGroups, stores, sites } = facts;
  if (!statuses?.ok || !paymentStatuses?.ok || !paymentTypes?.ok || !deliveryTypes?.ok) return undefined;
  const pick = <T extends { code: string; name: string; active?: boolean | undefined }>(items: T[]) =>
    items.map(({ code, name, active }) => ({ code, name, active }));
  return {
    statuses: statuses.value.map(({ code, name, group, active }) => ({ code, name, group, active })),
    paymentStatuses: paymentStatuses.value.map(({ code, name, active, paymentComplete }) => ({
      code,
      name,
      active,
      paymentComplete,
    })),
    paymentTypes: pick(paymentTypes.value),
    deliveryTypes: deliveryTypes.value.map(({ code, name, active, integrationCode }) => ({
      code,
      name,
      active,
      integrationCode,
    })),
    userGroups: userGroups?.ok ? userGroups.value.map(({ code, name }) => ({ code, name })) : [],
    ...(stores?.ok && sites?.ok
      ? {
          stores: stores.value.map(({ code, name, type, active }) => ({ code, name, type, active })),
          sites: sites.value.map(({ code, name }) => ({ code, name })),
        }
      : {}),
  };
}

/** Runs every check against both accounts (in parallel where they do not depend on each other). */
export async function runChecks(
  given: ConnectionDraft,
  clients: CheckClients,
  options: RunChecksOptions = {},
): Promise<CheckReport> {
  const [lp, rc] = await Promise.all([
    lifeposFacts(clients.lifepos),
    retailcrmFacts(clients.retailcrm, given),
  ]);
  const books = booksOf(rc);
  const proposed =
    options.propose && books ? proposeSettings(given.settings, books, options.propose.given) : undefined;
  const draft = proposed ? { ...given, settings: proposed } : given;
  const identity = identityOf(lp);
  const timeZone = rc.systemSettings?.ok ? rc.systemSettings.value.timeZone : undefined;
  const lines = [
    signInLine(lp),
    roleLine(lp, draft),
    accountLine(rc, draft),
    apiKeyLine(rc),
    errorGroupLine(rc, draft),
    paymentTypesLine(rc, draft),
    innLine(lp, rc),
    storesLine(lp, rc, draft),
    settingsLine(rc, draft),
  ];
  return {
    ok: lines.every((entry) => entry.status !== 'error'),
    lines,
    ...(books ? { books } : {}),
    ...(identity ? { lifepos: identity } : {}),
    ...(proposed ? { settings: proposed } : {}),
    ...(timeZone ? { timeZone } : {}),
    checkedAt: new Date().toISOString(),
  };
}

/** Reference books of a stored connection, for the form's choices; undefined when RetailCRM does not answer. */
export async function loadReferenceBooks(
  client: CheckClients['retailcrm'],
): Promise<ReferenceBooks | undefined> {
  if (client instanceof RetailCrmUrlNotAllowedError) return undefined;
  const [statuses, paymentStatuses, paymentTypes, deliveryTypes, userGroups, stores, sites] =
    await Promise.all([
      attempt(() => client.statuses()),
      attempt(() => client.paymentStatuses()),
      attempt(() => client.paymentTypes()),
      attempt(() => client.deliveryTypes()),
      attempt(async () => (await client.userGroups({ limit: 100 })).groups),
      attempt(() => client.stores()),
      attempt(() => client.sites()),
    ]);
  return booksOf({ statuses, paymentStatuses, paymentTypes, deliveryTypes, userGroups, stores, sites });
}

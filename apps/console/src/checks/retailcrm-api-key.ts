import { joinTexts, type Text, t } from '../i18n.js';
import { type CheckLine, explained, line, quoted, skipped } from './check-line.js';
import { keyRefused, type RetailCrmFacts } from './retailcrm-facts.js';

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

export function apiKeyLine(facts: RetailCrmFacts): CheckLine {
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

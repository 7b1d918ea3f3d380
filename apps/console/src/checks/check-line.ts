import { isLifePosError } from '@connector/lifepos';
import { redactString } from '@connector/logger';
import { RetailCrmApiError, RetailCrmUrlNotAllowedError } from '@connector/retailcrm';
import { joinTexts, type Text, t } from '../i18n.js';
import type { CheckId, CheckLine, CheckStatus } from './types.js';

/** The wording of a check line: titles, statuses, and the upstream's own words after an explanation. */
export type { CheckLine };

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

export function line(id: CheckId, status: CheckStatus, message: Text, action?: Text): CheckLine {
  return { id, status, title: TITLES[id], message, ...(action ? { action } : {}) };
}

export const skipped = (id: CheckId, because: Text) =>
  line(id, 'skipped', joinTexts([t('Не проверено:', 'Not checked:'), because]));

/** What the upstream said, for a person; never a secret (the clients keep keys out of messages). */
export function said(error: unknown): string {
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
export function answer(system: 'LIFE POS' | 'RetailCRM', error: unknown): Text {
  const text = said(error).replace(/[.\s]+$/, '');
  return t(` Ответ ${system}: «${text}».`, ` ${system} said: “${text}”.`);
}

/** A Russian explanation followed by the upstream's answer. */
export const explained = (explanation: Text, system: 'LIFE POS' | 'RetailCRM', error: unknown): Text =>
  joinTexts([explanation, answer(system, error)], '');

export const quoted = (items: readonly string[]) => items.map((item) => `«${item}»`).join(', ');

import type { ConnectionDraft } from '../connection-input.schema.js';
import { joinTexts, type Text, t } from '../i18n.js';
import { type CheckLine, explained, line, skipped } from './check-line.js';
import type { RetailCrmFacts } from './retailcrm-facts.js';

export function paymentTypesLine(facts: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
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

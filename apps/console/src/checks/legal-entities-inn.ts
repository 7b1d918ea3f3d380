import { normalizeInn } from '@connector/domain';
import { t } from '../i18n.js';
import { type CheckLine, explained, line, skipped } from './check-line.js';
import type { LifePosFacts } from './lifepos-facts.js';
import type { RetailCrmFacts } from './retailcrm-facts.js';

export function innLine(lp: LifePosFacts, rc: RetailCrmFacts): CheckLine {
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

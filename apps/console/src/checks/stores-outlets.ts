import { isSellingStore, normalizeInn, resolveStoreInn, type StoreInnResolution } from '@connector/domain';
import type { RetailCrmStore } from '@connector/retailcrm';
import type { ConnectionDraft } from '../connection-input.schema.js';
import { joinTexts, type Text, t } from '../i18n.js';
import { type CheckLine, explained, line, quoted, skipped } from './check-line.js';
import type { LifePosFacts } from './lifepos-facts.js';
import { MAX_STORES } from './outcome.js';
import { type RetailCrmFacts, siteInnsOf } from './retailcrm-facts.js';
import type { CheckStatus } from './types.js';

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

export function storesLine(lp: LifePosFacts, rc: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
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

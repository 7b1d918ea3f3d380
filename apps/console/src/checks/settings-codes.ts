import { isSellingStore, SALE_STATES } from '@connector/domain';
import type { RetailCrmStore } from '@connector/retailcrm';
import type { ConnectionDraft } from '../connection-input.schema.js';
import { joinTexts, type Text, t } from '../i18n.js';
import { type CheckLine, explained, line, quoted, skipped } from './check-line.js';
import type { Outcome } from './outcome.js';
import type { RetailCrmFacts } from './retailcrm-facts.js';

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

/** A reference book the codes are checked against could not be read: why, and what to do. */
function unreadBooksLine(id: 'settings.codes', books: readonly Outcome<unknown>[]): CheckLine {
  const [error] = books.flatMap((book) => (book.ok ? [] : [book.error]));
  return line(
    id,
    'error',
    explained(
      t(
        'Не удалось прочитать справочники RetailCRM (статусы заказа, статусы оплаты, типы доставки).',
        'Could not read the RetailCRM reference books (order statuses, payment statuses, delivery types).',
      ),
      'RetailCRM',
      error,
    ),
    t(
      'Проверьте разрешение ключа «Справочники, получение» и повторите проверку.',
      'Check the key permission “Reference books: read” and run the check again.',
    ),
  );
}

export function settingsLine(rc: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
  const id = 'settings.codes';
  if (!rc.statuses || !rc.paymentStatuses || !rc.deliveryTypes) {
    return skipped(
      id,
      t('справочники RetailCRM не прочитаны.', 'the RetailCRM reference books were not read.'),
    );
  }
  if (!rc.statuses.ok || !rc.paymentStatuses.ok || !rc.deliveryTypes.ok) {
    return unreadBooksLine(id, [rc.statuses, rc.paymentStatuses, rc.deliveryTypes]);
  }
  const statuses = new Set(rc.statuses.value.map((status) => status.code));
  const paymentStatuses = new Set(rc.paymentStatuses.value.map((status) => status.code));
  const deliveryTypes = new Set(rc.deliveryTypes.value.map((type) => type.code));
  const s = draft.settings;
  const unknown = (codes: readonly string[], book: Set<string>) => codes.filter((code) => !book.has(code));

  // Codes the connector writes into RetailCRM: an unknown one would make every write-back fail.
  const errors: Text[] = [];
  const written = unknown(
    SALE_STATES.map((state) => s.saleStateToStatus[state]).filter((code): code is string => !!code),
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

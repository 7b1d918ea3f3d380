import { isSellingStore, needsLegalEntityBook, siteInns } from '@connector/domain';
import {
  isRetailCrmAuthRefused,
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
  RetailCrmUrlNotAllowedError,
  type RetailCrmUser,
  type RetailCrmUserGroup,
} from '@connector/retailcrm';
import type { CheckClients } from '../check-clients.js';
import type { ConnectionDraft } from '../connection-input.schema.js';
import { attempt, MAX_PAGES, MAX_STORES, type Outcome } from './outcome.js';

export interface RetailCrmFacts {
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

export async function retailcrmFacts(
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

export function siteInnsOf(facts: RetailCrmFacts): Map<string, string | undefined> {
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
export const keyRefused = (facts: RetailCrmFacts) =>
  !facts.account.ok && isRetailCrmAuthRefused(facts.account.error);

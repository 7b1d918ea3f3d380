import type { Database } from '@connector/db';
import {
  findOutletForStore,
  needsLegalEntityBook,
  normalizeInn,
  type OutletSnapshot,
  outletFieldsFor,
  outletPatchFor,
  resolveStoreInn,
  siteInns,
  storeOutletMeta,
} from '@connector/domain';
import { type LegalEntity, type Outlet, replaceFields } from '@connector/lifepos';
import type { Logger } from '@connector/logger';
import type { EntityLock } from '@connector/queue';
import type { RetailCrmStore } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';
import { innMissing, storeMissing, storeUnresolved } from './sync-errors.js';
import { type WaitingLockOptions, withWaitingLock } from './waiting-lock.js';

/** How many recent orders of a store are read to see which sites sell from it. */
const ORDER_SAMPLE = 50;

export interface OutletSyncDeps {
  db: Database;
  lock: EntityLock;
  logger: Logger;
  lockWait?: WaitingLockOptions;
}

/** What a store's outlet is decided from; read once per sync run and shared by its stores. */
export interface StoreReferences {
  stores: RetailCrmStore[];
  /** Site code → INN of its legal entity. */
  siteInns: Map<string, string | undefined>;
  /** INN → legal name in RetailCRM, for messages. */
  legalNames: Map<string, string>;
  lifeposLegalEntities: LegalEntity[];
}

export interface OutletResult {
  outletId: string;
  legalEntityInn: string;
  /** What this call did in LIFE POS. */
  action: 'created' | 'patched' | 'unchanged';
}

export function storeLockKey(connectionId: string, storeCode: string): string {
  return `sync:store:${connectionId}:${storeCode}`;
}

function snapshot(outlet: Outlet): OutletSnapshot {
  return {
    guid: outlet.guid,
    name: outlet.name,
    address: outlet.address,
    legalEntityGuid: outlet.legalEntity?.guid ?? null,
    meta: outlet.meta,
    deletedAt: outlet.deletedAt,
    createdAt: outlet.createdAt,
  };
}

export async function loadStoreReferences(tenant: Tenant): Promise<StoreReferences> {
  const [stores, sites, lifeposLegalEntities] = await Promise.all([
    tenant.retailcrm.stores(),
    tenant.retailcrm.sites(),
    tenant.lifepos.legalEntities.all({ selection: 'alive_only' }),
  ]);
  const book = needsLegalEntityBook(sites) ? await tenant.retailcrm.legalEntities() : [];
  const legalNames = new Map<string, string>();
  for (const entity of [...book, ...sites.map((site) => site.contragent)]) {
    const inn = normalizeInn(entity?.INN);
    if (inn && entity?.legalName) legalNames.set(inn, entity.legalName);
  }
  return {
    stores,
    siteInns: siteInns(
      sites.map((site) => ({
        code: site.code,
        contragent: site.contragent,
        contragentCode: typeof site.contragentCode === 'string' ? site.contragentCode : undefined,
      })),
      book,
    ),
    legalNames,
    lifeposLegalEntities: lifeposLegalEntities.filter((entity) => entity.deletedAt === null),
  };
}

async function orderSitesOf(tenant: Tenant, storeCode: string): Promise<string[]> {
  const { orders } = await tenant.retailcrm.listOrders(
    { shipmentStores: [storeCode] },
    { limit: ORDER_SAMPLE },
  );
  return orders.map((order) => order.site).filter((site): site is string => typeof site === 'string');
}

async function currentOutlet(tenant: Tenant, guid: string): Promise<OutletSnapshot | undefined> {
  const found = await tenant.lifepos.outlets.find(guid);
  const outlet = found === null ? undefined : snapshot(found);
  return outlet?.deletedAt === null ? outlet : undefined;
}

/** The INN the store's outlet belongs under, from its sites (or the sites of its recent orders). */
async function storeInn(tenant: Tenant, store: RetailCrmStore, refs: StoreReferences) {
  let resolution = resolveStoreInn({
    storeCode: store.code,
    sites: refs.siteInns,
    storeSites: tenant.settings.storeSites,
  });
  if (resolution.kind === 'needs-order-sites') {
    resolution = resolveStoreInn({
      storeCode: store.code,
      sites: refs.siteInns,
      storeSites: tenant.settings.storeSites,
      orderSites: await orderSitesOf(tenant, store.code),
    });
  }
  if (resolution.kind === 'unresolved') throw storeUnresolved(store, resolution);
  if (resolution.kind === 'needs-order-sites')
    throw new Error('store resolution asked for order sites twice');
  return resolution;
}

type WantedOutlet = ReturnType<typeof outletFieldsFor>;

/** The store's outlet in LIFE POS: the linked one, else found by `meta` or name, else created; then patched. */
async function upsertOutlet(
  tenant: Tenant,
  store: RetailCrmStore,
  wanted: WantedOutlet,
  linkedOutletId: string | undefined,
): Promise<{ outletId: string; action: OutletResult['action'] }> {
  let outlet = linkedOutletId ? await currentOutlet(tenant, linkedOutletId) : undefined;
  if (!outlet) {
    const outlets = await tenant.lifepos.outlets.all({ selection: 'alive_only' });
    outlet = findOutletForStore(outlets.map(snapshot), store.code, wanted);
  }
  if (!outlet) {
    const created = await tenant.lifepos.outlets.create({
      name: wanted.name,
      address: wanted.address,
      legalEntityGuid: wanted.legalEntityGuid,
      meta: storeOutletMeta(store.code),
    });
    return { outletId: created.guid, action: 'created' };
  }
  const patch = outletPatchFor(outlet, wanted);
  if (Object.keys(patch).length === 0) return { outletId: outlet.guid, action: 'unchanged' };
  await tenant.lifepos.outlets.patch(outlet.guid, replaceFields(patch));
  return { outletId: outlet.guid, action: 'patched' };
}

/**
 * Stores → outlets: the outlet of a store belongs to the LIFE POS legal entity with the INN of
 * the store's legal entity. Found through `OutletLink`, else by the connector's `meta` or by name within
 * that legal entity, else created; kept in step with the store's name and address. A per-(connection,
 * store) Redis lock around look-up-or-create keeps concurrent syncs from creating twice; the look-up in
 * LIFE POS repairs a crash between create and link.
 */
export function createOutletSync({ db, lock, logger, lockWait }: OutletSyncDeps) {
  async function ensureStore(
    tenant: Tenant,
    store: RetailCrmStore,
    refs: StoreReferences,
  ): Promise<OutletResult> {
    const connectionId = tenant.connection.id;
    const resolution = await storeInn(tenant, store, refs);
    const inn = resolution.inn;
    const legalEntity = refs.lifeposLegalEntities.find((entity) => normalizeInn(entity.inn) === inn);
    if (!legalEntity) throw innMissing(store, inn, refs.legalNames.get(inn));
    const wanted = outletFieldsFor(store, legalEntity.guid, legalEntity.address);

    return withWaitingLock(
      lock,
      storeLockKey(connectionId, store.code),
      async () => {
        const link = await db.outletLinks.get(connectionId, store.code);
        const { outletId, action } = await upsertOutlet(tenant, store, wanted, link?.lifeposOutletId);
        await db.outletLinks.upsert(connectionId, store.code, {
          lifeposOutletId: outletId,
          legalEntityInn: inn,
          name: wanted.name,
          address: wanted.address,
        });
        if (action !== 'unchanged' || link?.lifeposOutletId !== outletId) {
          logger.info('store synced to LIFE POS outlet', {
            connectionId,
            storeCode: store.code,
            outletId,
            inn,
            action,
            via: resolution.via,
          });
        }
        return { outletId, legalEntityInn: inn, action };
      },
      lockWait,
    );
  }

  return {
    ensureStore,
    /** The outlet of one store, whatever its type (an order may ship from any store). */
    async ensureOutlet(tenant: Tenant, storeCode: string): Promise<OutletResult> {
      const refs = await loadStoreReferences(tenant);
      const store = refs.stores.find((candidate) => candidate.code === storeCode);
      if (!store) throw storeMissing(storeCode);
      return ensureStore(tenant, store, refs);
    },
  };
}

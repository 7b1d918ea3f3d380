import { PermanentError, storeOutletMeta } from '@connector/domain';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FixtureTenant, type SyncFixture, startSyncFixture } from './test-support/sync-fixture.js';

let fx: SyncFixture;

beforeAll(async () => {
  fx = await startSyncFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** Alive LIFE POS outlets of the tenant's organization, except the one every new organization starts with. */
function storeOutlets({ seeded }: FixtureTenant) {
  return fx.sandbox.lifepos
    .outlets(seeded.orgId)
    .filter((outlet) => outlet.deleted_at === null && outlet.guid !== seeded.lifepos.defaultOutletId);
}

function legalEntityGuidOf({ seeded }: FixtureTenant, inn: string): string | undefined {
  return seeded.lifepos.legalEntities.find((entity) => entity.inn === inn)?.guid;
}

/** Orders tell which site (and so which legal entity) sells from a store: one per store. */
function orderFromEveryStore({ seeded }: FixtureTenant): void {
  for (const store of seeded.stores) seeded.createOrder({ store: store.code });
}

/** Changes a store the way a manager does in RetailCRM's settings. */
function editStore({ seeded }: FixtureTenant, code: string, change: { name?: string; text?: string }): void {
  const stored = fx.sandbox.retailcrm.account(seeded.accountCode).stores.get(code);
  if (!stored) throw new Error(`no store ${code}`);
  fx.sandbox.retailcrm.seed(seeded.accountCode, {
    stores: [
      {
        ...stored,
        name: change.name ?? stored.name,
        address: { ...stored.address, text: change.text ?? stored.address?.text },
      },
    ],
  });
}

describe('stores → outlets', () => {
  it('maps two stores under two legal entities to outlets of the matching LIFE POS legal entities', async () => {
    const t = await fx.tenant();
    orderFromEveryStore(t);
    const [msk, spb] = t.seeded.sites;
    const mskStore = t.seeded.stores.find((store) => store.site === msk?.code);
    const spbStore = t.seeded.stores.find((store) => store.site === spb?.code);
    if (!msk || !spb || !mskStore || !spbStore) throw new Error('the seed has two sites with stores');
    expect(msk.legalEntity.INN).not.toBe(spb.legalEntity.INN);

    const result = await fx.sync.syncAll(t.tenant);

    expect(result.problems).toEqual([]);
    expect(result.outlets).toBe(t.seeded.stores.length);
    const outlets = storeOutlets(t);
    expect(outlets).toHaveLength(t.seeded.stores.length);
    for (const [store, inn] of [
      [mskStore, msk.legalEntity.INN],
      [spbStore, spb.legalEntity.INN],
    ] as const) {
      const link = await fx.db.outletLinks.get(t.connection.id, store.code);
      expect(link).toMatchObject({ legalEntityInn: inn, name: store.name });
      const outlet = outlets.find((candidate) => candidate.guid === link?.lifeposOutletId);
      expect(outlet).toMatchObject({
        name: store.name,
        address: `${store.city}, ${store.address}`,
        legal_entity: { guid: legalEntityGuidOf(t, inn) },
        meta: storeOutletMeta(store.code),
      });
    }
    await expect(fx.sync.ensureOutlet(t.tenant, spbStore.code)).resolves.toEqual({
      outletId: (await fx.db.outletLinks.get(t.connection.id, spbStore.code))?.lifeposOutletId,
      legalEntityInn: spb.legalEntity.INN,
    });
  });

  it('renames and moves the outlet at the next sync when the store changes in RetailCRM', async () => {
    const t = await fx.tenant({ sites: 1 });
    const store = t.seeded.stores[0];
    if (!store) throw new Error('the seed has stores');
    await fx.sync.syncAll(t.tenant);
    const before = storeOutlets(t);
    const outletId = (await fx.db.outletLinks.get(t.connection.id, store.code))?.lifeposOutletId;

    editStore(t, store.code, { name: 'Кофейня «Зерно» на Тверской', text: 'ул. Тверская, д. 12' });
    const result = await fx.sync.syncAll(t.tenant);

    expect(result.problems).toEqual([]);
    const after = storeOutlets(t);
    expect(after.map((outlet) => outlet.guid).sort()).toEqual(before.map((outlet) => outlet.guid).sort());
    expect(after.find((outlet) => outlet.guid === outletId)).toMatchObject({
      name: 'Кофейня «Зерно» на Тверской',
      address: `${store.city}, ул. Тверская, д. 12`,
    });
    expect(await fx.db.outletLinks.get(t.connection.id, store.code)).toMatchObject({
      lifeposOutletId: outletId,
      name: 'Кофейня «Зерно» на Тверской',
    });
  });

  it('creates no duplicates when the sync runs 3 times at once', async () => {
    const t = await fx.tenant();
    orderFromEveryStore(t);

    const results = await Promise.all([1, 2, 3].map(() => fx.sync.syncAll(t.tenant)));

    for (const result of results)
      expect(result).toMatchObject({ outlets: t.seeded.stores.length, problems: [] });
    expect(storeOutlets(t)).toHaveLength(t.seeded.stores.length);
    expect(await fx.db.outletLinks.list(t.connection.id)).toHaveLength(t.seeded.stores.length);
    const store = t.seeded.stores[0]?.code ?? '';
    const outletIds = await Promise.all([1, 2, 3].map(() => fx.sync.ensureOutlet(t.tenant, store)));
    expect(new Set(outletIds.map((outlet) => outlet.outletId)).size).toBe(1);
    expect(storeOutlets(t)).toHaveLength(t.seeded.stores.length);
  });

  it('reports a store whose INN has no LIFE POS legal entity, naming the store, the INN and what to add', async () => {
    const t = await fx.tenant({ lifepos: { omitLastSiteInn: true } });
    orderFromEveryStore(t);
    const [missingInn] = t.seeded.lifepos.missingInns;
    const orphan = t.seeded.stores.find((store) => store.inn === missingInn);
    if (!missingInn || !orphan) throw new Error('the seed leaves out one INN');

    const result = await fx.sync.syncAll(t.tenant);

    expect(result.outlets).toBe(t.seeded.stores.length - 1);
    expect(result.problems).toEqual([
      expect.objectContaining({
        subject: `store:${orphan.code}`,
        code: 'sync.inn_missing',
        kind: 'permanent',
      }),
    ]);
    const message = result.problems[0]?.message ?? '';
    expect(message).toContain(orphan.name);
    expect(message).toContain(missingInn);
    expect(message).toContain('Добавьте в LIFE POS');
    const error = await fx.sync.ensureOutlet(t.tenant, orphan.code).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'sync.inn_missing', userMessage: message });
    expect(await fx.db.outletLinks.get(t.connection.id, orphan.code)).toBeNull();
  });

  it('cannot tell the legal entity of a store nobody ordered from, unless the settings name its site', async () => {
    const t = await fx.tenant();
    const store = t.seeded.stores[0];
    if (!store) throw new Error('the seed has stores');

    await expect(fx.sync.ensureOutlet(t.tenant, store.code)).rejects.toMatchObject({
      code: 'sync.store_unresolved',
      userMessage: expect.stringContaining(store.name),
    });
    expect(storeOutlets(t)).toHaveLength(0);

    const configured = await fx.tenant({ settings: { storeSites: { [store.code]: store.site } } });
    await expect(fx.sync.ensureOutlet(configured.tenant, store.code)).resolves.toMatchObject({
      legalEntityInn: store.inn,
    });
  });

  it('says so when the store does not exist in RetailCRM', async () => {
    const t = await fx.tenant({ sites: 1 });
    await expect(fx.sync.ensureOutlet(t.tenant, 'no-such-store')).rejects.toMatchObject({
      code: 'sync.store_missing',
      userMessage: expect.stringContaining('no-such-store'),
    });
  });

  it('adopts an outlet created before a crash lost the link, and a same-named outlet made by hand', async () => {
    const t = await fx.tenant({ sites: 1 });
    const [first, second] = t.seeded.stores;
    const entity = t.seeded.lifepos.legalEntities[0];
    if (!first || !second || !entity) throw new Error('the seed has two stores of one legal entity');
    const crashed = fx.sandbox.lifepos.addOutlet(t.seeded.orgId, {
      name: 'Старое имя',
      address: 'где-то',
      legal_entity: { guid: entity.guid },
      meta: storeOutletMeta(first.code),
    });
    const byHand = fx.sandbox.lifepos.addOutlet(t.seeded.orgId, {
      name: second.name,
      address: 'адрес из LIFE POS',
      legal_entity: { guid: entity.guid },
    });

    const result = await fx.sync.syncAll(t.tenant);

    expect(result.problems).toEqual([]);
    expect(
      storeOutlets(t)
        .map((outlet) => outlet.guid)
        .sort(),
    ).toEqual([crashed.guid, byHand.guid].sort());
    expect((await fx.db.outletLinks.get(t.connection.id, first.code))?.lifeposOutletId).toBe(crashed.guid);
    expect((await fx.db.outletLinks.get(t.connection.id, second.code))?.lifeposOutletId).toBe(byHand.guid);
    expect(storeOutlets(t).find((outlet) => outlet.guid === crashed.guid)?.name).toBe(first.name);
  });

  it('replaces an outlet archived in LIFE POS', async () => {
    const t = await fx.tenant({ sites: 1 });
    const store = t.seeded.stores[0]?.code ?? '';
    const { outletId } = await fx.sync.ensureOutlet(t.tenant, store);
    await archiveOutlet(t, outletId);

    const again = await fx.sync.ensureOutlet(t.tenant, store);

    expect(again.outletId).not.toBe(outletId);
    expect((await fx.db.outletLinks.get(t.connection.id, store))?.lifeposOutletId).toBe(again.outletId);
  });
});

/** Archives an outlet through the LIFE POS API (`DELETE` sets `deleted_at`), as a person would. */
async function archiveOutlet(t: FixtureTenant, outletId: string): Promise<void> {
  const sign = await fetch(`${fx.sandbox.lifeposUrl}/auth/sign-in-by-phone`, {
    method: 'POST',
    headers: lifeposHeaders(),
    body: JSON.stringify({ phone: t.seeded.phone, password: t.seeded.password }),
  });
  const { token } = (await sign.json()) as { token: string };
  const response = await fetch(`${fx.sandbox.lifeposUrl}/orgs/${t.seeded.orgId}/outlets/${outletId}`, {
    method: 'DELETE',
    headers: { ...lifeposHeaders(), authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(204);
}

function lifeposHeaders(): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-lp-client-identifier': '00000000-0000-4000-8000-000000000001',
    'x-lp-client-type': 'Service',
    'accept-language': 'ru-RU',
  };
}

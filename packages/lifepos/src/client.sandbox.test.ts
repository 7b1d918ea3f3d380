import { DeferredError, errorKind, rublesToKopecks } from '@connector/domain';
import { type Sandbox, startSandbox } from '@connector/sandbox';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { createLifePosClient, type LifePosClientOptions } from './client.js';
import { LifePosPermanentError, LifePosRetryableError, lifePosErrorCode } from './errors.js';
import { createMemoryTokenStore } from './token-store.js';

// Integration against the project's LIFE POS simulator (apps/sandbox): the same client, a faithful server.
const quiet = winston.createLogger({ level: 'error', silent: true });

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ logger: quiet });
});
afterAll(async () => {
  await sandbox.close();
});

/** A fresh organization (own owner, legal entity, outlet, roles, units) and a client signed in as its owner. */
function tenant(overrides: Partial<LifePosClientOptions> = {}) {
  const seeded = sandbox.lifepos.createOrganization();
  const orgId = seeded.organization.guid;
  sandbox.lifepos.setRateLimit(orgId, { enabled: false });
  const client = createLifePosClient({
    baseUrl: sandbox.lifeposUrl,
    orgId,
    phone: seeded.credentials.phone,
    password: seeded.credentials.password,
    tokenStore: createMemoryTokenStore(),
    logger: quiet,
    ...overrides,
  });
  return { seeded, orgId, client };
}

const signIns = () =>
  sandbox.requestLog.list({ system: 'lifepos' }).filter((r) => r.path.endsWith('/auth/sign-in-by-phone'))
    .length;

describe('LIFE POS client against the sandbox', () => {
  it('reads the organization, the signed-in owner and the reference data', async () => {
    const { seeded, orgId, client } = tenant();
    const org = await client.orgs.get();
    expect(org.guid).toBe(orgId);
    expect(org.name).toBe(seeded.organization.name);
    expect((await client.orgs.list()).items.map((o) => o.guid)).toContain(orgId);

    const me = await client.orgs.me();
    expect(me.guid).toBe(seeded.owner.guid);
    expect(me.role?.guid).toBe(seeded.roles.Owner.guid);

    const entities = await client.legalEntities.list();
    expect(entities.items.map((e) => e.inn)).toContain(seeded.legalEntity.inn);
    const entity = await client.legalEntities.get(seeded.legalEntity.guid);
    expect(entity).toMatchObject({ inn: seeded.legalEntity.inn, kpp: seeded.legalEntity.kpp });

    const roles = await client.roles.list();
    expect(roles.items.find((r) => r.roleType === 'Courier')?.guid).toBe(seeded.roles.Courier.guid);
    const uoms = await client.unitsOfMeasure.list();
    expect(uoms.items.length).toBeGreaterThan(0);
  });

  it('syncs an outlet and creates a courier with a workplace of its own', async () => {
    const { seeded, client } = tenant();
    const outlet = await client.outlets.create({
      name: 'Пункт выдачи на Мира',
      address: 'г. Москва, пр. Мира, 1',
      legalEntityGuid: seeded.legalEntity.guid,
      meta: 'retailcrm:store:mira',
    });
    expect(outlet.legalEntity?.guid).toBe(seeded.legalEntity.guid);
    await client.outlets.patch(outlet.guid, [
      { op: 'replace', path: '/address', value: 'г. Москва, пр. Мира, 2' },
    ]);
    expect((await client.outlets.get(outlet.guid)).address).toBe('г. Москва, пр. Мира, 2');
    expect((await client.outlets.list({ query: 'retailcrm:store:mira' })).items.map((o) => o.guid)).toEqual([
      outlet.guid,
    ]);

    const courier = await client.employees.create({
      name: 'Пётр Курьеров',
      username: 'courier-17',
      phone: '79990001717',
      roleGuid: seeded.roles.Courier.guid,
      meta: 'retailcrm:courier:17',
    });
    expect(courier.role?.guid).toBe(seeded.roles.Courier.guid);
    await client.employees.patch(courier.guid, [
      { op: 'replace', path: '/name', value: 'Пётр Курьеров-Быстрый' },
    ]);
    const found = await client.employees.list({ query: '79990001717' });
    expect(found.items.map((e) => [e.guid, e.name])).toEqual([[courier.guid, 'Пётр Курьеров-Быстрый']]);

    const workplace = await client.workplaces.create({
      workplaceType: 'Mobile',
      name: 'Курьер Пётр',
      outletGuid: outlet.guid,
      meta: 'retailcrm:courier:17',
    });
    expect(workplace.workplaceType).toBe('Mobile');
    expect((await client.workplaces.list()).items.map((w) => w.guid)).toContain(workplace.guid);
  });

  it('creates, finds, pages, patches, pays, refunds, cancels and archives sales with exact kopecks', async () => {
    const { seeded, orgId, client } = tenant();
    const uom = (await client.unitsOfMeasure.list()).items[0]!.guid;
    const guid = '7d0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b';
    const input = {
      guid,
      number: 'RC-4711',
      outletGuid: seeded.outlet.guid,
      openedByGuid: seeded.owner.guid,
      openedAt: new Date(),
      comment: 'Доставка к 14:00',
      totalKopecks: rublesToKopecks(0.1 + 0.2) + rublesToKopecks(1999.99),
      positions: [
        { name: 'Пакет', quantity: 1, priceKopecks: rublesToKopecks(0.1 + 0.2), uomGuid: uom, tax: 'Tax20' },
        {
          name: 'Кофемолка',
          quantity: 1,
          priceKopecks: rublesToKopecks('1999.99'),
          uomGuid: uom,
          tax: 'Tax20',
        },
      ],
      meta: 'retailcrm:order:4711',
    };
    const created = await client.sales.create(input);
    expect(created).toMatchObject({
      guid,
      number: 'RC-4711',
      state: 'New',
      paymentStatus: 'NotPaid',
      shippingStatus: 'NotShipped',
      totalKopecks: 200029,
      archived: false,
    });
    expect(created.positions.map((p) => p.priceKopecks)).toEqual([30, 199999]);

    // Creating again with the same guid is the idempotency signal (docs/LIFEPOS-API.md, gap G-5).
    const again = await client.sales.create(input).catch((e: unknown) => e);
    expect(lifePosErrorCode(again)).toBe('Duplicate');
    expect(errorKind(again)).toBe('permanent');

    expect((await client.sales.list({ query: 'retailcrm:order:4711' })).items.map((s) => s.guid)).toEqual([
      guid,
    ]);
    for (let i = 0; i < 4; i += 1) sandbox.lifepos.seedSale(orgId, { total: 100 + i });
    const all: string[] = [];
    for await (const sale of client.sales.iterate({ itemsPerPage: 2 })) all.push(sale.guid);
    expect(all).toHaveLength(5);
    expect(new Set(all).size).toBe(5);
    expect((await client.sales.list({ itemsPerPage: 2 })).nextPageToken).toBeDefined();

    await client.sales.patch(guid, [{ op: 'replace', path: '/comment', value: 'Позвонить за час' }]);
    expect((await client.sales.get(guid)).comment).toBe('Позвонить за час');

    const taken = sandbox.lifepos.takePayment(orgId, guid, { cash: 29, card: 200000 });
    const payments = await client.money.listPayments(guid);
    expect(payments.items).toHaveLength(1);
    expect(payments.items[0]).toMatchObject({
      guid: taken.guid,
      cashKopecks: 29,
      cardKopecks: 200000,
      totalKopecks: 200029,
    });
    expect(await client.money.getPayment(guid, taken.guid)).toMatchObject({
      guid: taken.guid,
      saleGuid: guid,
    });
    expect((await client.sales.get(guid)).paymentStatus).toBe('Paid');

    const refund = await client.money.createRefund(guid, {
      paymentGuid: taken.guid,
      cashKopecks: 29,
      cardKopecks: 200000,
    });
    expect(refund).toMatchObject({
      forPaymentGuid: taken.guid,
      totalKopecks: 200029,
      cashKopecks: 29,
      cardKopecks: 200000,
    });
    expect((await client.money.listRefunds(guid)).items.map((r) => r.guid)).toEqual([refund.guid]);
    expect(await client.money.getRefund(guid, refund.guid)).toMatchObject({ forPaymentGuid: taken.guid });
    expect((await client.sales.get(guid)).paymentStatus).toBe('Refunded');

    const fresh = sandbox.lifepos.seedSale(orgId);
    await client.sales.cancel(fresh.guid);
    expect((await client.sales.get(fresh.guid)).state).toBe('Cancelled');

    await client.sales.archive(fresh.guid);
    expect((await client.sales.get(fresh.guid)).archived).toBe(true);
    const archivedPatch = await client.sales
      .patch(fresh.guid, [{ op: 'replace', path: '/comment', value: 'x' }])
      .catch((e: unknown) => e);
    expect(lifePosErrorCode(archivedPatch)).toBe('NotAllowedForArchived');

    const missing = await client.sales.get('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
    expect((missing as LifePosPermanentError).code).toBe('lifepos.not_found');
  });

  it('subscribes to, reads and turns off notifications', async () => {
    const { orgId, client } = tenant();
    expect(await client.notifications.get()).toBeNull();
    await client.notifications.subscribe({ url: 'http://127.0.0.1:9/lifepos/notifications/tok' });
    expect(await client.notifications.get()).toMatchObject({
      turnedOn: true,
      url: 'http://127.0.0.1:9/lifepos/notifications/tok',
    });
    expect(sandbox.lifepos.subscription(orgId)?.turned_on).toBe(true);
    await client.notifications.unsubscribe();
    expect((await client.notifications.get())?.turnedOn).toBe(false);
    expect(sandbox.lifepos.subscription(orgId)?.turned_on).toBe(false);
  });

  it('tokens expired in LIFE POS: 20 concurrent calls → exactly one re-sign-in', async () => {
    const { orgId, client } = tenant();
    const sale = sandbox.lifepos.seedSale(orgId);
    await client.sales.get(sale.guid);
    const before = signIns();
    sandbox.lifepos.expireTokens();
    const results = await Promise.all(Array.from({ length: 20 }, () => client.sales.get(sale.guid)));
    expect(results.every((r) => r.guid === sale.guid)).toBe(true);
    expect(signIns() - before).toBe(1);
  });

  it('maps the sandbox’s 429, 5xx and bad credentials', async () => {
    const { orgId, client } = tenant();
    await client.orgs.me();
    sandbox.lifepos.setRateLimit(orgId, { enabled: true, perSecond: 1, retryAfterHeader: true });
    const results = await Promise.allSettled([client.orgs.me(), client.orgs.me(), client.orgs.me()]);
    const limited = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    for (const error of limited) {
      expect(error).toBeInstanceOf(DeferredError);
      expect((error as DeferredError).delayMs).toBe(1000);
    }
    sandbox.lifepos.setRateLimit(orgId, { enabled: false });

    const rule = sandbox.faults.add({
      system: 'lifepos',
      path: '/me$',
      errorRate: 1,
      errorStatus: 503,
      count: 1,
    });
    const unavailable = await client.orgs.me().catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(LifePosRetryableError);
    sandbox.faults.remove(rule.id);

    const wrong = tenant({ password: 'definitely-wrong-password' }).client;
    const rejected = (await wrong.orgs.me().catch((e: unknown) => e)) as LifePosPermanentError;
    expect(rejected).toBeInstanceOf(LifePosPermanentError);
    expect(rejected.code).toBe('lifepos.auth.invalid_credentials');
  });
});

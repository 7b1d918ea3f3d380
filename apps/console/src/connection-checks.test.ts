import { connectionSettingsSchema } from '@connector/db';
import { createLogger } from '@connector/logger';
import { createRateLimiter } from '@connector/queue';
import { retailcrmSim } from '@connector/sandbox';
import {
  type Sandbox,
  seedTenant,
  startTestSandbox,
  type Tenant,
  type TenantOptions,
  testRedisUrl,
  uniquePrefix,
} from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { checkClientsFactory } from './check-clients.js';
import { type CheckId, type CheckReport, REQUIRED_SCOPE_CODES, runChecks } from './checks/index.js';
import type { ConnectionDraft } from './connection-input.schema.js';

let sandbox: Sandbox;
let redis: Redis;
let buildClients: ReturnType<typeof checkClientsFactory>;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  buildClients = checkClientsFactory({
    lifeposApiUrl: sandbox.lifeposUrl,
    retailcrmAllowedHosts: ['127.0.0.1:*'],
    limiter: createRateLimiter(redis, { prefix: `{${uniquePrefix()}}`, maxWaitMs: 10_000 }),
    logger: createLogger({ service: 'console-test', level: 'error' }),
  });
});

afterAll(async () => {
  await redis.quit();
  await sandbox.close();
});

async function seed(options: TenantOptions = {}): Promise<Tenant> {
  const tenant = await seedTenant(sandbox, options);
  for (const store of tenant.stores) tenant.createOrder({ store: store.code });
  return tenant;
}

function draftOf(tenant: Tenant, overrides: Partial<ConnectionDraft> = {}): ConnectionDraft {
  const { settings, ...fields } = tenant.connection;
  return { ...fields, settings: connectionSettingsSchema.parse(settings), ...overrides };
}

const check = (draft: ConnectionDraft) => runChecks(draft, buildClients(draft));

function lineOf(report: CheckReport, id: CheckId) {
  const found = report.lines.find((line) => line.id === id);
  if (!found) throw new Error(`no line ${id}`);
  return found;
}

describe('the required key permissions', () => {
  it("are the integration guide's list, as the RetailCRM simulator knows the connector needs them", () => {
    expect([...REQUIRED_SCOPE_CODES].sort()).toEqual([...retailcrmSim.CONNECTOR_SCOPES].sort());
  });
});

describe('runChecks against the simulators', () => {
  it('passes every check for a tenant set up as the guide says, and reads the reference books', async () => {
    const tenant = await seed();
    const report = await check(draftOf(tenant));
    expect(report.lines.map((line) => [line.id, line.status])).toEqual([
      ['lifepos.sign_in', 'ok'],
      ['lifepos.role', 'ok'],
      ['retailcrm.account', 'ok'],
      ['retailcrm.api_key', 'ok'],
      ['retailcrm.error_group', 'ok'],
      ['retailcrm.payment_types', 'ok'],
      ['legal_entities.inn', 'ok'],
      ['stores.outlets', 'ok'],
      ['settings.codes', 'ok'],
    ]);
    expect(report.ok).toBe(true);
    expect(lineOf(report, 'stores.outlets').message.ru).toContain(tenant.stores[0]!.code);
    expect(lineOf(report, 'stores.outlets').message.ru).toContain(tenant.stores[0]!.inn);
    expect(report.books?.statuses.map((status) => status.code)).toContain(tenant.statuses.send);
    expect(report.books?.deliveryTypes.map((type) => type.code)).toContain(tenant.deliveryTypes.pickup);
  });

  it('a wrong LIFE POS password fails the sign-in and skips what depends on it', async () => {
    const tenant = await seed();
    const report = await check(draftOf(tenant, { lifeposPassword: 'not-the-password' }));
    expect(report.ok).toBe(false);
    const signIn = lineOf(report, 'lifepos.sign_in');
    expect(signIn.status).toBe('error');
    expect(signIn.message.ru).toContain('LIFE POS не принял телефон и пароль');
    expect(lineOf(report, 'lifepos.role').status).toBe('skipped');
    expect(lineOf(report, 'legal_entities.inn').status).toBe('skipped');
    expect(lineOf(report, 'retailcrm.api_key').status).toBe('ok');
  });

  it('an employee who is not Owner or Administrator is refused with the reason', async () => {
    const tenant = await seed();
    const phone = '+79990001122';
    sandbox.lifepos.addEmployee(tenant.orgId, {
      name: 'Кассир Петров',
      phone,
      role: 'Cashier',
      password: 'cashier-1',
    });
    const report = await check(draftOf(tenant, { lifeposPhone: phone, lifeposPassword: 'cashier-1' }));
    expect(lineOf(report, 'lifepos.sign_in').status).toBe('ok');
    const role = lineOf(report, 'lifepos.role');
    expect(role.status).toBe('error');
    expect(role.message.ru).toContain('не владелец и не администратор');
    expect(report.ok).toBe(false);
  });

  it('an unknown organization id says so', async () => {
    const tenant = await seed();
    const report = await check(draftOf(tenant, { lifeposOrgId: '00000000-0000-4000-8000-000000000000' }));
    const role = lineOf(report, 'lifepos.role');
    expect(role.status).toBe('error');
    expect(role.message.ru).toMatch(/нет в LIFE POS|не владелец/);
  });

  it('a key without a permission names the missing one', async () => {
    const tenant = await seed({
      scopes: [
        'order_read',
        'order_write',
        'customer_read',
        'store_read',
        'reference_read',
        'delivery_read',
        'delivery_write',
        'user_read',
        'task_read',
        'payments_read',
        'payments_write',
      ],
    });
    const report = await check(draftOf(tenant));
    const key = lineOf(report, 'retailcrm.api_key');
    expect(key.status).toBe('error');
    expect(key.message.ru).toContain('Задачи, получение и редактирование (task_write)');
    expect(key.message.en).toContain('task_write');
    expect(report.ok).toBe(false);
  });

  it('a wrong API key is reported on the key, while the account answers', async () => {
    const tenant = await seed();
    const report = await check(draftOf(tenant, { retailcrmApiKey: 'wrong-key' }));
    expect(lineOf(report, 'retailcrm.account').status).toBe('ok');
    expect(lineOf(report, 'retailcrm.api_key').status).toBe('error');
    expect(lineOf(report, 'retailcrm.api_key').message.ru).toContain('не принял API-ключ');
    expect(lineOf(report, 'retailcrm.error_group').status).toBe('skipped');
  });

  it('a reference book that cannot be read fails the codes line with the reason, not a silent skip', async () => {
    const tenant = await seed();
    const fault = sandbox.faults.add({
      system: 'retailcrm',
      path: '/reference/statuses$',
      errorRate: 1,
      errorStatus: 500,
    });
    try {
      const codes = lineOf(await check(draftOf(tenant)), 'settings.codes');
      expect(codes.status).toBe('error');
      expect(codes.message.ru).toContain('Не удалось прочитать справочники RetailCRM');
      expect(codes.message.ru).toContain('Ответ RetailCRM');
      expect(codes.action?.ru).toContain('повторите проверку');
    } finally {
      sandbox.faults.remove(fault.id);
    }
  });

  it('an unknown group code lists the groups there are', async () => {
    const tenant = await seed();
    const report = await check(draftOf(tenant, { errorUserGroupCode: 'no-such-group' }));
    const group = lineOf(report, 'retailcrm.error_group');
    expect(group.status).toBe('error');
    expect(group.message.ru).toContain('Группы пользователей с кодом «no-such-group» нет');
    expect(group.message.ru).toContain(tenant.errorGroup.code);
  });

  it('a group without an active user is an error', async () => {
    const tenant = await seed();
    // `couriers` exists but nobody is in it.
    const report = await check(draftOf(tenant, { errorUserGroupCode: 'couriers' }));
    const group = lineOf(report, 'retailcrm.error_group');
    expect(group.status).toBe('error');
    expect(group.message.ru).toContain('нет ни одного активного пользователя');
  });

  it('an unknown payment type code is an error; the same code for both is a warning', async () => {
    const tenant = await seed();
    const unknown = await check(draftOf(tenant, { cashlessPaymentTypeCode: 'crypto' }));
    expect(lineOf(unknown, 'retailcrm.payment_types').status).toBe('error');
    expect(lineOf(unknown, 'retailcrm.payment_types').message.ru).toContain('Типа оплаты «crypto»');
    const same = await check(draftOf(tenant, { cashlessPaymentTypeCode: tenant.paymentTypes.cash }));
    expect(lineOf(same, 'retailcrm.payment_types').status).toBe('warning');
    expect(same.ok).toBe(true);
  });

  it('lists the RetailCRM legal entities whose INN is missing in LIFE POS', async () => {
    const tenant = await seed({ lifepos: { omitLastSiteInn: true } });
    const [missing] = tenant.lifepos.missingInns;
    const report = await check(draftOf(tenant));
    const inn = lineOf(report, 'legal_entities.inn');
    expect(inn.status).toBe('error');
    expect(inn.message.ru).toContain(`ИНН ${missing}`);
    expect(inn.action?.ru).toContain('Структура бизнеса → Юридические лица');
    expect(lineOf(report, 'stores.outlets').status).toBe('warning');
    expect(report.ok).toBe(false);
  });

  it('refuses a RetailCRM address outside the allowed hosts without calling it', async () => {
    const tenant = await seed();
    const report = await check(draftOf(tenant, { retailcrmUrl: 'https://evil.example.com' }));
    const account = lineOf(report, 'retailcrm.account');
    expect(account.status).toBe('error');
    expect(account.message.ru).toContain('не разрешён');
    expect(lineOf(report, 'retailcrm.api_key').status).toBe('skipped');
  });

  it('flags codes of the advanced settings that the account does not have', async () => {
    const tenant = await seed();
    const draft = draftOf(tenant);
    const report = await check({
      ...draft,
      settings: { ...draft.settings, paidPaymentStatus: 'no-such-status', cancelStatuses: ['ghost'] },
    });
    const codes = lineOf(report, 'settings.codes');
    expect(codes.status).toBe('error');
    expect(codes.message.ru).toContain('«no-such-status»');
    expect(codes.message.ru).toContain('«ghost»');
  });
  it('checks the store → site binding against the account and follows it to the outlet', async () => {
    const tenant = await seed();
    const draft = draftOf(tenant);
    const [msk, spb] = [tenant.stores[0]!, tenant.stores.at(-1)!];
    expect(msk.site).not.toBe(spb.site);
    const withBinding = (
      storeSites: Record<string, string>,
      syncStoreTypes = draft.settings.syncStoreTypes,
    ) => check({ ...draft, settings: { ...draft.settings, storeSites, syncStoreTypes } });

    const unknown = await withBinding({ 'no-such-store': msk.site, [msk.code]: 'no-such-site' });
    const codes = lineOf(unknown, 'settings.codes');
    expect(codes.status).toBe('error');
    expect(codes.message.ru).toContain('склады «no-such-store», которых нет в RetailCRM');
    expect(codes.message.ru).toContain('магазины «no-such-site», которых нет в RetailCRM');
    expect(codes.message.en).toContain('names sites «no-such-site» that RetailCRM does not have');
    expect(lineOf(unknown, 'stores.outlets').message.ru).toContain(
      `${msk.name} (${msk.code}) → в настройке storeSites указан магазин «no-such-site», которого нет в RetailCRM`,
    );
    expect(unknown.ok).toBe(false);

    // Bound to the other site: the store's outlet goes to that site's legal entity.
    const rebound = await withBinding({ [msk.code]: spb.site });
    expect(lineOf(rebound, 'settings.codes').status).toBe('ok');
    const legalName = tenant.sites.find((site) => site.code === spb.site)!.legalEntity.legalName;
    expect(lineOf(rebound, 'stores.outlets').message.ru).toContain(
      `${msk.name} (${msk.code}) → торговая точка юрлица ${legalName} ИНН ${spb.inn}`,
    );
    expect(rebound.ok).toBe(true);

    // A binding of a store that does not sell is unused: a warning, not an error.
    const idle = await withBinding({ [msk.code]: msk.site }, ['store-type-online']);
    expect(lineOf(idle, 'settings.codes').status).toBe('warning');
    expect(lineOf(idle, 'settings.codes').message.ru).toContain(
      `склады «${msk.code}» не активны или не выбранного типа`,
    );
  });
});

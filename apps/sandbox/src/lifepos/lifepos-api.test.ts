import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '../sandbox.js';
import type { SeededOrganization } from './simulator.js';
import { ROLE_GUIDS, UOM_GUIDS } from './store.js';
import { TestApiClient } from './test-client.js';

/**
 * Contract tests of the LIFE POS API surface: headers, auth, organizations, reference data, lists, limits.
 * Section names («…») and gap ids (G-n) in the test names are those of docs/LIFEPOS-API.md.
 */

let sandbox: Sandbox;
let seeded: SeededOrganization;
let api: TestApiClient;
let org: string;

const errorBody = (code: string) => ({ code, message: expect.any(String), info: expect.any(String) });

beforeAll(async () => {
  sandbox = await startSandbox();
  seeded = sandbox.lifepos.createOrganization({
    name: 'Пекарня',
    owner: { phone: '79990001122', password: 'secret123' },
  });
  org = seeded.organization.guid;
  sandbox.lifepos.setRateLimit(org, { enabled: false });
  api = new TestApiClient(sandbox.lifeposUrl);
  await api.signIn('79990001122', 'secret123');
});

afterAll(async () => {
  await sandbox.close();
});

describe('required client headers («Required headers»)', () => {
  it.each([
    ['X-LP-Client-Identifier', { 'X-LP-Client-Identifier': '' }],
    ['X-LP-Client-Type', { 'X-LP-Client-Type': 'Robot' }],
    ['Accept-Language', { 'Accept-Language': '*' }],
  ])('answers 422 RequestIsNotValid naming %s when it is missing or wrong', async (header, override) => {
    for (const path of [`/orgs/${org}/me`, '/auth/sign-in-by-phone']) {
      const response = await api.request(path.startsWith('/auth') ? 'POST' : 'GET', path, {
        headers: override,
        body: path.startsWith('/auth') ? { phone: '79990001122', password: 'secret123' } : undefined,
      });
      expect(response.status).toBe(422);
      expect(response.body).toEqual({
        code: 'RequestIsNotValid',
        message: expect.stringContaining(header),
        info: header,
      });
    }
  });

  it('accepts every documented client type, including Android', async () => {
    for (const type of ['Unknown', 'App', 'WebApp', 'Service', 'Android']) {
      const response = await api.get(`/orgs/${org}/me`, { headers: { 'X-LP-Client-Type': type } });
      expect(response.status).toBe(200);
    }
  });
});

describe('authentication («Sign-in and tokens», G-2)', () => {
  it('signs in by phone: 200 {token}, with and without the /v6 prefix', async () => {
    for (const path of ['/auth/sign-in-by-phone', '/v6/auth/sign-in-by-phone']) {
      const response = await api.post(
        path,
        { phone: '8-999-000-11-22', password: 'secret123' },
        { token: null },
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ token: expect.any(String) });
    }
  });

  it('answers wrong credentials with 401 WrongUsernameOrPassword', async () => {
    for (const body of [
      { phone: '79990001122', password: 'wrong-one' },
      { phone: '79990009999', password: 'secret123' },
    ]) {
      const response = await api.post('/auth/sign-in-by-phone', body, { token: null });
      expect(response.status).toBe(401);
      expect(response.body).toEqual(errorBody('WrongUsernameOrPassword'));
    }
  });

  it('validates the sign-in body (phone pattern, password length) with 422', async () => {
    const response = await api.post(
      '/auth/sign-in-by-phone',
      { phone: 'call me', password: '123' },
      { token: null },
    );
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('RequestIsNotValid');
    expect(response.body.info).toBe('phone,password');
  });

  it('signs in with full_username = username@alias (G-16)', async () => {
    const response = await api.post(
      '/auth/sign-in',
      { full_username: `owner@${seeded.organization.alias}`, password: 'secret123', response_type: 'Token' },
      { token: null },
    );
    expect(response.status).toBe(200);
    expect(typeof response.body.token).toBe('string');
  });

  it('requires Authorization: Bearer on everything else', async () => {
    for (const token of [null, 'not-a-token']) {
      const response = await api.get('/orgs', { token });
      expect(response.status).toBe(401);
      expect(response.body).toEqual(errorBody('Unauthorized'));
    }
  });

  it('expires tokens after the configured TTL → 401', async () => {
    const previous = sandbox.lifepos.tokenTtl();
    sandbox.lifepos.setTokenTtl(0);
    try {
      const client = new TestApiClient(sandbox.lifeposUrl);
      await client.signIn('79990001122', 'secret123');
      const response = await client.get(`/orgs/${org}`);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ code: 'Unauthorized', message: 'The token has expired', info: '' });
    } finally {
      sandbox.lifepos.setTokenTtl(previous);
    }
  });

  it('expires issued tokens on demand; a new sign-in works again', async () => {
    const client = new TestApiClient(sandbox.lifeposUrl);
    await client.signIn('79990001122', 'secret123');
    expect((await client.get(`/orgs/${org}/me`)).status).toBe(200);
    expect(sandbox.lifepos.expireTokens('79990001122')).toBeGreaterThanOrEqual(1);
    expect((await client.get(`/orgs/${org}/me`)).status).toBe(401);
    await client.signIn('79990001122', 'secret123');
    expect((await client.get(`/orgs/${org}/me`)).status).toBe(200);
    await api.signIn('79990001122', 'secret123');
  });
});

describe('API rights: Owner and Administrator only («Sign-in and tokens» [G6])', () => {
  it('lets an Administrator in and keeps a Courier, Manager or Cashier out with 403 NoPermissions', async () => {
    const cases = [
      ['Administrator', 200],
      ['Courier', 403],
      ['Manager', 403],
      ['Cashier', 403],
    ] as const;
    for (const [index, [role, status]] of cases.entries()) {
      const phone = `7977000000${index}`;
      sandbox.lifepos.addEmployee(org, { name: `Сотрудник ${role}`, phone, role, password: 'secret123' });
      const client = new TestApiClient(sandbox.lifeposUrl);
      await client.signIn(phone, 'secret123');
      const response = await client.get(`/orgs/${org}/me`);
      expect(response.status).toBe(status);
      if (status === 403) expect(response.body).toEqual(errorBody('NoPermissions'));
    }
  });

  it('answers 403 for an organization the phone does not belong to, 404 for an unknown one', async () => {
    const other = sandbox.lifepos.createOrganization();
    expect((await api.get(`/orgs/${other.organization.guid}`)).status).toBe(403);
    const unknown = await api.get('/orgs/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(errorBody('NotFound'));
  });
});

describe('organizations («Organizations», «Current employee», «Subscribing»)', () => {
  it('lists the organizations of the signed-in phone in the list envelope', async () => {
    const response = await api.get('/orgs');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      items: [expect.objectContaining({ guid: org, type_of: 'Organization', name: 'Пекарня' })],
      next_page_token: null,
      page_number: 1,
      pages_total: null,
      items_per_page: 50,
      items_total: null,
      type_of: 'List',
    });
  });

  it('reads an organization with and without /v6', async () => {
    for (const prefix of ['', '/v6']) {
      const response = await api.get(`${prefix}/orgs/${org}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        guid: org,
        type_of: 'Organization',
        name: 'Пекарня',
        alias: seeded.organization.alias,
        owner: { guid: seeded.owner.guid, type_of: 'Employee' },
        support: { line: expect.any(String), responsibility: expect.any(String) },
        extensions: {},
        deleted_at: null,
      });
    }
  });

  it('subscribes to notifications by JSON Patch with X-LP-Client-Extensions → 204; hides the extension otherwise', async () => {
    const patch = [
      {
        op: 'add',
        path: '/extensions/notification_service',
        value: {
          turned_on: true,
          primary_url_for_notifications: 'http://127.0.0.1:9/hook/secret',
          version: '1.0',
        },
      },
    ];
    const declared = { 'X-LP-Client-Extensions': 'notification_service' };
    const response = await api.patch(`/v6/orgs/${org}`, patch, { headers: declared });
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();

    const withHeader = await api.get(`/orgs/${org}`, { headers: declared });
    expect(withHeader.body.extensions).toEqual({
      notification_service: {
        turned_on: true,
        primary_url_for_notifications: 'http://127.0.0.1:9/hook/secret',
        secondary_url_for_notifications: null,
        version: '1.0',
      },
    });
    const withoutHeader = await api.get(`/orgs/${org}`);
    expect(withoutHeader.body.extensions).toEqual({});

    const off = await api.patch(
      `/orgs/${org}`,
      [{ op: 'replace', path: '/extensions/notification_service/turned_on', value: false }],
      { headers: declared, contentType: 'application/json-patch+json' },
    );
    expect(off.status).toBe(204);
    expect(sandbox.lifepos.subscription(org)?.turned_on).toBe(false);
  });

  it('rejects the notification_service extension without X-LP-Client-Extensions (422, nothing applied)', async () => {
    const before = sandbox.lifepos.organization(org);
    const response = await api.patch(`/orgs/${org}`, [
      { op: 'replace', path: '/name', value: 'Другое имя' },
      {
        op: 'add',
        path: '/extensions/notification_service',
        value: { turned_on: true, primary_url_for_notifications: 'http://127.0.0.1:9/x', version: '1.0' },
      },
    ]);
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('RequestIsNotValid');
    expect(sandbox.lifepos.organization(org)).toEqual(before);
  });

  it('applies a JSON Patch all-or-nothing and refuses read-only fields', async () => {
    const failedTest = await api.patch(`/orgs/${org}`, [
      { op: 'replace', path: '/name', value: 'Новое имя' },
      { op: 'test', path: '/alias', value: 'not-the-alias' },
    ]);
    expect(failedTest.status).toBe(422);
    expect(sandbox.lifepos.organization(org).name).toBe('Пекарня');

    const readOnly = await api.patch(`/orgs/${org}`, [
      { op: 'replace', path: '/guid', value: ROLE_GUIDS.Owner },
    ]);
    expect(readOnly.status).toBe(422);
    expect(readOnly.body.info).toBe('guid');

    const notPatch = await api.patch(`/orgs/${org}`, { name: 'not an array' });
    expect(notPatch.status).toBe(422);

    const rename = await api.patch(`/orgs/${org}`, [
      { op: 'replace', path: '/support/line', value: '8-800' },
    ]);
    expect(rename.status).toBe(204);
    expect(sandbox.lifepos.organization(org).support.line).toBe('8-800');
  });

  it('answers AliasIsAlreadyTaken for another organization’s alias', async () => {
    const other = sandbox.lifepos.createOrganization({ alias: 'taken-alias' });
    expect(other.organization.alias).toBe('taken-alias');
    const response = await api.patch(`/orgs/${org}`, [
      { op: 'replace', path: '/alias', value: 'Taken-Alias' },
    ]);
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('AliasIsAlreadyTaken');
  });

  it('returns the current employee; presentation=full expands references (G-15)', async () => {
    const compact = await api.get(`/orgs/${org}/me`);
    expect(compact.status).toBe(200);
    expect(compact.body).toMatchObject({
      guid: seeded.owner.guid,
      type_of: 'Employee',
      name: 'Иван Владельцев',
      username: 'owner',
      phone: '79990001122',
      role: { guid: ROLE_GUIDS.Owner, type_of: 'Role' },
      organization: { guid: org, type_of: 'Organization' },
    });
    const full = await api.get(`/orgs/${org}/me?presentation=full`);
    expect(full.body.role).toEqual({
      guid: ROLE_GUIDS.Owner,
      type_of: 'Role',
      name: 'Владелец',
      role_type: 'Owner',
    });
    expect((await api.get(`/orgs/${org}/me?presentation=pretty`)).status).toBe(422);
  });
});

describe('reference data («Resources», G-9)', () => {
  it('creates, reads, patches and archives legal entities (INN / KPP)', async () => {
    const created = await api.post(`/orgs/${org}/legal-entities`, {
      juridical_name: 'ИП Петров',
      juridical_address: 'г. Казань, ул. Баумана, 1',
      inn: '165012345678',
      kpp: null,
      tax_systems: ['Usn'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type_of: 'LegalEntity',
      inn: '165012345678',
      kpp: null,
      tax_systems: ['Usn'],
      organization: { guid: org, type_of: 'Organization' },
      deleted_at: null,
    });
    const guid = created.body.guid as string;

    const badKpp = await api.post(`/orgs/${org}/legal-entities`, {
      juridical_name: 'ООО Ошибка',
      juridical_address: 'адрес',
      inn: '7700000000',
      kpp: '12',
      tax_systems: [],
    });
    expect(badKpp.status).toBe(422);
    expect(badKpp.body.info).toBe('tax_systems,kpp');

    expect(
      (
        await api.patch(`/orgs/${org}/legal-entities/${guid}`, [
          { op: 'replace', path: '/kpp', value: '165001001' },
        ])
      ).status,
    ).toBe(204);
    expect((await api.get(`/orgs/${org}/legal-entities/${guid}`)).body.kpp).toBe('165001001');

    expect((await api.delete(`/orgs/${org}/legal-entities/${guid}`)).status).toBe(204);
    const archived = await api.get(`/orgs/${org}/legal-entities/${guid}`);
    expect(archived.body.deleted_at).toEqual(expect.any(String));
    const alive = await api.get(`/orgs/${org}/legal-entities`);
    expect(alive.body.items.map((item: { guid: string }) => item.guid)).not.toContain(guid);
    const archivedOnly = await api.get(`/orgs/${org}/legal-entities?selection=archived_only`);
    expect(archivedOnly.body.items.map((item: { guid: string }) => item.guid)).toEqual([guid]);
    const patchArchived = await api.patch(`/orgs/${org}/legal-entities/${guid}`, [
      { op: 'replace', path: '/inn', value: '1' },
    ]);
    expect(patchArchived.status).toBe(422);
    expect(patchArchived.body.code).toBe('NotAllowedForArchived');
  });

  it('creates outlets on a legal entity; an unknown reference is 404 ReferenceNotFound', async () => {
    const created = await api.post(`/orgs/${org}/outlets?presentation=full`, {
      name: 'Точка на Невском',
      address: 'СПб, Невский пр., 10',
      legal_entity: { guid: seeded.legalEntity.guid },
    });
    expect(created.status).toBe(201);
    expect(created.body.legal_entity).toEqual({
      guid: seeded.legalEntity.guid,
      type_of: 'LegalEntity',
      juridical_name: 'ООО «Ромашка»',
      inn: '7701234567',
      kpp: '770101001',
    });
    const missing = await api.post(`/orgs/${org}/outlets`, {
      name: 'Нет юрлица',
      address: 'адрес',
      legal_entity: { guid: '11111111-1111-4111-8111-111111111111' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'ReferenceNotFound', info: 'legal_entity' });

    const moved = await api.patch(`/orgs/${org}/outlets/${created.body.guid}`, [
      { op: 'replace', path: '/name', value: 'Точка на Невском, 12' },
    ]);
    expect(moved.status).toBe(204);
  });

  it('creates employees with the reference constraints and uniqueness errors', async () => {
    const courier = {
      name: 'Курьер Пётр',
      username: 'courier-petr',
      phone: '+7-912-345-67-89',
      role: { guid: ROLE_GUIDS.Courier },
      meta: 'retailcrm-user-17',
    };
    const created = await api.post(`/orgs/${org}/employees`, courier);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type_of: 'Employee',
      role: { guid: ROLE_GUIDS.Courier, type_of: 'Role' },
    });

    const sameUsername = await api.post(`/orgs/${org}/employees`, { ...courier, phone: '79120000001' });
    expect(sameUsername.body.code).toBe('UsernameIsAlreadyTaken');
    const samePhone = await api.post(`/orgs/${org}/employees`, {
      ...courier,
      username: 'other',
      phone: '89123456789',
    });
    expect(samePhone).toMatchObject({ status: 422, body: { code: 'PhoneIsAlreadyTaken', info: 'phone' } });
    // The owner is an employee too: its phone, written another way, is taken as well.
    const ownerPhone = await api.post(`/orgs/${org}/employees`, {
      ...courier,
      username: 'not-the-owner',
      phone: `8${seeded.owner.phone.replace(/\D/g, '').slice(-10)}`,
    });
    expect(ownerPhone).toMatchObject({ status: 422, body: { code: 'PhoneIsAlreadyTaken', info: 'phone' } });
    const shortName = await api.post(`/orgs/${org}/employees`, {
      ...courier,
      name: 'Иван',
      username: 'x2',
      phone: '79120000002',
    });
    expect(shortName.status).toBe(422);
    expect(shortName.body.info).toBe('name');

    const found = await api.get(`/orgs/${org}/employees?query=retailcrm-user-17`);
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0].guid).toBe(created.body.guid);

    const archiveOwner = await api.delete(`/orgs/${org}/employees/${seeded.owner.guid}`);
    expect(archiveOwner.status).toBe(422);
    expect(archiveOwner.body.code).toBe('NotAllowedForOwner');
  });

  it('creates workplaces with a unique number', async () => {
    const created = await api.post(`/orgs/${org}/workplaces`, {
      name: 'Курьер Пётр',
      workplace_type: 'Mobile',
      outlet: { guid: seeded.outlet.guid },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type_of: 'Workplace',
      workplace_type: 'Mobile',
      number: 2,
      activated_at: null,
    });
    const clash = await api.post(`/orgs/${org}/workplaces`, { number: 2, workplace_type: 'Mobile' });
    expect(clash.status).toBe(422);
    expect(clash.body.code).toBe('NotUnique');
    const wrongType = await api.post(`/orgs/${org}/workplaces`, { workplace_type: 'Bicycle' });
    expect(wrongType.status).toBe(422);
    const renamed = await api.patch(`/orgs/${org}/workplaces/${created.body.guid}`, [
      { op: 'replace', path: '/name', value: 'Курьер Пётр (моб.)' },
    ]);
    expect(renamed.status).toBe(204);
  });

  it('serves seeded roles and units of measure with fixed guids, read-only', async () => {
    const roles = await api.get(`/orgs/${org}/roles`);
    expect(roles.body.items.map((role: { role_type: string }) => role.role_type)).toEqual([
      'Owner',
      'Administrator',
      'Manager',
      'Cashier',
      'Courier',
      'Guest',
    ]);
    expect((await api.get(`/orgs/${org}/roles/${ROLE_GUIDS.Courier}`)).body.name).toBe('Курьер');
    const uoms = await api.get(`/orgs/${org}/uoms?query=796`);
    expect(uoms.body.items).toEqual([
      expect.objectContaining({ guid: UOM_GUIDS.piece, name: 'шт', code: '796' }),
    ]);
    expect((await api.post(`/orgs/${org}/roles`, { name: 'Новая' })).status).toBe(404);
  });
});

describe('list envelope and paging («List queries», «Value objects», G-13)', () => {
  it('pages with page_token until next_page_token is empty; totals only on request', async () => {
    const fresh = sandbox.lifepos.createOrganization({
      owner: { phone: '79990003344', password: 'secret123' },
    });
    sandbox.lifepos.setRateLimit(fresh.organization.guid, { enabled: false });
    for (let i = 0; i < 4; i++) {
      sandbox.lifepos.addWorkplace(fresh.organization.guid, {
        name: `Курьер ${i}`,
        workplace_type: 'Mobile',
      });
    }
    const client = new TestApiClient(sandbox.lifeposUrl);
    await client.signIn('79990003344', 'secret123');
    const base = `/orgs/${fresh.organization.guid}/workplaces?items_per_page=2&order_by=number_desc&include_items_total=true`;
    const numbers: number[] = [];
    let path = base;
    const pages: number[] = [];
    for (let guard = 0; guard < 5; guard++) {
      const page = await client.get(path);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ items_per_page: 2, items_total: 5, pages_total: 3, type_of: 'List' });
      pages.push(page.body.page_number);
      numbers.push(...page.body.items.map((item: { number: number }) => item.number));
      if (!page.body.next_page_token) break;
      path = `${base}&page_token=${encodeURIComponent(page.body.next_page_token)}`;
    }
    expect(numbers).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toEqual([1, 2, 3]);

    const tampered = await client.get(`${base}&page_token=garbage`);
    expect(tampered.status).toBe(422);
    expect(tampered.body.info).toBe('page_token');
    const first = await client.get(base);
    const otherQuery = await client.get(
      `/orgs/${fresh.organization.guid}/workplaces?items_per_page=2&page_token=${first.body.next_page_token}`,
    );
    expect(otherQuery.status).toBe(422);
    expect((await client.get(`/orgs/${fresh.organization.guid}/workplaces?items_per_page=101`)).status).toBe(
      422,
    );
    expect((await client.get(`/orgs/${fresh.organization.guid}/workplaces?order_by=colour_asc`)).status).toBe(
      422,
    );
  });

  it('returns items: null for an empty page', async () => {
    const response = await api.get(`/orgs/${org}/workplaces?selection=archived_only`);
    expect(response.status).toBe(200);
    expect(response.body.items).toBeNull();
    expect(response.body.next_page_token).toBeNull();
  });

  it('searches meta and meta_data with query (1–64 chars)', async () => {
    sandbox.lifepos.addWorkplace(org, {
      workplace_type: 'Mobile',
      meta_data: { retailcrm_courier_id: 'courier-7731' },
    });
    const response = await api.get(`/orgs/${org}/workplaces?query=COURIER-7731`);
    expect(response.body.items).toHaveLength(1);
    expect(response.body.items[0].meta_data).toEqual({ retailcrm_courier_id: 'courier-7731' });
    expect((await api.get(`/orgs/${org}/workplaces?query=${'x'.repeat(65)}`)).status).toBe(422);
  });
});

describe('per-second rate limit («HTTP statuses and rate limit», G-4)', () => {
  it('answers 429 TooManyRequests over the per-org limit, and not when switched off', async () => {
    const limited = sandbox.lifepos.createOrganization({
      owner: { phone: '79990005566', password: 'secret123' },
    });
    const guid = limited.organization.guid;
    sandbox.lifepos.setRateLimit(guid, { enabled: true, perSecond: 3, retryAfterHeader: true });
    const client = new TestApiClient(sandbox.lifeposUrl);
    await client.signIn('79990005566', 'secret123');
    const responses = await Promise.all(Array.from({ length: 8 }, () => client.get(`/orgs/${guid}/me`)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    const limitedResponse = responses.find((response) => response.status === 429);
    expect(limitedResponse?.body).toEqual({ code: 'TooManyRequests', message: expect.any(String), info: '' });
    expect(limitedResponse?.headers.get('retry-after')).toBe('1');

    sandbox.lifepos.setRateLimit(guid, { enabled: false });
    const unlimited = await Promise.all(Array.from({ length: 8 }, () => client.get(`/orgs/${guid}/me`)));
    expect(unlimited.every((response) => response.status === 200)).toBe(true);
  });

  it('is per organization: another organization is not slowed down', async () => {
    const busy = sandbox.lifepos.createOrganization({
      owner: { phone: '79990007788', password: 'secret123' },
    });
    sandbox.lifepos.setRateLimit(busy.organization.guid, { perSecond: 1 });
    const client = new TestApiClient(sandbox.lifeposUrl);
    await client.signIn('79990007788', 'secret123');
    expect((await client.get(`/orgs/${busy.organization.guid}/me`)).status).toBe(200);
    expect((await client.get(`/orgs/${busy.organization.guid}/me`)).status).toBe(429);
    expect((await api.get(`/orgs/${org}/me`)).status).toBe(200);
  });
});

describe('per-second rate limit, counted on arrival', () => {
  it('counts a request when its headers arrive, before its body is read or anything is checked', async () => {
    const slow = sandbox.lifepos.createOrganization({
      owner: { phone: '79990009911', password: 'secret123' },
    });
    const guid = slow.organization.guid;
    sandbox.lifepos.setRateLimit(guid, { perSecond: 1 });
    const client = new TestApiClient(sandbox.lifeposUrl);
    await client.signIn('79990009911', 'secret123');
    // A request whose body is still on its way (no token, no client headers: refused later, counted now).
    const url = new URL(`/orgs/${guid}/deals/sales`, sandbox.lifeposUrl);
    const pending = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    const answered = new Promise<number>((resolve, reject) => {
      pending.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      pending.on('error', reject);
    });
    pending.flushHeaders();
    // Its headers reach the simulator at once on the loopback; the limit's window is a second.
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect((await client.get(`/orgs/${guid}/me`)).status).toBe(429);
    pending.end('{}');
    expect(await answered).not.toBe(429);
  });
});

describe('sandbox plumbing', () => {
  it('renders injected faults with the LIFE POS error body', async () => {
    sandbox.faults.add({ system: 'lifepos', path: '/me$', errorRate: 1, errorStatus: 503, count: 1 });
    const failed = await api.get(`/orgs/${org}/me`);
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual(errorBody('InternalServerError'));
    expect((await api.get(`/orgs/${org}/me`)).status).toBe(200);
  });

  it('logs requests with the organization as tenant and the path as sent', async () => {
    await api.get(`/v6/orgs/${org}/uoms`);
    const logged = sandbox.requestLog.list({ system: 'lifepos', tenant: org }).at(-1);
    expect(logged).toMatchObject({ method: 'GET', path: `/v6/orgs/${org}/uoms`, status: 200 });
  });

  it('answers unknown routes with 404 NotFound', async () => {
    const response = await api.get(`/orgs/${org}/brands`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual(errorBody('NotFound'));
  });
});

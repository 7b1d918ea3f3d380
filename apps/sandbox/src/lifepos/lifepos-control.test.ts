import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '../sandbox.js';
import { TestApiClient } from './test-client.js';

/** The control API under /_sandbox/lifepos: seeding, acting as a cashier / courier, switches, inspection. */

let sandbox: Sandbox;

// biome-ignore lint/suspicious/noExplicitAny: control responses are asserted as plain JSON
async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${sandbox.url}/_sandbox/lifepos${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

describe('LIFE POS control API', () => {
  it('creates an organization with an Owner whose credentials sign in to the API', async () => {
    const created = await control('POST', '/orgs', {
      name: 'Доставка суши',
      owner: { phone: '79995550011', password: 'owner-pass' },
      legalEntity: { inn: '500100732259', kpp: null, juridical_name: 'ИП Суши' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      organization: { name: 'Доставка суши', type_of: 'Organization' },
      owner: { phone: '79995550011', role: { type_of: 'Role' } },
      credentials: { phone: '79995550011', password: 'owner-pass' },
      legalEntity: { inn: '500100732259', kpp: null, juridical_name: 'ИП Суши' },
      outlet: { legal_entity: { guid: created.body.legalEntity.guid } },
      workplace: { number: 1 },
    });
    expect(Object.keys(created.body.roles)).toEqual([
      'Owner',
      'Administrator',
      'Manager',
      'Cashier',
      'Courier',
      'Guest',
    ]);
    expect(created.body.uoms.map((uom: { code: string }) => uom.code)).toContain('796');

    const api = new TestApiClient(sandbox.lifeposUrl);
    await api.signIn('79995550011', 'owner-pass');
    const me = await api.get(`/orgs/${created.body.organization.guid}/me`);
    expect(me.status).toBe(200);
    expect(me.body.guid).toBe(created.body.owner.guid);
  });

  it('adds legal entities, outlets, employees and workplaces', async () => {
    const { body: seeded } = await control('POST', '/orgs', {});
    const org = seeded.organization.guid as string;
    const entity = await control('POST', `/orgs/${org}/legal-entities`, {
      juridical_name: 'ООО «Вторая»',
      juridical_address: 'Москва',
      inn: '7702000000',
      kpp: '770201001',
      tax_systems: ['UsnMinus'],
    });
    expect(entity.status).toBe(201);
    const outlet = await control('POST', `/orgs/${org}/outlets`, {
      name: 'Точка 2',
      address: 'Москва, 2',
      legal_entity: { guid: entity.body.guid },
    });
    expect(outlet.body.legal_entity.guid).toBe(entity.body.guid);
    const courier = await control('POST', `/orgs/${org}/employees`, {
      name: 'Курьер Алексей',
      role: 'Courier',
      password: 'courier-pass',
      phone: '79995550022',
    });
    expect(courier.status).toBe(201);
    const workplace = await control('POST', `/orgs/${org}/workplaces`, {
      name: 'Алексей',
      workplace_type: 'Mobile',
    });
    expect(workplace.body.number).toBe(2);
    const state = await control('GET', `/orgs/${org}`);
    expect(state.body.employees).toHaveLength(2);
    expect(state.body.outlets).toHaveLength(2);

    // A courier may sign in but has no API rights.
    const api = new TestApiClient(sandbox.lifeposUrl);
    await api.signIn('79995550022', 'courier-pass');
    expect((await api.get(`/orgs/${org}/me`)).status).toBe(403);

    const invalid = await control('POST', `/orgs/${org}/outlets`, { name: 'x' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('RequestIsNotValid');
  });

  it('acts on a sale: mixed payment, ship, refund; inspection shows the documents', async () => {
    const { body: seeded } = await control('POST', '/orgs', {});
    const org = seeded.organization.guid as string;
    const { body: sale } = await control('POST', `/orgs/${org}/sales`, { total: 3_000_00, number: 'CTRL-1' });
    expect(sale).toMatchObject({ number: 'CTRL-1', state: 'New', total_sum: { value: 3_000_00 } });

    const payment = await control('POST', `/orgs/${org}/sales/${sale.guid}/payments`, {
      cash: 1_000_00,
      card: 2_000_00,
    });
    expect(payment.status).toBe(201);
    expect(payment.body).toMatchObject({
      type_of: 'SalePayment',
      sum_by_cash: { value: 1_000_00 },
      sum_by_card: { value: 2_000_00 },
    });
    const shipped = await control('POST', `/orgs/${org}/sales/${sale.guid}/ship`, {});
    expect(shipped.body).toMatchObject({
      state: 'Completed',
      payment_status: 'Paid',
      shipping_status: 'Shipped',
    });

    const cancel = await control('POST', `/orgs/${org}/sales/${sale.guid}/cancel`);
    expect(cancel.status).toBe(422);
    expect(cancel.body.code).toBe('OperationCannotBePerformed');

    const refund = await control('POST', `/orgs/${org}/sales/${sale.guid}/refunds`, { card: 500_00 });
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({
      type_of: 'SaleRefund',
      for_payment: { guid: payment.body.guid },
      total_sum: { value: 500_00 },
    });

    const inspected = await control('GET', `/orgs/${org}/sales/${sale.guid}`);
    expect(inspected.body.sale).toMatchObject({ state: 'Completed', payment_status: 'PartiallyRefunded' });
    expect(inspected.body.payments).toHaveLength(1);
    expect(inspected.body.refunds).toHaveLength(1);
    const list = await control('GET', `/orgs/${org}/sales`);
    expect(list.body.sales).toHaveLength(1);
  });

  it('cancels a New sale and completes a paid one', async () => {
    const { body: seeded } = await control('POST', '/orgs', {});
    const org = seeded.organization.guid as string;
    const { body: fresh } = await control('POST', `/orgs/${org}/sales`, {});
    expect((await control('POST', `/orgs/${org}/sales/${fresh.guid}/cancel`)).body.state).toBe('Cancelled');
    const { body: paid } = await control('POST', `/orgs/${org}/sales`, { total: 100_00 });
    await control('POST', `/orgs/${org}/sales/${paid.guid}/payments`, { cash: 100_00 });
    const completed = await control('POST', `/orgs/${org}/sales/${paid.guid}/complete`);
    expect(completed.body).toMatchObject({ state: 'Completed', shipping_status: 'Shipped' });
  });

  it('sets the rate limit, the token TTL, token expiry and notification switches', async () => {
    const { body: seeded } = await control('POST', '/orgs', {
      owner: { phone: '79995550033', password: 'secret123' },
    });
    const org = seeded.organization.guid as string;
    const limit = await control('PUT', `/orgs/${org}/rate-limit`, { perSecond: 1 });
    expect(limit.body).toEqual({ enabled: true, perSecond: 1, retryAfterHeader: false });

    const api = new TestApiClient(sandbox.lifeposUrl);
    await api.signIn('79995550033', 'secret123');
    expect((await api.get(`/orgs/${org}/me`)).status).toBe(200);
    expect((await api.get(`/orgs/${org}/me`)).status).toBe(429);
    await control('PUT', `/orgs/${org}/rate-limit`, { enabled: false });
    expect((await api.get(`/orgs/${org}/me`)).status).toBe(200);

    const expired = await control('POST', '/tokens/expire', { phone: '79995550033' });
    expect(expired.body.expired).toBe(1);
    expect((await api.get(`/orgs/${org}/me`)).status).toBe(401);

    expect((await control('PUT', '/tokens', { ttlMs: 60_000 })).body).toEqual({ ttlMs: 60_000 });
    expect(sandbox.lifepos.tokenTtl()).toBe(60_000);

    const settings = await control('PUT', '/notifications/settings', { duplicateRate: 0.5, maxAttempts: 2 });
    expect(settings.body).toMatchObject({ duplicateRate: 0.5, maxAttempts: 2, enabled: true });
    expect((await control('PUT', '/notifications/settings', { duplicateRate: 2 })).status).toBe(400);
    await control('PUT', '/notifications/settings', { duplicateRate: 0, maxAttempts: 5 });

    const subscription = await control('PUT', `/orgs/${org}/subscription`, {
      primaryUrl: 'http://127.0.0.1:9/hook',
    });
    expect(subscription.body.notification_service).toMatchObject({ turned_on: true });
    expect((await control('DELETE', `/orgs/${org}/subscription`)).status).toBe(204);
    expect((await control('GET', `/orgs/${org}/subscription`)).body.notification_service.turned_on).toBe(
      false,
    );
  });

  it('returns a plain-data snapshot and resets everything', async () => {
    const snapshot = await control('GET', '/');
    expect(snapshot.status).toBe(200);
    expect(snapshot.body.organizations.length).toBeGreaterThan(0);
    expect(snapshot.body.organizations[0]).toEqual(
      expect.objectContaining({
        organization: expect.any(Object),
        sales: expect.any(Array),
        rate_limit: expect.any(Object),
      }),
    );
    expect(snapshot.body.notifications.settings).toMatchObject({ enabled: true });
    expect((await control('POST', '/reset')).status).toBe(204);
    expect((await control('GET', '/orgs')).body.organizations).toEqual([]);
    expect((await control('GET', '/orgs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

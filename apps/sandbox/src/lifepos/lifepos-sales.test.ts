import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '../sandbox.js';
import type { SeededOrganization } from './simulator.js';
import { UOM_GUIDS } from './store.js';
import { TestApiClient } from './test-client.js';

/**
 * Contract tests of sales (docs/LIFEPOS-API.md, «Sales»), their status model («Sale status model») and money
 * documents («Money documents»).
 */

let sandbox: Sandbox;
let seeded: SeededOrganization;
let api: TestApiClient;
let org: string;
let sales: string;
let counter = 0;

function saleBody(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    number: `RCRM-${counter}`,
    outlet: { guid: seeded.outlet.guid },
    workplace: { guid: seeded.workplace.guid },
    opened_by: { guid: seeded.owner.guid },
    opened_at: '2026-03-01T10:00:00+03:00',
    comment: 'Позвонить за час',
    total_sum: { value: 2_500_00, currency: 'RUB' },
    positions: [
      {
        name: 'Пицца «Маргарита»',
        uom: { guid: UOM_GUIDS.piece },
        tax: 'Tax20',
        sale_price: { value: 1_000_00 },
        quantity: 2,
      },
      {
        good_type: 'Service',
        name: 'Доставка',
        uom: { guid: UOM_GUIDS.piece },
        tax: 'TaxFree',
        sale_price: { value: 500_00 },
        quantity: 1,
      },
    ],
    meta: `retailcrm-order:${counter}`,
    meta_data: { retailcrm_order_id: 5000 + counter, site: 'shop-main' },
    ...overrides,
  };
}

async function createSale(overrides: Record<string, unknown> = {}): Promise<string> {
  const response = await api.post(sales, saleBody(overrides));
  expect(response.status).toBe(201);
  return response.body.guid as string;
}

beforeAll(async () => {
  sandbox = await startSandbox();
  seeded = sandbox.lifepos.createOrganization({ owner: { phone: '79991112233', password: 'secret123' } });
  org = seeded.organization.guid;
  sales = `/orgs/${org}/deals/sales`;
  sandbox.lifepos.setRateLimit(org, { enabled: false });
  api = new TestApiClient(sandbox.lifeposUrl);
  await api.signIn('79991112233', 'secret123');
});

afterAll(async () => {
  await sandbox.close();
});

describe('creating sales («Sales», G-3, G-5, G-8)', () => {
  it('answers 201 with the full sale: defaults New / NotPaid / NotShipped, money in kopecks', async () => {
    const response = await api.post(`/v6${sales}`, saleBody());
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      guid: expect.any(String),
      type_of: 'Sale',
      number: `RCRM-${counter}`,
      outlet: { guid: seeded.outlet.guid, type_of: 'Outlet' },
      workplace: { guid: seeded.workplace.guid, type_of: 'Workplace' },
      opened_by: { guid: seeded.owner.guid, type_of: 'Employee' },
      state: 'New',
      payment_status: 'NotPaid',
      shipping_status: 'NotShipped',
      total_sum: { value: 2_500_00, currency: 'RUB', type_of: 'Money' },
      meta: `retailcrm-order:${counter}`,
      meta_data: { retailcrm_order_id: 5000 + counter, site: 'shop-main' },
      deleted_at: null,
    });
    expect(response.body.positions).toEqual([
      expect.objectContaining({
        guid: expect.any(String),
        good_type: 'Product',
        uom: { guid: UOM_GUIDS.piece, type_of: 'Uom' },
        sale_price: { value: 1_000_00, currency: 'RUB', type_of: 'Money' },
        quantity: 2,
        total_sum: { value: 2_000_00, currency: 'RUB', type_of: 'Money' },
      }),
      expect.objectContaining({ good_type: 'Service', tax: 'TaxFree' }),
    ]);
  });

  it('rejects money that is not integer kopecks (422 naming the field)', async () => {
    const response = await api.post(sales, saleBody({ total_sum: { value: 2500.5, currency: 'RUB' } }));
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'RequestIsNotValid', info: 'total_sum.value' });
  });

  it('requires outlet, opened_by, opened_at, number and total_sum', async () => {
    const response = await api.post(sales, { comment: 'пусто' });
    expect(response.status).toBe(422);
    expect(response.body.info.split(',').sort()).toEqual([
      'number',
      'opened_at',
      'opened_by',
      'outlet',
      'total_sum',
    ]);
    const tooLong = await api.post(sales, saleBody({ number: 'x'.repeat(37) }));
    expect(tooLong.body.info).toBe('number');
  });

  it('answers 404 ReferenceNotFound for an unknown outlet or unit', async () => {
    const outlet = await api.post(sales, saleBody({ outlet: { guid: randomUUID() } }));
    expect(outlet.status).toBe(404);
    expect(outlet.body).toMatchObject({ code: 'ReferenceNotFound', info: 'outlet' });
    const body = saleBody();
    body.positions[0] = { ...body.positions[0], uom: { guid: randomUUID() } } as (typeof body.positions)[0];
    const uom = await api.post(sales, body);
    expect(uom.body).toMatchObject({ code: 'ReferenceNotFound', info: 'positions.0.uom' });
  });

  it('answers 422 Duplicate for a repeated client guid and 422 NotUnique for a repeated number', async () => {
    const guid = randomUUID();
    expect((await api.post(sales, saleBody({ guid }))).status).toBe(201);
    const again = await api.post(sales, saleBody({ guid }));
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('Duplicate');

    const number = `RCRM-DUP-${counter}`;
    expect((await api.post(sales, saleBody({ number }))).status).toBe(201);
    const sameNumber = await api.post(sales, saleBody({ number }));
    expect(sameNumber.status).toBe(422);
    expect(sameNumber.body).toMatchObject({ code: 'NotUnique', info: 'number' });
  });

  it('checks positions: quantity, tax enum, barcode of marked goods', async () => {
    const position = saleBody().positions[0] as Record<string, unknown>;
    const zero = await api.post(sales, saleBody({ positions: [{ ...position, quantity: 0 }] }));
    expect(zero.body.code).toBe('DealPositionHasInvalidQuantity');
    const tax = await api.post(sales, saleBody({ positions: [{ ...position, tax: 'Tax22' }] }));
    expect(tax.body).toMatchObject({ code: 'RequestIsNotValid', info: 'positions.0.tax' });
    const marked = await api.post(sales, saleBody({ positions: [{ ...position, is_markable: true }] }));
    expect(marked.body).toMatchObject({ code: 'RequestIsNotValid', info: 'positions.0.barcode' });
  });

  it('reads shipping_status Refunded* as Returned* (G-6)', async () => {
    const response = await api.post(sales, saleBody({ shipping_status: 'PartiallyRefunded' }));
    expect(response.body.shipping_status).toBe('PartiallyReturned');
  });
});

describe('reading and listing sales («Sales», «List queries»)', () => {
  it('gets a sale by guid, 404 NotFound for an unknown one; presentation=full expands references', async () => {
    const guid = await createSale();
    const compact = await api.get(`${sales}/${guid}`);
    expect(compact.status).toBe(200);
    expect(compact.body.outlet).toEqual({ guid: seeded.outlet.guid, type_of: 'Outlet' });
    const full = await api.get(`${sales}/${guid}?presentation=full`);
    expect(full.body.outlet).toEqual({
      guid: seeded.outlet.guid,
      type_of: 'Outlet',
      name: 'Магазин на Тверской',
      address: expect.any(String),
    });
    const missing = await api.get(`${sales}/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NotFound');
  });

  it('finds a sale by query over number, meta and meta_data', async () => {
    const guid = await createSale({ meta: 'crm-order-777001', meta_data: { retailcrm_order_id: 'ext-991' } });
    const number = `RCRM-${counter}`;
    for (const query of ['crm-order-777001', 'ext-991', number]) {
      const response = await api.get(`${sales}?query=${encodeURIComponent(query)}`);
      expect(response.status).toBe(200);
      expect(response.body.items.map((item: { guid: string }) => item.guid)).toEqual([guid]);
    }
  });

  it('filters by state / payment_status and orders by number', async () => {
    const paid = await createSale({ number: 'ZZ-2' });
    sandbox.lifepos.takePayment(org, paid, { card: 2_500_00 });
    await createSale({ number: 'ZZ-1' });
    const paidOnly = await api.get(`${sales}?payment_status=Paid`);
    expect(paidOnly.body.items.map((item: { guid: string }) => item.guid)).toEqual([paid]);
    const ordered = await api.get(`${sales}?query=ZZ-&order_by=number_desc`);
    expect(ordered.body.items.map((item: { number: string }) => item.number)).toEqual(['ZZ-2', 'ZZ-1']);
    expect((await api.get(`${sales}?state=Closed`)).status).toBe(422);
    const dated = await api.get(`${sales}?opened_at_from=2030-01-01T00:00:00Z`);
    expect(dated.body.items).toBeNull();
  });
});

describe('changing sales: JSON Patch → 204, cancel, archive (G-7, «Sale status model»)', () => {
  it('patches comment, meta and the outlet with 204; GET shows the change', async () => {
    const guid = await createSale();
    const other = sandbox.lifepos.addOutlet(org, { name: 'Склад на Ленина', address: 'ул. Ленина, 5' });
    const response = await api.patch(`${sales}/${guid}`, [
      { op: 'replace', path: '/comment', value: 'Домофон не работает' },
      { op: 'replace', path: '/outlet', value: { guid: other.guid } },
      { op: 'replace', path: '/meta', value: 'moved' },
    ]);
    expect(response.status).toBe(204);
    const sale = (await api.get(`${sales}/${guid}`)).body;
    expect(sale).toMatchObject({
      comment: 'Домофон не работает',
      outlet: { guid: other.guid },
      meta: 'moved',
    });
  });

  it('cancels a New sale with replace /state = Cancelled', async () => {
    const guid = await createSale();
    const response = await api.patch(`${sales}/${guid}`, [
      { op: 'replace', path: '/state', value: 'Cancelled' },
    ]);
    expect(response.status).toBe(204);
    expect((await api.get(`${sales}/${guid}`)).body.state).toBe('Cancelled');
  });

  it('refuses to cancel a sale that is not New → 422 OperationCannotBePerformed', async () => {
    const guid = await createSale();
    sandbox.lifepos.takePayment(org, guid, { cash: 500_00 });
    const response = await api.patch(`${sales}/${guid}`, [
      { op: 'replace', path: '/state', value: 'Cancelled' },
    ]);
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      code: 'OperationCannotBePerformed',
      message: expect.any(String),
      info: '',
    });
    expect(sandbox.lifepos.sale(org, guid).sale.state).toBe('InProgress');
  });

  it('keeps payment_status / shipping_status derived and other state moves out of reach', async () => {
    const guid = await createSale();
    const payment = await api.patch(`${sales}/${guid}`, [
      { op: 'replace', path: '/payment_status', value: 'Paid' },
    ]);
    expect(payment.body.code).toBe('NotAllowed');
    const complete = await api.patch(`${sales}/${guid}`, [
      { op: 'replace', path: '/state', value: 'Completed' },
    ]);
    expect(complete.body.code).toBe('OperationCannotBePerformed');
    const guidChange = await api.patch(`${sales}/${guid}`, [
      { op: 'replace', path: '/guid', value: randomUUID() },
    ]);
    expect(guidChange.body).toMatchObject({ code: 'RequestIsNotValid', info: 'guid' });
  });

  it('allows changing positions only while the sale is New', async () => {
    const guid = await createSale();
    const change = [
      { op: 'replace', path: '/positions/0/quantity', value: 1 },
      { op: 'replace', path: '/total_sum/value', value: 1_500_00 },
    ];
    expect((await api.patch(`${sales}/${guid}`, change)).status).toBe(204);
    expect((await api.get(`${sales}/${guid}`)).body.total_sum.value).toBe(1_500_00);
    sandbox.lifepos.takePayment(org, guid, { cash: 100_00 });
    const late = await api.patch(`${sales}/${guid}`, [
      { op: 'replace', path: '/positions/0/quantity', value: 3 },
    ]);
    expect(late.body.code).toBe('OperationCannotBePerformed');
  });

  it('archives with DELETE → 204; GET still returns it; writes get 422 NotAllowedForArchived', async () => {
    const guid = await createSale({ number: 'ARCH-1' });
    expect((await api.delete(`${sales}/${guid}`)).status).toBe(204);
    const archived = await api.get(`${sales}/${guid}`);
    expect(archived.status).toBe(200);
    expect(archived.body.deleted_at).toEqual(expect.any(String));
    const alive = await api.get(`${sales}?query=ARCH-1`);
    expect(alive.body.items).toBeNull();
    const archivedOnly = await api.get(`${sales}?query=ARCH-1&selection=archived_only`);
    expect(archivedOnly.body.items.map((item: { guid: string }) => item.guid)).toEqual([guid]);
    for (const response of [
      await api.patch(`${sales}/${guid}`, [{ op: 'replace', path: '/comment', value: 'x' }]),
      await api.delete(`${sales}/${guid}`),
      await api.post(`${sales}/${guid}/docs/money/refunds`, { for_payment: { guid: randomUUID() } }),
    ]) {
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('NotAllowedForArchived');
    }
    // G-5 default: the number of an archived sale may be used again (a re-sent order).
    expect((await api.post(sales, saleBody({ number: 'ARCH-1' }))).status).toBe(201);
  });
});

describe('payments, shipping and the status model («Transition rules»)', () => {
  it('moves New → InProgress → Completed through partial payment, full payment and shipping', async () => {
    const guid = await createSale();
    const first = sandbox.lifepos.takePayment(org, guid, { cash: 1_000_00 });
    expect(sandbox.lifepos.sale(org, guid).sale).toMatchObject({
      state: 'InProgress',
      payment_status: 'PartiallyPaid',
    });
    sandbox.lifepos.takePayment(org, guid, { cash: 500_00, card: 1_000_00 });
    expect(sandbox.lifepos.sale(org, guid).sale).toMatchObject({
      state: 'InProgress',
      payment_status: 'Paid',
    });
    expect(() => sandbox.lifepos.takePayment(org, guid, { cash: 1 })).toThrow(/exceeds/);
    sandbox.lifepos.ship(org, guid);
    expect(sandbox.lifepos.sale(org, guid).sale).toMatchObject({
      state: 'Completed',
      shipping_status: 'Shipped',
    });
    expect(first.total_sum).toEqual({ value: 1_000_00, currency: 'RUB', type_of: 'Money' });
  });

  it('cannot complete an unpaid sale; cancel works only from New', async () => {
    const guid = await createSale();
    expect(() => sandbox.lifepos.complete(org, guid)).toThrow(/NotPaid/);
    sandbox.lifepos.ship(org, guid, { partial: true });
    expect(sandbox.lifepos.sale(org, guid).sale).toMatchObject({
      state: 'InProgress',
      shipping_status: 'PartiallyShipped',
    });
    expect(() => sandbox.lifepos.cancel(org, guid)).toThrow(/cannot be cancelled/);
  });
});

describe('money documents («Money documents», G-11)', () => {
  it('lists and reads the payment documents of a sale with cash and card parts', async () => {
    const guid = await createSale();
    const payment = sandbox.lifepos.takePayment(org, guid, { cash: 500_00, card: 2_000_00 });
    const list = await api.get(`${sales}/${guid}/docs/money/payments`);
    expect(list.status).toBe(200);
    expect(list.body.type_of).toBe('List');
    expect(list.body.items).toEqual([
      expect.objectContaining({
        guid: payment.guid,
        type_of: 'SalePayment',
        sale: { guid, type_of: 'Sale' },
        total_sum: { value: 2_500_00, currency: 'RUB', type_of: 'Money' },
        sum_by_cash: { value: 500_00, currency: 'RUB', type_of: 'Money' },
        sum_by_card: { value: 2_000_00, currency: 'RUB', type_of: 'Money' },
        fiscal_document: { guid: expect.any(String), type_of: 'FiscalDocumentReceipt' },
      }),
    ]);
    const one = await api.get(`/v6${sales}/${guid}/docs/money/payments/${payment.guid}`);
    expect(one.body.guid).toBe(payment.guid);
    expect((await api.get(`${sales}/${guid}/docs/money/payments/${randomUUID()}`)).status).toBe(404);
    expect((await api.get(`${sales}/${guid}/docs/money/refunds`)).body.items).toBeNull();
  });

  it('creates a refund for a payment: 201 SaleRefund, sale becomes Refunded', async () => {
    const guid = await createSale();
    const payment = sandbox.lifepos.takePayment(org, guid, { cash: 500_00, card: 2_000_00 });
    const refundGuid = randomUUID();
    const response = await api.post(`${sales}/${guid}/docs/money/refunds`, {
      guid: refundGuid,
      for_payment: { guid: payment.guid },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      guid: refundGuid,
      type_of: 'SaleRefund',
      sale: { guid, type_of: 'Sale' },
      for_payment: { guid: payment.guid, type_of: 'SalePayment' },
      total_sum: { value: 2_500_00 },
      sum_by_cash: { value: 500_00 },
      sum_by_card: { value: 2_000_00 },
      employee: { guid: seeded.owner.guid, type_of: 'Employee' },
    });
    expect((await api.get(`${sales}/${guid}`)).body.payment_status).toBe('Refunded');

    const again = await api.post(`${sales}/${guid}/docs/money/refunds`, {
      guid: refundGuid,
      for_payment: { guid: payment.guid },
    });
    expect(again.body.code).toBe('Duplicate');
    const nothingLeft = await api.post(`${sales}/${guid}/docs/money/refunds`, {
      for_payment: { guid: payment.guid },
    });
    expect(nothingLeft.body.code).toBe('OperationCannotBePerformed');

    const all = await api.get(`${sales}/${guid}/docs/money`);
    expect(all.body.items.map((item: { type_of: string }) => item.type_of).sort()).toEqual([
      'SalePayment',
      'SaleRefund',
    ]);
    const read = await api.get(`${sales}/${guid}/docs/money/refunds/${refundGuid}`);
    expect(read.body.for_payment.guid).toBe(payment.guid);
    const patched = await api.patch(`${sales}/${guid}/docs/money/refunds/${refundGuid}`, [
      { op: 'add', path: '/meta', value: 'retailcrm-refund-1' },
    ]);
    expect(patched.status).toBe(204);
  });

  it('refunds part of a payment (cash first) → PartiallyRefunded; checks amounts and the payment reference', async () => {
    const guid = await createSale();
    const payment = sandbox.lifepos.takePayment(org, guid, { cash: 500_00, card: 2_000_00 });
    const partial = await api.post(`${sales}/${guid}/docs/money/refunds`, {
      for_payment: { guid: payment.guid },
      total_sum: { value: 700_00 },
    });
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({ sum_by_cash: { value: 500_00 }, sum_by_card: { value: 200_00 } });
    expect(sandbox.lifepos.sale(org, guid).sale.payment_status).toBe('PartiallyRefunded');

    const tooMuch = await api.post(`${sales}/${guid}/docs/money/refunds`, {
      for_payment: { guid: payment.guid },
      sum_by_card: { value: 5_000_00 },
    });
    expect(tooMuch.body.code).toBe('OperationCannotBePerformed');
    const mismatch = await api.post(`${sales}/${guid}/docs/money/refunds`, {
      for_payment: { guid: payment.guid },
      total_sum: { value: 100_00 },
      sum_by_card: { value: 50_00 },
    });
    expect(mismatch.body).toMatchObject({ code: 'RequestIsNotValid', info: 'total_sum' });
    const unknown = await api.post(`${sales}/${guid}/docs/money/refunds`, {
      for_payment: { guid: randomUUID() },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'ReferenceNotFound', info: 'for_payment' });
    const missing = await api.post(`${sales}/${guid}/docs/money/refunds`, {});
    expect(missing.body).toMatchObject({ code: 'RequestIsNotValid', info: 'for_payment' });
  });
});

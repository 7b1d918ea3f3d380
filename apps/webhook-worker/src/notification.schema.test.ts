import { describe, expect, it } from '@jest/globals';
import {
  isSaleNotificationType,
  parseNotificationEnvelope,
  saleGuidOfNotification,
} from './notification.schema.js';

describe('parseNotificationEnvelope', () => {
  it.each<[unknown, string | undefined]>([
    [{ type_of: 'Sale', guid: 'g' }, 'Sale'],
    [{ type_of: ' SalePayment ' }, 'SalePayment'],
    [{ type_of: 'ShiftClosingReport' }, 'ShiftClosingReport'],
    [{ type_of: '' }, undefined],
    [{ type_of: 5 }, undefined],
    [{ type_of: 'x'.repeat(101) }, undefined],
    [{ guid: 'g' }, undefined],
    [[{ type_of: 'Sale' }], undefined],
    [null, undefined],
    ['Sale', undefined],
    [undefined, undefined],
  ])('%j → %j', (body, typeOf) => {
    const parsed = parseNotificationEnvelope(body);
    expect(parsed.ok ? parsed.typeOf : undefined).toBe(typeOf);
  });
});

describe('saleGuidOfNotification', () => {
  it.each<[string, unknown, string | undefined]>([
    ['Sale', { type_of: 'Sale', guid: 's-1', state: 'Completed' }, 's-1'],
    ['Sale', { type_of: 'Sale', id: 42 }, '42'],
    ['SalePayment', { guid: 'p-1', sale: { guid: 's-1', type_of: 'Sale' } }, 's-1'],
    ['SaleRefund', { guid: 'r-1', sale: { guid: 's-2' }, for_payment: { guid: 'p-1' } }, 's-2'],
    ['SalePayment', { guid: 'p-1' }, undefined],
    ['Sale', { type_of: 'Sale' }, undefined],
    ['Sale', { guid: '' }, undefined],
    ['FiscalDocumentReceipt', { guid: 'f-1', sale: { guid: 's-1' } }, undefined],
  ])('%s %j → %j', (typeOf, body, saleGuid) => {
    expect(saleGuidOfNotification(typeOf, body)).toBe(saleGuid);
  });

  it('acts on the sale types only', () => {
    expect(
      ['Sale', 'SalePayment', 'SaleRefund', 'FiscalDocumentReceipt', 'sale'].map(isSaleNotificationType),
    ).toEqual([true, true, true, false, false]);
  });
});

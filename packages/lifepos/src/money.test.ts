import { rublesToKopecks } from '@connector/domain';
import { describe, expect, it } from '@jest/globals';
import { moneyCodec } from './money.js';
import { encodeRefundCreate, toPayment, toRefund, wireMoneyDocumentSchema } from './money-document.js';
import { UnexpectedResponseError } from './unexpected-response.js';

describe('money codec', () => {
  it('kopecks on the wire: 0.1 + 0.2 rubles is exactly 30 kopecks, and back', () => {
    const codec = moneyCodec('kopecks');
    expect(codec.encode(rublesToKopecks(0.1 + 0.2))).toEqual({ value: 30, currency: 'RUB' });
    expect(codec.encode(rublesToKopecks(1.005 + 2.675))).toEqual({ value: 368, currency: 'RUB' });
    expect(codec.decode({ value: 30 }, 'x')).toBe(30);
    expect(codec.decode({ value: '150000' }, 'x')).toBe(150000);
    expect(() => codec.decode({ value: 0.3 }, 'x')).toThrow(UnexpectedResponseError);
    expect(() => codec.decode({ value: '12.5' }, 'x')).toThrow(UnexpectedResponseError);
    expect(() => codec.encode(0.1 * 3 * 100)).toThrow(RangeError);
  });

  it('rubles on the wire (moneyUnit switch): exact both ways', () => {
    const codec = moneyCodec('rubles');
    expect(codec.encode(30)).toEqual({ value: 0.3, currency: 'RUB' });
    expect(codec.encode(123456)).toEqual({ value: 1234.56, currency: 'RUB' });
    expect(codec.decode({ value: 0.1 + 0.2 }, 'x')).toBe(30);
    expect(codec.decode({ value: '1234.56' }, 'x')).toBe(123456);
    expect(() => codec.decode({ value: 'abc' }, 'x')).toThrow(UnexpectedResponseError);
  });
});

describe('money documents', () => {
  const codec = moneyCodec('kopecks');

  it('a payment carries its cash and card parts in one document', () => {
    const payment = toPayment(
      wireMoneyDocumentSchema.parse({
        type_of: 'SalePayment',
        guid: 'e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9',
        sale: { guid: '5b7e0c7a-1f0e-4a3c-9e0a-0c1d2e3f4a5b', type_of: 'Sale' },
        total_sum: { value: 150000, currency: 'RUB' },
        sum_by_cash: { value: 50000, currency: 'RUB' },
        sum_by_card: { value: 100000, currency: 'RUB' },
        fiscal_document: { guid: 'f15ca1d0-0000-4000-8000-000000000001', type_of: 'FiscalDocumentReceipt' },
        created_at: '2026-02-14T10:00:00Z',
      }),
      codec,
    );
    expect(payment).toMatchObject({
      guid: 'e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9',
      typeOf: 'SalePayment',
      saleGuid: '5b7e0c7a-1f0e-4a3c-9e0a-0c1d2e3f4a5b',
      totalKopecks: 150000,
      cashKopecks: 50000,
      cardKopecks: 100000,
      fiscalDocumentGuid: 'f15ca1d0-0000-4000-8000-000000000001',
      archived: false,
    });
  });

  it('a missing part counts as zero; a refund names the payment it returns', () => {
    const refund = toRefund(
      wireMoneyDocumentSchema.parse({
        type_of: 'SaleRefund',
        guid: 'r-1',
        sale: { guid: 's-1' },
        for_payment: { guid: 'p-1' },
        total_sum: { value: 23478 },
        sum_by_card: { value: 23478 },
        fiscal_document: null,
      }),
      codec,
    );
    expect(refund).toMatchObject({
      forPaymentGuid: 'p-1',
      totalKopecks: 23478,
      cashKopecks: 0,
      cardKopecks: 23478,
    });
    expect(refund.fiscalDocumentGuid).toBeNull();
  });

  it('encodes a refund of a payment with total = cash + card', () => {
    expect(
      encodeRefundCreate(
        { paymentGuid: 'p-1', cashKopecks: rublesToKopecks(0.1), cardKopecks: rublesToKopecks(0.2) },
        codec,
      ),
    ).toEqual({
      for_payment: { guid: 'p-1' },
      total_sum: { value: 30, currency: 'RUB' },
      sum_by_cash: { value: 10, currency: 'RUB' },
      sum_by_card: { value: 20, currency: 'RUB' },
    });
    expect(() => encodeRefundCreate({ paymentGuid: 'p', cashKopecks: -1, cardKopecks: 0 }, codec)).toThrow(
      RangeError,
    );
  });
});

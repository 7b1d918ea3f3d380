import { connectionSettingsSchema } from '@connector/db';
import { describe, expect, it } from '@jest/globals';
import type { ReferenceBooks } from './checks/index.js';
import { proposeSettings, settingsFromBooks } from './proposed-settings.js';

/** The reference books of a standard RetailCRM account (docs/RETAILCRM-API.md, «Reference books»). */
const STANDARD: ReferenceBooks = {
  statuses: [
    { code: 'new', name: 'Новый', group: 'new' },
    { code: 'send-to-assembling', name: 'Передано в комплектацию', group: 'assembling' },
    { code: 'complete', name: 'Выполнен', group: 'complete' },
    { code: 'no-call', name: 'Недозвон', group: 'cancel' },
    { code: 'cancel-other', name: 'Отменен', group: 'cancel' },
    { code: 'abandoned-cart', name: 'Брошенная корзина', group: 'cancel' },
  ],
  paymentStatuses: [
    { code: 'not-paid', name: 'Не оплачен' },
    { code: 'paid', name: 'Оплачен', paymentComplete: true },
    { code: 'check-refund', name: 'Возврат' },
  ],
  paymentTypes: [{ code: 'cash', name: 'Наличные' }],
  deliveryTypes: [
    { code: 'courier', name: 'Доставка курьером', integrationCode: 'courier' },
    { code: 'self-delivery', name: 'Самовывоз' },
    { code: 'in-hall', name: 'В зале' },
    { code: 'russian-post', name: 'Почта России' },
  ],
  userGroups: [],
};

describe('settings proposed from the account', () => {
  it('proposes the standard codes the account has and never one it lacks', () => {
    const proposal = settingsFromBooks(STANDARD);
    expect(proposal).toEqual({
      exportStatuses: ['new'],
      cancelStatuses: ['no-call', 'cancel-other', 'abandoned-cart'],
      refundPaymentStatuses: ['check-refund'],
      saleStateToStatus: { Completed: 'complete', Cancelled: 'cancel-other' },
      paidPaymentStatus: 'paid',
      refundedPaymentStatus: 'check-refund',
      deliveryTypeToOrderKind: { courier: 'delivery', 'self-delivery': 'pickup', 'in-hall': 'in_hall' },
    });
    const codes = new Set([...STANDARD.statuses, ...STANDARD.paymentStatuses].map((item) => item.code));
    const used = [
      ...(proposal.cancelStatuses ?? []),
      ...(proposal.exportStatuses ?? []),
      ...(proposal.refundPaymentStatuses ?? []),
      ...Object.values(proposal.saleStateToStatus ?? {}),
    ];
    expect(used.filter((code) => !codes.has(code))).toEqual([]);
  });

  it('keeps what the person chose', () => {
    const defaults = connectionSettingsSchema.parse({ exportStatuses: ['send-to-assembling'] });
    const settings = proposeSettings(defaults, STANDARD, new Set(['exportStatuses']));
    expect(settings.exportStatuses).toEqual(['send-to-assembling']);
    expect(settings.cancelStatuses).not.toContain('returned');
    expect(settings.refundedPaymentStatus).toBe('check-refund');
  });
});

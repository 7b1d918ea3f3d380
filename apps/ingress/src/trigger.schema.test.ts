import { describe, expect, it } from '@jest/globals';
import { describeIssues, MAX_ORDER_ID, parseTrigger, plainTrigger, triggerSchema } from './trigger.schema.js';

const ORG = '3f2c8a51-7d4e-4b1a-9c0d-2e6f8a9b1c3d';
const good = { client_id: ORG, order_id: '42', status: 'new' };

function issuesOf(body: unknown) {
  const result = parseTrigger(body);
  if (result.ok) throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
  return result.issues;
}

describe('parseTrigger', () => {
  it.each([
    ['form fields', good, { clientId: ORG, orderId: 42, status: 'new' }],
    [
      'JSON numbers',
      { ...good, order_id: 42, status: 'refund' },
      { clientId: ORG, orderId: 42, status: 'refund' },
    ],
    [
      'spaces around values',
      { client_id: ` ${ORG} `, order_id: ' 7 ', status: ' closed' },
      { clientId: ORG, orderId: 7, status: 'closed' },
    ],
    [
      'the largest order id',
      { ...good, order_id: String(MAX_ORDER_ID) },
      { clientId: ORG, orderId: MAX_ORDER_ID, status: 'new' },
    ],
    [
      'extra parameters of the tenant',
      { ...good, site: 'shop', retailCRM_action: 'x' },
      { clientId: ORG, orderId: 42, status: 'new' },
    ],
  ])('accepts %s', (_name, body, trigger) => {
    expect(parseTrigger(body)).toEqual({ ok: true, trigger });
  });

  it.each([
    ['client_id', { ...good, client_id: undefined }, 'is required'],
    ['client_id', { ...good, client_id: 'org-1' }, 'LIFE POS organization guid'],
    ['client_id', { ...good, client_id: [ORG, ORG] }, 'LIFE POS organization guid'],
    ['order_id', { ...good, order_id: undefined }, 'is required'],
    ['order_id', { ...good, order_id: '0' }, 'positive integer'],
    ['order_id', { ...good, order_id: '-5' }, 'positive integer'],
    ['order_id', { ...good, order_id: '7.5' }, 'positive integer'],
    ['order_id', { ...good, order_id: '1e3' }, 'positive integer'],
    ['order_id', { ...good, order_id: '12abc' }, 'positive integer'],
    ['order_id', { ...good, order_id: '' }, 'positive integer'],
    ['order_id', { ...good, order_id: String(MAX_ORDER_ID + 1) }, 'positive integer'],
    ['order_id', { ...good, order_id: 3.5 }, 'positive integer'],
    ['order_id', { ...good, order_id: true }, 'positive integer'],
    ['status', { ...good, status: undefined }, 'is required'],
    ['status', { ...good, status: 'paid' }, 'must be one of new, closed, refund'],
    ['status', { ...good, status: 'NEW' }, 'must be one of new, closed, refund'],
  ])('rejects a bad %s (%j) naming the field and the rule', (field, body, rule) => {
    const issues = issuesOf(body);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe(field);
    expect(issues[0]?.rule).toContain(rule);
  });

  it('names every bad field once', () => {
    const issues = issuesOf({ order_id: 'x', status: 'maybe' });
    expect(issues.map((issue) => issue.field)).toEqual(['client_id', 'order_id', 'status']);
    expect(describeIssues(issues)).toMatch(
      /^Invalid trigger: client_id is required; order_id must be a positive integer .*; status must be one of new, closed, refund$/,
    );
  });

  it('treats a missing body as missing fields and rejects a body that is not an object', () => {
    expect(issuesOf(undefined).map((issue) => issue.field)).toEqual(['client_id', 'order_id', 'status']);
    expect(issuesOf([good])).toEqual([{ field: 'body', rule: expect.stringContaining('JSON object') }]);
  });
});

describe('plainTrigger (the schema-free reading of the common case)', () => {
  const values = {
    client_id: [ORG, ORG.toUpperCase(), ` ${ORG}`, `${ORG}x`, ORG.slice(1), '', 42, null, undefined, [ORG]],
    order_id: [
      '42',
      42,
      '0',
      0,
      '007',
      ' 7',
      '7 ',
      '1e3',
      '12abc',
      '-1',
      -1,
      4.5,
      '2147483647',
      2147483647,
      '2147483648',
      2147483648,
      '99999999999',
      '',
      null,
      undefined,
      ['1'],
    ],
    status: ['new', 'closed', 'refund', 'NEW', ' new', 'new ', 'paid', '', null, undefined, ['new']],
  };

  it('accepts only what the schema accepts, with the same trigger', () => {
    let plain = 0;
    for (const client_id of values.client_id) {
      for (const order_id of values.order_id) {
        for (const status of values.status) {
          const body = { client_id, order_id, status, extra: 'ignored' };
          const quick = plainTrigger(body);
          if (quick === undefined) continue;
          plain += 1;
          const schema = triggerSchema.safeParse(body);
          expect(schema.success).toBe(true);
          expect(quick).toEqual({
            clientId: schema.data?.client_id,
            orderId: schema.data?.order_id,
            status: schema.data?.status,
          });
        }
      }
    }
    // Plain GUIDs (either case) × plain order ids × exact statuses.
    expect(plain).toBe(2 * 5 * 3);
  });

  it('leaves everything else to the schema', () => {
    for (const body of [undefined, null, 'client_id=x', [], {}, { ...good, status: ' new' }]) {
      expect(plainTrigger(body)).toBeUndefined();
    }
  });
});

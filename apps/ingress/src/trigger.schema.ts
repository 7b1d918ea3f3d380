import { z } from 'zod';

/** What a RetailCRM trigger asks for: export (`new`), cancel (`closed`) or refund (`refund`) the order. */
export const TRIGGER_STATUSES = ['new', 'closed', 'refund'] as const;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

/** Order ids are stored in PostgreSQL `integer` columns. */
export const MAX_ORDER_ID = 2_147_483_647;

const ORDER_ID_RULE = `must be a positive integer (1 to ${MAX_ORDER_ID})`;

/** Form fields arrive as strings; a repeated field (`a=1&a=2`) arrives as an array and is rejected. */
const text = (rule: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : rule) }).trim();

/**
 * The trigger body as RetailCRM's "HTTP request" action sends it (urlencoded form; JSON works too).
 * Fields other than these three are ignored: a tenant may add parameters of its own to the action.
 */
export const triggerSchema = z.object(
  {
    client_id: text('must be a LIFE POS organization guid').pipe(
      z.guid('must be a LIFE POS organization guid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)'),
    ),
    order_id: z
      .union([z.number(), z.string().trim()], {
        error: (issue) => (issue.input === undefined ? 'is required' : ORDER_ID_RULE),
      })
      .transform((value, ctx) => {
        // Only plain digits: "12abc", "1e3", "0x10" or "7.0" are not order ids, whatever Number() says.
        const id =
          typeof value === 'number' ? value : /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
        if (!Number.isSafeInteger(id) || id < 1 || id > MAX_ORDER_ID) {
          ctx.addIssue({ code: 'custom', message: ORDER_ID_RULE });
          return z.NEVER;
        }
        return id;
      }),
    status: text(`must be one of ${TRIGGER_STATUSES.join(', ')}`).pipe(
      z.enum(TRIGGER_STATUSES, { error: `must be one of ${TRIGGER_STATUSES.join(', ')}` }),
    ),
  },
  { error: 'must be form fields (application/x-www-form-urlencoded) or a JSON object' },
);

export interface Trigger {
  /** LIFE POS organization guid: names the tenant. */
  clientId: string;
  /** RetailCRM internal order id. */
  orderId: number;
  status: TriggerStatus;
}

/** One broken rule, for the 400 answer: the field and what it must be. */
export interface TriggerIssue {
  field: string;
  rule: string;
}

export type TriggerParseResult = { ok: true; trigger: Trigger } | { ok: false; issues: TriggerIssue[] };

/** zod's `guid` format. */
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ORDER_ID_DIGITS = /^[0-9]{1,10}$/;

/**
 * The trigger as RetailCRM sends it — three plain fields, nothing to trim — read without the schema, which
 * costs the ingress more than the rest of its validation; undefined for anything else, which the schema
 * then judges. Accepts only what `triggerSchema` accepts, with the same result (trigger.schema.test.ts).
 */
export function plainTrigger(body: unknown): Trigger | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { client_id: clientId, order_id: orderId, status } = body as Record<string, unknown>;
  if (typeof clientId !== 'string' || !GUID.test(clientId)) return undefined;
  if (status !== 'new' && status !== 'closed' && status !== 'refund') return undefined;
  const id =
    typeof orderId === 'number'
      ? orderId
      : typeof orderId === 'string' && ORDER_ID_DIGITS.test(orderId)
        ? Number(orderId)
        : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1 || id > MAX_ORDER_ID) return undefined;
  return { clientId, orderId: id, status };
}

/** Validates a parsed request body (undefined when there was none). */
export function parseTrigger(body: unknown): TriggerParseResult {
  const plain = plainTrigger(body);
  if (plain) return { ok: true, trigger: plain };
  const result = triggerSchema.safeParse(body ?? {});
  if (result.success) {
    const { client_id, order_id, status } = result.data;
    return { ok: true, trigger: { clientId: client_id, orderId: order_id, status } };
  }
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : 'body',
    rule: issue.message,
  }));
  // One line per field: a pipe can report the same field twice.
  const unique = issues.filter(
    (issue, index) => issues.findIndex((other) => other.field === issue.field) === index,
  );
  return { ok: false, issues: unique };
}

/** The message of the 400 answer, e.g. `Invalid trigger: order_id must be a positive integer (...)`. */
export function describeIssues(issues: readonly TriggerIssue[]): string {
  return `Invalid trigger: ${issues.map((issue) => `${issue.field} ${issue.rule}`).join('; ')}`;
}

import http from 'node:http';
import https from 'node:https';
import type { Logger } from '@connector/logger';
import { z } from 'zod';

/**
 * RetailCRM automation triggers with the "HTTP request" action (docs/RETAILCRM-API.md, «Triggers»): on an
 * order change whose new order status (or payment status) is in the rule's list, POST urlencoded parameters
 * rendered from Twig-like templates (`{{ order.getId() }}`, `{{ order.number }}`,
 * `{{ order.getStatus().getCode() }}`). The same document («Triggers», gap CRM-10) assumes fire-and-forget:
 * one attempt, a short timeout, no retry, failures only in the log.
 */
export const triggerRuleSchema = z
  .object({
    name: z.string().default('HTTP request'),
    active: z.boolean().default(true),
    /**
     * `order.status`: the order status changed into one of `statuses`; `payment.status`: a payment's did;
     * `order.field`: one of `fields` changed — the code condition `changeSet.hasChangedField("<field>")`,
     * field names as in the order history (e.g. `shipment_store`, the order's shop). A rule fires at most
     * once per change, however many of its fields changed.
     */
    event: z.enum(['order.status', 'payment.status', 'order.field']),
    statuses: z.array(z.string().min(1)).default([]),
    /** History field ids whose change fires an `order.field` rule. */
    fields: z.array(z.string().min(1)).default([]),
    /**
     * Order creation is its own trigger event in RetailCRM ("Создание заказа"); set this to also fire
     * when an order is created in one of `statuses` (or with a payment in one of them).
     */
    fireOnCreate: z.boolean().default(false),
    /** The condition `not changeSet.hasChangesWithSource("api")`: ignore changes made through the API. */
    ignoreApiChanges: z.boolean().default(false),
    url: z.url({ protocol: /^https?$/ }),
    method: z.enum(['POST', 'GET']).default('POST'),
    /** Parameter name → value; values may contain `{{ … }}` templates, the rest is sent as is. */
    params: z.record(z.string(), z.string()).default({}),
  })
  .refine((rule) => (rule.event === 'order.field' ? rule.fields.length > 0 : rule.statuses.length > 0), {
    message: 'a status rule needs statuses, a field rule needs fields',
  });
export type TriggerRuleInput = z.input<typeof triggerRuleSchema>;
export type TriggerRule = z.output<typeof triggerRuleSchema> & { id: number };

export type TriggerEvent =
  | { kind: 'order.status'; from: string | null; to: string; created: boolean }
  | { kind: 'payment.status'; paymentId: number; from: string | null; to: string; created: boolean }
  | { kind: 'order.field'; field: string; created: boolean };

export interface TriggerLogEntry {
  id: number;
  at: string;
  ruleId: number;
  ruleName: string;
  orderId: number;
  event: TriggerEvent;
  method: 'POST' | 'GET';
  url: string;
  /** Rendered parameters, in the rule's order. */
  params: Record<string, string>;
  /** Template expressions that could not be evaluated (rendered as empty strings, as Twig does). */
  templateErrors: string[];
  state: 'pending' | 'delivered' | 'failed';
  responseStatus?: number;
  error?: string;
  durationMs?: number;
}

/** What templates see: `order` (and `payment` for payment rules), entity-like objects. */
export type TemplateContext = Record<string, unknown>;

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function resolveSegment(value: unknown, segment: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const call = /^(get|is|has)([A-Z]\w*)\(\)$/.exec(segment);
  if (call?.[2]) return record[lowerFirst(call[2])];
  if (/^\w+$/.test(segment)) return record[segment];
  return undefined;
}

/** Twig prints an entity through its code/id; booleans as `1`/empty; null as empty. */
function print(value: unknown): string | undefined {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '';
  if (typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (typeof record.code === 'string') return record.code;
    if (typeof record.id === 'number' || typeof record.id === 'string') return String(record.id);
  }
  return undefined;
}

function evaluate(expression: string, context: TemplateContext): string | undefined {
  const [path = '', ...filters] = expression.split('|').map((part) => part.trim());
  const literal = /^(['"])(.*)\1$/.exec(path);
  let value: unknown = literal ? literal[2] : undefined;
  if (!literal) {
    const [root = '', ...rest] = path.split('.');
    value = rest.reduce<unknown>((current, segment) => resolveSegment(current, segment), context[root]);
  }
  for (const filter of filters) {
    const fallback = /^default\((['"])(.*)\1\)$/.exec(filter);
    if (fallback) {
      if (value === undefined || value === null || value === '') value = fallback[2];
    } else if (filter !== 'raw' && filter !== 'e' && filter !== 'escape') {
      return undefined;
    }
  }
  return value === undefined ? undefined : print(value);
}

export function renderTemplate(
  template: string,
  context: TemplateContext,
): { value: string; errors: string[] } {
  const errors: string[] = [];
  const value = template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_match, expression: string) => {
    const printed = evaluate(expression, context);
    if (printed === undefined) {
      errors.push(expression);
      return '';
    }
    return printed;
  });
  return { value, errors };
}

function matches(rule: TriggerRule, event: TriggerEvent, source: 'api' | 'user'): boolean {
  return (
    rule.active &&
    rule.event === event.kind &&
    (event.kind === 'order.field' ? rule.fields.includes(event.field) : rule.statuses.includes(event.to)) &&
    (!event.created || rule.fireOnCreate) &&
    !(rule.ignoreApiChanges && source === 'api')
  );
}

function send(
  method: 'POST' | 'GET',
  target: string,
  params: Record<string, string>,
  signal: AbortSignal,
): Promise<number> {
  const form = new URLSearchParams(params).toString();
  const url = new URL(target);
  if (method === 'GET') url.search = url.search ? `${url.search.slice(1)}&${form}` : form;
  const body = method === 'POST' ? Buffer.from(form) : undefined;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method,
        agent: false,
        signal,
        headers: {
          'User-Agent': 'RetailCRM-Trigger/1.0 (sandbox)',
          ...(body
            ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(body.length) }
            : {}),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export interface TriggerEngineOptions {
  account: string;
  logger: Logger;
  timeoutMs: () => number;
  logCapacity?: number;
}

/** Rules, the on/off switch and the delivery log of one account. */
export class TriggerEngine {
  private rules: TriggerRule[] = [];
  private nextRuleId = 1;
  private nextLogId = 1;
  private readonly entries: TriggerLogEntry[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  enabled = true;

  constructor(private readonly options: TriggerEngineOptions) {}

  setRules(inputs: TriggerRuleInput[]): TriggerRule[] {
    const parsed = inputs.map((input) => triggerRuleSchema.parse(input));
    this.rules = parsed.map((rule) => ({ ...rule, id: this.nextRuleId++ }));
    return this.listRules();
  }

  addRule(input: TriggerRuleInput): TriggerRule {
    const rule = { ...triggerRuleSchema.parse(input), id: this.nextRuleId++ };
    this.rules.push(rule);
    return { ...rule };
  }

  setRuleActive(id: number, active: boolean): TriggerRule | undefined {
    const rule = this.rules.find((candidate) => candidate.id === id);
    if (rule) rule.active = active;
    return rule && { ...rule };
  }

  listRules(): TriggerRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  log(): TriggerLogEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  /**
   * Fires every matching rule once, after the current change has been committed and answered. The
   * context is built lazily per event so templates see the order as it is after the change.
   */
  dispatch(
    orderId: number,
    events: TriggerEvent[],
    source: 'api' | 'user',
    context: (event: TriggerEvent) => TemplateContext,
  ): void {
    if (!this.enabled || this.shutdown.signal.aborted) return;
    const firedOnFields = new Set<number>();
    for (const event of events) {
      for (const rule of this.rules) {
        if (!matches(rule, event, source)) continue;
        if (rule.event === 'order.field') {
          if (firedOnFields.has(rule.id)) continue;
          firedOnFields.add(rule.id);
        }
        const params: Record<string, string> = {};
        const templateErrors: string[] = [];
        const view = context(event);
        for (const [name, template] of Object.entries(rule.params)) {
          const rendered = renderTemplate(template, view);
          params[name] = rendered.value;
          templateErrors.push(...rendered.errors);
        }
        const entry: TriggerLogEntry = {
          id: this.nextLogId++,
          at: new Date().toISOString(),
          ruleId: rule.id,
          ruleName: rule.name,
          orderId,
          event,
          method: rule.method,
          url: rule.url,
          params,
          templateErrors,
          state: 'pending',
        };
        this.entries.push(entry);
        const capacity = this.options.logCapacity ?? 1_000;
        if (this.entries.length > capacity) this.entries.splice(0, this.entries.length - capacity);
        this.fire(entry);
      }
    }
  }

  private fire(entry: TriggerLogEntry): void {
    const started = performance.now();
    const timeoutMs = this.options.timeoutMs();
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(timeoutMs)]);
    const task = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => send(entry.method, entry.url, entry.params, signal))
      .then(
        (status) => {
          entry.responseStatus = status;
          entry.state = status >= 200 && status < 300 ? 'delivered' : 'failed';
        },
        (error: unknown) => {
          entry.state = 'failed';
          const reason = signal.reason as { name?: string; message?: string } | undefined;
          entry.error = !signal.aborted
            ? String(error)
            : reason?.name === 'TimeoutError'
              ? `no answer within ${timeoutMs} ms`
              : (reason?.message ?? String(reason));
        },
      )
      .finally(() => {
        entry.durationMs = Math.round(performance.now() - started);
        this.options.logger.info('retailcrm sandbox trigger sent', {
          account: this.options.account,
          rule: entry.ruleName,
          orderId: entry.orderId,
          state: entry.state,
          responseStatus: entry.responseStatus,
          error: entry.error,
        });
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }

  /** Resolves once every trigger fired so far has been answered or has failed. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.shutdown.abort(new Error('sandbox closed'));
    await this.settled();
  }
}

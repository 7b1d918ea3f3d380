import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';

/**
 * Fault injection shared by both simulators: per route (method + path regex) latency, error rate with a
 * status, hangs (the request is never answered until the client gives up), and a bounded count. Rules
 * are set through the control API or directly from tests.
 */
export const faultRuleSchema = z.object({
  system: z.enum(['retailcrm', 'lifepos']),
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .optional(),
  /** Regular expression source matched against the request path (without query). Default: every path. */
  path: z
    .string()
    .refine((source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Fraction of matching requests answered with `errorStatus` (0..1). */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.number().int().min(400).max(599).default(500),
  /**
   * The body of those answers, instead of the system's own envelope for the status (for RetailCRM a 503 is
   * its rate-limit answer): e.g. what a gateway in front of the API sends while the API is down.
   */
  errorBody: z.unknown().optional(),
  /** Fraction of matching requests that hang (never answered; the socket is destroyed after `hangMs`). */
  hangRate: z.number().min(0).max(1).default(0),
  hangMs: z.number().int().min(0).max(120_000).default(30_000),
  /** Apply to at most this many matching requests, then the rule retires. */
  count: z.number().int().positive().optional(),
});
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema> & { id: number; applied: number };

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private readonly hanging = new Set<Response>();

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultRuleInput): FaultRule {
    const rule = { ...faultRuleSchema.parse(input), id: this.nextId++, applied: 0 };
    this.rules.push(rule);
    return rule;
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length !== before;
  }

  clear(system?: FaultRule['system']): void {
    this.rules = system ? this.rules.filter((rule) => rule.system !== system) : [];
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  private match(system: FaultRule['system'], method: string, path: string): FaultRule | undefined {
    return this.rules.find(
      (rule) =>
        rule.system === system &&
        (rule.method === undefined || rule.method === method) &&
        (rule.path === undefined || new RegExp(rule.path).test(path)) &&
        (rule.count === undefined || rule.applied < rule.count),
    );
  }

  /** Express middleware for one simulator; `errorBody` renders the system's own error envelope. */
  middleware(system: FaultRule['system'], errorBody: (status: number) => unknown): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const rule = this.match(system, req.method, req.path);
      if (!rule) {
        next();
        return;
      }
      rule.applied += 1;
      const act = () => {
        if (rule.hangRate > 0 && this.random() < rule.hangRate) {
          this.hanging.add(res);
          const timer = setTimeout(() => {
            this.hanging.delete(res);
            req.socket.destroy();
          }, rule.hangMs);
          timer.unref();
          res.on('close', () => {
            clearTimeout(timer);
            this.hanging.delete(res);
          });
          return;
        }
        if (rule.errorRate > 0 && this.random() < rule.errorRate) {
          res.status(rule.errorStatus).json(rule.errorBody ?? errorBody(rule.errorStatus));
          return;
        }
        next();
      };
      if (rule.latencyMs > 0) setTimeout(act, rule.latencyMs).unref();
      else act();
    };
  }

  /** Ends every hanging request (on shutdown). */
  releaseHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }
}

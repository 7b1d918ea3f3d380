import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface LoggedRequest {
  at: string;
  system: 'retailcrm' | 'lifepos';
  /** Account code (RetailCRM) or organization guid (LIFE POS) when known. */
  tenant?: string | undefined;
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
  durationMs: number;
}

/** A bounded in-memory log of the requests the simulators answered, for tests and the page. */
export class RequestLog {
  private readonly entries: LoggedRequest[] = [];
  private readonly listeners = new Set<(entry: LoggedRequest) => void>();

  constructor(private readonly capacity = 5_000) {}

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    for (const listener of this.listeners) listener(entry);
  }

  /**
   * Calls `listener` with every request recorded from now on; returns the unsubscribe function. For
   * counting beyond the bounded log (benchmarks and fault tests tally calls and rejections per tenant).
   */
  subscribe(listener: (entry: LoggedRequest) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  list(
    filter: { system?: LoggedRequest['system']; tenant?: string; sinceIndex?: number } = {},
  ): LoggedRequest[] {
    return this.entries.filter(
      (entry) =>
        (filter.system === undefined || entry.system === filter.system) &&
        (filter.tenant === undefined || entry.tenant === filter.tenant),
    );
  }

  count(filter: Parameters<RequestLog['list']>[0] & { status?: number } = {}): number {
    return this.list(filter).filter((entry) => filter.status === undefined || entry.status === filter.status)
      .length;
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Middleware recording every request of one simulator once its response is finished. */
  middleware(
    system: LoggedRequest['system'],
    tenantOf: (req: Request) => string | undefined,
  ): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const started = performance.now();
      res.on('finish', () => {
        this.record({
          at: new Date().toISOString(),
          system,
          tenant: tenantOf(req),
          method: req.method,
          path: req.path,
          query: { ...req.query, apiKey: req.query.apiKey === undefined ? undefined : '[REDACTED]' },
          status: res.statusCode,
          durationMs: Math.round(performance.now() - started),
        });
      });
      next();
    };
  }
}

import type { Logger } from '@connector/logger';

/**
 * Delivery of `notification_service` notifications (docs/LIFEPOS-API.md, «Notifications», G-10): an HTTP POST
 * of the changed object's JSON (`type_of` = Sale / SalePayment / SaleRefund) to the organization's primary
 * URL, with the secondary URL as a fallback inside the same attempt. Retries on non-2xx / network errors with
 * exponential backoff (at-least-once). Switches make delivery misbehave the way receivers must survive:
 * duplicates, out-of-order arrival, or nothing at all.
 */

export interface NotificationSettings {
  /** Off → nothing is sent; each notification is logged as `suppressed` (missed-notification tests). */
  enabled: boolean;
  maxAttempts: number;
  /** Delay before attempt n+1 is `baseDelayMs * 2^(n-1)`, capped by `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-POST timeout. */
  timeoutMs: number;
  /** Fraction (0..1) of notifications delivered twice. */
  duplicateRate: number;
  /** Fraction (0..1) of notifications held back and sent after the next one of the same organization. */
  reorderRate: number;
  /** A held notification is sent anyway after this long when no later one comes. */
  reorderHoldMs: number;
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  enabled: true,
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  timeoutMs: 5_000,
  duplicateRate: 0,
  reorderRate: 0,
  reorderHoldMs: 250,
};

export interface NotificationTarget {
  primaryUrl: string;
  secondaryUrl: string | null;
}

export interface DeliveryAttempt {
  attempt: number;
  url: string;
  at: string;
  /** HTTP status of the receiver's answer, absent on a network error or timeout. */
  status?: number;
  error?: string;
  durationMs: number;
}

export type DeliveryStatus = 'held' | 'pending' | 'delivered' | 'failed' | 'suppressed';

export interface DeliveryRecord {
  id: number;
  org: string;
  type_of: string;
  object_guid: string;
  payload: Record<string, unknown>;
  /** True for the extra copy sent by the duplicate switch. */
  duplicate: boolean;
  /** True when the reorder switch held this notification back. */
  reordered: boolean;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  created_at: string;
  finished_at: string | null;
}

export interface DeliveryFilter {
  org?: string;
  type_of?: string;
  object_guid?: string;
  status?: DeliveryStatus;
}

interface Held {
  record: DeliveryRecord;
  target: NotificationTarget;
  timer: NodeJS.Timeout;
}

export class NotificationDispatcher {
  private settingsValue: NotificationSettings = { ...DEFAULT_NOTIFICATION_SETTINGS };
  private readonly records: DeliveryRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly held = new Map<string, Held>();
  private readonly closing = new AbortController();
  private nextId = 1;

  constructor(
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
    private readonly capacity = 5_000,
  ) {}

  settings(): NotificationSettings {
    return { ...this.settingsValue };
  }

  configure(patch: Partial<NotificationSettings>): NotificationSettings {
    this.settingsValue = { ...this.settingsValue, ...patch };
    return this.settings();
  }

  /** Sends `payload` (a rendered object with `type_of` and `guid`) to the org's subscription, if any. */
  dispatch(org: string, target: NotificationTarget | undefined, payload: Record<string, unknown>): void {
    if (!target || this.closing.signal.aborted) return;
    const settings = this.settingsValue;
    const record = this.record(org, payload, false);
    if (!settings.enabled) {
      record.status = 'suppressed';
      record.finished_at = new Date().toISOString();
      return;
    }
    const copies = [record];
    if (this.random() < settings.duplicateRate) copies.push(this.record(org, payload, true));

    const previouslyHeld = this.held.get(org);
    if (previouslyHeld) {
      // The held one goes once this newer notification is through: out of order on the wire.
      clearTimeout(previouslyHeld.timer);
      this.held.delete(org);
      const newer = copies.map((copy) => this.start(copy, target));
      this.track(
        Promise.allSettled(newer).then(() => this.start(previouslyHeld.record, previouslyHeld.target)),
      );
      return;
    }
    if (this.random() < settings.reorderRate) {
      record.status = 'held';
      record.reordered = true;
      const timer = setTimeout(() => {
        this.held.delete(org);
        this.start(record, target);
      }, settings.reorderHoldMs);
      timer.unref();
      this.held.set(org, { record, target, timer });
      for (const copy of copies.slice(1)) this.start(copy, target);
      return;
    }
    for (const copy of copies) this.start(copy, target);
  }

  deliveries(filter: DeliveryFilter = {}): DeliveryRecord[] {
    return this.records
      .filter(
        (record) =>
          (filter.org === undefined || record.org === filter.org) &&
          (filter.type_of === undefined || record.type_of === filter.type_of) &&
          (filter.object_guid === undefined || record.object_guid === filter.object_guid) &&
          (filter.status === undefined || record.status === filter.status),
      )
      .map((record) => structuredClone(record));
  }

  clearDeliveries(): void {
    this.records.length = 0;
  }

  /** Resolves once nothing is held or being delivered (retries included). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.held.size > 0) {
      if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const { timer } of this.held.values()) clearTimeout(timer);
    this.held.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private record(org: string, payload: Record<string, unknown>, duplicate: boolean): DeliveryRecord {
    const record: DeliveryRecord = {
      id: this.nextId++,
      org,
      type_of: String(payload.type_of),
      object_guid: String(payload.guid),
      payload,
      duplicate,
      reordered: false,
      status: 'pending',
      attempts: [],
      created_at: new Date().toISOString(),
      finished_at: null,
    };
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    return record;
  }

  private start(record: DeliveryRecord, target: NotificationTarget): Promise<void> {
    record.status = 'pending';
    return this.track(this.deliver(record, target));
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private async deliver(record: DeliveryRecord, target: NotificationTarget): Promise<void> {
    const settings = this.settingsValue;
    const body = JSON.stringify(record.payload);
    for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
      if (this.closing.signal.aborted) break;
      const delivered =
        (await this.post(record, target.primaryUrl, attempt, body, settings.timeoutMs)) ||
        (target.secondaryUrl !== null &&
          (await this.post(record, target.secondaryUrl, attempt, body, settings.timeoutMs)));
      if (delivered) {
        record.status = 'delivered';
        record.finished_at = new Date().toISOString();
        return;
      }
      if (attempt < settings.maxAttempts) {
        await this.pause(Math.min(settings.baseDelayMs * 2 ** (attempt - 1), settings.maxDelayMs));
      }
    }
    record.status = 'failed';
    record.finished_at = new Date().toISOString();
    this.logger.warn('LIFE POS sandbox: notification not delivered', {
      org: record.org,
      type_of: record.type_of,
      guid: record.object_guid,
      attempts: record.attempts.length,
    });
  }

  private async post(
    record: DeliveryRecord,
    url: string,
    attempt: number,
    body: string,
    timeoutMs: number,
  ): Promise<boolean> {
    const started = performance.now();
    const entry: DeliveryAttempt = { attempt, url, at: new Date().toISOString(), durationMs: 0 };
    record.attempts.push(entry);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'LIFE-POS-notification-service (sandbox)',
        },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.closing.signal]),
      });
      await response.arrayBuffer().catch(() => undefined);
      entry.status = response.status;
      return response.status >= 200 && response.status < 300;
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
      return false;
    } finally {
      entry.durationMs = Math.round(performance.now() - started);
    }
  }

  private pause(ms: number): Promise<void> {
    const signal = this.closing.signal;
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

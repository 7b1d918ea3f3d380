import type { NewOrderEvent, OrderEventEntry, OrderEventsRepository } from '@connector/db';

export interface TimelineWriter {
  /** Resolves once the entry is stored (with whatever other entries were written alongside it). */
  append(connectionId: string, retailcrmOrderId: number, event: NewOrderEvent): Promise<void>;
}

export interface TimelineWriterOptions {
  /** Statements in flight at once. Default 2: a lone trigger never waits behind another's commit. */
  maxInFlight?: number;
  /** Entries per statement. Default 500. */
  maxBatch?: number;
  /**
   * Entries waiting at most; beyond it `append` rejects at once. While the database is down every
   * statement waits for its connect timeout, so without a bound the waiting entries would grow without end.
   * Default 10 000.
   */
  maxWaiting?: number;
  /**
   * How long an entry may wait for others before a statement carries it, when the batch is not full.
   * Default 0: at once. Every statement costs the ORM's per-query work: at a steady 1,000 triggers/s each
   * written alone cost more CPU than everything else a trigger does (docs/BENCHMARKS.md, «1. Ingress»).
   */
  lingerMs?: number;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** `append` refused an entry: `maxWaiting` entries wait already (the database is down or far behind). */
export class TimelineBacklogFullError extends Error {
  constructor(maxWaiting: number) {
    super(`${maxWaiting} timeline entries wait already; entry dropped`);
    this.name = 'TimelineBacklogFullError';
  }
}

export interface GroupCommit<T> {
  /** Resolves once the item is stored (with whatever other items were written alongside it). */
  append(item: T): Promise<void>;
}

/**
 * Group commit of whatever the ingress writes per trigger after its answer. Every accepted trigger writes
 * one item (best-effort); one statement per trigger makes the database round trip and the ORM's per-query
 * work the biggest cost of a trigger. Here at most `maxInFlight` writes run at once, and each carries every
 * item that arrived meanwhile (up to `maxBatch`): at a trickle each trigger is written at once, under a
 * burst a few statements carry all of them. A failed write fails exactly the items it carried.
 */
export function createGroupCommit<T>(
  flush: (batch: readonly T[]) => Promise<unknown>,
  { maxInFlight = 2, maxBatch = 500, maxWaiting = 10_000, lingerMs = 0 }: TimelineWriterOptions = {},
): GroupCommit<T> {
  let waiting: Waiting<T>[] = [];
  let inFlight = 0;
  let lingering: NodeJS.Timeout | undefined;

  async function write(batch: Waiting<T>[]): Promise<void> {
    inFlight += 1;
    try {
      await flush(batch.map(({ item }) => item));
      for (const { resolve } of batch) resolve();
    } catch (error) {
      for (const { reject } of batch) reject(error);
    } finally {
      inFlight -= 1;
      schedule();
    }
  }

  /** Writes now when a batch is full or nothing lingers; otherwise once the oldest entry waited `lingerMs`. */
  function schedule(): void {
    if (lingerMs === 0 || waiting.length >= maxBatch) {
      next();
      return;
    }
    if (lingering !== undefined || waiting.length === 0) return;
    lingering = setTimeout(() => {
      lingering = undefined;
      next();
    }, lingerMs);
  }

  function next(): void {
    while (waiting.length > 0 && inFlight < maxInFlight) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      void write(batch);
    }
  }

  return {
    append(item) {
      if (waiting.length >= maxWaiting) return Promise.reject(new TimelineBacklogFullError(maxWaiting));
      return new Promise<void>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        schedule();
      });
    },
  };
}

/** The group commit of timeline entries alone (`OrderEvent` rows through `appendMany`). */
export function createTimelineWriter(
  events: Pick<OrderEventsRepository, 'appendMany'>,
  options: TimelineWriterOptions = {},
): TimelineWriter {
  const commit = createGroupCommit<OrderEventEntry>((entries) => events.appendMany(entries), options);
  return {
    append: (connectionId, retailcrmOrderId, event) =>
      commit.append({ connectionId, retailcrmOrderId, event }),
  };
}

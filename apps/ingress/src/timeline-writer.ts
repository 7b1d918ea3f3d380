import type { NewOrderEvent, OrderEventEntry, OrderEventsRepository } from '@connector/db';

export interface TimelineWriter {
  /** Resolves once the entry is stored (with whatever other entries were written alongside it). */
  append(connectionId: string, retailcrmOrderId: number, event: NewOrderEvent): Promise<void>;
}

interface Waiting {
  entry: OrderEventEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of the triggers' timeline entries. Every accepted trigger writes one, and the answer waits
 * for it; one INSERT per trigger makes the database round trip and the ORM's per-query work the biggest
 * cost of a trigger. Here one INSERT is in flight at a time and carries every entry that arrived
 * meanwhile (up to `maxBatch`): a lone trigger is written at once, a burst in a few statements. A failed
 * statement fails exactly the entries it carried.
 */
export function createTimelineWriter(
  events: Pick<OrderEventsRepository, 'appendMany'>,
  { maxBatch = 500 }: { maxBatch?: number } = {},
): TimelineWriter {
  let waiting: Waiting[] = [];
  let writing = false;

  async function writeAll(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        await events.appendMany(batch.map(({ entry }) => entry));
        for (const { resolve } of batch) resolve();
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
    writing = false;
  }

  return {
    append(connectionId, retailcrmOrderId, event) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ entry: { connectionId, retailcrmOrderId, event }, resolve, reject });
        if (!writing) void writeAll();
      });
    },
  };
}

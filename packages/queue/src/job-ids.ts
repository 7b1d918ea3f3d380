/**
 * A deterministic id for deduplication, e.g. `order-export.<connectionId>.<orderId>` (see `jobIdFor` in
 * catalog.ts, which types the queue). BullMQ forbids ':' in job ids, hence '.' as the separator.
 */
export function jobId(queue: string, ...parts: Array<string | number>): string {
  let id = queue;
  for (const part of parts) {
    const text = String(part);
    if (text.length === 0 || text.includes(':')) {
      throw new Error(`job id part ${JSON.stringify(text)} must be non-empty and must not contain ':'`);
    }
    id += `.${text}`;
  }
  return id;
}

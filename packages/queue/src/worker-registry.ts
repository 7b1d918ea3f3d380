import { catalog, type QueueName } from './catalog.js';
import type { AnyJobHandler } from './worker-types.js';

/**
 * Completeness at boot (Immich): the handler of each queue the app consumes. A handler of a queue the
 * app does not consume, a queue without a handler, or with two, is a wiring mistake.
 */
export function handlerRegistry(
  owns: readonly QueueName[],
  handlers: readonly AnyJobHandler[],
): Map<QueueName, AnyJobHandler> {
  const byQueue = new Map<QueueName, AnyJobHandler>();
  for (const handler of handlers) {
    if (!Object.hasOwn(catalog, handler.queue)) throw new Error(`handler for unknown queue ${handler.queue}`);
    if (!owns.includes(handler.queue)) {
      throw new Error(`handler for queue ${handler.queue}, which this app does not own`);
    }
    if (byQueue.has(handler.queue)) throw new Error(`queue ${handler.queue} has two handlers`);
    byQueue.set(handler.queue, handler);
  }
  for (const queue of owns) {
    if (!byQueue.has(queue)) throw new Error(`queue ${queue} has no handler`);
  }
  if (new Set(owns).size !== owns.length) throw new Error('a queue is listed twice in owns');
  return byQueue;
}

// Every worker app forwards the triggers the ingress stored (packages/queue trigger-forwarder.ts) and
// records each on the order's timeline and as received (`OrderMark`), as the ingress did before its 202
// depended only on the trigger stream.
import type { Database, OrderEventEntry, TriggerReceipt } from '@connector/db';
import type { Logger } from '@connector/logger';
import {
  type ForwardedTrigger,
  type Producer,
  startTriggerForwarder,
  type TriggerForwarder,
} from '@connector/queue';
import type { Redis } from 'ioredis';
import { Counter, register } from 'prom-client';

function forwardedTotal(): Counter<'status' | 'outcome'> {
  return (
    (register.getSingleMetric('connector_triggers_forwarded_total') as
      | Counter<'status' | 'outcome'>
      | undefined) ??
    new Counter({
      name: 'connector_triggers_forwarded_total',
      help: 'Accepted triggers moved from the trigger stream into their queue, by trigger status and outcome (queued: a new job; deduplicated: merged into the order’s unfinished job)',
      labelNames: ['status', 'outcome'],
    })
  );
}

function receivedEntry({ trigger, jobId, deduplicated }: ForwardedTrigger): OrderEventEntry {
  const { status, queue } = trigger;
  return {
    connectionId: trigger.connectionId,
    retailcrmOrderId: trigger.orderId,
    event: {
      type: 'trigger.received',
      message: deduplicated
        ? `Триггер «${status}» принят и объединён с незавершённой задачей ${queue}`
        : `Триггер «${status}» принят: задача ${queue} поставлена в очередь`,
      data: { status, queue, jobId, queued: 'queue', deduplicated },
    },
  };
}

function receipt({ trigger }: ForwardedTrigger): TriggerReceipt {
  return {
    connectionId: trigger.connectionId,
    retailcrmOrderId: trigger.orderId,
    trigger: trigger.status as TriggerReceipt['trigger'],
    receivedAt: new Date(trigger.receivedAt),
  };
}

/** One write per forwarded batch: the timeline lines and the receipts side by side. */
async function recordForwarded(db: Database, forwarded: ForwardedTrigger[]): Promise<void> {
  const counter = forwardedTotal();
  for (const one of forwarded) {
    counter.inc({ status: one.trigger.status, outcome: one.deduplicated ? 'deduplicated' : 'queued' });
  }
  await Promise.all([
    db.orderEvents.appendMany(forwarded.map(receivedEntry)),
    db.orderMarks.triggersReceived(forwarded.map(receipt)),
  ]);
}

export interface TriggerForwardingOptions {
  redis: Redis;
  producer: Producer;
  db: Database;
  prefix: string;
  logger: Logger;
}

/** Starts this process's forwarder of the trigger stream. */
export function startTriggerForwarding(options: TriggerForwardingOptions): TriggerForwarder {
  const { db, ...rest } = options;
  return startTriggerForwarder({ ...rest, onForwarded: (forwarded) => recordForwarded(db, forwarded) });
}

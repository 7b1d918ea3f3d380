import { z } from 'zod';
import { defineJob, type PeriodicKind } from '../job-definition.js';
import { jobId } from '../job-ids.js';
import { orderPolicy } from '../queue-policy.js';
import { connectionId } from './fields.js';

/**
 * Everything LIFE POS sends or holds that RetailCRM must learn, one queue (so one app consumes all of it):
 * one stored notification, one sale to write back, or one of the connection's periodic checks (the sales
 * check that repairs lost notifications, the notification subscription). The kinds are told apart by
 * which field they carry; the shapes are the ones jobs have always had in Redis.
 */
const notification = z.strictObject({ connectionId, notificationId: z.uuid() });
const sale = z.strictObject({ connectionId, saleId: z.string().min(1) });
const check = z.strictObject({ connectionId, check: z.enum(['sales', 'subscription']) });
const schema = z.union([notification, sale, check]);
type LifeposEvent = z.output<typeof schema>;
export type LifeposCheck = z.output<typeof check>['check'];

/** How often each active connection's subscription is checked. */
export const SUBSCRIPTION_CHECK_EVERY_MS = 5 * 60_000;

/** `lifepos-events.<connectionId>.<check>`: the check's scheduler, and the dedupe id of a one-off check. */
export function lifeposCheckId(connectionId: string, name: LifeposCheck): string {
  return jobId('lifepos-events', connectionId, name);
}

function periodicCheck(name: LifeposCheck, everyMs: PeriodicKind<LifeposEvent>['everyMs']) {
  return {
    data: (connectionId: string) => ({ connectionId, check: name }),
    schedulerId: (connectionId: string) => lifeposCheckId(connectionId, name),
    dedupeId: (connectionId: string) => lifeposCheckId(connectionId, name),
    everyMs,
  } satisfies PeriodicKind<LifeposEvent>;
}

export const lifeposEventsJob = defineJob({
  queue: 'lifepos-events',
  schema,
  policy: orderPolicy,
  action: 'перенести данные продажи из LIFE POS в RetailCRM',
  subject: (data) => {
    if ('check' in data) return data.check;
    if ('saleId' in data) return data.saleId;
    return 'connection';
  },
  periodic: {
    sales: periodicCheck('sales', ({ settings }) => settings.lifeposPollSeconds * 1000),
    subscription: periodicCheck('subscription', () => SUBSCRIPTION_CHECK_EVERY_MS),
  },
  // A disabled connection's last subscription check turns its notifications off.
  lastRunWhenUnscheduled: 'subscription',
});

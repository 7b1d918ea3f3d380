import { z } from 'zod';
import { defineJob } from '../job-definition.js';
import { jobId } from '../job-ids.js';
import { retryPolicy } from '../queue-policy.js';
import { connectionId } from './fields.js';

/**
 * Stores → outlets, couriers → employees + workplaces: the whole connection (`all`, periodic every
 * `syncEveryMinutes` and on activation), or one store or courier on demand.
 */
const schema = z.discriminatedUnion('scope', [
  z.strictObject({ connectionId, scope: z.literal('all') }),
  z.strictObject({ connectionId, scope: z.literal('store'), storeCode: z.string().min(1) }),
  z.strictObject({ connectionId, scope: z.literal('courier'), courierId: z.number().int().positive() }),
]);

/** The scheduler of a connection's periodic sync (`sync.<connectionId>`, as it has always been named). */
export function syncSchedulerId(connectionId: string): string {
  return jobId('sync', connectionId);
}

export const syncJob = defineJob({
  queue: 'sync',
  schema,
  policy: retryPolicy(5, 10_000),
  action: 'синхронизировать магазины и курьеров с LIFE POS',
  nextStep:
    'Устраните причину — коннектор сам повторит синхронизацию (по расписанию и при выгрузке заказов).',
  subject: (data) => {
    if (data.scope === 'store') return `store:${data.storeCode}`;
    if (data.scope === 'courier') return `courier:${data.courierId}`;
    return 'all';
  },
  periodic: {
    all: {
      data: (connectionId) => ({ connectionId, scope: 'all' as const }),
      schedulerId: syncSchedulerId,
      dedupeId: (connectionId) => jobId('sync', connectionId, 'all'),
      everyMs: ({ settings }) => settings.syncEveryMinutes * 60_000,
    },
  },
});

import { type AddedJob, jobIdFor, type Producer } from '@connector/queue';

/**
 * A sync of the whole connection now (e.g. right after activation); repeated requests collapse. The
 * periodic syncs are the `sync` job definition's schedule (packages/queue/src/jobs/sync.ts).
 */
export function requestConnectionSync(producer: Producer, connectionId: string): Promise<AddedJob> {
  return producer.add(
    'sync',
    { connectionId, scope: 'all' },
    { dedupeId: jobIdFor('sync', connectionId, 'all') },
  );
}

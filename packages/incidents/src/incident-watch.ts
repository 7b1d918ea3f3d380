import type { Database } from '@connector/db';
import type { Logger } from '@connector/logger';
import { type Producer, type ScheduleKeeper, startScheduleKeeper } from '@connector/queue';
import { enqueueIncidentJob } from './incidents.js';

export interface IncidentWatchOptions {
  db: Database;
  producer: Producer;
  logger: Logger;
  /** How often incidents are looked at. Default 1 minute. */
  everyMs?: number;
  /** An incident whose tasks could not be created is tried again after this. Default 15 minutes. */
  taskRetryMs?: number;
}

/** Incidents younger than this still have their first `crm-tasks` job going. */
const FIRST_JOB_GRACE_MS = 60_000;

/**
 * The periodic incident check (run by the app that consumes `crm-tasks`, on the schedule keeper every
 * app uses for its periodic passes): enqueues the `crm-tasks` job of every incident with something left
 * to do — tasks still to create (the job failed for good, e.g. while the RetailCRM key was revoked), an
 * outage to heal (probe the upstream, enqueue its orders again), tasks to complete after it resolved.
 * The jobs are deduplicated per incident, so every replica may run this check.
 */
export function startIncidentWatch({
  db,
  producer,
  logger,
  everyMs = 60_000,
  taskRetryMs = 15 * 60_000,
}: IncidentWatchOptions): ScheduleKeeper<{ scheduled: string[]; removed: string[] }> {
  return startScheduleKeeper({
    name: 'incident checks',
    everyMs,
    logger,
    apply: async () => {
      const due = await db.incidents.needingAttention({
        graceMs: Math.min(FIRST_JOB_GRACE_MS, taskRetryMs),
        retryMs: taskRetryMs,
      });
      const incidents = new Map(
        [...due.withoutTasks, ...due.outages, ...due.toComplete].map((incident) => [incident.id, incident]),
      );
      for (const incident of incidents.values()) await enqueueIncidentJob(producer, incident);
      if (incidents.size > 0) logger.debug('incident checks enqueued', { incidents: incidents.size });
      // Nothing is scheduled or removed: the keeper logs only failures of the pass.
      return { scheduled: [], removed: [] };
    },
  });
}

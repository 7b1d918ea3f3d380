import { z } from 'zod';
import { defineJob } from '../job-definition.js';
import { retryPolicy } from '../queue-policy.js';
import { connectionId } from './fields.js';

/** One incident's RetailCRM tasks: created, healed, completed (packages/incidents, incident-tasks.ts). */
export const crmTasksJob = defineJob({
  queue: 'crm-tasks',
  schema: z.strictObject({ connectionId, incidentId: z.uuid() }),
  // Tasks are how errors reach people: keep trying for ~1.5 h before giving up.
  policy: retryPolicy(10, 10_000),
  action: 'создать задачи об ошибке в RetailCRM',
  subject: () => 'connection',
});

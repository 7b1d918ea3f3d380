import type { Database, Incident, IncidentSubject } from '@connector/db';
import type { Logger } from '@connector/logger';
import { orderExportPace, orderJobId, type Producer } from '@connector/queue';
import type { Tenant } from '@connector/tenant';
import { isOrderQueue, periodicRunOf } from './incident-causes.js';
import { announceResolved } from './incidents.js';

/**
 * What is done to an incident's subjects besides waiting: their jobs enqueued again (by the periodic
 * incident check once an outage is over, and by «Повторить сейчас» in the console), and the incident closed
 * by hand (the console's «Закрыть»).
 */

export interface IncidentActionDeps {
  db: Database;
  producer: Producer;
  logger: Logger;
}

type SubjectRef = Pick<IncidentSubject, 'queue' | 'subject' | 'retailcrmOrderId'>;

/**
 * Enqueues the job of one subject again: an order's job with the triggers' dedupe id (a job still waiting
 * takes it in), a periodic job as its schedule runs it. False for a subject no job can be named for.
 */
async function enqueueSubject(
  producer: Producer,
  tenant: Tenant,
  subject: SubjectRef,
  source: 'reconcile' | 'manual',
): Promise<boolean> {
  const connectionId = tenant.connection.id;
  if (isOrderQueue(subject.queue) && subject.retailcrmOrderId !== null) {
    const queue = subject.queue;
    const orderId = subject.retailcrmOrderId;
    await producer.add(
      queue,
      { connectionId, orderId, source },
      {
        dedupeId: orderJobId(queue, connectionId, orderId),
        ...(queue === 'order-export' && { pace: orderExportPace(connectionId, tenant.settings.rateLimits) }),
      },
    );
    return true;
  }
  const run = periodicRunOf(subject.queue, subject.subject, connectionId);
  if (!run) return false;
  await producer.add(run.queue, run.data, run.options);
  return true;
}

/**
 * Enqueues the jobs of these subjects of the incident again, says so on each order's timeline (`message`)
 * and stamps the subjects as redriven. Returns the subjects whose job was enqueued.
 */
export async function redriveSubjects(
  { db, producer }: Pick<IncidentActionDeps, 'db' | 'producer'>,
  tenant: Tenant,
  incident: Pick<Incident, 'id'>,
  subjects: readonly SubjectRef[],
  { source, message }: { source: 'reconcile' | 'manual'; message: string },
): Promise<SubjectRef[]> {
  const redriven: SubjectRef[] = [];
  for (const subject of subjects) {
    if (!(await enqueueSubject(producer, tenant, subject, source))) continue;
    redriven.push(subject);
    if (subject.retailcrmOrderId !== null) {
      await tenant.timeline.append(subject.retailcrmOrderId, {
        type: 'job.redriven',
        message,
        data: { queue: subject.queue, incidentId: incident.id },
      });
    }
  }
  if (redriven.length > 0) await db.incidents.markRedriven(incident.id, redriven);
  return redriven;
}

/**
 * Closes an incident by hand: it and its pending subjects are resolved, each listed order's timeline says
 * so, and its RetailCRM tasks are completed by its job as after an automatic resolution. Null when it was
 * resolved already.
 */
export async function closeIncidentByHand(
  deps: IncidentActionDeps,
  incidentId: string,
): Promise<Incident | null> {
  const { db } = deps;
  const pending = await db.incidents.pendingSubjects(incidentId);
  const incident = await db.incidents.resolveByHand(incidentId);
  if (!incident) return null;
  const orders = new Set(
    pending.map((subject) => subject.retailcrmOrderId).filter((id): id is number => id !== null),
  );
  if (incident.retailcrmOrderId !== null) orders.add(incident.retailcrmOrderId);
  for (const orderId of orders) {
    await db.orderEvents.append(incident.connectionId, orderId, {
      type: 'incident.resolved',
      message: 'Инцидент закрыт вручную в консоли коннектора; задачи об ошибке будут закрыты.',
      data: { incidentId: incident.id, byHand: true },
    });
  }
  await announceResolved(deps, [incident], undefined);
  return incident;
}

import type { Incident, PrismaClient } from '../generated/prisma/client.js';

export interface NewIncident {
  retailcrmOrderId?: number | null;
  /** What the connector was doing, e.g. "export order". */
  action: string;
  /** Why it failed, in words for people. */
  cause: string;
  /** The task text: what happened and what to do. */
  message: string;
}

export function createIncidentsRepository(prisma: PrismaClient) {
  return {
    /**
     * The incident of `dedupeKey`, created if new. `created` is true for exactly one caller however many
     * race (the unique key decides), so one final failure yields one set of RetailCRM tasks.
     */
    async open(
      connectionId: string,
      dedupeKey: string,
      data: NewIncident,
    ): Promise<{ incident: Incident; created: boolean }> {
      const [inserted] = await prisma.incident.createManyAndReturn({
        data: [{ ...data, connectionId, dedupeKey }],
        skipDuplicates: true,
      });
      if (inserted) return { incident: inserted, created: true };
      const incident = await prisma.incident.findUniqueOrThrow({
        where: { connectionId_dedupeKey: { connectionId, dedupeKey } },
      });
      return { incident, created: false };
    },

    get: (id: string): Promise<Incident | null> => prisma.incident.findUnique({ where: { id } }),

    find: (connectionId: string, dedupeKey: string): Promise<Incident | null> =>
      prisma.incident.findUnique({ where: { connectionId_dedupeKey: { connectionId, dedupeKey } } }),

    /** Remembers one created task as soon as it exists, so a retried job does not create it again. */
    recordTask: (id: string, taskId: number, performerId: number): Promise<Incident> =>
      prisma.incident.update({
        where: { id },
        data: { taskIds: { push: taskId }, taskPerformerIds: { push: performerId } },
      }),

    /** Every member of the error group has the task. */
    markTasksCreated: (id: string, at = new Date()): Promise<Incident> =>
      prisma.incident.update({ where: { id }, data: { status: 'tasks_created', tasksCreatedAt: at } }),

    resolve: (id: string): Promise<Incident> =>
      prisma.incident.update({ where: { id }, data: { status: 'resolved' } }),

    listForOrder: (connectionId: string, retailcrmOrderId: number): Promise<Incident[]> =>
      prisma.incident.findMany({ where: { connectionId, retailcrmOrderId }, orderBy: { createdAt: 'asc' } }),
  };
}

export type IncidentsRepository = ReturnType<typeof createIncidentsRepository>;

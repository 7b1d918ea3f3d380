import type { Incident, IncidentSubject, Prisma, PrismaClient } from '../generated/prisma/client.js';

export interface NewIncident {
  retailcrmOrderId?: number | null;
  /** What the connector was doing, e.g. "export order". */
  action: string;
  /** Why it failed, in words for people. */
  cause: string;
  /** The task text: what happened and what to do. */
  message: string;
}

/** One thing an incident is about: an order of a queue (`order:<id>`) or a periodic job's scope. */
export interface IncidentSubjectRef {
  queue: string;
  subject: string;
  retailcrmOrderId?: number | null;
}

/** What the periodic incident check has to do something about. */
export interface IncidentsNeedingAttention {
  /** Tasks not created yet: created more than `graceMs` ago, and not failed in the last `retryMs`. */
  withoutTasks: Pick<Incident, 'id' | 'connectionId'>[];
  /** Outage incidents not resolved: probe the upstream, enqueue their orders again. */
  outages: Pick<Incident, 'id' | 'connectionId'>[];
  /** Resolved with tasks not completed in RetailCRM yet. */
  toComplete: Pick<Incident, 'id' | 'connectionId'>[];
}

const UNRESOLVED = { not: 'resolved' } as const;
const pick = { id: true, connectionId: true } as const;

/** The console's incident list: which incidents, newest first. */
export interface IncidentListFilter {
  status: 'open' | 'resolved' | 'all';
  connectionId?: string | undefined;
  /** An outage cause (`lifepos.unavailable`, …), or `other` for the incidents of one order or job. */
  cause?: string | undefined;
  /** Opened at or after this instant. */
  since?: Date | undefined;
}

/** Where the previous page ended: its last incident's `createdAt` and `id`. */
export interface IncidentListCursor {
  createdAt: Date;
  id: string;
}

/** Subjects shown per incident on the list; the rest are counted. */
export const LISTED_SUBJECTS = 100;

export type ListedIncident = Incident & { subjects: IncidentSubject[]; _count: { subjects: number } };

/** An order that an unresolved incident holds up. */
export interface OrderInIncident {
  connectionId: string;
  retailcrmOrderId: number;
  incidentId: string;
  since: Date;
}

function listWhere(
  filter: IncidentListFilter,
  after: IncidentListCursor | undefined,
): Prisma.IncidentWhereInput {
  return {
    ...(filter.status === 'open' && { status: UNRESOLVED }),
    ...(filter.status === 'resolved' && { status: 'resolved' }),
    ...(filter.connectionId && { connectionId: filter.connectionId }),
    ...(filter.cause && { outage: filter.cause === 'other' ? null : filter.cause }),
    ...(filter.since && { createdAt: { gte: filter.since } }),
    ...(after && {
      OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
    }),
  };
}

/** A query of this module with the client given. */
function bound<A extends unknown[], R>(prisma: PrismaClient, query: (prisma: PrismaClient, ...args: A) => R) {
  return (...args: A): R => query(prisma, ...args);
}

/**
 * The orders unresolved incidents hold up (an order's own incident, or pending in an outage's list),
 * at most `limit`, the longest held first.
 */
async function ordersHeldUp(
  prisma: PrismaClient,
  options: {
    connectionId?: string | undefined;
    limit: number;
  },
): Promise<OrderInIncident[]> {
  const connection = options.connectionId ? { connectionId: options.connectionId } : {};
  const [own, listed] = await Promise.all([
    prisma.incident.findMany({
      where: { ...connection, status: UNRESOLVED, retailcrmOrderId: { not: null } },
      select: { id: true, connectionId: true, retailcrmOrderId: true, createdAt: true },
      orderBy: { createdAt: 'asc' },
      take: options.limit,
    }),
    prisma.incidentSubject.findMany({
      where: {
        ...connection,
        resolvedAt: null,
        retailcrmOrderId: { not: null },
        incident: { status: UNRESOLVED },
      },
      select: { incidentId: true, connectionId: true, retailcrmOrderId: true, addedAt: true },
      orderBy: { addedAt: 'asc' },
      take: options.limit,
    }),
  ]);
  const held = new Map<string, OrderInIncident>();
  const add = (entry: OrderInIncident) => {
    const key = `${entry.connectionId}:${entry.retailcrmOrderId}`;
    const known = held.get(key);
    if (!known || entry.since < known.since) held.set(key, entry);
  };
  for (const row of own) {
    add({
      connectionId: row.connectionId,
      retailcrmOrderId: row.retailcrmOrderId as number,
      incidentId: row.id,
      since: row.createdAt,
    });
  }
  for (const row of listed) {
    add({
      connectionId: row.connectionId,
      retailcrmOrderId: row.retailcrmOrderId as number,
      incidentId: row.incidentId,
      since: row.addedAt,
    });
  }
  return [...held.values()].sort((a, b) => a.since.getTime() - b.since.getTime()).slice(0, options.limit);
}

/**
 * The unresolved incident of the `outage` cause whose last failure is at most `windowMs` old, or a new
 * one: every failure of one outage of one connection lands in one incident. The advisory lock (per
 * connection and cause, held to the end of the transaction) makes racing workers agree on it.
 */
async function openOutage(
  prisma: PrismaClient,
  connectionId: string,
  outage: string,
  windowMs: number,
  data: NewIncident,
  { subject, at = new Date() }: { subject?: IncidentSubjectRef | undefined; at?: Date } = {},
): Promise<{ incident: Incident; created: boolean }> {
  // The subject joins in the same transaction: the incident is never seen without the failure that opened it.
  const withSubject = async (tx: Pick<PrismaClient, 'incidentSubject'>, incident: Incident) => {
    if (!subject) return;
    const ref = { incidentId: incident.id, queue: subject.queue, subject: subject.subject };
    await tx.incidentSubject.upsert({
      where: { incidentId_queue_subject: ref },
      create: { ...ref, connectionId, retailcrmOrderId: subject.retailcrmOrderId ?? null },
      update: { resolvedAt: null, redrivenAt: null },
    });
  };
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`incident:${connectionId}:${outage}`}))`;
    const current = await tx.incident.findFirst({
      where: {
        connectionId,
        outage,
        status: UNRESOLVED,
        lastFailureAt: { gte: new Date(at.getTime() - windowMs) },
      },
      orderBy: { lastFailureAt: 'desc' },
    });
    if (current) {
      const incident = await tx.incident.update({
        where: { id: current.id },
        data: { lastFailureAt: at },
      });
      await withSubject(tx, incident);
      return { incident, created: false };
    }
    const incident = await tx.incident.create({
      data: {
        ...data,
        connectionId,
        outage,
        lastFailureAt: at,
        dedupeKey: `outage:${outage}:${at.getTime()}`,
      },
    });
    await withSubject(tx, incident);
    return { incident, created: true };
  });
}

/**
 * Settles the subject in every unresolved incident (of outages only, with `outagesOnly`, except
 * `exceptIncidentId`) and resolves the incidents left with no pending subject. Returns the incidents
 * this call resolved. One indexed read when the subject has no open incident (the common case).
 */
async function settleSubject(
  prisma: PrismaClient,
  connectionId: string,
  ref: Pick<IncidentSubjectRef, 'queue' | 'subject'>,
  options: { outagesOnly?: boolean; exceptIncidentId?: string; at?: Date } = {},
): Promise<Incident[]> {
  const at = options.at ?? new Date();
  const open = await prisma.incidentSubject.findMany({
    where: {
      connectionId,
      queue: ref.queue,
      subject: ref.subject,
      resolvedAt: null,
      ...(options.exceptIncidentId ? { incidentId: { not: options.exceptIncidentId } } : {}),
      incident: { status: UNRESOLVED, ...(options.outagesOnly ? { outage: { not: null } } : {}) },
    },
    select: { incidentId: true },
  });
  if (open.length === 0) return [];
  const ids = open.map((row) => row.incidentId);
  await prisma.incidentSubject.updateMany({
    where: { incidentId: { in: ids }, queue: ref.queue, subject: ref.subject, resolvedAt: null },
    data: { resolvedAt: at },
  });
  const resolved: Incident[] = [];
  for (const id of ids) {
    const pending = await prisma.incidentSubject.count({ where: { incidentId: id, resolvedAt: null } });
    if (pending > 0) continue;
    // Only the caller that moves it to resolved reports it (racing successes of two subjects).
    const moved = await prisma.incident.updateMany({
      // Not if a subject joined meanwhile.
      where: { id, status: UNRESOLVED, subjects: { none: { resolvedAt: null } } },
      data: { status: 'resolved', resolvedAt: at },
    });
    if (moved.count === 1) resolved.push(await prisma.incident.findUniqueOrThrow({ where: { id } }));
  }
  return resolved;
}

/** Opening incidents: one per failure (`dedupeKey`), or one per outage of a connection. */
function openingIncidents(prisma: PrismaClient) {
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
      for (;;) {
        const [inserted] = await prisma.incident.createManyAndReturn({
          data: [{ ...data, connectionId, dedupeKey }],
          skipDuplicates: true,
        });
        if (inserted) return { incident: inserted, created: true };
        const incident = await prisma.incident.findUniqueOrThrow({
          where: { connectionId_dedupeKey: { connectionId, dedupeKey } },
        });
        if (incident.status !== 'resolved') {
          await prisma.incident.update({ where: { id: incident.id }, data: { lastFailureAt: new Date() } });
          return { incident, created: false };
        }
        // The same failure again after it was resolved: a new incident. The resolved one gives up the key
        // (only one racing caller renames it; every caller then inserts, and one of them wins).
        await prisma.incident.updateMany({
          where: { id: incident.id, dedupeKey },
          data: { dedupeKey: `${dedupeKey}:resolved:${incident.id}` },
        });
      }
    },
    openOutage: bound(prisma, openOutage),
  };
}

/** Reading incidents: one, those of an order, a page of the list, counts, the orders they hold up. */
function readingIncidents(prisma: PrismaClient) {
  return {
    get: (id: string): Promise<Incident | null> => prisma.incident.findUnique({ where: { id } }),
    find: (connectionId: string, dedupeKey: string): Promise<Incident | null> =>
      prisma.incident.findUnique({ where: { connectionId_dedupeKey: { connectionId, dedupeKey } } }),
    /** Incidents about one order: its own, and the outages that list it. */
    listForOrder: (connectionId: string, retailcrmOrderId: number): Promise<Incident[]> =>
      prisma.incident.findMany({
        where: { connectionId, OR: [{ retailcrmOrderId }, { subjects: { some: { retailcrmOrderId } } }] },
        orderBy: { createdAt: 'asc' },
      }),
    /**
     * One page of incidents, newest first (keyset on `createdAt`, `id`), each with its first subjects and
     * their count; `next` is the cursor of the following page.
     */
    async listPage(
      filter: IncidentListFilter,
      page: { limit: number; after?: IncidentListCursor | undefined },
    ): Promise<{ incidents: ListedIncident[]; next: IncidentListCursor | undefined }> {
      const rows = await prisma.incident.findMany({
        where: listWhere(filter, page.after),
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: page.limit + 1,
        include: {
          subjects: { orderBy: [{ addedAt: 'asc' }, { subject: 'asc' }], take: LISTED_SUBJECTS },
          _count: { select: { subjects: true } },
        },
      });
      const incidents = rows.slice(0, page.limit);
      const last = incidents.at(-1);
      return {
        incidents,
        next: rows.length > page.limit && last ? { createdAt: last.createdAt, id: last.id } : undefined,
      };
    },
    /** Unresolved incidents per connection. */
    async openCounts(): Promise<Map<string, number>> {
      const groups = await prisma.incident.groupBy({
        by: ['connectionId'],
        where: { status: UNRESOLVED },
        _count: { _all: true },
      });
      return new Map(groups.map((group) => [group.connectionId, group._count._all]));
    },
    ordersHeldUp: bound(prisma, ordersHeldUp),
  };
}

/** The RetailCRM tasks of an incident: created, their text, failed, completed. */
function incidentTasks(prisma: PrismaClient) {
  return {
    /** Remembers one created task as soon as it exists, so a retried job does not create it again. */
    recordTask: (id: string, taskId: number, performerId: number): Promise<Incident> =>
      prisma.incident.update({
        where: { id },
        data: { taskIds: { push: taskId }, taskPerformerIds: { push: performerId } },
      }),
    /** Every member of the error group has the task. */
    async markTasksCreated(id: string, at = new Date()): Promise<Incident> {
      // An incident resolved meanwhile stays resolved (its tasks are then completed by the periodic check).
      await prisma.incident.updateMany({
        where: { id, status: 'open' },
        data: { status: 'tasks_created', tasksCreatedAt: at },
      });
      return prisma.incident.findUniqueOrThrow({ where: { id } });
    },
    /** The task text as it was last sent to RetailCRM. */
    setMessage: (id: string, message: string): Promise<Incident> =>
      prisma.incident.update({ where: { id }, data: { message } }),
    /** Creating the tasks failed for good; the periodic check tries again later. */
    markTasksFailed: (id: string, at = new Date()): Promise<Incident> =>
      prisma.incident.update({ where: { id }, data: { tasksFailedAt: at } }),
    markTasksCompleted: (id: string, at = new Date()): Promise<Incident> =>
      prisma.incident.update({ where: { id }, data: { tasksCompletedAt: at } }),
  };
}

/** Resolving incidents: when nothing is pending, unconditionally, or by hand. */
function resolvingIncidents(prisma: PrismaClient) {
  return {
    /**
     * Resolves the incident unless it is resolved already or has a pending subject; true for the one caller
     * that resolved it.
     */
    async resolveOpen(id: string, at = new Date()): Promise<boolean> {
      const moved = await prisma.incident.updateMany({
        where: { id, status: UNRESOLVED, subjects: { none: { resolvedAt: null } } },
        data: { status: 'resolved', resolvedAt: at },
      });
      return moved.count === 1;
    },
    resolve: (id: string, at = new Date()): Promise<Incident> =>
      prisma.incident.update({ where: { id }, data: { status: 'resolved', resolvedAt: at } }),
    /**
     * Closed by an operator: the incident and its pending subjects are resolved, and marked as closed by
     * hand. The incident when this call resolved it; null when it was resolved already (or is missing).
     */
    async resolveByHand(id: string, at = new Date()): Promise<Incident | null> {
      return prisma.$transaction(async (tx) => {
        const moved = await tx.incident.updateMany({
          where: { id, status: UNRESOLVED },
          data: { status: 'resolved', resolvedAt: at, resolvedByHand: true },
        });
        if (moved.count === 0) return null;
        await tx.incidentSubject.updateMany({
          where: { incidentId: id, resolvedAt: null },
          data: { resolvedAt: at },
        });
        return tx.incident.findUniqueOrThrow({ where: { id } });
      });
    },
  };
}

/** The subjects (orders, jobs) an incident holds, pending until settled or redriven. */
function incidentSubjects(prisma: PrismaClient) {
  return {
    /** Adds a subject to the incident (again pending, if it was settled before). */
    addSubject: (
      incidentId: string,
      connectionId: string,
      ref: IncidentSubjectRef,
    ): Promise<IncidentSubject> =>
      prisma.incidentSubject.upsert({
        where: { incidentId_queue_subject: { incidentId, queue: ref.queue, subject: ref.subject } },
        create: {
          incidentId,
          connectionId,
          queue: ref.queue,
          subject: ref.subject,
          retailcrmOrderId: ref.retailcrmOrderId ?? null,
        },
        update: { resolvedAt: null, redrivenAt: null },
      }),
    subjects: (incidentId: string): Promise<IncidentSubject[]> =>
      prisma.incidentSubject.findMany({ where: { incidentId }, orderBy: { addedAt: 'asc' } }),
    settleSubject: bound(prisma, settleSubject),
    /** Subjects still pending in the incident. */
    pendingSubjects: (incidentId: string): Promise<IncidentSubject[]> =>
      prisma.incidentSubject.findMany({
        where: { incidentId, resolvedAt: null },
        orderBy: { addedAt: 'asc' },
      }),
    markRedriven: (incidentId: string, refs: readonly IncidentSubjectRef[], at = new Date()) =>
      prisma.incidentSubject.updateMany({
        where: { incidentId, OR: refs.map((ref) => ({ queue: ref.queue, subject: ref.subject })) },
        data: { redrivenAt: at },
      }),
  };
}

/** What the periodic incident check looks at, and streaks of failures of periodic jobs. */
function periodicChecks(prisma: PrismaClient) {
  return {
    async needingAttention({
      graceMs,
      retryMs,
      now = new Date(),
    }: {
      graceMs: number;
      retryMs: number;
      now?: Date;
    }): Promise<IncidentsNeedingAttention> {
      const before = (ms: number) => new Date(now.getTime() - ms);
      const [withoutTasks, outages, toComplete] = await Promise.all([
        prisma.incident.findMany({
          where: {
            status: 'open',
            createdAt: { lte: before(graceMs) },
            OR: [{ tasksFailedAt: null }, { tasksFailedAt: { lte: before(retryMs) } }],
          },
          select: pick,
        }),
        prisma.incident.findMany({ where: { status: UNRESOLVED, outage: { not: null } }, select: pick }),
        prisma.incident.findMany({
          where: { status: 'resolved', tasksCompletedAt: null, NOT: { taskIds: { isEmpty: true } } },
          select: pick,
        }),
      ]);
      return { withoutTasks, outages, toComplete };
    },
    /**
     * Counts one more failure of a periodic job in a row; returns since when it has been failing.
     */
    async recordFailureStreak(connectionId: string, subject: string, error: string, at = new Date()) {
      const streak = await prisma.failureStreak.upsert({
        where: { connectionId_subject: { connectionId, subject } },
        create: { connectionId, subject, since: at, lastAt: at, lastError: error },
        update: { lastAt: at, lastError: error },
      });
      return streak.since;
    },
    /** The periodic job succeeded: its streak of failures is over. */
    clearFailureStreak: async (connectionId: string, subject: string): Promise<void> => {
      await prisma.failureStreak.deleteMany({ where: { connectionId, subject } });
    },
  };
}

export function createIncidentsRepository(prisma: PrismaClient) {
  return {
    ...openingIncidents(prisma),
    ...readingIncidents(prisma),
    ...incidentTasks(prisma),
    ...resolvingIncidents(prisma),
    ...incidentSubjects(prisma),
    ...periodicChecks(prisma),
  };
}

export type IncidentsRepository = ReturnType<typeof createIncidentsRepository>;

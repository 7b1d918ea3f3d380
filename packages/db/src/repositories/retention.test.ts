import { describe, expect, it } from '@jest/globals';
import { useTestTenants } from '../test-support/test-tenants.js';

const tenants = useTestTenants();

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

/** Calls `batch` until it deletes fewer than `limit` rows; returns each batch's count. */
async function drain(batch: (limit: number) => Promise<number>, limit: number): Promise<number[]> {
  const counts: number[] = [];
  for (;;) {
    const deleted = await batch(limit);
    counts.push(deleted);
    if (deleted < limit) return counts;
  }
}

describe('retention deletes', () => {
  it('deletes timeline entries older than the cutoff in batches, and keeps the newer ones', async () => {
    const connectionId = await tenants.tenant();
    const entry = (createdAt: Date, message: string) => ({
      connectionId,
      retailcrmOrderId: 1,
      type: 'job.started',
      message,
      createdAt,
    });
    await tenants.db.prisma.orderEvent.createMany({
      data: [
        ...[100, 99, 98, 97, 91].map((days) => entry(daysAgo(days), `old ${days}`)),
        entry(daysAgo(89), 'new 89'),
        entry(new Date(), 'new now'),
      ],
    });
    expect(await drain((limit) => tenants.db.retention.deleteOrderEvents(daysAgo(90), limit), 2)).toEqual([
      2, 2, 1,
    ]);
    const left = await tenants.db.orderEvents.list(connectionId, 1);
    expect(left.map((event) => event.message)).toEqual(['new 89', 'new now']);
  });

  it('deletes stored notifications processed before the cutoff; unprocessed ones stay however old', async () => {
    const connectionId = await tenants.tenant();
    const stored = (receivedAt: Date, processedAt: Date | null) =>
      tenants.db.prisma.lifeposNotification.create({
        data: { connectionId, typeOf: 'Sale', body: {}, receivedAt, processedAt },
      });
    const old = await stored(daysAgo(30), daysAgo(20));
    const unprocessed = await stored(daysAgo(30), null);
    const recent = await stored(daysAgo(30), daysAgo(2));
    expect(
      await drain((limit) => tenants.db.retention.deleteProcessedNotifications(daysAgo(14), limit), 5),
    ).toEqual([1]);
    const left = await tenants.db.prisma.lifeposNotification.findMany({ where: { connectionId } });
    expect(left.map((row) => row.id).sort()).toEqual([unprocessed.id, recent.id].sort());
    expect(left.map((row) => row.id)).not.toContain(old.id);
  });

  it('deletes incidents resolved before the cutoff with their subjects; open and recently resolved stay', async () => {
    const connectionId = await tenants.tenant();
    const incident = (dedupeKey: string, fields: { status: 'open' | 'resolved'; resolvedAt?: Date }) =>
      tenants.db.prisma.incident.create({
        data: {
          connectionId,
          dedupeKey,
          action: 'order-export',
          cause: 'lifepos.validation',
          message: 'Продажа не создана',
          createdAt: daysAgo(200),
          ...fields,
          subjects: { create: { connectionId, queue: 'order-export', subject: `order:${dedupeKey}` } },
        },
      });
    const old = await incident('old', { status: 'resolved', resolvedAt: daysAgo(190) });
    const recent = await incident('recent', { status: 'resolved', resolvedAt: daysAgo(10) });
    const open = await incident('open', { status: 'open' });
    expect(
      await drain((limit) => tenants.db.retention.deleteResolvedIncidents(daysAgo(180), limit), 5),
    ).toEqual([1]);
    const left = await tenants.db.prisma.incident.findMany({ where: { connectionId } });
    expect(left.map((row) => row.id).sort()).toEqual([recent.id, open.id].sort());
    expect(await tenants.db.prisma.incidentSubject.count({ where: { incidentId: old.id } })).toBe(0);
  });
});

import { describe, expect, it } from '@jest/globals';
import { useTestTenants } from '../test-support/test-tenants.js';
import { asUniqueViolation } from '../unique-violation.js';

const tenants = useTestTenants();

const failure = {
  retailcrmOrderId: 77,
  action: 'export order',
  cause: 'LIFE POS rejected the sale',
  message: 'Order 77 was not exported: the outlet is archived. Restore it and resend the order.',
};

describe('incidents', () => {
  it('opens an incident once per dedupe key', async () => {
    const connectionId = await tenants.tenant();
    const first = await tenants.db.incidents.open(connectionId, 'export:77:outlet-archived', failure);
    const second = await tenants.db.incidents.open(connectionId, 'export:77:outlet-archived', {
      ...failure,
      message: 'a later attempt with other words',
    });

    expect(first.created).toBe(true);
    expect(first.incident).toMatchObject({ ...failure, status: 'open', taskIds: [], tasksCreatedAt: null });
    expect(second).toEqual({ incident: first.incident, created: false });
    // Another tenant's incident with the same key is its own.
    expect(
      (await tenants.db.incidents.open(await tenants.tenant(), 'export:77:outlet-archived', failure)).created,
    ).toBe(true);
  });

  it('gives created:true to exactly one of many racing opens', async () => {
    const connectionId = await tenants.tenant();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        tenants.db.incidents.open(connectionId, 'refund:5:no-payment', failure),
      ),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.incident.id)).size).toBe(1);
  });

  it('rejects a duplicate (connection, dedupe key) row', async () => {
    const connectionId = await tenants.tenant();
    const data = { ...failure, connectionId, dedupeKey: 'cancel:9' };
    await tenants.db.prisma.incident.create({ data });
    const error = await tenants.db.prisma.incident.create({ data }).catch((caught: unknown) => caught);
    expect(asUniqueViolation(error)).toMatchObject({
      model: 'Incident',
      fields: ['connectionId', 'dedupeKey'],
    });
  });

  it('records tasks as they are created, then the whole set', async () => {
    const connectionId = await tenants.tenant();
    const { incident } = await tenants.db.incidents.open(connectionId, 'export:78', {
      ...failure,
      retailcrmOrderId: 78,
    });
    await tenants.db.incidents.recordTask(incident.id, 1001, 11);
    await tenants.db.incidents.recordTask(incident.id, 1002, 12);
    const at = new Date('2026-04-01T08:00:00.000Z');
    const done = await tenants.db.incidents.markTasksCreated(incident.id, at);

    expect(done).toMatchObject({
      taskIds: [1001, 1002],
      taskPerformerIds: [11, 12],
      status: 'tasks_created',
      tasksCreatedAt: at,
    });
    expect(await tenants.db.incidents.find(connectionId, 'export:78')).toEqual(done);
    expect((await tenants.db.incidents.resolve(incident.id)).status).toBe('resolved');
    expect((await tenants.db.incidents.listForOrder(connectionId, 78)).map((i) => i.id)).toEqual([
      incident.id,
    ]);
    expect(await tenants.db.incidents.get(incident.id)).toMatchObject({ status: 'resolved' });
  });

  it('collects one outage into one incident per window, whatever races', async () => {
    const connectionId = await tenants.tenant();
    const outage = { action: 'outage', cause: 'LIFE POS 503', message: 'LIFE POS is down' };
    const at = new Date('2026-05-01T10:00:00.000Z');
    const racing = await Promise.all(
      Array.from({ length: 30 }, () =>
        tenants.db.incidents.openOutage(connectionId, 'lifepos.unavailable', 60_000, outage, { at }),
      ),
    );
    expect(racing.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(racing.map((result) => result.incident.id)).size).toBe(1);
    const id = racing[0]!.incident.id;
    const later = new Date(at.getTime() + 50_000);
    expect(
      (
        await tenants.db.incidents.openOutage(connectionId, 'lifepos.unavailable', 60_000, outage, {
          at: later,
        })
      ).incident.id,
    ).toBe(id);
    // Another cause is another incident; a failure after a quiet window is a new outage.
    expect(
      (await tenants.db.incidents.openOutage(connectionId, 'retailcrm.key', 60_000, outage, { at: later }))
        .created,
    ).toBe(true);
    const quiet = await tenants.db.incidents.openOutage(connectionId, 'lifepos.unavailable', 60_000, outage, {
      at: new Date(later.getTime() + 61_000),
    });
    expect(quiet.created).toBe(true);
  });

  it('settles a subject in every incident holding it and resolves the ones left with nothing pending', async () => {
    const connectionId = await tenants.tenant();
    const { incident: outage } = await tenants.db.incidents.openOutage(
      connectionId,
      'lifepos.unavailable',
      60_000,
      failure,
    );
    await tenants.db.incidents.addSubject(outage.id, connectionId, {
      queue: 'order-export',
      subject: 'order:1',
      retailcrmOrderId: 1,
    });
    await tenants.db.incidents.addSubject(outage.id, connectionId, {
      queue: 'order-export',
      subject: 'order:2',
      retailcrmOrderId: 2,
    });
    const { incident: own } = await tenants.db.incidents.open(
      connectionId,
      'order-export:order:1:x',
      failure,
    );
    await tenants.db.incidents.addSubject(own.id, connectionId, {
      queue: 'order-export',
      subject: 'order:1',
      retailcrmOrderId: 1,
    });

    // Another queue's success of the order settles nothing.
    expect(
      await tenants.db.incidents.settleSubject(connectionId, { queue: 'order-cancel', subject: 'order:1' }),
    ).toEqual([]);
    const first = await tenants.db.incidents.settleSubject(connectionId, {
      queue: 'order-export',
      subject: 'order:1',
    });
    expect(first.map((incident) => incident.id)).toEqual([own.id]);
    expect((await tenants.db.incidents.pendingSubjects(outage.id)).map((s) => s.subject)).toEqual([
      'order:2',
    ]);
    const second = await tenants.db.incidents.settleSubject(connectionId, {
      queue: 'order-export',
      subject: 'order:2',
    });
    expect(second.map((incident) => incident.id)).toEqual([outage.id]);
    expect(await tenants.db.incidents.get(outage.id)).toMatchObject({
      status: 'resolved',
      resolvedAt: expect.any(Date),
    });
    expect((await tenants.db.incidents.listForOrder(connectionId, 2)).map((incident) => incident.id)).toEqual(
      [outage.id],
    );
    // The same failure again after its incident was resolved is a new incident with tasks of its own.
    const again = await tenants.db.incidents.open(connectionId, 'order-export:order:1:x', failure);
    expect(again.created).toBe(true);
    expect(again.incident.id).not.toBe(own.id);
  });
});

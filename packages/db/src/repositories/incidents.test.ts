import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Database } from '../database.js';
import { openTestTenants, type TestTenants } from '../test-support/test-tenants.js';
import { asUniqueViolation } from '../unique-violation.js';

let tenants: TestTenants;
let db: Database;

beforeAll(async () => {
  tenants = await openTestTenants();
  db = tenants.db;
});

afterAll(() => tenants?.close());

const failure = {
  retailcrmOrderId: 77,
  action: 'export order',
  cause: 'LIFE POS rejected the sale',
  message: 'Order 77 was not exported: the outlet is archived. Restore it and resend the order.',
};

describe('incidents', () => {
  it('opens an incident once per dedupe key', async () => {
    const connectionId = await tenants.tenant();
    const first = await db.incidents.open(connectionId, 'export:77:outlet-archived', failure);
    const second = await db.incidents.open(connectionId, 'export:77:outlet-archived', {
      ...failure,
      message: 'a later attempt with other words',
    });

    expect(first.created).toBe(true);
    expect(first.incident).toMatchObject({ ...failure, status: 'open', taskIds: [], tasksCreatedAt: null });
    expect(second).toEqual({ incident: first.incident, created: false });
    // Another tenant's incident with the same key is its own.
    expect(
      (await db.incidents.open(await tenants.tenant(), 'export:77:outlet-archived', failure)).created,
    ).toBe(true);
  });

  it('gives created:true to exactly one of many racing opens', async () => {
    const connectionId = await tenants.tenant();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => db.incidents.open(connectionId, 'refund:5:no-payment', failure)),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.incident.id)).size).toBe(1);
  });

  it('rejects a duplicate (connection, dedupe key) row', async () => {
    const connectionId = await tenants.tenant();
    const data = { ...failure, connectionId, dedupeKey: 'cancel:9' };
    await db.prisma.incident.create({ data });
    const error = await db.prisma.incident.create({ data }).catch((caught: unknown) => caught);
    expect(asUniqueViolation(error)).toMatchObject({
      model: 'Incident',
      fields: ['connectionId', 'dedupeKey'],
    });
  });

  it('records tasks as they are created, then the whole set', async () => {
    const connectionId = await tenants.tenant();
    const { incident } = await db.incidents.open(connectionId, 'export:78', {
      ...failure,
      retailcrmOrderId: 78,
    });
    await db.incidents.recordTask(incident.id, 1001, 11);
    await db.incidents.recordTask(incident.id, 1002, 12);
    const at = new Date('2026-04-01T08:00:00.000Z');
    const done = await db.incidents.markTasksCreated(incident.id, at);

    expect(done).toMatchObject({
      taskIds: [1001, 1002],
      taskPerformerIds: [11, 12],
      status: 'tasks_created',
      tasksCreatedAt: at,
    });
    expect(await db.incidents.find(connectionId, 'export:78')).toEqual(done);
    expect((await db.incidents.resolve(incident.id)).status).toBe('resolved');
    expect((await db.incidents.listForOrder(connectionId, 78)).map((i) => i.id)).toEqual([incident.id]);
    expect(await db.incidents.get(incident.id)).toMatchObject({ status: 'resolved' });
  });
});

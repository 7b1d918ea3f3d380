// The incident hooks of @connector/incidents as a worker app runs them: its `crm-tasks` consumer creates the
// RetailCRM tasks and its incident watch heals and retries (testing/incident-fixture.ts).
import type { Database } from '@connector/db';
import { PermanentError } from '@connector/domain';
import type { Logger } from '@connector/logger';
import type { Producer } from '@connector/queue';
import { type Sandbox, seedTenant, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import {
  exportFailure as failure,
  type IncidentFixture,
  startIncidentFixture,
} from './testing/incident-fixture.js';

describe('incidents: final failure → one set of RetailCRM tasks', () => {
  let fx: IncidentFixture;
  let sandbox: Sandbox;
  let db: Database;
  let producer: Producer;
  let logger: Logger;

  beforeAll(async () => {
    fx = await startIncidentFixture({
      service: 'incident-test',
      prefix: 'inc',
      consoleUrl: 'https://console.example.test',
    });
    ({ sandbox, db, producer, logger } = fx);
  });

  afterAll(() => fx?.close());

  const activeTenant = () => fx.activeTenant();

  it('creates one task for each active member of the error group, once, however often the hook runs', async () => {
    const { tenant, connection } = await activeTenant();
    const order = tenant.createOrder({ store: tenant.stores[0]!.code });
    const { createFinalFailureHook } = await import('@connector/incidents');
    const hook = createFinalFailureHook({ db, producer, logger, consoleUrl: 'https://console.example.test' });
    const error = new PermanentError('no legal entity', {
      code: 'sync.inn_missing',
      userMessage: 'В LIFE POS нет юрлица с ИНН 7701234567.',
    });
    await Promise.all([
      hook(failure(connection.id, order.id, error)),
      hook(failure(connection.id, order.id, error)),
    ]);
    await hook(failure(connection.id, order.id, error));

    const incidents = await db.incidents.listForOrder(connection.id, order.id);
    expect(incidents).toHaveLength(1);
    const tasksDone = await waitFor(
      async () => (await db.incidents.get(incidents[0]!.id))?.status === 'tasks_created',
      { what: 'the tasks job', timeoutMs: 15_000 },
    );
    expect(tasksDone).toBe(true);

    const tasks = sandbox.retailcrm.tasks(tenant.accountCode) as Array<Record<string, unknown>>;
    const performers = tasks.map((task) => task.performer ?? task.performerId).sort();
    expect(performers).toEqual([...tenant.errorGroup.activeUserIds].sort());
    for (const task of tasks) {
      expect(task.order).toMatchObject({ id: order.id });
      expect(String(task.commentary)).toContain('В LIFE POS нет юрлица с ИНН 7701234567.');
      expect(String(task.commentary)).toContain(
        `https://console.example.test/connections/${connection.id}/orders/${order.id}`,
      );
    }
    // The timeline line follows the status change.
    const types = await waitFor(
      async () => {
        const types = (await db.orderEvents.list(connection.id, order.id)).map((event) => event.type);
        return types.includes('task.created') ? types : undefined;
      },
      { what: "the tasks' timeline line" },
    );
    expect(types).toEqual(expect.arrayContaining(['job.failed', 'task.created']));
  });

  it('completes a partly created set without giving anyone a second task', async () => {
    const { tenant, connection } = await activeTenant();
    const [first, ...rest] = tenant.errorGroup.activeUserIds;
    const { incident } = await db.incidents.open(connection.id, 'order-refund:order:777:refund.no_payment', {
      retailcrmOrderId: 777,
      action: 'refund',
      cause: 'no payment',
      message: 'LIFE POS took no payment for this order',
    });
    // As if a previous attempt created the first task and then died.
    await db.incidents.recordTask(incident.id, 999_001, first!);
    await producer.add(
      'crm-tasks',
      { connectionId: connection.id, incidentId: incident.id },
      { jobId: `crm-tasks.${incident.id}` },
    );
    await waitFor(async () => (await db.incidents.get(incident.id))?.status === 'tasks_created', {
      what: 'the tasks job',
      timeoutMs: 15_000,
    });
    const tasks = sandbox.retailcrm.tasks(tenant.accountCode) as Array<Record<string, unknown>>;
    expect(tasks.map((task) => task.performer ?? task.performerId).sort()).toEqual([...rest].sort());
  });

  it('fails the tasks job for good when the group has no active member, and marks the connection', async () => {
    const { connection } = await activeTenant();
    await db.connections.update(connection.id, { errorUserGroupCode: 'no-such-group' });
    const { incident } = await db.incidents.open(connection.id, 'sync:connection:x', {
      action: 'sync',
      cause: 'x',
      message: 'x',
    });
    const queue = new Queue('crm-tasks', { connection: fx.redis, prefix: fx.prefix });
    const job = await producer.add('crm-tasks', { connectionId: connection.id, incidentId: incident.id });
    const failed = await waitFor(
      async () => ((await queue.getJob(job.id))?.failedReason ? queue.getJob(job.id) : undefined),
      {
        what: 'the failed tasks job',
        timeoutMs: 15_000,
      },
    );
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('no-such-group');
    const stored = await db.connections.get(connection.id);
    expect(stored?.lastCheckOk).toBe(false);
    expect(stored?.lastError).toContain('no-such-group');
    await queue.close();
  });

  it('drops a job of a disabled connection without an incident', async () => {
    const { tenant, connection } = await activeTenant();
    const order = tenant.createOrder({ store: tenant.stores[0]!.code });
    await db.connections.update(connection.id, { status: 'disabled', disabledReason: 'test' });
    const { createFinalFailureHook } = await import('@connector/incidents');
    const hook = createFinalFailureHook({ db, producer, logger });
    const error = await fx.app.deps.runtime.open(connection.id).then(
      () => new Error('expected the inactive connection to be refused'),
      (refused: unknown) => refused as Error,
    );
    expect(error).toMatchObject({ code: 'connection.inactive' });
    await hook(failure(connection.id, order.id, error));
    expect(await db.incidents.listForOrder(connection.id, order.id)).toEqual([]);
    expect((await db.orderEvents.list(connection.id, order.id)).map((e) => e.type)).toEqual(['job.dropped']);
  });

  it('refuses to open an inactive connection permanently', async () => {
    const tenant = await seedTenant(sandbox);
    const connection = await db.connections.create({
      ...tenant.connection,
      status: 'disabled',
      disabledReason: 'test',
    });
    await expect(fx.app.deps.runtime.open(connection.id)).rejects.toMatchObject({
      kind: 'permanent',
      code: 'connection.inactive',
    });
    const opened = await fx.app.deps.runtime.open(connection.id, { requireActive: false });
    await expect(opened.retailcrm.credentials()).resolves.toBeDefined();
  });
});

// The incident hooks of @connector/incidents as a worker app runs them: its `crm-tasks` consumer creates the
// RetailCRM tasks and its incident watch heals and retries (testing/incident-fixture.ts).
import type { Database } from '@connector/db';
import { PermanentError, RetryableError } from '@connector/domain';
import { createFinalFailureHook, createSuccessHook } from '@connector/incidents';
import type { Logger } from '@connector/logger';
import { type FinalFailure, type JobSuccess, jobIdFor, orderJobId, type Producer } from '@connector/queue';
import { type Sandbox, waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Job, Queue } from 'bullmq';
import {
  exportFailure as failure,
  type IncidentFixture,
  startIncidentFixture,
} from './testing/incident-fixture.js';

const CONSOLE = 'https://console.example.test';

const lifeposDown = () =>
  new RetryableError('LIFE POS is temporarily unavailable: POST /sales → 503', {
    code: 'lifepos.server_error',
  });

describe('incidents: one per outage, healed, resolved when their subject succeeds, tasks retried', () => {
  let fx: IncidentFixture;
  let sandbox: Sandbox;
  let db: Database;
  let producer: Producer;
  let logger: Logger;
  let hook: ReturnType<typeof createFinalFailureHook>;
  let succeeded: ReturnType<typeof createSuccessHook>;

  beforeAll(async () => {
    fx = await startIncidentFixture({
      service: 'incident-lifecycle-test',
      prefix: 'incl',
      consoleUrl: CONSOLE,
      incidentWatch: { everyMs: 200, taskRetryMs: 300 },
    });
    ({ sandbox, db, producer, logger } = fx);
    hook = createFinalFailureHook({ db, producer, logger, consoleUrl: CONSOLE });
    succeeded = createSuccessHook({ db, producer, logger });
  });

  afterAll(() => fx?.close());

  const activeTenant = () => fx.activeTenant();

  function success(connectionId: string, orderId: number): JobSuccess {
    const data = { connectionId, orderId, source: 'trigger' } as const;
    return {
      queue: 'order-export',
      data,
      result: { outcome: 'created' },
      job: { id: `ok-${orderId}` } as Job,
    };
  }

  const tasksOf = (accountCode: string) =>
    sandbox.retailcrm.tasks(accountCode) as Array<Record<string, unknown>>;

  it('collapses one LIFE POS outage into one incident listing its orders, and enqueues them again once it answers', async () => {
    const { tenant, connection } = await activeTenant();
    const orderIds = Array.from({ length: 21 }, (_, i) => 9000 + i);
    await Promise.all(orderIds.map((orderId) => hook(failure(connection.id, orderId, lifeposDown()))));
    // An order-specific cause stays an incident of its own order.
    await hook(
      failure(
        connection.id,
        9100,
        new PermanentError('no outlet', { code: 'export.no_outlet', userMessage: 'Нет точки.' }),
      ),
    );

    const incidents = await db.prisma.incident.findMany({ where: { connectionId: connection.id } });
    expect(incidents.map((incident) => incident.outage ?? incident.retailcrmOrderId).sort()).toEqual([
      9100,
      'lifepos.unavailable',
    ]);
    const outage = incidents.find((incident) => incident.outage)!;
    expect((await db.incidents.subjects(outage.id)).map((s) => s.retailcrmOrderId).sort()).toEqual(orderIds);

    // One task per member of the error group, listing every order with its timeline link.
    await waitFor(
      () =>
        tasksOf(tenant.accountCode).filter(
          (task) =>
            String(task.text).includes('LIFE POS недоступен') &&
            orderIds.every((id) => String(task.commentary).includes(`/orders/${id}`)),
        ).length === tenant.errorGroup.activeUserIds.length,
      { what: 'the outage tasks listing every order', timeoutMs: 15_000 },
    );
    expect(
      tasksOf(tenant.accountCode).filter((task) => String(task.text).includes('LIFE POS недоступен')),
    ).toHaveLength(tenant.errorGroup.activeUserIds.length);
    expect(String(tasksOf(tenant.accountCode)[0]!.commentary)).toContain(
      `${CONSOLE}/connections/${connection.id}/orders/9000`,
    );

    // The sandbox LIFE POS answers: the periodic check enqueues every order again, with the trigger's dedupe id.
    const exports = new Queue('order-export', { connection: fx.redis, prefix: fx.prefix });
    await waitFor(
      async () =>
        (await db.incidents.subjects(outage.id)).every((s) => s.redrivenAt !== null) &&
        (await exports.getJobs(['waiting', 'delayed', 'prioritized'])).length >= orderIds.length,
      { what: 'the orders enqueued again', timeoutMs: 15_000 },
    );
    const jobs = await exports.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(
      jobs
        .filter((job) => job.data.connectionId === connection.id)
        .map((job) => job.data.orderId)
        .sort(),
    ).toEqual(orderIds);
    expect(
      jobs.every(
        (job) => job.opts.deduplication?.id === orderJobId('order-export', connection.id, job.data.orderId),
      ),
    ).toBe(true);
    await exports.obliterate({ force: true });
    await exports.close();
  }, 30_000);

  it('runs the periodic jobs an outage held up again once it heals, not at their next period', async () => {
    const { connection } = await activeTenant();
    const refused = () =>
      new PermanentError('RetailCRM GET /api/v5/orders/history failed with HTTP 403', {
        code: 'retailcrm.auth',
      });
    const data = { connectionId: connection.id, kind: 'retailcrm-history' } as const;
    await hook({ queue: 'reconcile', data, error: refused(), job: { id: 'h1', data } as Job });
    await hook(failure(connection.id, 9300, refused()));
    const [outage] = await db.prisma.incident.findMany({ where: { connectionId: connection.id } });
    expect(outage).toMatchObject({ outage: 'retailcrm.key' });

    // The sandbox account takes the key: the check enqueues the order and runs the history scan now.
    const reconcile = new Queue('reconcile', { connection: fx.redis, prefix: fx.prefix });
    const historyRun = jobIdFor('reconcile', connection.id, 'retailcrm-history');
    await waitFor(
      async () =>
        (await db.incidents.subjects(outage!.id)).every((s) => s.redrivenAt !== null) &&
        (await reconcile.getJobs(['waiting', 'delayed', 'prioritized'])).some(
          (job) => job.opts.deduplication?.id === historyRun,
        ),
      { what: 'the order and the history scan enqueued again', timeoutMs: 15_000 },
    );
    await reconcile.obliterate({ force: true });
    await reconcile.close();
    await succeeded({ queue: 'reconcile', data, result: { entries: 0 }, job: { id: 'h2' } as Job });
    await succeeded(success(connection.id, 9300));
    expect(await db.incidents.get(outage!.id)).toMatchObject({ status: 'resolved' });
    // Its tasks (the key works in the sandbox) are completed: nothing of this case is left running.
    await waitFor(async () => (await db.incidents.get(outage!.id))?.tasksCompletedAt, {
      what: 'the tasks completed',
      timeoutMs: 15_000,
    });
  }, 30_000);

  it('resolves an incident when its subject succeeds, and completes its tasks in RetailCRM', async () => {
    const { tenant, connection } = await activeTenant();
    await hook(
      failure(
        connection.id,
        501,
        new PermanentError('bad', { code: 'lifepos.validation', userMessage: 'Плохие данные.' }),
      ),
    );
    await hook(failure(connection.id, 502, lifeposDown()));
    await hook(failure(connection.id, 503, lifeposDown()));
    const [own] = await db.incidents.listForOrder(connection.id, 501);
    const [outage] = await db.incidents.listForOrder(connection.id, 502);
    await waitFor(
      async () =>
        (await db.incidents.get(own!.id))?.status === 'tasks_created' &&
        (await db.incidents.get(outage!.id))?.status === 'tasks_created',
      { what: 'the tasks', timeoutMs: 15_000 },
    );

    await succeeded(success(connection.id, 501));
    await succeeded(success(connection.id, 502));
    expect(await db.incidents.get(own!.id)).toMatchObject({ status: 'resolved' });
    // The outage still holds order 503.
    expect(await db.incidents.get(outage!.id)).toMatchObject({ status: 'tasks_created' });
    await succeeded(success(connection.id, 503));
    expect(await db.incidents.get(outage!.id)).toMatchObject({ status: 'resolved' });

    await waitFor(
      () =>
        tasksOf(tenant.accountCode).every(
          (task) => task.complete === true && String(task.commentary).includes('Решено'),
        ),
      { what: 'every task completed', timeoutMs: 15_000 },
    );
    expect(tasksOf(tenant.accountCode)).toHaveLength(2 * tenant.errorGroup.activeUserIds.length);
    await waitFor(async () => (await db.incidents.get(outage!.id))?.tasksCompletedAt, {
      what: 'tasksCompletedAt',
    });
    // Said on the timeline after the tasks are completed in RetailCRM.
    await waitFor(
      async () => {
        const types = (await db.orderEvents.list(connection.id, 501)).map((event) => event.type);
        return types.includes('incident.resolved') && types.includes('task.completed');
      },
      { what: 'the order timeline telling the incident resolved and its tasks completed' },
    );
  }, 30_000);

  it('creates the tasks later when they could not be created (revoked RetailCRM key), by the periodic retry', async () => {
    const { tenant, connection } = await activeTenant();
    const key = sandbox.retailcrm
      .accountInfo(tenant.accountCode)
      .apiKeys.find((k) => k.key === tenant.apiKey)!;
    sandbox.retailcrm.removeApiKey(tenant.accountCode, key.key);
    await hook(
      failure(
        connection.id,
        601,
        new PermanentError('bad', { code: 'lifepos.validation', userMessage: 'Плохие данные.' }),
      ),
    );
    const [incident] = await db.incidents.listForOrder(connection.id, 601);
    await waitFor(async () => (await db.incidents.get(incident!.id))?.tasksFailedAt, {
      what: 'the tasks job failing for good',
      timeoutMs: 15_000,
    });
    expect(tasksOf(tenant.accountCode)).toEqual([]);

    sandbox.retailcrm.addApiKey(tenant.accountCode, key);
    await waitFor(async () => (await db.incidents.get(incident!.id))?.status === 'tasks_created', {
      what: 'the tasks created by the retry',
      timeoutMs: 15_000,
    });
    expect(tasksOf(tenant.accountCode)).toHaveLength(tenant.errorGroup.activeUserIds.length);
  }, 30_000);

  it('reports a periodic job failing transiently only after the grace time, and ends the streak on success', async () => {
    const { connection } = await activeTenant();
    const data = { connectionId: connection.id, kind: 'retailcrm-history' } as const;
    const down = new RetryableError('RetailCRM GET /api/v5/orders/history unavailable: HTTP 503', {
      code: 'retailcrm.server_error',
    });
    const periodic: FinalFailure = { queue: 'reconcile', data, error: down, job: { id: 'r1', data } as Job };
    await hook(periodic);
    await hook(periodic);
    expect(await db.prisma.incident.count({ where: { connectionId: connection.id } })).toBe(0);

    const impatient = createFinalFailureHook({ db, producer, logger, periodicGraceMs: 0 });
    await impatient(periodic);
    const [incident] = await db.prisma.incident.findMany({ where: { connectionId: connection.id } });
    expect(incident).toMatchObject({ outage: 'retailcrm.unavailable' });
    await succeeded({ queue: 'reconcile', data, result: { entries: 0 }, job: { id: 'r2' } as Job });
    expect(await db.incidents.get(incident!.id)).toMatchObject({ status: 'resolved' });
    expect(await db.prisma.failureStreak.count({ where: { connectionId: connection.id } })).toBe(0);
  }, 30_000);
});

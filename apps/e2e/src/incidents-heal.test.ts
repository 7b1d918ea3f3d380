// Incidents heal end to end: the real export, sync (error tasks, periodic incident check) and reconcile
// workers in this process against the sandbox, with real Redis and PostgreSQL. Retries are milliseconds
// here (the producers' policies), so "longer than the retry budget" takes a moment.
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, migrate } from '@connector/db';
import { saleMetaFor } from '@connector/domain';
import { startExportWorker } from '@connector/export-worker';
import {
  createProducer,
  createWorkerRedis,
  orderJobId,
  type Producer,
  type QueuePolicy,
} from '@connector/queue';
import { type ReconcileWorker, startReconcileWorker } from '@connector/reconcile-worker';
import { type SyncWorker, startSyncWorker } from '@connector/sync-worker';
import {
  createTestDatabase,
  type Sandbox,
  seedTenant,
  startTestSandbox,
  type TestDatabase,
  testAppEnv,
  testRedisUrl,
  uniquePrefix,
  waitFor,
} from '@connector/testkit';
import type { WorkerApp } from '@connector/worker-app';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { quietLogger } from './stack.js';

const CONSOLE = 'https://console.example.test';
/** A retry budget of milliseconds: two attempts 50 ms apart. */
const TINY: Partial<QueuePolicy> = { attempts: 2, backoff: { type: 'exponential', delay: 50, jitter: 0 } };

describe('incidents heal by themselves', () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let db: Database;
  let redis: Redis;
  let producer: Producer;
  let exporter: WorkerApp;
  let syncWorker: SyncWorker;
  let reconciler: ReconcileWorker;
  let prefix: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    database = await createTestDatabase({ migrate: (url) => migrate(url) });
    const secretsKey = randomBytes(32);
    prefix = `{${uniquePrefix('heal')}}`;
    const env = {
      ...testAppEnv({ databaseUrl: database.url, lifeposUrl: sandbox.lifeposUrl, prefix, secretsKey }),
      CONSOLE_PUBLIC_URL: CONSOLE,
    };
    exporter = await startExportWorker({ env, logger: quietLogger('export-worker') });
    syncWorker = await startSyncWorker({
      env,
      logger: quietLogger('sync-worker'),
      // The schedules of syncs are not what this test is about.
      scheduleCheckEveryMs: 3_600_000,
      incidentWatch: { everyMs: 250, taskRetryMs: 500 },
      policies: { 'order-export': TINY, 'crm-tasks': TINY },
    });
    reconciler = await startReconcileWorker({
      env,
      logger: quietLogger('reconcile-worker'),
      scheduleCheckEveryMs: 3_600_000,
    });
    db = createDatabase({ url: database.url, secretsKey, logger: quietLogger('e2e') });
    redis = createWorkerRedis(testRedisUrl());
    // The producer refuses to add while its connection is still connecting (a loaded machine takes a moment).
    await waitFor(() => redis.status === 'ready', { what: "the test producer's Redis connection" });
    // Enqueues what a trigger (and a scheduler) would, with the tiny retry budget.
    producer = createProducer({
      redis,
      prefix,
      policies: { 'order-export': TINY, reconcile: { ...TINY, attempts: 3 } },
    });
  });

  afterEach(() => sandbox.faults.clear());

  afterAll(async () => {
    await Promise.all([exporter?.close(), syncWorker?.close(), reconciler?.close()]);
    await producer?.close();
    await redis?.quit();
    await db?.close();
    await sandbox?.close();
    await database?.drop();
  });

  async function shop(orders: number) {
    const tenant = await seedTenant(sandbox);
    const connection = await db.connections.create({
      ...tenant.connection,
      settings: { ...tenant.connection.settings, rateLimits: { lifeposPerSecond: 15 } },
      status: 'active',
    });
    const created = Array.from({ length: orders }, () =>
      tenant.createOrder({ store: tenant.stores[0]!.code, status: tenant.statuses.send }),
    );
    return { tenant, connectionId: connection.id, orders: created };
  }

  const trigger = (connectionId: string, orderId: number) =>
    producer.add(
      'order-export',
      { connectionId, orderId, source: 'trigger' },
      { dedupeId: orderJobId('order-export', connectionId, orderId) },
    );
  const exported = (orgId: string, orderId: number) =>
    sandbox.lifepos.sales(orgId).filter(({ sale }) => sale.meta === saleMetaFor(orderId)).length === 1;
  const allExported = (orgId: string, orders: { id: number }[], what: string) =>
    waitFor(() => orders.every((order) => exported(orgId, order.id)), { what, timeoutMs: 30_000 });
  const tasksCompleted = (incidentId: string) =>
    waitFor(async () => (await db.incidents.get(incidentId))?.tasksCompletedAt, {
      what: 'the incident resolved and its tasks completed',
      timeoutMs: 20_000,
    });
  const incidentsOf = (connectionId: string) => db.prisma.incident.findMany({ where: { connectionId } });
  const tasksOf = (accountCode: string) =>
    sandbox.retailcrm.tasks(accountCode) as Array<Record<string, unknown>>;

  it('LIFE POS down longer than the retry budget, then back: every order exported, one incident, resolved, its tasks completed', async () => {
    const { tenant, connectionId, orders } = await shop(6);
    const down = sandbox.faults.add({ system: 'lifepos', errorRate: 1, errorStatus: 503 });
    for (const order of orders) await trigger(connectionId, order.id);

    // Every job fails for good; their failures make one incident that lists every order.
    const incident = await waitFor(
      async () => {
        const [only, ...more] = await incidentsOf(connectionId);
        const listed = only ? await db.incidents.subjects(only.id) : [];
        return more.length === 0 && listed.length === orders.length ? only : undefined;
      },
      { what: 'one incident listing every order', timeoutMs: 30_000 },
    );
    expect(incident.outage).toBe('lifepos.unavailable');
    await waitFor(
      () =>
        tasksOf(tenant.accountCode).length === tenant.errorGroup.activeUserIds.length &&
        tasksOf(tenant.accountCode).every((task) =>
          orders.every((order) =>
            String(task.commentary).includes(`${CONSOLE}/connections/${connectionId}/orders/${order.id}`),
          ),
        ),
      { what: 'one task per member listing every order', timeoutMs: 20_000 },
    );
    expect(down.applied).toBeGreaterThan(0);
    expect(orders.filter((order) => exported(tenant.orgId, order.id))).toEqual([]);

    sandbox.faults.remove(down.id);
    await allExported(tenant.orgId, orders, 'every order exported after LIFE POS is back');
    await tasksCompleted(incident.id);
    expect(await incidentsOf(connectionId)).toEqual([
      expect.objectContaining({ id: incident.id, status: 'resolved' }),
    ]);
    const tasks = tasksOf(tenant.accountCode);
    expect(tasks).toHaveLength(tenant.errorGroup.activeUserIds.length);
    expect(tasks.every((task) => task.complete === true && String(task.commentary).includes('Решено'))).toBe(
      true,
    );
  }, 120_000);

  it('a revoked then restored RetailCRM key: the incident gets its tasks later, by the periodic retry', async () => {
    const { tenant, connectionId, orders } = await shop(2);
    const key = sandbox.retailcrm
      .accountInfo(tenant.accountCode)
      .apiKeys.find((k) => k.key === tenant.apiKey)!;
    sandbox.retailcrm.removeApiKey(tenant.accountCode, key.key);
    for (const order of orders) await trigger(connectionId, order.id);

    const incident = await waitFor(
      async () => {
        const [only] = await incidentsOf(connectionId);
        return only?.tasksFailedAt ? only : undefined;
      },
      { what: 'the incident whose tasks could not be created', timeoutMs: 30_000 },
    );
    expect(incident.outage).toBe('retailcrm.key');
    expect(tasksOf(tenant.accountCode)).toEqual([]);

    sandbox.retailcrm.addApiKey(tenant.accountCode, key);
    await waitFor(() => tasksOf(tenant.accountCode).length === tenant.errorGroup.activeUserIds.length, {
      what: 'the tasks created by the periodic retry',
      timeoutMs: 20_000,
    });
    await allExported(tenant.orgId, orders, 'the orders exported once the key works');
    await tasksCompleted(incident.id);
    expect(await incidentsOf(connectionId)).toHaveLength(1);
    expect(tasksOf(tenant.accountCode)).toHaveLength(tenant.errorGroup.activeUserIds.length);
  }, 120_000);

  it('a reconcile job failing through a short RetailCRM 503 burst opens no incident', async () => {
    const { connectionId } = await shop(0);
    const burst = sandbox.faults.add({
      system: 'retailcrm',
      path: '/api/v5/orders/history',
      errorRate: 1,
      errorStatus: 503,
      // What RetailCRM answers while it is down, not its rate-limit answer.
      errorBody: { success: false, errorMsg: 'Service Temporarily Unavailable' },
    });
    const reconcile = new Queue('reconcile', { connection: redis, prefix });
    const job = await producer.add('reconcile', { connectionId, kind: 'retailcrm-history' });
    const failed = await waitFor(
      async () => {
        const current = await reconcile.getJob(job.id);
        return current?.finishedOn && current.failedReason ? current : undefined;
      },
      { what: 'the reconcile job failing for good', timeoutMs: 30_000 },
    );
    expect(failed.attemptsMade).toBe(3);
    expect(burst.applied).toBeGreaterThanOrEqual(3);
    sandbox.faults.remove(burst.id);

    expect(await incidentsOf(connectionId)).toEqual([]);
    // The next run succeeds and ends the streak of failures.
    const next = await producer.add('reconcile', { connectionId, kind: 'retailcrm-history' });
    await waitFor(async () => (await reconcile.getJob(next.id))?.returnvalue, {
      what: 'the next run',
      timeoutMs: 20_000,
    });
    await waitFor(async () => (await db.prisma.failureStreak.count({ where: { connectionId } })) === 0, {
      what: 'the streak ended',
    });
    expect(await incidentsOf(connectionId)).toEqual([]);
    await reconcile.close();
  }, 60_000);
});

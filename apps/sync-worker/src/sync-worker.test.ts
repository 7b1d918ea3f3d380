import { randomBytes } from 'node:crypto';
import { type ConnectionRecord, createDatabase, type Database, migrate } from '@connector/db';
import { createLogger } from '@connector/logger';
import { type JobData, syncSchedulerId } from '@connector/queue';
import {
  createTestDatabase,
  type Sandbox,
  seedTenant,
  startTestSandbox,
  type TenantOptions,
  type TestDatabase,
  testRedisUrl,
  uniquePrefix,
  waitFor,
} from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type SyncWorker, startSyncWorker } from './start-sync-worker.js';

const logger = createLogger({ service: 'sync-worker-test', level: process.env.LOG_LEVEL ?? 'error' });
const secretsKey = randomBytes(32);
let sandbox: Sandbox;
let database: TestDatabase;
let db: Database;
let worker: SyncWorker;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  database = await createTestDatabase({ migrate: (url) => migrate(url, { logger }) });
  db = createDatabase({ url: database.url, secretsKey, logger });
  worker = await startSyncWorker({
    logger,
    env: {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      SECRETS_KEY: secretsKey.toString('base64'),
      LIFEPOS_API_URL: sandbox.lifeposUrl,
      RETAILCRM_ALLOWED_HOSTS: '127.0.0.1:*',
      QUEUE_PREFIX: `{${uniquePrefix()}}`,
      LOG_LEVEL: 'error',
      PORT: '0',
    },
    // Tests reconcile the schedulers themselves (`schedules.runNow()`).
    scheduleCheckEveryMs: 3_600_000,
    policies: { 'crm-tasks': { backoff: { type: 'exponential', delay: 100, jitter: 0 } } },
  });
  // The keeper's first pass (at start) is over: a connection a test creates is the next pass's to schedule.
  await worker.schedules.runNow();
});

afterAll(async () => {
  await worker?.close();
  await db?.close();
  await database?.drop();
  await sandbox?.close();
});

/** A seeded RetailCRM account + LIFE POS organization and its active connection. */
async function tenant(options: TenantOptions = {}) {
  const seeded = await seedTenant(sandbox, {
    ...options,
    lifepos: { rateLimit: { enabled: false }, ...options.lifepos },
    retailcrm: { rateLimit: { enabled: false } },
  });
  const connection = await db.connections.create({
    ...seeded.connection,
    status: 'active',
    settings: {
      ...seeded.connection.settings,
      rateLimits: { retailcrmPerSecond: 100, lifeposPerSecond: 100 },
    },
  });
  return { seeded, connection };
}

/** Runs a sync job through the queue and waits for its end. */
async function runSync(data: JobData<'sync'>) {
  const { id } = await worker.deps.producer.add('sync', data);
  return waitFor(
    async () => {
      // The state first, then the job: a job read before it finished would carry no return value.
      const state = await worker.scheduleQueue.getJobState(id);
      if (state !== 'completed' && state !== 'failed') return undefined;
      const job = await worker.scheduleQueue.getJob(id);
      return job && { state, job };
    },
    { what: `sync job ${id}`, timeoutMs: 20_000 },
  );
}

const tasksOf = (accountCode: string) => sandbox.retailcrm.tasks(accountCode);
const incidentsOf = (connection: ConnectionRecord) =>
  db.prisma.incident.findMany({ where: { connectionId: connection.id } });

describe('sync worker', () => {
  it('syncs a newly active connection end to end; a missing INN yields exactly one task set naming the store', async () => {
    const { seeded, connection } = await tenant({ lifepos: { omitLastSiteInn: true } });
    for (const store of seeded.stores) seeded.createOrder({ store: store.code });
    const [missingInn] = seeded.lifepos.missingInns;
    const orphan = seeded.stores.find((store) => store.inn === missingInn);
    if (!missingInn || !orphan) throw new Error('the seed leaves out one INN');

    // Activation: the keeper gives the connection its scheduler, whose first job runs at once.
    expect((await worker.schedules.runNow()).scheduled).toContain(syncSchedulerId(connection.id));

    const synced = seeded.stores.filter((store) => store !== orphan);
    await waitFor(async () => (await db.outletLinks.list(connection.id)).length === synced.length, {
      what: 'outlet links of the stores with a LIFE POS legal entity',
      timeoutMs: 20_000,
    });
    const tasks = await waitFor(
      () => {
        const list = tasksOf(seeded.accountCode);
        return list.length >= seeded.errorGroup.activeUserIds.length && list;
      },
      { what: 'the error tasks', timeoutMs: 20_000 },
    );
    expect(tasks.map((task) => task.performer).sort()).toEqual([...seeded.errorGroup.activeUserIds].sort());
    for (const task of tasks) {
      expect(task.commentary).toContain(orphan.name);
      expect(task.commentary).toContain(missingInn);
      expect(task.commentary).toContain('Добавьте в LIFE POS');
    }
    for (const store of synced) {
      const link = await db.outletLinks.get(connection.id, store.code);
      const outlet = sandbox.lifepos
        .outlets(seeded.orgId)
        .find((candidate) => candidate.guid === link?.lifeposOutletId);
      expect(outlet?.name).toBe(store.name);
    }
    expect((await db.connections.get(connection.id))?.lastSyncAt).toBeInstanceOf(Date);

    // The next periodic run finds the same problem: no new incident, no new tasks.
    const again = await runSync({ connectionId: connection.id, scope: 'all' });
    expect(again.state).toBe('completed');
    expect(again.job.returnvalue).toMatchObject({
      outlets: synced.length,
      problems: [`store:${orphan.code}:sync.inn_missing`],
    });
    const incidents = await incidentsOf(connection);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ dedupeKey: `sync:store:${orphan.code}:sync.inn_missing` });
    await waitFor(async () => (await db.incidents.get(incidents[0]?.id ?? ''))?.status === 'tasks_created', {
      what: 'the incident marked as reported',
    });
    expect(tasksOf(seeded.accountCode)).toHaveLength(tasks.length);
  });

  it('syncs one courier or one store on demand; an impossible courier becomes one task set', async () => {
    const { seeded, connection } = await tenant({
      sites: 1,
      couriers: [
        { id: 1, firstName: 'Иван', lastName: 'Петров', phone: { number: '+79161112233' } },
        { id: 2, firstName: 'Без', lastName: 'Телефона' },
      ],
    });
    const store = seeded.stores[0]?.code ?? '';

    const courier = await runSync({ connectionId: connection.id, scope: 'courier', courierId: 1 });
    const outlet = await runSync({ connectionId: connection.id, scope: 'store', storeCode: store });

    expect(courier.state).toBe('completed');
    const link = await db.courierLinks.get(connection.id, 1);
    expect(courier.job.returnvalue).toEqual({
      employeeId: link?.lifeposEmployeeId,
      workplaceId: link?.lifeposWorkplaceId,
    });
    expect(
      sandbox.lifepos.employees(seeded.orgId).find((e) => e.guid === link?.lifeposEmployeeId)?.name,
    ).toBe('Иван Петров');
    expect(outlet.state).toBe('completed');
    expect(outlet.job.returnvalue).toEqual({
      outletId: (await db.outletLinks.get(connection.id, store))?.lifeposOutletId,
      legalEntityInn: seeded.sites[0]?.legalEntity.INN,
    });

    const failed = await runSync({ connectionId: connection.id, scope: 'courier', courierId: 2 });
    expect(failed.state).toBe('failed');
    expect(failed.job.attemptsMade).toBe(1);
    const tasks = await waitFor(
      () => {
        const list = tasksOf(seeded.accountCode);
        return list.length >= seeded.errorGroup.activeUserIds.length && list;
      },
      { what: 'the error tasks' },
    );
    expect(tasks).toHaveLength(seeded.errorGroup.activeUserIds.length);
    expect(tasks[0]?.commentary).toContain('Без Телефона');
    expect(await incidentsOf(connection)).toEqual([
      expect.objectContaining({ dedupeKey: 'sync:courier:2:sync.courier_no_phone' }),
    ]);
  });

  it('keeps a scheduler for every active connection and removes it when the connection is disabled', async () => {
    const { connection } = await tenant({ sites: 1 });
    const { connection: other } = await tenant({ sites: 1 });
    await worker.schedules.runNow();
    const schedulerOf = (id: string) => worker.scheduleQueue.getJobScheduler(syncSchedulerId(id));
    expect((await schedulerOf(connection.id))?.every).toBe(5 * 60_000);
    expect((await schedulerOf(other.id))?.every).toBe(5 * 60_000);
    // The schedulers' first runs are done: none of them finds the connection disabled and unschedules it
    // before the keeper does.
    await waitFor(async () => (await db.connections.get(connection.id))?.lastSyncAt instanceof Date, {
      what: 'the first scheduled sync',
      timeoutMs: 20_000,
    });

    await db.connections.update(other.id, { settings: { syncEveryMinutes: 15 } });
    await db.connections.update(connection.id, { status: 'disabled', disabledReason: 'test' });
    const reconciled = await worker.schedules.runNow();

    expect(reconciled.removed).toContain(syncSchedulerId(connection.id));
    expect(await schedulerOf(connection.id)).toBeUndefined();
    expect((await schedulerOf(other.id))?.every).toBe(15 * 60_000);

    // A run already queued for the disabled connection does nothing and reports nothing.
    const leftover = await runSync({ connectionId: connection.id, scope: 'all' });
    expect(leftover.state).toBe('completed');
    expect(leftover.job.returnvalue).toEqual({ skipped: 'disabled' });
    expect(await incidentsOf(connection)).toEqual([]);
  });
});

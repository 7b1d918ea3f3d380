// The retention job on a real database and Redis: old rows go in batches, new ones stay, and with
// several replicas one runs while the others skip their turn.
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, migrate } from '@connector/db';
import { createLogger } from '@connector/logger';
import { createWorkerRedis } from '@connector/queue';
import {
  createTestDatabase,
  type TestDatabase,
  testRedisUrl,
  uniquePrefix,
  waitFor,
} from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { type RetentionAges, startRetention } from './retention.js';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
const ages: RetentionAges = { timelineDays: 90, notificationsDays: 14, incidentsDays: 180 };
const logger = createLogger({ service: 'retention-test', level: 'error' });

let database: TestDatabase;
let db: Database;
let redis: Redis;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: (url) => migrate(url) });
  db = createDatabase({ url: database.url, secretsKey: randomBytes(32) });
  redis = createWorkerRedis(testRedisUrl());
  await waitFor(() => redis.status === 'ready', { what: 'the Redis connection' });
});

afterAll(async () => {
  await redis?.quit();
  await db?.close();
  await database?.drop();
});

async function seed(connectionId: string): Promise<void> {
  const entry = (days: number) => ({
    connectionId,
    retailcrmOrderId: 1,
    type: 'job.started',
    message: `${days} days`,
    createdAt: daysAgo(days),
  });
  await db.prisma.orderEvent.createMany({
    data: [...Array.from({ length: 7 }, () => entry(120)), entry(30), entry(0)],
  });
  await db.prisma.lifeposNotification.createMany({
    data: [
      { connectionId, typeOf: 'Sale', body: {}, receivedAt: daysAgo(40), processedAt: daysAgo(40) },
      { connectionId, typeOf: 'Sale', body: {}, receivedAt: daysAgo(40), processedAt: null },
      { connectionId, typeOf: 'Sale', body: {}, receivedAt: daysAgo(1), processedAt: daysAgo(1) },
    ],
  });
  const incident = (dedupeKey: string, status: 'open' | 'resolved', resolvedAt: Date | null) => ({
    connectionId,
    dedupeKey,
    action: 'order-export',
    cause: 'lifepos.validation',
    message: 'Продажа не создана',
    status,
    resolvedAt,
    createdAt: daysAgo(400),
  });
  await db.prisma.incident.createMany({
    data: [
      incident('resolved-long-ago', 'resolved', daysAgo(300)),
      incident('resolved-lately', 'resolved', daysAgo(20)),
      incident('open', 'open', null),
    ],
  });
}

describe('retention', () => {
  it('deletes old rows in batches, keeps new, unprocessed and open ones; one replica runs at a time', async () => {
    const connection = await db.connections.create({
      lifeposOrgId: `org-${randomBytes(6).toString('hex')}`,
      lifeposPhone: '+79990000000',
      lifeposPassword: 'pw-secret',
      retailcrmUrl: 'https://shop.retailcrm.ru',
      retailcrmApiKey: 'key-secret',
      errorUserGroupCode: 'support',
      cashPaymentTypeCode: 'cash',
      cashlessPaymentTypeCode: 'bank-card',
    });
    await seed(connection.id);
    const prefix = `{${uniquePrefix('retention')}}`;
    // Two replicas; the timers are far off, the test runs them itself.
    const [one, two] = [0, 1].map(() =>
      startRetention({
        db,
        redis,
        prefix,
        logger,
        ages,
        batchSize: 3,
        pauseMs: 100,
        firstRunAfterMs: 3_600_000,
      }),
    );
    try {
      const [first, second] = await Promise.all([one!.runNow(), two!.runNow()]);
      // 7 old entries: batches of 3, 3, 1 with pauses between; meanwhile the other replica found the lock.
      expect([first, second].filter((summary) => summary === undefined)).toHaveLength(1);
      expect(first ?? second).toEqual({ timeline: 7, notifications: 1, incidents: 1 });

      const timeline = await db.prisma.orderEvent.findMany({ where: { connectionId: connection.id } });
      expect(timeline.map((entry) => entry.message).sort()).toEqual(['0 days', '30 days']);
      const notifications = await db.prisma.lifeposNotification.findMany({
        where: { connectionId: connection.id },
      });
      expect(notifications.map((row) => row.processedAt === null).sort()).toEqual([false, true]);
      const incidents = await db.prisma.incident.findMany({ where: { connectionId: connection.id } });
      expect(incidents.map((row) => row.dedupeKey).sort()).toEqual(['open', 'resolved-lately']);

      // The lock is released: the next run (nothing left) is not skipped.
      expect(await two!.runNow()).toEqual({ timeline: 0, notifications: 0, incidents: 0 });
    } finally {
      await Promise.all([one!.stop(), two!.stop()]);
    }
  });
});

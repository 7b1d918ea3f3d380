// «Сверить сейчас» on the connection page: a convergence sweep of that connection, asked of the reconcile
// worker through the `reconcile` queue (the console runs no sweep itself).
import { sweepRequestId } from '@connector/queue';
import { testRedisUrl } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  Browserless,
  type ConsoleFixture,
  postConnection,
  startConsoleFixture,
} from './test-support/console-fixture.js';

let fx: ConsoleFixture;
let redis: Redis;
let reconcileQueue: Queue;

beforeAll(async () => {
  fx = await startConsoleFixture();
  redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  reconcileQueue = new Queue('reconcile', { connection: redis, prefix: fx.prefix });
});

afterAll(async () => {
  await reconcileQueue.close();
  await redis.quit();
  await fx.close();
});

/** An active connection of a new tenant, made through the JSON API. */
async function activeConnection(): Promise<string> {
  const tenant = await fx.seed();
  const response = await postConnection(fx, tenant);
  const { connection } = (await response.json()) as { connection: { id: string; status: string } };
  expect(connection.status).toBe('active');
  return connection.id;
}

/** The sweep jobs of the connection waiting in the `reconcile` queue. */
async function sweepJobs(connectionId: string) {
  const jobs = await reconcileQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
  return jobs.filter((job) => job.data.connectionId === connectionId && job.data.kind === 'sweep');
}

async function signedIn(): Promise<Browserless> {
  const client = new Browserless(fx.console.url);
  await client.login();
  return client;
}

/** Presses «Сверить сейчас» (or posts its form, for a page that no longer shows it). */
async function sweepNow(client: Browserless, connectionId: string): Promise<Response> {
  const page = await (await client.request(`/connections/${connectionId}`)).text();
  return client.post(`/connections/${connectionId}/sweep`, { _csrf: Browserless.csrfOf(page) });
}

describe('«Сверить сейчас»', () => {
  it('queues a sweep of the connection for the reconcile worker and says so in Russian', async () => {
    const id = await activeConnection();
    const client = await signedIn();
    expect(await (await client.request(`/connections/${id}`)).text()).toContain('Сверить сейчас');
    expect(await sweepJobs(id)).toEqual([]);

    const response = await sweepNow(client, id);

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/connections/${id}`);
    const jobs = await sweepJobs(id);
    expect(jobs.map((job) => job.data)).toEqual([{ connectionId: id, kind: 'sweep' }]);
    expect(jobs[0]!.opts.deduplication?.id).toBe(sweepRequestId(id));
    const page = await (await client.request(`/connections/${id}`)).text();
    expect(page).toContain(
      'Сверка поставлена в очередь: коннектор сравнит недавние заказы RetailCRM с LIFE POS и сам исправит расхождения. Итог — в истории заказов.',
    );

    // Pressed again while the first is still waiting: still one sweep.
    expect((await sweepNow(client, id)).status).toBe(303);
    expect(await sweepJobs(id)).toHaveLength(1);
  });

  it('refuses an inactive connection with a Russian message, queuing nothing', async () => {
    const id = await activeConnection();
    const disabled = await fetch(`${fx.console.url}/api/connections/${id}/disable`, {
      method: 'POST',
      headers: { authorization: fx.basic, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'shop closed' }),
    });
    expect(disabled.status).toBe(200);
    const client = await signedIn();
    // The page of a disabled connection offers no sweep.
    expect(await (await client.request(`/connections/${id}`)).text()).not.toContain('Сверить сейчас');

    const response = await sweepNow(client, id);

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/connections/${id}`);
    expect(await sweepJobs(id)).toEqual([]);
    const page = await (await client.request(`/connections/${id}`)).text();
    expect(page).toContain('Сверка возможна только для активного подключения.');
  });

  it('answers 404 for an unknown connection', async () => {
    const client = await signedIn();
    const page = await (await client.request('/connections')).text();
    const response = await client.post('/connections/7b0c3c36-6a53-4d4e-9a55-3c1f6d7f2a10/sweep', {
      _csrf: Browserless.csrfOf(page),
    });
    expect(response.status).toBe(404);
  });
});

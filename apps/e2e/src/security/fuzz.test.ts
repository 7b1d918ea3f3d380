// Security, fuzz: well over a thousand generated malformed requests each for the two endpoints the outside
// world posts to — the trigger ingress (some with the client_id of a real connection) and the notification
// receiver (with a real connection's token) — get only 4xx answers; nothing is enqueued or stored, and both
// apps are healthy afterwards. The generators are seeded: a failure reproduces on every run.
import { QUEUE_NAMES, triggerStreamKey } from '@connector/queue';
import { waitFor } from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type Stack, startStack } from '../stack.js';
import { type FuzzRequest, malformedNotifications, malformedTriggers, Random } from './malformed-bodies.js';

const PER_ENDPOINT = 1_200;
const PARALLEL = 10;

let stack: Stack;
let redis: Redis;
let queues: Queue[];
let connectionIds: string[];

beforeAll(async () => {
  stack = await startStack({ webhook: true });
  redis = new Redis(stack.env.REDIS_URL!, { maxRetriesPerRequest: null });
  queues = QUEUE_NAMES.map((name) => new Queue(name, { connection: redis, prefix: stack.env.QUEUE_PREFIX! }));
  connectionIds = [(await stack.seed()).connectionId, (await stack.seed()).connectionId];
});
afterAll(async () => {
  await Promise.all((queues ?? []).map((queue) => queue.close()));
  await redis?.quit();
  await stack?.close();
});

/**
 * Every job of every queue, apart from the next runs job schedulers make by themselves, once every trigger
 * the ingress stored was forwarded into its queue.
 */
async function allJobs(): Promise<string[]> {
  await waitFor(async () => (await redis.xlen(triggerStreamKey(stack.env.QUEUE_PREFIX))) === 0, {
    what: 'the stored triggers to be forwarded',
  });
  const ids: string[] = [];
  for (const queue of queues) {
    const jobs: Job[] = await queue.getJobs();
    ids.push(...jobs.filter((job) => !job.repeatJobKey).map((job) => `${queue.name}/${job.id}`));
  }
  return ids.sort();
}

/**
 * What the requests could have stored in the database. A refused refund is written to the order's timeline
 * for the operator (`trigger.rejected`): counted apart.
 */
async function storedRows() {
  const { prisma } = stack.db;
  return {
    notifications: await prisma.lifeposNotification.count(),
    outbox: await prisma.outbox.count(),
    orderEvents: await prisma.orderEvent.count({ where: { type: { not: 'trigger.rejected' } } }),
    orderLinks: await prisma.orderLink.count(),
  };
}

const rejectedTriggers = () => stack.db.prisma.orderEvent.count({ where: { type: 'trigger.rejected' } });

interface Answer {
  request: FuzzRequest;
  status: number | string;
}

async function send(url: string, request: FuzzRequest): Promise<Answer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  // A string body would get a text/plain type from fetch: "no Content-Type" needs bytes.
  const body =
    request.contentType === undefined && typeof request.body === 'string'
      ? Buffer.from(request.body)
      : request.body;
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return { request, status: response.status };
  } catch (error) {
    return { request, status: `no answer: ${(error as Error).message}` };
  }
}

/** Sends every request, `PARALLEL` at a time. */
async function sendAll(requests: FuzzRequest[], urlOf: (request: FuzzRequest) => string): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        answers.push(await send(urlOf(request), request));
      }
    }),
  );
  return answers;
}

/** The answers that are not 4xx, readable in a failure message. */
function notClientErrors(answers: Answer[]) {
  return answers
    .filter(({ status }) => typeof status !== 'number' || status < 400 || status > 499)
    .map(({ request, status }) => ({
      status,
      kind: request.kind,
      contentType: request.contentType,
      body: String(typeof request.body === 'string' ? request.body : Buffer.from(request.body)).slice(0, 300),
    }));
}

async function expectHealthy(baseUrl: string) {
  for (const probe of ['/healthz', '/readyz']) {
    const response = await fetch(`${baseUrl}${probe}`, { signal: AbortSignal.timeout(5_000) });
    expect({ probe, status: response.status }).toEqual({ probe, status: 200 });
  }
}

describe('fuzzing the endpoints the outside world posts to', () => {
  it(`the trigger ingress answers ${PER_ENDPOINT} malformed triggers with 4xx only, enqueuing nothing`, async () => {
    const clientIds = await Promise.all(
      connectionIds.map(async (id) => (await stack.db.connections.get(id))!.lifeposOrgId),
    );
    const requests = malformedTriggers(new Random(20_260_110), { count: PER_ENDPOINT, clientIds });
    const jobsBefore = await allJobs();
    const rowsBefore = await storedRows();
    const rejectedBefore = await rejectedTriggers();

    const answers = await sendAll(requests, () => stack.triggerUrl);

    expect(answers).toHaveLength(PER_ENDPOINT);
    expect(notClientErrors(answers)).toEqual([]);
    // The generators reached every kind of refusal.
    const statuses = new Set(answers.map(({ status }) => status));
    for (const status of [400, 404, 413, 415, 422]) expect(statuses).toContain(status);
    const withRealClient = requests.filter(
      (request) =>
        typeof request.body === 'string' && clientIds.some((id) => String(request.body).includes(id)),
    );
    expect(withRealClient.length).toBeGreaterThan(PER_ENDPOINT / 4);

    expect(await allJobs()).toEqual(jobsBefore);
    expect(await storedRows()).toEqual(rowsBefore);
    expect(await rejectedTriggers()).toBe(
      rejectedBefore + answers.filter(({ status }) => status === 422).length,
    );
    await expectHealthy(stack.ingress.url);
  });

  it(`the notification receiver answers ${PER_ENDPOINT} malformed notifications with 4xx only, enqueuing and storing nothing`, async () => {
    const webhook = stack.webhook!;
    const token = (await stack.db.connections.get(connectionIds[0]!))!.notificationToken;
    const requests = malformedNotifications(new Random(20_260_111), { count: PER_ENDPOINT, token });
    const jobsBefore = await allJobs();
    const rowsBefore = await storedRows();

    const answers = await sendAll(
      requests,
      (request) => `${webhook.env.PUBLIC_URL}/lifepos/notifications/${request.token ?? token}`,
    );

    expect(answers).toHaveLength(PER_ENDPOINT);
    expect(notClientErrors(answers)).toEqual([]);
    const statuses = new Set(answers.map(({ status }) => status));
    for (const status of [400, 404, 413, 415]) expect(statuses).toContain(status);
    expect(requests.filter((request) => request.token === token).length).toBeGreaterThan(PER_ENDPOINT * 0.7);

    expect(await allJobs()).toEqual(jobsBefore);
    expect(await storedRows()).toEqual(rowsBefore);
    await expectHealthy(webhook.env.PUBLIC_URL);
  });
});

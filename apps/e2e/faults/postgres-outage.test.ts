// Fault suite: PostgreSQL goes away during a steady stream of triggers — (a) stopped, (b) frozen with
// SIGSTOP (a hung host: connections open, nothing answers) — for 15 s, then comes back. The ingress keeps
// answering every trigger of the known shops with 202, each within a bound (no request waits for the
// database), and once PostgreSQL is back every 202-answered order is exported exactly once: the export
// worker (a process of its own) deferred its jobs while the database was unreachable instead of failing
// them. The stack runs on a PostgreSQL server of this file's own, so stopping it harms no other test.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type LocalPostgres,
  startDedicatedPostgres,
  type Tenant,
  type TenantOrder,
  testRedisUrl,
  waitFor,
} from '@connector/testkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reportFaultCounts, tally } from './fault-counts.js';
import { type ProcessStack, startProcessStack } from './process-stack.js';

/** Triggers per second, spread over the shops. */
const RATE = 8;
const SHOPS = 4;
/** The stream: this long before the outage, the outage, this long after it. */
const BEFORE_MS = 4_000;
const OUTAGE_MS = 15_000;
const AFTER_MS = 4_000;
/** Longest answer allowed: the connection cache waits at most 1 s for a refresh, then answers as last known. */
const ANSWER_BOUND_MS = 3_000;

interface Sent {
  tenant: Tenant;
  order: TenantOrder;
  status: number | 'error';
  ms: number;
}

describe('PostgreSQL outages during a steady trigger stream', () => {
  let postgres: LocalPostgres;
  let stack: ProcessStack;

  beforeAll(async () => {
    postgres = await startDedicatedPostgres();
    stack = await startProcessStack({
      redisUrl: testRedisUrl(),
      databaseAdminUrl: postgres.url,
      // Shorter than the defaults (5 s, 15 s) to keep the test short; the behaviour is the same.
      env: { DATABASE_CONNECT_TIMEOUT_MS: '2000', DATABASE_STATEMENT_TIMEOUT_MS: '5000' },
      ingressEnv: { INGRESS_CONNECTION_CACHE_MS: '2000' },
    });
  }, 120_000);
  afterAll(async () => {
    await postgres?.thaw();
    await stack?.close();
    await postgres?.dispose();
  }, 60_000);

  /** Streams triggers at RATE, with the outage in the middle; returns every trigger's answer. */
  async function streamThrough(outage: { begin(): Promise<void>; end(): Promise<void> }): Promise<Sent[]> {
    const total = Math.ceil(((BEFORE_MS + OUTAGE_MS + AFTER_MS) / 1000) * RATE);
    const shops = await stack.seedShops(SHOPS, Math.ceil(total / SHOPS));
    const orders = Array.from({ length: total }, (_, i) => {
      const shop = shops[i % SHOPS]!;
      return { tenant: shop.tenant, order: shop.orders[Math.floor(i / SHOPS)]! };
    });
    const started = performance.now();
    const outageDone = (async () => {
      await sleep(BEFORE_MS);
      await outage.begin();
      await sleep(OUTAGE_MS);
      await outage.end();
    })();
    const answers: Promise<Sent>[] = [];
    for (const [index, { tenant, order }] of orders.entries()) {
      // Pacing of the stream, not a wait for a condition.
      await sleep(Math.max(0, started + (index * 1000) / RATE - performance.now()));
      answers.push(
        (async () => {
          const sentAt = performance.now();
          const status = await stack.trigger(tenant, order.id).then(
            (answer) => answer.status,
            () => 'error' as const,
          );
          return { tenant, order, status, ms: Math.round(performance.now() - sentAt) };
        })(),
      );
    }
    await outageDone;
    return Promise.all(answers);
  }

  /** Waits until every 202-answered order is exported, then reports and checks the counts. */
  async function expectEveryAcceptedExported(what: string, sent: Sent[]): Promise<void> {
    const accepted = sent.filter(({ status }) => status === 202);
    const salesOf = ({ tenant, order }: Sent) => stack.salesOf(tenant.orgId, order.id).length;
    await waitFor(() => accepted.every((trigger) => salesOf(trigger) >= 1), {
      what: 'every 202-answered order exported',
      timeoutMs: 60_000,
      intervalMs: 250,
    }).catch(() => {});
    await stack.queueIdle('order-export', 30_000).catch(() => {});
    const counts = tally(sent, ({ status }) => status === 202, salesOf);
    const slowestAnswerMs = Math.max(...sent.map(({ ms }) => ms));
    reportFaultCounts(`PostgreSQL ${what} during a trigger stream`, counts, { slowestAnswerMs });
    expect(slowestAnswerMs).toBeLessThan(ANSWER_BOUND_MS);
    // The outage spent no attempt of any job to the end and opened no incident.
    expect(await stack.queue('order-export').getJobCounts('failed')).toEqual({ failed: 0 });
    expect(await stack.db.prisma.incident.count()).toBe(0);
  }

  it('(a) stopped for 15 s: every trigger answered 202 in time, every one exported once after', async () => {
    const sent = await streamThrough({ begin: () => postgres.stop(), end: () => postgres.start() });
    await expectEveryAcceptedExported('stopped', sent);
    // The export worker reports ready again (its postgres check answers).
    await waitFor(async () => (await fetch(`${stack.exportWorker().url}/readyz`)).status === 200, {
      what: 'the export worker ready',
      timeoutMs: 15_000,
    });
  }, 120_000);

  it('(b) frozen (SIGSTOP) for 15 s: every trigger answered 202 in time, every one exported once after', async () => {
    const sent = await streamThrough({ begin: () => postgres.freeze(), end: () => postgres.thaw() });
    await expectEveryAcceptedExported('frozen', sent);
  }, 120_000);
});

// Fault suite, slow clients: 300 sockets held against the ingress the whole time — a third sending their
// headers a byte at a time, a third declaring a Content-Length and never sending the whole body, a third keeping
// an idle keep-alive connection after one request; each one cut is opened again at once, as a persistent
// attacker would — while normal clients stream triggers. Every trigger is answered 202 and exported exactly
// once, and the server itself closes every slow socket within its limits (README «Operations», «Slow clients,
// proxy, sign-ins»): HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS and HTTP_KEEPALIVE_TIMEOUT_MS, set short
// here (the production defaults are 10 s, 30 s and 5 s; node's own would hold a slow header 60 s, a slow body
// 300 s). Checked against the connection cap's default: 300 slow sockets leave room for the normal clients.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TRIGGER_PATH } from '@connector/ingress';
import { type Tenant, type TenantOrder, waitFor } from '@connector/testkit';
import { describe, expect, it } from '@jest/globals';
import { reportFaultCounts, tally } from './fault-counts.js';
import { useProcessStack } from './use-process-stack.js';

const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 4_000;
const KEEPALIVE_TIMEOUT_MS = 1_500;
/** How often node looks for requests over their timeouts (`checkingIntervalMs` of @connector/http). */
const CHECK_INTERVAL_MS = HEADERS_TIMEOUT_MS / 4;
/** Node closes an idle keep-alive socket this long after its keep-alive timeout (its keepAliveTimeoutBuffer). */
const KEEPALIVE_GRACE_MS = 1_000;
/** Lateness allowed on a loaded machine (the ingress shares this process with the 300 slow clients). */
const SLACK_MS = 2_500;

/** Slow sockets of each kind kept open at once. */
const PER_KIND = 100;
/** The normal stream: triggers per second over this long, spread over the shops. */
const RATE = 8;
const STREAM_MS = 12_000;
const SHOPS = 4;

type Kind = 'slow headers' | 'slow body' | 'idle keep-alive';

/** When each kind's clock starts and by when the server must have closed the socket after it. */
const BOUNDS: Record<Kind, { fromMs: number; toMs: number }> = {
  'slow headers': { fromMs: HEADERS_TIMEOUT_MS, toMs: HEADERS_TIMEOUT_MS + CHECK_INTERVAL_MS + SLACK_MS },
  'slow body': { fromMs: REQUEST_TIMEOUT_MS, toMs: REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + SLACK_MS },
  'idle keep-alive': {
    fromMs: KEEPALIVE_TIMEOUT_MS,
    toMs: KEEPALIVE_TIMEOUT_MS + KEEPALIVE_GRACE_MS + CHECK_INTERVAL_MS + SLACK_MS,
  },
};

interface SlowSocket {
  kind: Kind;
  /** When the kind's timeout starts: connected (headers, body), or the keep-alive answer received. */
  clockFrom?: number;
  closedAt?: number;
  /** Closed by the server (not by this test's cleanup). */
  byServer: boolean;
  /** What the server sent (its first line is shown when a socket was held too long). */
  received: string;
  socket: net.Socket;
}

/** The slow sockets: opens them, opens a new one whenever the server cuts one, until `stop()`. */
function slowClients(ingressUrl: string) {
  const { hostname, port } = new URL(ingressUrl);
  const all: SlowSocket[] = [];
  let open = 0;
  let peakOpen = 0;
  /** Cut ones are replaced until the stream ends … */
  let reopen = true;
  /** … and closes from here on are this test's cleanup, not the server's. */
  let cleaningUp = false;

  const behave: Record<Kind, (slow: SlowSocket) => void> = {
    'slow headers': (slow) => {
      slow.clockFrom = performance.now();
      slow.socket.write(`POST ${TRIGGER_PATH} HTTP/1.1\r\nHost: ingress\r\nX-Slow: `);
      // A byte every 250 ms: the socket is never idle, the headers never end.
      const timer = setInterval(() => slow.socket.write('a'), 250);
      slow.socket.once('close', () => clearInterval(timer));
    },
    'slow body': (slow) => {
      slow.clockFrom = performance.now();
      slow.socket.write(
        `POST ${TRIGGER_PATH} HTTP/1.1\r\nHost: ingress\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n\r\nclient_id=`,
      );
    },
    'idle keep-alive': (slow) => {
      slow.socket.write('GET /healthz HTTP/1.1\r\nHost: ingress\r\n\r\n');
      slow.socket.once('data', () => {
        slow.clockFrom = performance.now();
      });
    },
  };

  const openOne = (kind: Kind): void => {
    const socket = net.connect(Number(port), hostname);
    const slow: SlowSocket = { kind, byServer: false, received: '', socket };
    all.push(slow);
    socket.on('error', () => {});
    // Read what the server sends: a socket nobody reads never reports that the server closed it.
    socket.on('data', (chunk: Buffer) => {
      slow.received += chunk.toString('latin1');
    });
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      open += 1;
      peakOpen = Math.max(peakOpen, open);
      behave[kind](slow);
    });
    socket.once('close', () => {
      if (connected) open -= 1;
      slow.closedAt = performance.now();
      slow.byServer = !cleaningUp;
      if (reopen) openOne(kind);
    });
  };

  for (const kind of Object.keys(BOUNDS) as Kind[]) {
    for (let index = 0; index < PER_KIND; index += 1) openOne(kind);
  }
  return {
    all,
    peakOpen: () => peakOpen,
    /** Opens no more; waits until the server has closed the last ones (bounded), then cuts what is left. */
    async stop(): Promise<void> {
      reopen = false;
      await waitFor(() => all.every(({ closedAt }) => closedAt !== undefined), {
        what: 'the server closing the last slow sockets',
        timeoutMs: REQUEST_TIMEOUT_MS + CHECK_INTERVAL_MS + SLACK_MS + 1_000,
        intervalMs: 100,
      }).catch(() => {});
      cleaningUp = true;
      for (const { socket } of all) socket.destroy();
    },
  };
}

interface Sent {
  tenant: Tenant;
  order: TenantOrder;
  status: number | 'error';
  ms: number;
}

describe('hundreds of slow sockets held against the ingress', () => {
  const stackOf = useProcessStack({
    ingressEnv: {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEPALIVE_TIMEOUT_MS: String(KEEPALIVE_TIMEOUT_MS),
    },
  });

  /** Streams triggers at RATE for STREAM_MS from normal clients; every trigger's answer. */
  async function stream(): Promise<Sent[]> {
    const stack = stackOf();
    const total = Math.ceil((STREAM_MS / 1000) * RATE);
    const shops = await stack.seedShops(SHOPS, Math.ceil(total / SHOPS));
    const started = performance.now();
    const answers: Promise<Sent>[] = [];
    for (let index = 0; index < total; index += 1) {
      const { tenant, orders } = shops[index % SHOPS]!;
      const order = orders[Math.floor(index / SHOPS)]!;
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
    return Promise.all(answers);
  }

  it('answers and exports every trigger, and closes every slow socket within its timeout', async () => {
    const stack = stackOf();
    const slow = slowClients(stack.ingress.url);
    let sent: Sent[];
    try {
      sent = await stream();
    } finally {
      await slow.stop();
    }

    const accepted = sent.filter(({ status }) => status === 202);
    const salesOf = ({ tenant, order }: Sent) => stack.salesOf(tenant.orgId, order.id).length;
    await waitFor(() => accepted.every((trigger) => salesOf(trigger) >= 1), {
      what: 'every 202-answered order exported',
      timeoutMs: 60_000,
      intervalMs: 250,
    }).catch(() => {});
    await stack.queueIdle('order-export', 30_000).catch(() => {});

    const held = slow.all
      .filter(({ clockFrom }) => clockFrom !== undefined)
      .map(({ kind, clockFrom, closedAt, byServer, received }) => ({
        kind,
        byServer,
        ms: Math.round((closedAt ?? performance.now()) - clockFrom!),
        answer: received.split('\r\n')[0],
      }));
    const closedByServer = held.filter(({ byServer }) => byServer);
    reportFaultCounts(
      'slow clients against the ingress',
      tally(sent, ({ status }) => status === 202, salesOf),
      {
        slowSocketsOpened: slow.all.length,
        slowSocketsClosedByServer: closedByServer.length,
        slowSocketsPeakOpen: slow.peakOpen(),
        longestHeldMs: Math.max(...held.map(({ ms }) => ms)),
        slowestTriggerMs: Math.max(...sent.map(({ ms }) => ms)),
      },
    );

    // Hundreds were held at once, of every kind, and every one was closed by the server in time.
    expect(slow.peakOpen()).toBeGreaterThanOrEqual(PER_KIND * 3 * 0.9);
    expect(held.length).toBe(slow.all.length);
    const late = held.filter(
      ({ kind, byServer, ms }) => !byServer || ms < BOUNDS[kind].fromMs - 100 || ms > BOUNDS[kind].toMs,
    );
    expect(late).toEqual([]);
    for (const kind of Object.keys(BOUNDS) as Kind[]) {
      expect(closedByServer.filter((socket) => socket.kind === kind).length).toBeGreaterThanOrEqual(PER_KIND);
    }
  }, 150_000);
});

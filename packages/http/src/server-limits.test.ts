import net from 'node:net';
import { createLogger } from '@connector/logger';
import { waitFor } from '@connector/testkit';
import { afterEach, describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { createHttpApp, type RunningHttpServer, startHttpServer } from './index.js';
import { type HttpServerLimits, httpServerLimits, resolveLimits } from './server-limits.js';

const logger = createLogger({
  service: 'limits-test',
  transports: [new winston.transports.Console({ silent: true })],
});

const running: RunningHttpServer[] = [];
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function serve(limits: Partial<HttpServerLimits>): Promise<RunningHttpServer> {
  const app = createHttpApp({
    service: 'limits-test',
    logger,
    routes: (routes) => {
      routes.post('/echo', (req, res) => {
        res.json({ received: req.body });
      });
    },
  });
  const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', logger, limits });
  running.push(server);
  return server;
}

/** A raw connection that records what the server sent and when it closed the connection. */
interface RawClient {
  socket: net.Socket;
  received: () => string;
  closedAt: () => number | undefined;
}

async function connect(url: string): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  sockets.push(socket);
  let data = '';
  let closedAt: number | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closedAt = Date.now();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closedAt: () => closedAt };
}

/** Writes `text` a character every `everyMs` until the socket closes (a slow-loris client). */
function trickle(client: RawClient, text: string, everyMs: number): void {
  let index = 0;
  const timer = setInterval(() => {
    if (client.closedAt() !== undefined || client.socket.destroyed || index >= text.length) {
      clearInterval(timer);
      return;
    }
    client.socket.write(text[index] ?? '');
    index += 1;
  }, everyMs);
  client.socket.once('close', () => clearInterval(timer));
}

async function request(url: string, raw: string): Promise<string> {
  const client = await connect(url);
  client.socket.write(raw);
  await waitFor(() => /\r\n\r\n[\s\S]*\}$/.test(client.received()) || client.closedAt() !== undefined, {
    what: 'the answer',
    timeoutMs: 5_000,
  });
  return client.received();
}

const echo = (body: string, extra = '') =>
  `POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('startHttpServer limits against slow and abusive clients', () => {
  it('cuts a client that sends its headers slowly after the headers timeout', async () => {
    const server = await serve({ headersTimeoutMs: 500, requestTimeoutMs: 5_000 });
    const client = await connect(server.url);
    const begin = Date.now();
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\n');
    // Never-ending headers, a byte every 50 ms: the socket is never idle.
    trickle(client, `X-Slow: ${'a'.repeat(10_000)}`, 50);
    await waitFor(() => client.closedAt() !== undefined, { what: 'the cut', timeoutMs: 5_000 });
    const heldMs = (client.closedAt() ?? 0) - begin;
    expect(heldMs).toBeGreaterThanOrEqual(400);
    expect(heldMs).toBeLessThan(1_500);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a client that sends its body slowly after the request timeout', async () => {
    const server = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 800 });
    const client = await connect(server.url);
    const begin = Date.now();
    const body = JSON.stringify({ text: 'x'.repeat(2_000) });
    client.socket.write(echo(body).slice(0, -body.length));
    trickle(client, body, 50);
    await waitFor(() => client.closedAt() !== undefined, { what: 'the cut', timeoutMs: 5_000 });
    const heldMs = (client.closedAt() ?? 0) - begin;
    expect(heldMs).toBeGreaterThanOrEqual(700);
    expect(heldMs).toBeLessThan(2_000);
    expect(client.received()).not.toContain('"received"');
  });

  it('still answers ordinary requests under the same limits', async () => {
    const server = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 800 });
    const answer = await request(server.url, echo('{"a":1}'));
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('{"received":{"a":1}}');
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const server = await serve({ keepAliveTimeoutMs: 300 });
    const client = await connect(server.url);
    client.socket.write(echo('{}'));
    await waitFor(() => client.received().includes('"received"'), { what: 'the answer' });
    const answeredAt = Date.now();
    await waitFor(() => client.closedAt() !== undefined, { what: 'the idle close', timeoutMs: 3_000 });
    // node adds a second of grace to the keep-alive timeout.
    expect((client.closedAt() ?? 0) - answeredAt).toBeLessThan(2_500);
  });

  it('closes a connection after its maximum number of requests', async () => {
    const server = await serve({ maxRequestsPerSocket: 2 });
    const client = await connect(server.url);
    client.socket.write(echo('{"n":1}'));
    await waitFor(() => client.received().includes('{"n":1}'), { what: 'the first answer' });
    expect(client.received()).toMatch(/Connection: keep-alive/i);
    client.socket.write(echo('{"n":2}'));
    await waitFor(() => client.received().includes('{"n":2}'), { what: 'the second answer' });
    expect(client.received().split('HTTP/1.1 200')[2]).toMatch(/Connection: close/i);
    // A client that ignores the Connection: close gets no more work done on it.
    client.socket.write(echo('{"n":3}'));
    await waitFor(() => client.received().includes('HTTP/1.1 503'), { what: 'the refusal' });
    expect(client.received()).not.toContain('{"n":3}');
  });

  it('refuses connections over the cap and accepts again once one is gone', async () => {
    const server = await serve({ maxConnections: 2 });
    const first = await connect(server.url);
    const second = await connect(server.url);
    await waitFor(
      () =>
        new Promise<boolean>((resolve) =>
          server.server.getConnections((_error, count) => resolve(count === 2)),
        ),
      { what: 'both connections accepted' },
    );
    const third = await connect(server.url);
    third.socket.write(echo('{}'));
    await waitFor(() => third.closedAt() !== undefined, { what: 'the refusal', timeoutMs: 3_000 });
    expect(third.received()).toBe('');
    expect(first.closedAt()).toBeUndefined();
    expect(second.closedAt()).toBeUndefined();

    first.socket.destroy();
    await waitFor(
      () =>
        new Promise<boolean>((resolve) =>
          server.server.getConnections((_error, count) => resolve(count === 1)),
        ),
      { what: 'the first connection gone' },
    );
    expect(await request(server.url, echo('{"again":true}'))).toContain('{"received":{"again":true}}');
  });
});

describe('http server limits from the environment', () => {
  it('takes the set variables and leaves the rest to the defaults', () => {
    const limits = resolveLimits(
      httpServerLimits({ HTTP_REQUEST_TIMEOUT_MS: 5_000, HTTP_MAX_CONNECTIONS: 7 }),
    );
    expect(limits).toEqual({
      requestTimeoutMs: 5_000,
      headersTimeoutMs: 5_000,
      keepAliveTimeoutMs: 5_000,
      maxRequestsPerSocket: 1_000,
      maxConnections: 7,
    });
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => resolveLimits({ headersTimeoutMs: 9_000, requestTimeoutMs: 1_000 })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS/,
    );
  });
});

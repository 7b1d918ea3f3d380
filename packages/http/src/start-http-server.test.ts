import http from 'node:http';
import { createLogger } from '@connector/logger';
import { describe, expect, it } from '@jest/globals';
import winston from 'winston';
import { createHttpApp, type RunningHttpServer, startHttpServer } from './index.js';

const logger = createLogger({
  service: 'server-test',
  transports: [new winston.transports.Console({ silent: true })],
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(url: string, agent?: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** An app whose /slow route answers only when the test releases it. */
function slowApp() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const app = createHttpApp({
    service: 'server-test',
    logger,
    routes: (routes) => {
      routes.get('/slow', async (_req, res) => {
        markStarted();
        await released;
        res.json({ finished: true });
      });
    },
  });
  return { app, started, release };
}

async function withServer(
  server: RunningHttpServer,
  body: (server: RunningHttpServer) => Promise<void>,
): Promise<void> {
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('startHttpServer', () => {
  it('listens on the given host and a chosen port and reports its URL', async () => {
    const { app } = slowApp();
    await withServer(await startHttpServer(app, { port: 0, host: '127.0.0.1', logger }), async (server) => {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.server.listening).toBe(true);
      const health = await get(`${server.url}/healthz`);
      expect(health).toEqual(expect.objectContaining({ status: 200, body: '{"status":"ok"}' }));
    });
  });

  it('on close stops accepting connections but finishes the request in flight', async () => {
    const { app, started, release } = slowApp();
    const server = await startHttpServer(app, {
      port: 0,
      host: '127.0.0.1',
      logger,
      shutdownTimeoutMs: 10_000,
    });
    const agent = new http.Agent({ keepAlive: true });
    const inFlight = get(`${server.url}/slow`, agent);
    await started;

    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    expect(server.server.listening).toBe(false);
    await expect(get(`${server.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    expect(closed).toBe(false);

    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ finished: true });
    expect(answer.headers.connection).toBe('close');
    const beforeClosed = Date.now();
    await closing;
    // The connection of the finished request is not kept open for node's keep-alive timeout (5 s).
    expect(Date.now() - beforeClosed).toBeLessThan(2000);
    expect(closed).toBe(true);
    agent.destroy();
  });

  it('does not wait for idle keep-alive connections', async () => {
    const { app } = slowApp();
    const server = await startHttpServer(app, {
      port: 0,
      host: '127.0.0.1',
      logger,
      shutdownTimeoutMs: 30_000,
    });
    const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const answer = await get(`${server.url}/healthz`, agent);
      expect(answer.headers.connection).toBe('keep-alive');
      const begin = Date.now();
      await server.close();
      // Far below both the shutdown timeout and node's keep-alive timeout (5 s).
      expect(Date.now() - begin).toBeLessThan(2000);
    } finally {
      agent.destroy();
    }
  });

  it('cuts a request that outlives the shutdown timeout', async () => {
    const { app, started, release } = slowApp();
    const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', logger, shutdownTimeoutMs: 200 });
    const inFlight = get(`${server.url}/slow`);
    await started;
    const begin = Date.now();
    await server.close();
    expect(Date.now() - begin).toBeGreaterThanOrEqual(150);
    expect(Date.now() - begin).toBeLessThan(3000);
    await expect(inFlight).rejects.toThrow(/socket hang up|ECONNRESET/);
    release();
  });

  it('close() can be called twice', async () => {
    const { app } = slowApp();
    const server = await startHttpServer(app, { port: 0, host: '127.0.0.1', logger });
    await Promise.all([server.close(), server.close()]);
    await server.close();
    expect(server.server.listening).toBe(false);
  });

  it('fails to start when the port is taken', async () => {
    const { app } = slowApp();
    await withServer(await startHttpServer(app, { port: 0, host: '127.0.0.1', logger }), async (first) => {
      const port = Number(new URL(first.url).port);
      await expect(startHttpServer(app, { port, host: '127.0.0.1', logger })).rejects.toThrow(/EADDRINUSE/);
    });
  });
});

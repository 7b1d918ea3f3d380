import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@connector/logger';
import type { Express } from 'express';
import { applyLimits, checkingIntervalMs, type HttpServerLimits, resolveLimits } from './server-limits.js';

export interface StartHttpServerOptions {
  port: number;
  /** Interface to listen on. Default: all interfaces (what a container needs); tests pass 127.0.0.1. */
  host?: string;
  logger: Logger;
  /** How long `close()` lets in-flight requests finish before it cuts their connections. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Timeouts and connection cap against slow and abusive clients; unset ones take the production defaults. */
  limits?: Partial<HttpServerLimits>;
}

export interface RunningHttpServer {
  server: Server;
  /** Base URL to reach the server from this machine, e.g. http://127.0.0.1:3000. */
  url: string;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to the shutdown timeout), closes
   * keep-alive connections as soon as they are idle, then resolves. Safe to call more than once.
   */
  close(): Promise<void>;
}

function urlOf(address: AddressInfo): string {
  const wildcard = address.address === '::' || address.address === '0.0.0.0';
  const host = wildcard ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startHttpServer(
  app: Express,
  options: StartHttpServerOptions,
): Promise<RunningHttpServer> {
  const { port, host, logger, shutdownTimeoutMs = 10_000 } = options;
  const limits = resolveLimits(options.limits);
  const server = createServer({
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: checkingIntervalMs(limits),
  });
  applyLimits(server, limits, logger);
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;

  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (closing && !res.headersSent) res.setHeader('Connection', 'close');
    res.on('close', () => {
      inFlight.delete(res);
      // A keep-alive connection whose last request just ended is idle now: let it go.
      if (closing) server.closeIdleConnections();
    });
  });
  // After the tracking listener, so every request is tracked before the app sees it.
  server.on('request', app);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = urlOf(server.address() as AddressInfo);
  logger.info('http server listening', { url, ...limits });

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      logger.info('http server closing', { inFlight: inFlight.size });
      // Answers still being written tell their clients not to reuse the connection.
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      const timer = setTimeout(() => {
        logger.warn('http server shutdown timeout: closing remaining connections', {
          inFlight: inFlight.size,
        });
        server.closeAllConnections();
      }, shutdownTimeoutMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        logger.info('http server closed');
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { server, url, close };
}

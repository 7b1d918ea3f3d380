import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '@connector/logger';
import express from 'express';
import { FaultInjector, faultRuleSchema } from './faults.js';
import { LifePosSimulator } from './lifepos/index.js';
import { createPageRouter } from './page/page-router.js';
import { RequestLog } from './request-log.js';
import { RetailCrmSimulator } from './retailcrm/index.js';

export interface SandboxOptions {
  /** Port of the control API and page (0 = any free port). */
  port?: number;
  /** Port of the LIFE POS API (0 = any free port). RetailCRM accounts get a port each. */
  lifeposPort?: number;
  host?: string;
  logger?: Logger;
  /** Level of the default logger (ignored when `logger` is given); default LOG_LEVEL or `warn`. */
  logLevel?: string;
}

export interface Sandbox {
  /** Control API (`/_sandbox/...`) and the page. */
  url: string;
  /** Base URL of the LIFE POS simulator (what LIFEPOS_API_URL points at). */
  lifeposUrl: string;
  retailcrm: RetailCrmSimulator;
  lifepos: LifePosSimulator;
  faults: FaultInjector;
  requestLog: RequestLog;
  close(): Promise<void>;
}

async function listen(
  app: express.Application,
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (error) {
        reject(error);
        return;
      }
      const { port: actual } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${actual}` });
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Starts both simulators in this process: the LIFE POS API on its own port, each RetailCRM account on a
 * port of its own (as each real account has its own host), and the control API + page on `port`.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const logger =
    options.logger ??
    createLogger({ service: 'sandbox', level: options.logLevel ?? process.env.LOG_LEVEL ?? 'warn' });
  const faults = new FaultInjector();
  const requestLog = new RequestLog();
  const retailcrm = new RetailCrmSimulator({ logger, faults, requestLog, host });
  const lifepos = new LifePosSimulator({ logger, faults, requestLog });

  const lifeposListener = await listen(lifepos.app(), options.lifeposPort ?? 0, host);

  const control = express();
  control.disable('x-powered-by');
  control.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  control.use('/_sandbox/retailcrm', retailcrm.controlRouter());
  control.use('/_sandbox/lifepos', lifepos.controlRouter());
  control.get('/_sandbox/faults', (_req, res) => {
    res.json({ rules: faults.list() });
  });
  control.post('/_sandbox/faults', express.json(), (req, res) => {
    const parsed = faultRuleSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues });
      return;
    }
    res.status(201).json({ rule: faults.add(parsed.data) });
  });
  control.delete('/_sandbox/faults', (req, res) => {
    const system = req.query.system;
    faults.clear(system === 'retailcrm' || system === 'lifepos' ? system : undefined);
    res.status(204).end();
  });
  control.get('/_sandbox/requests', (req, res) => {
    const system = req.query.system;
    res.json({
      requests: requestLog.list({
        system: system === 'retailcrm' || system === 'lifepos' ? system : undefined,
      }),
    });
  });
  // The page (`GET /`) and its forms (`POST /page/...`).
  control.use(createPageRouter({ retailcrm, lifepos, lifeposUrl: lifeposListener.url }));
  const controlListener = await listen(control, options.port ?? 0, host);

  return {
    url: controlListener.url,
    lifeposUrl: lifeposListener.url,
    retailcrm,
    lifepos,
    faults,
    requestLog,
    close: async () => {
      faults.releaseHanging();
      await Promise.all([
        closeServer(controlListener.server),
        closeServer(lifeposListener.server),
        retailcrm.close(),
        lifepos.close(),
      ]);
    },
  };
}

import { rename, rm, writeFile } from 'node:fs/promises';
import { LOG_LEVEL, loadEnvOrExit, NODE_ENV, portWithDefault } from '@connector/config';
import { createLogger } from '@connector/logger';
import { z } from 'zod';
import { type DemoSummary, demoSummary, seedDemo } from './demo-seed.js';
import { type Sandbox, startSandbox } from './sandbox.js';

/**
 * The sandbox process: both simulators, the control API and the page, seeded with the demo tenant
 * unless `SANDBOX_SEED=none`. It prints where everything is (the demo credentials are sandbox-only and
 * printed on purpose) and, with `SANDBOX_DEMO_FILE`, writes them as JSON for the local start script.
 */

const env = loadEnvOrExit('sandbox', {
  PORT: portWithDefault(4000),
  LIFEPOS_PORT: portWithDefault(4001),
  RETAILCRM_DEMO_PORT: portWithDefault(4002),
  SANDBOX_SEED: z.enum(['demo', 'none']).default('demo'),
  SANDBOX_INGRESS_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000/retailCRM/update'),
  SANDBOX_DEMO_FILE: z.string().min(1).optional(),
  /** Interface to listen on; 0.0.0.0 in a container. */
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  /** Host name others reach the sandbox by, used in the printed URLs (e.g. `sandbox` in compose). */
  SANDBOX_PUBLIC_HOST: z.string().min(1).optional(),
  LOG_LEVEL,
  NODE_ENV,
});

const logger = createLogger({
  service: 'sandbox',
  level: env.LOG_LEVEL,
  format: env.NODE_ENV === 'development' ? 'pretty' : 'json',
});

const allInterfaces = env.SANDBOX_HOST === '0.0.0.0' || env.SANDBOX_HOST === '::';
const publicHost = env.SANDBOX_PUBLIC_HOST ?? (allInterfaces ? '127.0.0.1' : undefined);

/** A listener URL as others should use it. */
function reachable(url: string): string {
  if (!publicHost) return url;
  const parsed = new URL(url);
  parsed.hostname = publicHost;
  const text = parsed.toString();
  return url.endsWith('/') ? text : text.replace(/\/$/, '');
}

function publicSummary(summary: DemoSummary): DemoSummary {
  const retailcrmUrl = reachable(summary.retailcrm.baseUrl);
  const lifeposUrl = reachable(summary.lifeposUrl);
  return {
    ...summary,
    pageUrl: reachable(summary.pageUrl),
    lifeposUrl,
    retailcrm: { ...summary.retailcrm, baseUrl: retailcrmUrl },
    lifepos: { ...summary.lifepos, url: lifeposUrl },
    connection: { ...summary.connection, retailcrmUrl },
  };
}

/** Written whole or not at all: the start script polls for this file. */
async function writeDemoFile(path: string, summary: DemoSummary): Promise<void> {
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  await rename(partial, path);
}

function describe(summary: DemoSummary | undefined, pageUrl: string, lifeposUrl: string): string {
  const lines = [
    'Sandbox is running',
    `  page and control API: ${pageUrl}/`,
    `  LIFE POS API (LIFEPOS_API_URL): ${lifeposUrl}`,
  ];
  if (summary) {
    lines.push(
      `  RetailCRM demo account: ${summary.retailcrm.baseUrl}  key ${summary.retailcrm.apiKey}`,
      `  LIFE POS demo organization: ${summary.lifepos.orgId}  owner ${summary.lifepos.phone} / ${summary.lifepos.password}`,
      `  RetailCRM triggers post to: ${summary.ingressUrl ?? 'nowhere'}`,
    );
  }
  return lines.join('\n');
}

let sandbox: Sandbox;
try {
  sandbox = await startSandbox({
    port: env.PORT,
    lifeposPort: env.LIFEPOS_PORT,
    host: env.SANDBOX_HOST,
    logger,
  });
} catch (error) {
  logger.error('sandbox could not start', { error });
  process.exit(1);
}

let summary: DemoSummary | undefined;
try {
  if (env.SANDBOX_SEED === 'demo') {
    const demo = await seedDemo(sandbox, {
      ingressUrl: env.SANDBOX_INGRESS_URL,
      retailcrmPort: env.RETAILCRM_DEMO_PORT,
    });
    summary = publicSummary(demoSummary(sandbox, demo));
    if (env.SANDBOX_DEMO_FILE) await writeDemoFile(env.SANDBOX_DEMO_FILE, summary);
  }
} catch (error) {
  logger.error('sandbox could not seed the demo tenant', { error });
  await sandbox.close();
  process.exit(1);
}

const pageUrl = reachable(sandbox.url);
const lifeposUrl = reachable(sandbox.lifeposUrl);
// Field names avoid the logger's secret keys (apiKey, password): these demo values are meant to be seen.
logger.info(describe(summary, pageUrl, lifeposUrl), {
  pageUrl: `${pageUrl}/`,
  lifeposApiUrl: lifeposUrl,
  ...(summary
    ? {
        retailcrmUrl: summary.retailcrm.baseUrl,
        retailcrmDemoKey: summary.retailcrm.apiKey,
        lifeposOrgId: summary.lifepos.orgId,
        lifeposPhone: summary.lifepos.phone,
        lifeposDemoPassword: summary.lifepos.password,
        ingressUrl: summary.ingressUrl,
        demoFile: env.SANDBOX_DEMO_FILE,
      }
    : {}),
});

const SHUTDOWN_TIMEOUT_MS = 10_000;
let stopping = false;

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    logger.warn('second signal while stopping: exiting now', { signal });
    process.exit(1);
  }
  stopping = true;
  logger.info('sandbox stopping', { signal });
  const deadline = setTimeout(() => {
    logger.error('sandbox did not stop in time', { timeoutMs: SHUTDOWN_TIMEOUT_MS });
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  deadline.unref();
  try {
    await sandbox.close();
    // A stale file would tell the start script a sandbox is up.
    if (env.SANDBOX_DEMO_FILE && summary) await rm(env.SANDBOX_DEMO_FILE, { force: true });
    logger.info('sandbox stopped');
    process.exit(0);
  } catch (error) {
    logger.error('sandbox stopped with an error', { error });
    process.exit(1);
  }
}

process.on('SIGTERM', (signal) => void shutdown(signal));
process.on('SIGINT', (signal) => void shutdown(signal));

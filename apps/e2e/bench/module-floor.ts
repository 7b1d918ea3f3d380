// Where an idle worker's RSS goes: fresh node processes (with the worker's NODE_OPTIONS) that load one more
// piece each — nothing, BullMQ (with ioredis), the database package with one query run (Prisma 7 compiles
// queries in a WebAssembly module it instantiates on the first one), and every module of the export
// worker — then collect garbage and print their RSS. Explains the floor under the worker's own figures.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const fromTenant = createRequire(`${REPO_ROOT}packages/tenant/package.json`);

export interface ModuleFloor {
  /** RSS in bytes after each step, each in a process of its own. */
  node: number;
  bullmq: number;
  database: number;
  worker: number;
}

function rssAfter(nodeOptions: string, body: string): Promise<number> {
  const script = `${body}
await new Promise((resolve) => setTimeout(resolve, 300));
globalThis.gc();
process.stdout.write(String(process.memoryUsage().rss));
process.exit(0);`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', script],
      { env: { ...process.env, NODE_OPTIONS: nodeOptions }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const rss = Number(stdout);
        if (error || !Number.isFinite(rss) || rss <= 0) {
          reject(new Error(`module floor probe failed: ${error?.message ?? ''}\n${stderr}`));
        } else resolve(rss);
      },
    );
  });
}

/** Needs the built dist of the export worker and its packages (`pnpm bench` builds them). */
export async function measureModuleFloor(nodeOptions: string, databaseUrl: string): Promise<ModuleFloor> {
  const url = (path: string) => JSON.stringify(pathToFileURL(path).href);
  const bullmq = url(fromTenant.resolve('bullmq'));
  const db = url(`${REPO_ROOT}packages/db/dist/index.js`);
  const worker = url(`${REPO_ROOT}apps/export-worker/dist/index.js`);
  const query = `const { createDatabase } = await import(${db});
const database = createDatabase({ url: ${JSON.stringify(databaseUrl)}, secretsKey: Buffer.alloc(32) });
await database.orderEvents.list('00000000-0000-0000-0000-000000000000', 1);
await database.close();`;
  return {
    node: await rssAfter(nodeOptions, ''),
    bullmq: await rssAfter(nodeOptions, `await import(${bullmq});`),
    database: await rssAfter(nodeOptions, query),
    worker: await rssAfter(nodeOptions, `await import(${worker});\n${query}`),
  };
}

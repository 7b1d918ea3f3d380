// Development tool (excluded from the build): writes the next migration of prisma/schema.prisma.
//
//   DATABASE_URL=postgresql://… pnpm --filter @connector/db run migration:create <name>
//
// Prisma's native schema engine cannot be downloaded here, so this asks its WebAssembly build for the
// SQL that `prisma migrate dev` would write: the diff from the schema snapshot kept next to the latest
// migration to the current schema. The engine insists on opening a database connection; a schema-to-schema
// diff never reads or changes that database, so any reachable PostgreSQL will do (e.g. `pnpm services`).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DATABASE_URL, loadEnvOrExit } from '@connector/config';
import { createLogger } from '@connector/logger';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { type DiffTarget, SchemaEngine } from '@prisma/schema-engine-wasm';
import { resolveMigrationsDir } from '../migrate.js';

const SNAPSHOT = 'schema.prisma.snapshot';

const logger = createLogger({ service: 'create-migration', format: 'pretty' });
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  logger.error('Usage: migration:create <name>   (lower-case letters, digits and _)');
  process.exit(1);
}
const env = loadEnvOrExit('create-migration', { DATABASE_URL });

const migrationsDir = resolveMigrationsDir();
const schemaFile = path.join(migrationsDir, '..', 'schema.prisma');
const schema = await readFile(schemaFile, 'utf8');
const folders = (await readdir(migrationsDir, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const latest = folders.at(-1);
const previous = latest ? await readFile(path.join(migrationsDir, latest, SNAPSHOT), 'utf8') : undefined;
if (previous === schema) {
  logger.info(`No schema changes since ${latest}`);
  process.exit(0);
}

const engine = await SchemaEngine.new(
  { datamodels: [['schema.prisma', schema]] },
  () => {},
  bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: env.DATABASE_URL })),
);
const datamodel = (content: string): DiffTarget => ({
  tag: 'schemaDatamodel',
  files: [{ path: 'schema.prisma', content }],
});
const { stdout: script } = await engine.diff({
  from: previous === undefined ? { tag: 'empty' } : datamodel(previous),
  to: datamodel(schema),
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
if (!script?.trim() || /^-- This is an empty migration\.\s*$/.test(script)) {
  logger.info('The schema changed, but not in a way that needs SQL; no migration written');
  process.exit(0);
}

const timestamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const folder = path.join(migrationsDir, `${timestamp}_${name}`);
await mkdir(folder);
await writeFile(path.join(folder, 'migration.sql'), script);
await writeFile(path.join(folder, SNAPSHOT), schema);
logger.info(`Wrote ${path.relative(process.cwd(), folder)}: review migration.sql before committing`);
process.exit(0);

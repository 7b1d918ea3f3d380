import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@connector/logger';
import pg from 'pg';

/**
 * Applies prisma/migrations the way `prisma migrate deploy` does, without Prisma's native schema engine
 * (which cannot be downloaded where this runs): same advisory lock, same `_prisma_migrations` table and rows,
 * so Prisma's own engine sees an up-to-date database wherever it is available.
 *
 * Differences on purpose: each migration runs in a transaction of its own, so a failing one leaves neither
 * its changes nor a failed row behind (migrations must therefore be transaction-safe: no
 * CREATE INDEX CONCURRENTLY, no BEGIN/COMMIT); and a changed applied migration is refused, not just reported.
 */

/** The lock key Prisma's schema engine takes for migrations on PostgreSQL. */
export const PRISMA_MIGRATION_LOCK_KEY = 72707369;

const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

// Exactly the table Prisma's schema engine creates on PostgreSQL.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrateOptions {
  /** Default: env MIGRATIONS_DIR, else prisma/migrations of this repository. */
  migrationsDir?: string;
  logger?: Logger;
  /** How long to wait for another process that is migrating. Default 60 s. */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  /** Names of the migrations this run applied, in order. */
  applied: string[];
  /** Names that were applied before. */
  alreadyApplied: string[];
}

interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export function resolveMigrationsDir(explicit?: string): string {
  return path.resolve(explicit ?? process.env.MIGRATIONS_DIR ?? DEFAULT_MIGRATIONS_DIR);
}

/** sha256 hex of the file's bytes: the checksum Prisma records for a migration. */
export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/** The migration folders of `dir`, in the order Prisma applies them (by name). */
export async function readMigrations(dir: string): Promise<LocalMigration[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new MigrationError(`Cannot read the migrations directory ${dir}`, { cause: error });
  }
  const lock = await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => undefined);
  if (lock !== undefined && !/^\s*provider\s*=\s*"postgresql"\s*$/m.test(lock))
    throw new MigrationError(`${dir}/migration_lock.toml is not for provider "postgresql"`);
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql');
      const script = await readFile(file, 'utf8').catch((error: unknown) => {
        throw new MigrationError(`Migration ${name} has no readable migration.sql (${file})`, {
          cause: error,
        });
      });
      return { name, script, checksum: migrationChecksum(script) };
    }),
  );
}

/** Which local migrations still need to run; throws when the recorded history forbids running any. */
function planMigrations(local: LocalMigration[], rows: AppliedRow[]): LocalMigration[] {
  // Rows Prisma marked rolled back do not count: the migration is applied again.
  const live = rows.filter((row) => row.rolled_back_at === null);
  const failed = live.filter((row) => row.finished_at === null);
  if (failed.length > 0)
    throw new MigrationError(
      `Failed migration(s) recorded in _prisma_migrations: ${failed.map((row) => row.migration_name).join(', ')}. ` +
        'Repair the database, then mark them with `prisma migrate resolve --applied|--rolled-back <name>` ' +
        '(or delete their rows) before migrating again.',
    );
  const applied = new Map(live.map((row) => [row.migration_name, row]));
  const changed = local.filter((migration) => {
    const row = applied.get(migration.name);
    return row !== undefined && row.checksum !== migration.checksum;
  });
  if (changed.length > 0)
    throw new MigrationError(
      `Applied migration(s) were modified after they ran: ${changed.map((m) => m.name).join(', ')}. ` +
        'Restore their migration.sql and put the change into a new migration.',
    );
  return local.filter((migration) => !applied.has(migration.name));
}

/**
 * Brings the database at `databaseUrl` up to date. Safe to run from several processes at once (they
 * queue on Prisma's advisory lock) and to run again (nothing left to do).
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = resolveMigrationsDir(options.migrationsDir);
  const logger = options.logger;
  const local = await readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  // A dropped connection surfaces as the failing query's error; without a listener it would crash the process.
  client.on('error', (error) => logger?.warn('Migration connection error', { error }));
  await client.connect();
  try {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(options.lockTimeoutMs ?? 60_000))}`);
    try {
      await client.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATION_LOCK_KEY})`);
    } catch (error) {
      throw new MigrationError(
        'Timed out waiting for the migration lock: another process is migrating this database',
        { cause: error },
      );
    }
    await client.query('RESET lock_timeout');
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<AppliedRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
      );
      const pending = planMigrations(local, rows);
      const pendingNames = new Set(pending.map((migration) => migration.name));
      const localNames = new Set(local.map((migration) => migration.name));
      const unknown = rows.filter(
        (row) => row.rolled_back_at === null && !localNames.has(row.migration_name),
      );
      if (unknown.length > 0)
        logger?.warn('The database has migrations this version does not know (a newer version ran?)', {
          migrations: unknown.map((row) => row.migration_name),
        });
      for (const migration of pending) await applyMigration(client, migration, logger);
      const result = {
        applied: pending.map((migration) => migration.name),
        alreadyApplied: local.filter((m) => !pendingNames.has(m.name)).map((m) => m.name),
      };
      logger?.info(pending.length > 0 ? 'Migrations applied' : 'Database schema is up to date', {
        applied: result.applied,
        alreadyApplied: result.alreadyApplied.length,
        migrationsDir: dir,
      });
      return result;
    } finally {
      // Ending the session releases the lock too; unlocking first just frees it sooner.
      await client.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATION_LOCK_KEY})`).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function applyMigration(client: pg.Client, migration: LocalMigration, logger?: Logger): Promise<void> {
  logger?.info('Applying migration', { migration: migration.name });
  await client.query('BEGIN');
  try {
    const id = randomUUID();
    // The same two steps `prisma migrate deploy` records: the row when the migration starts, the
    // finish time and step count when its script succeeded.
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.script);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = applied_steps_count + 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${reason}`, {
      cause: error,
    });
  }
}

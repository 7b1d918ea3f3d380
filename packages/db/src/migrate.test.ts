import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@connector/testkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { MigrationError, migrate, PRISMA_MIGRATION_LOCK_KEY, resolveMigrationsDir } from './migrate.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoMigrations = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  return database;
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'db-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(repoMigrations, dir, { recursive: true });
  return dir;
}

async function localMigrationNames(): Promise<string[]> {
  const entries = await readdir(repoMigrations, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('migrate', () => {
  it('applies every migration to an empty database and records it as prisma migrate deploy does', async () => {
    const database = await freshDatabase();
    const names = await localMigrationNames();
    expect(names.length).toBeGreaterThan(0);

    const result = await migrate(database.url);
    expect(result).toEqual({ applied: names, alreadyApplied: [] });

    const tables = await query<{ table_name: string }>(
      database.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      [
        '_prisma_migrations',
        'Connection',
        'CourierLink',
        'FailureStreak',
        'Incident',
        'IncidentSubject',
        'LifeposNotification',
        'OrderEvent',
        'OrderLink',
        'OrderMark',
        'Outbox',
        'OutletLink',
        'PaymentLink',
        'PendingEdit',
        'SyncCursor',
      ].sort(),
    );

    // The table exactly as Prisma's schema engine creates it.
    const columns = await query(
      database.url,
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      {
        column_name: 'id',
        data_type: 'character varying',
        character_maximum_length: 36,
        is_nullable: 'NO',
        column_default: null,
      },
      {
        column_name: 'checksum',
        data_type: 'character varying',
        character_maximum_length: 64,
        is_nullable: 'NO',
        column_default: null,
      },
      {
        column_name: 'finished_at',
        data_type: 'timestamp with time zone',
        character_maximum_length: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'migration_name',
        data_type: 'character varying',
        character_maximum_length: 255,
        is_nullable: 'NO',
        column_default: null,
      },
      {
        column_name: 'logs',
        data_type: 'text',
        character_maximum_length: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'rolled_back_at',
        data_type: 'timestamp with time zone',
        character_maximum_length: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'started_at',
        data_type: 'timestamp with time zone',
        character_maximum_length: null,
        is_nullable: 'NO',
        column_default: 'now()',
      },
      {
        column_name: 'applied_steps_count',
        data_type: 'integer',
        character_maximum_length: null,
        is_nullable: 'NO',
        column_default: '0',
      },
    ]);

    const rows = await query<Record<string, unknown>>(
      database.url,
      'SELECT * FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows).toHaveLength(names.length);
    for (const [index, row] of rows.entries()) {
      const name = names[index] as string;
      const script = await readFile(path.join(repoMigrations, name, 'migration.sql'), 'utf8');
      expect(row).toMatchObject({
        migration_name: name,
        checksum: sha256(script),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect((row.finished_at as Date).getTime()).toBeGreaterThanOrEqual((row.started_at as Date).getTime());
    }
  });

  it('does nothing when run again', async () => {
    const database = await freshDatabase();
    await migrate(database.url);
    const before = await query(database.url, 'SELECT * FROM "_prisma_migrations" ORDER BY id');

    const again = await migrate(database.url);
    expect(again).toEqual({ applied: [], alreadyApplied: await localMigrationNames() });
    expect(await query(database.url, 'SELECT * FROM "_prisma_migrations" ORDER BY id')).toEqual(before);
  });

  it('lets two processes migrate at once: one applies, the other finds nothing to do', async () => {
    const database = await freshDatabase();
    const names = await localMigrationNames();

    const results = await Promise.all([migrate(database.url), migrate(database.url)]);

    expect(results.map((result) => result.applied).sort()).toEqual([[], names]);
    const rows = await query<{ n: string }>(database.url, 'SELECT count(*) AS n FROM "_prisma_migrations"');
    expect(Number(rows[0]?.n)).toBe(names.length);
  });

  it('waits for the lock and gives up with a clear error after lockTimeoutMs', async () => {
    const database = await freshDatabase();
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATION_LOCK_KEY})`);

    await expect(migrate(database.url, { lockTimeoutMs: 200 })).rejects.toThrow(
      /another process is migrating/,
    );

    await holder.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATION_LOCK_KEY})`);
    expect((await migrate(database.url, { lockTimeoutMs: 200 })).applied).toEqual(
      await localMigrationNames(),
    );
  });

  it('refuses to run when an applied migration was changed', async () => {
    const database = await freshDatabase();
    const dir = await copyOfMigrations();
    await migrate(database.url, { migrationsDir: dir });
    const [first] = await localMigrationNames();
    await writeFile(path.join(dir, first as string, 'migration.sql'), '-- edited\nSELECT 1;\n', {
      flag: 'a',
    });

    const error = await migrate(database.url, { migrationsDir: dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain(`were modified after they ran: ${first}`);
  });

  it('refuses to run while a failed migration is recorded', async () => {
    const database = await freshDatabase();
    await migrate(database.url);
    await query(
      database.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ('00000000-0000-4000-8000-000000000000', 'x', '29990101000000_half_done', now(), 0)`,
    );

    await expect(migrate(database.url)).rejects.toThrow(/Failed migration\(s\).*29990101000000_half_done/);
  });

  it('rolls a failing migration back completely and records nothing for it', async () => {
    const database = await freshDatabase();
    const dir = await copyOfMigrations();
    const broken = path.join(dir, '29990101000000_broken');
    await mkdir(broken);
    await writeFile(
      path.join(broken, 'migration.sql'),
      'CREATE TABLE "HalfDone" ("id" INTEGER);\nSELECT 1 / 0;\n',
    );

    await expect(migrate(database.url, { migrationsDir: dir })).rejects.toThrow(
      /Migration 29990101000000_broken failed and was rolled back: division by zero/,
    );

    const [table] = await query<{ t: string | null }>(
      database.url,
      `SELECT to_regclass('"HalfDone"')::text AS t`,
    );
    expect(table?.t).toBeNull();
    const rows = await query<{ migration_name: string }>(
      database.url,
      'SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(await localMigrationNames());
  });

  it('finds the repository migrations by default and MIGRATIONS_DIR overrides them', () => {
    expect(resolveMigrationsDir()).toBe(path.resolve(repoMigrations));
    const previous = process.env.MIGRATIONS_DIR;
    process.env.MIGRATIONS_DIR = '/srv/app/prisma/migrations';
    try {
      expect(resolveMigrationsDir()).toBe('/srv/app/prisma/migrations');
      expect(resolveMigrationsDir('/explicit')).toBe('/explicit');
    } finally {
      if (previous === undefined) delete process.env.MIGRATIONS_DIR;
      else process.env.MIGRATIONS_DIR = previous;
    }
  });

  it('keeps prisma/schema.prisma equal to the snapshot of the latest migration', async () => {
    const latest = (await localMigrationNames()).at(-1) as string;
    const snapshot = await readFile(path.join(repoMigrations, latest, 'schema.prisma.snapshot'), 'utf8');
    const schema = await readFile(path.join(repoMigrations, '..', 'schema.prisma'), 'utf8');
    // A schema change needs a new migration (and its snapshot) next to it.
    expect(schema).toBe(snapshot);
  });
});

describe('migrate CLI', () => {
  const run = promisify(execFile);
  const cli = (env: Record<string, string>) =>
    run(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/migrate-cli.ts'], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
      timeout: 30_000,
    });

  it('migrates DATABASE_URL and exits 0', async () => {
    const database = await freshDatabase();
    const { stdout } = await cli({ DATABASE_URL: database.url });
    expect(stdout).toContain('Migrations applied');
    const rows = await query<{ n: string }>(database.url, 'SELECT count(*) AS n FROM "_prisma_migrations"');
    expect(Number(rows[0]?.n)).toBe((await localMigrationNames()).length);
  });

  it('exits 1 naming the problem when the database cannot be migrated', async () => {
    const failure = cli({ DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
    await expect(failure).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('Migration failed'),
    });
  });

  it('exits 1 naming the variable when DATABASE_URL is missing', async () => {
    await expect(cli({})).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('DATABASE_URL: is required but not set'),
    });
  });
});

// `pnpm --filter @connector/db run connection:upsert <file.json>`: creates or updates the connection
// described by the file's `connection` object (the sandbox's demo file has one) and activates it,
// without the console's live checks. For the local demo and operators' scripts; production tenants are
// set up through the console, which checks both accounts first.
import { readFile } from 'node:fs/promises';
import { DATABASE_URL, LOG_LEVEL, loadEnvOrExit, SECRETS_KEY } from '@connector/config';
import { createLogger } from '@connector/logger';
import { z } from 'zod';
import { connectionSettingsSchema } from '../connection-settings.js';
import { createDatabase } from '../database.js';

const env = loadEnvOrExit('connection-upsert', { DATABASE_URL, SECRETS_KEY, LOG_LEVEL });
const logger = createLogger({ service: 'connection-upsert', level: env.LOG_LEVEL });

const fileSchema = z.object({
  connection: z.object({
    lifeposOrgId: z.string().min(1),
    lifeposPhone: z.string().min(1),
    lifeposPassword: z.string().min(1),
    retailcrmUrl: z.url(),
    retailcrmApiKey: z.string().min(1),
    errorUserGroupCode: z.string().min(1),
    cashPaymentTypeCode: z.string().min(1),
    cashlessPaymentTypeCode: z.string().min(1),
    settings: connectionSettingsSchema.partial().optional(),
  }),
});

const file = process.argv[2];
if (!file) {
  logger.error('usage: connection:upsert <file.json> (a JSON object with a `connection` field)');
  process.exit(2);
}
const parsed = fileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
if (!parsed.success) {
  logger.error(`${file} is not a connection description`, { issues: parsed.error.issues });
  process.exit(2);
}
const db = createDatabase({ url: env.DATABASE_URL, secretsKey: env.SECRETS_KEY, logger });
try {
  const input = { ...parsed.data.connection, status: 'active' as const, disabledReason: null };
  const existing = await db.connections.findByOrgId(input.lifeposOrgId);
  const saved = existing
    ? await db.connections.update(existing.id, input)
    : await db.connections.create(input);
  logger.info(`connection ${existing ? 'updated' : 'created'} and active`, {
    connectionId: saved?.id,
    lifeposOrgId: input.lifeposOrgId,
  });
} finally {
  await db.close();
}

// `pnpm --filter @connector/db run migrate` (or `node dist/migrate-cli.js`): applies pending migrations
// to DATABASE_URL and exits 0, or logs why it could not and exits 1.
import { DATABASE_URL, LOG_LEVEL, loadEnvOrExit } from '@connector/config';
import { createLogger } from '@connector/logger';
import { migrate } from './migrate.js';

const env = loadEnvOrExit('migrate', { DATABASE_URL, LOG_LEVEL });
const logger = createLogger({ service: 'migrate', level: env.LOG_LEVEL });

try {
  await migrate(env.DATABASE_URL, { logger });
} catch (error) {
  logger.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`, { error });
  process.exitCode = 1;
}

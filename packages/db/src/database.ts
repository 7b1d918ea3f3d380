import type { Logger } from '@connector/logger';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';
import { createConnectionsRepository } from './repositories/connections.js';
import { createCourierLinksRepository } from './repositories/courier-links.js';
import { createIncidentsRepository } from './repositories/incidents.js';
import { createNotificationsRepository } from './repositories/notifications.js';
import { createOrderEventsRepository } from './repositories/order-events.js';
import { createOrderLinksRepository } from './repositories/order-links.js';
import { createOrderListRepository } from './repositories/order-list.js';
import { createOrderMarksRepository } from './repositories/order-marks.js';
import { createOutboxRepository } from './repositories/outbox.js';
import { createOutletLinksRepository } from './repositories/outlet-links.js';
import { createPaymentLinksRepository } from './repositories/payment-links.js';
import { createPendingEditsRepository } from './repositories/pending-edits.js';
import { createRetentionRepository } from './repositories/retention.js';
import { createSyncCursorsRepository } from './repositories/sync-cursors.js';
import { assertSecretsKey } from './secret-box.js';

export interface DatabaseOptions {
  /** PostgreSQL connection string (DATABASE_URL). */
  url: string;
  /** SECRETS_KEY: 32 bytes; encrypts and decrypts the connections' credentials. */
  secretsKey: Buffer;
  /** Receives errors of idle pooled connections (e.g. the server restarted). */
  logger?: Logger;
  /** Bounds on every call; default `DEFAULT_DATABASE_TIMEOUTS`. */
  timeouts?: Partial<DatabaseTimeouts>;
}

export interface DatabaseTimeouts {
  /** Time to get a connection: opening one (TCP and PostgreSQL's start-up answer) or a free one of the pool. */
  connectMs: number;
  /**
   * Time one statement may run: the server cancels it then (`statement_timeout`), and the client gives up
   * a second later when the server does not answer at all (frozen, or the network dropped).
   */
  statementMs: number;
}

/** DATABASE_CONNECT_TIMEOUT_MS / DATABASE_STATEMENT_TIMEOUT_MS (`databaseEnvShape` of @connector/config). */
export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, statementMs: 15_000 };

/** The timeouts an app's environment sets (`databaseEnvShape` of @connector/config). */
export function databaseTimeouts(env: {
  DATABASE_CONNECT_TIMEOUT_MS?: number | undefined;
  DATABASE_STATEMENT_TIMEOUT_MS?: number | undefined;
}): DatabaseTimeouts {
  return {
    connectMs: env.DATABASE_CONNECT_TIMEOUT_MS ?? DEFAULT_DATABASE_TIMEOUTS.connectMs,
    statementMs: env.DATABASE_STATEMENT_TIMEOUT_MS ?? DEFAULT_DATABASE_TIMEOUTS.statementMs,
  };
}

/** Slack the client gives the server past `statement_timeout` to answer with the cancellation itself. */
const CLIENT_TIMEOUT_SLACK_MS = 1_000;

/**
 * A Prisma client on the pg driver adapter (Prisma 7 has no query engine binary). Without timeouts a
 * database that is down makes callers wait for TCP, and a frozen one makes them wait forever.
 */
export function createPrismaClient(
  url: string,
  logger?: Logger,
  timeouts: Partial<DatabaseTimeouts> = {},
): PrismaClient {
  const { connectMs, statementMs } = { ...DEFAULT_DATABASE_TIMEOUTS, ...timeouts };
  const adapter = new PrismaPg(
    {
      connectionString: url,
      connectionTimeoutMillis: connectMs,
      statement_timeout: statementMs,
      query_timeout: statementMs + CLIENT_TIMEOUT_SLACK_MS,
      // A half-open connection (the server's host vanished) is noticed by TCP, not by the next query.
      keepAlive: true,
    },
    {
      onPoolError: (error) => logger?.warn('PostgreSQL pool error', { error }),
      onConnectionError: (error) => logger?.warn('PostgreSQL connection error', { error }),
    },
  );
  return new PrismaClient({ adapter });
}

export function createDatabase({ url, secretsKey, logger, timeouts }: DatabaseOptions) {
  assertSecretsKey(secretsKey);
  const prisma = createPrismaClient(url, logger, timeouts);
  return {
    prisma,
    connections: createConnectionsRepository(prisma, secretsKey),
    pendingEdits: createPendingEditsRepository(prisma, secretsKey),
    orderLinks: createOrderLinksRepository(prisma),
    orderList: createOrderListRepository(prisma),
    outletLinks: createOutletLinksRepository(prisma),
    courierLinks: createCourierLinksRepository(prisma),
    paymentLinks: createPaymentLinksRepository(prisma),
    orderEvents: createOrderEventsRepository(prisma),
    orderMarks: createOrderMarksRepository(prisma),
    incidents: createIncidentsRepository(prisma),
    syncCursors: createSyncCursorsRepository(prisma),
    outbox: createOutboxRepository(prisma),
    notifications: createNotificationsRepository(prisma),
    retention: createRetentionRepository(prisma),
    /** Closes the connection pool. */
    close: () => prisma.$disconnect(),
  };
}

export type Database = ReturnType<typeof createDatabase>;

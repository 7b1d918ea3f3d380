import type { Logger } from '@connector/logger';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';
import { createConnectionsRepository } from './repositories/connections.js';
import { createCourierLinksRepository } from './repositories/courier-links.js';
import { createIncidentsRepository } from './repositories/incidents.js';
import { createNotificationsRepository } from './repositories/notifications.js';
import { createOrderEventsRepository } from './repositories/order-events.js';
import { createOrderLinksRepository } from './repositories/order-links.js';
import { createOutboxRepository } from './repositories/outbox.js';
import { createOutletLinksRepository } from './repositories/outlet-links.js';
import { createPaymentLinksRepository } from './repositories/payment-links.js';
import { createSyncCursorsRepository } from './repositories/sync-cursors.js';
import { assertSecretsKey } from './secret-box.js';

export interface DatabaseOptions {
  /** PostgreSQL connection string (DATABASE_URL). */
  url: string;
  /** SECRETS_KEY: 32 bytes; encrypts and decrypts the connections' credentials. */
  secretsKey: Buffer;
  /** Receives errors of idle pooled connections (e.g. the server restarted). */
  logger?: Logger;
}

/** A Prisma client on the pg driver adapter (Prisma 7 has no query engine binary). */
export function createPrismaClient(url: string, logger?: Logger): PrismaClient {
  const adapter = new PrismaPg(
    { connectionString: url },
    {
      onPoolError: (error) => logger?.warn('PostgreSQL pool error', { error }),
      onConnectionError: (error) => logger?.warn('PostgreSQL connection error', { error }),
    },
  );
  return new PrismaClient({ adapter });
}

export function createDatabase({ url, secretsKey, logger }: DatabaseOptions) {
  assertSecretsKey(secretsKey);
  const prisma = createPrismaClient(url, logger);
  return {
    prisma,
    connections: createConnectionsRepository(prisma, secretsKey),
    orderLinks: createOrderLinksRepository(prisma),
    outletLinks: createOutletLinksRepository(prisma),
    courierLinks: createCourierLinksRepository(prisma),
    paymentLinks: createPaymentLinksRepository(prisma),
    orderEvents: createOrderEventsRepository(prisma),
    incidents: createIncidentsRepository(prisma),
    syncCursors: createSyncCursorsRepository(prisma),
    outbox: createOutboxRepository(prisma),
    notifications: createNotificationsRepository(prisma),
    /** Closes the connection pool. */
    close: () => prisma.$disconnect(),
  };
}

export type Database = ReturnType<typeof createDatabase>;

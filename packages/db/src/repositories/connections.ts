import { randomUUID } from 'node:crypto';
import { redactString, redactValue, registerSecret } from '@connector/logger';
import { z } from 'zod';
import {
  type ConnectionSettings,
  type ConnectionSettingsInput,
  connectionSettingsSchema,
} from '../connection-settings.js';
import {
  type Connection as ConnectionRow,
  type ConnectionStatus,
  Prisma,
  type PrismaClient,
} from '../generated/prisma/client.js';
import {
  hashNotificationToken,
  notificationTokenFor,
  notificationTokenMatches,
} from '../notification-token.js';
import { decryptSecret, encryptSecret } from '../secret-box.js';
import { translateUniqueViolation } from '../unique-violation.js';

/** The settings form of one tenant, secrets in plaintext. */
export interface NewConnection {
  lifeposOrgId: string;
  lifeposPhone: string;
  lifeposPassword: string;
  retailcrmUrl: string;
  retailcrmApiKey: string;
  errorUserGroupCode: string;
  cashPaymentTypeCode: string;
  cashlessPaymentTypeCode: string;
  status?: ConnectionStatus;
  disabledReason?: string | null;
  /** The LIFE POS organization's name as its API gave it (what operators call the connection). */
  lifeposOrgName?: string | null;
  /** Replaces the stored settings; left-out keys get their defaults. */
  settings?: ConnectionSettingsInput;
}

export type ConnectionUpdate = Partial<NewConnection>;

/**
 * A connection without its secrets: what periodic passes over every connection and the per-request
 * lookups of the ingress and the notification receiver read (nothing decrypted, nothing to mask in logs).
 */
export interface ConnectionSummary {
  id: string;
  status: ConnectionStatus;
  disabledReason: string | null;
  settings: ConnectionSettings;
}

/** Which connection changed when: its id, status and `updatedAt` (no settings, no secrets). */
export interface ConnectionVersion {
  id: string;
  status: ConnectionStatus;
  updatedAt: Date;
}

/** The settings that give a connection's periodic runs their periods. */
type ScheduleSettings = Pick<
  ConnectionSettings,
  'syncEveryMinutes' | 'reconcileEverySeconds' | 'sweepEverySeconds' | 'lifeposPollSeconds'
>;

/** What the schedule keepers read of a connection: its status and the periods of its runs, nothing more. */
export interface ScheduledConnectionRow {
  id: string;
  status: ConnectionStatus;
  settings: ScheduleSettings;
}

/** A page of `listScheduled`: the connections after `afterId` in id order, of the given `ids` only if set. */
export interface ScheduledPage {
  afterId?: string;
  /** How many at most; 500 by default. */
  limit?: number;
  ids?: readonly string[];
}

const SUMMARY_COLUMNS = { id: true, status: true, disabledReason: true, settings: true } as const;

function toSummary(row: Pick<ConnectionRow, keyof typeof SUMMARY_COLUMNS>): ConnectionSummary {
  return {
    id: row.id,
    status: row.status,
    disabledReason: row.disabledReason,
    settings: parseSettings(row.id, row.settings),
  };
}

/** A connection as the apps use it: secrets decrypted (and registered with the logger), settings complete. */
export interface ConnectionRecord
  extends Omit<
    ConnectionRow,
    'lifeposPasswordEnc' | 'retailcrmApiKeyEnc' | 'settings' | 'notificationTokenHash'
  > {
  lifeposPassword: string;
  retailcrmApiKey: string;
  /** The secret segment of the notification URL (derived, never stored; see `notification-token.ts`). */
  notificationToken: string;
  settings: ConnectionSettings;
}

export interface CheckResult {
  ok: boolean;
  /** What went wrong; ignored when ok. Stored with secrets masked. */
  error?: string;
  /** The whole report, shown when the connection's page opens (stored with secrets masked). */
  report?: Prisma.InputJsonValue;
  /** The organization's name the check read; left as stored when undefined. */
  lifeposOrgName?: string | null;
  /** The RetailCRM account's IANA time zone the check read; left as stored when undefined. */
  retailcrmTimeZone?: string;
}

// Ids reach the console through URLs; a malformed one is simply not found (PostgreSQL would reject it).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SECRET_FIELDS = {
  lifeposPassword: 'lifeposPasswordEnc',
  retailcrmApiKey: 'retailcrmApiKeyEnc',
} as const;

function parseSettings(connectionId: string, stored: unknown): ConnectionSettings {
  const result = connectionSettingsSchema.safeParse(stored ?? {});
  if (!result.success)
    throw new Error(`Connection ${connectionId} has invalid settings:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** How a row becomes a record and back: secrets sealed to their row and opened, settings validated. */
function connectionCodec(prisma: PrismaClient, secretsKey: Buffer) {
  const seal = (connectionId: string, field: string, plaintext: string) =>
    encryptSecret(secretsKey, plaintext, { connectionId, field });

  const toRecord = (row: ConnectionRow): ConnectionRecord => {
    const { lifeposPasswordEnc, retailcrmApiKeyEnc, settings, notificationTokenHash, ...rest } = row;
    const lifeposPassword = decryptSecret(secretsKey, lifeposPasswordEnc, {
      connectionId: row.id,
      field: SECRET_FIELDS.lifeposPassword,
    });
    const retailcrmApiKey = decryptSecret(secretsKey, retailcrmApiKeyEnc, {
      connectionId: row.id,
      field: SECRET_FIELDS.retailcrmApiKey,
    });
    registerSecret(lifeposPassword);
    registerSecret(retailcrmApiKey);
    // The token is the only thing guarding the notification URL, so it is masked in logs as well.
    const notificationToken = notificationTokenFor(secretsKey, row.id);
    registerSecret(notificationToken);
    return {
      ...rest,
      lifeposPassword,
      retailcrmApiKey,
      notificationToken,
      settings: parseSettings(row.id, settings),
    };
  };

  /** Column values for the given form fields: secrets sealed to this row, settings validated. */
  const columns = (connectionId: string, input: ConnectionUpdate) => {
    const { lifeposPassword, retailcrmApiKey, settings, ...plain } = input;
    return {
      ...plain,
      ...(lifeposPassword !== undefined && {
        lifeposPasswordEnc: seal(connectionId, SECRET_FIELDS.lifeposPassword, lifeposPassword),
      }),
      ...(retailcrmApiKey !== undefined && {
        retailcrmApiKeyEnc: seal(connectionId, SECRET_FIELDS.retailcrmApiKey, retailcrmApiKey),
      }),
      ...(settings !== undefined && { settings: connectionSettingsSchema.parse(settings) }),
    };
  };

  const findOne = async (where: Prisma.ConnectionWhereUniqueInput) => {
    const row = await prisma.connection.findUnique({ where });
    return row ? toRecord(row) : null;
  };

  return { seal, toRecord, columns, findOne };
}

type ConnectionCodec = ReturnType<typeof connectionCodec>;

/** Creating, changing and deleting connections. */
function connectionWrites(prisma: PrismaClient, secretsKey: Buffer, codec: ConnectionCodec) {
  const { seal, toRecord, columns } = codec;
  return {
    /** Stores a new tenant with a fresh id and notification token. Throws UniqueViolationError for a known org. */
    async create(input: NewConnection): Promise<ConnectionRecord> {
      const id = randomUUID();
      const { lifeposPassword, retailcrmApiKey, settings, ...plain } = input;
      const row = await translateUniqueViolation(() =>
        prisma.connection.create({
          data: {
            ...plain,
            id,
            lifeposPasswordEnc: seal(id, SECRET_FIELDS.lifeposPassword, lifeposPassword),
            retailcrmApiKeyEnc: seal(id, SECRET_FIELDS.retailcrmApiKey, retailcrmApiKey),
            settings: connectionSettingsSchema.parse(settings ?? {}),
            notificationTokenHash: hashNotificationToken(notificationTokenFor(secretsKey, id)),
            ...(plain.status === 'active' && { activatedAt: new Date() }),
          },
        }),
      );
      return toRecord(row);
    },

    /**
     * Changes the given fields (secrets re-encrypted); null when there is no such connection. Becoming
     * active (from draft or disabled) stamps `activatedAt`; saving an active connection again does not.
     */
    async update(anyCaseId: string, input: ConnectionUpdate): Promise<ConnectionRecord | null> {
      if (!UUID.test(anyCaseId)) return null;
      // Secrets are sealed to the id as PostgreSQL returns it (lower case).
      const id = anyCaseId.toLowerCase();
      if (input.status === 'active') {
        await prisma.connection.updateMany({
          where: { id, status: { not: 'active' } },
          data: { activatedAt: new Date() },
        });
      }
      const row = await translateUniqueViolation(async () => {
        try {
          return await prisma.connection.update({ where: { id }, data: columns(id, input) });
        } catch (error) {
          if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return null;
          throw error;
        }
      });
      return row ? toRecord(row) : null;
    },

    /** Deletes the tenant and, by cascade, every row that belongs to it. */
    async delete(id: string): Promise<boolean> {
      if (!UUID.test(id)) return false;
      const { count } = await prisma.connection.deleteMany({ where: { id } });
      return count > 0;
    },
  };
}

/** Finding connections: by id, by LIFE POS organization, all of them. */
function connectionLookups(prisma: PrismaClient, codec: ConnectionCodec) {
  const { toRecord, findOne } = codec;
  return {
    get: async (id: string) => (UUID.test(id) ? findOne({ id }) : null),

    /** The tenant of a RetailCRM trigger (`client_id`). */
    findByOrgId: (lifeposOrgId: string) => findOne({ lifeposOrgId }),

    /** `get` without the secrets. */
    async getSummary(id: string): Promise<ConnectionSummary | null> {
      if (!UUID.test(id)) return null;
      const row = await prisma.connection.findUnique({ where: { id }, select: SUMMARY_COLUMNS });
      return row ? toSummary(row) : null;
    },

    /** `findByOrgId` without the secrets: the ingress's lookup of a trigger's tenant. */
    async findSummaryByOrgId(lifeposOrgId: string): Promise<ConnectionSummary | null> {
      const row = await prisma.connection.findUnique({ where: { lifeposOrgId }, select: SUMMARY_COLUMNS });
      return row ? toSummary(row) : null;
    },

    async list(filter: { status?: ConnectionStatus } = {}): Promise<ConnectionRecord[]> {
      const rows = await prisma.connection.findMany({
        where: filter.status ? { status: filter.status } : {},
        orderBy: { createdAt: 'asc' },
      });
      return rows.map(toRecord);
    },

    /**
     * Every connection's id, status and settings (or only those of the given ids), without reading (or
     * decrypting) its secrets. The schedule keepers read `listScheduled` instead: a page of small rows.
     */
    async listSummaries(filter: { ids?: readonly string[] } = {}): Promise<ConnectionSummary[]> {
      const ids = filter.ids?.filter((id) => UUID.test(id)).map((id) => id.toLowerCase());
      if (ids?.length === 0) return [];
      const rows = await prisma.connection.findMany({
        ...(ids !== undefined && { where: { id: { in: ids } } }),
        select: SUMMARY_COLUMNS,
        orderBy: { createdAt: 'asc' },
      });
      return rows.map(toSummary);
    },

    /**
     * Every connection's id, status and last change (`updatedAt`, stamped by every write through the
     * repository): the cheap list the schedule keeper reads each minute to tell which connections changed,
     * and which are gone, since its last pass.
     */
    async listVersions(): Promise<ConnectionVersion[]> {
      return prisma.connection.findMany({
        select: { id: true, status: true, updatedAt: true },
        orderBy: { createdAt: 'asc' },
      });
    },
  };
}

const SCHEDULED_PAGE = 500;

/** The schedule keepers' reads: small rows, a page at a time (10,000 connections' settings would not fit). */
function scheduleReads(prisma: PrismaClient) {
  return {
    /**
     * A page of connections with their status and the periods of their runs (the defaults applied, like
     * every settings read), in id order: the next page starts after the last id of this one. Secrets and
     * the rest of the settings are not returned, so a keeper's full pass holds one page of small rows.
     */
    async listScheduled(page: ScheduledPage = {}): Promise<ScheduledConnectionRow[]> {
      const ids = page.ids?.filter((id) => UUID.test(id)).map((id) => id.toLowerCase());
      if (ids?.length === 0) return [];
      const rows = await prisma.connection.findMany({
        where: {
          id: {
            ...(ids !== undefined && { in: ids }),
            ...(page.afterId !== undefined && { gt: page.afterId.toLowerCase() }),
          },
        },
        select: { id: true, status: true, settings: true },
        orderBy: { id: 'asc' },
        take: page.limit ?? SCHEDULED_PAGE,
      });
      return rows.map(({ id, status, settings }) => {
        // The parsed settings are dropped at once: only the four periods stay.
        const { syncEveryMinutes, reconcileEverySeconds, sweepEverySeconds, lifeposPollSeconds } =
          parseSettings(id, settings);
        return {
          id,
          status,
          settings: { syncEveryMinutes, reconcileEverySeconds, sweepEverySeconds, lifeposPollSeconds },
        };
      });
    },
  };
}

/** The notification URL's token: which connection it names, and moving to the derived one. */
function notificationTokens(prisma: PrismaClient, secretsKey: Buffer) {
  return {
    /**
     * The tenant of a LIFE POS notification URL, without its secrets: looked up by the token's hash,
     * compared in constant time.
     */
    async findByNotificationToken(notificationToken: string): Promise<ConnectionSummary | null> {
      const notificationTokenHash = hashNotificationToken(notificationToken);
      const row = await prisma.connection.findUnique({
        where: { notificationTokenHash },
        select: { ...SUMMARY_COLUMNS, notificationTokenHash: true },
      });
      return row && notificationTokenMatches(row.notificationTokenHash, notificationToken)
        ? toSummary(row)
        : null;
    },

    /**
     * Makes the derived token (`record.notificationToken`) the one notifications are accepted with. A no-op for
     * connections created since tokens are derived; a connection from before keeps the random token it was
     * subscribed with until then. Call right after subscribing LIFE POS to the derived URL. True when it moved.
     */
    async adoptNotificationToken(id: string): Promise<boolean> {
      if (!UUID.test(id)) return false;
      const notificationTokenHash = hashNotificationToken(notificationTokenFor(secretsKey, id.toLowerCase()));
      const { count } = await prisma.connection.updateMany({
        where: { id: id.toLowerCase(), notificationTokenHash: { not: notificationTokenHash } },
        data: { notificationTokenHash },
      });
      return count > 0;
    },
  };
}

/** The outcome of the last check and sync, shown to operators. */
function connectionHealth(prisma: PrismaClient) {
  return {
    /** Health of the last account check (both APIs reachable with the stored credentials). */
    async recordCheck(id: string, result: CheckResult, at = new Date()): Promise<void> {
      await prisma.connection.update({
        where: { id },
        data: {
          lastCheckAt: at,
          lastCheckOk: result.ok,
          // Shown to operators; error texts sometimes quote a request with its credentials.
          lastError: result.ok ? null : redactString(result.error ?? 'check failed'),
          ...(result.report !== undefined && {
            lastCheckReport: redactValue(result.report) as Prisma.InputJsonValue,
          }),
          ...(result.lifeposOrgName !== undefined && { lifeposOrgName: result.lifeposOrgName }),
          ...(result.retailcrmTimeZone !== undefined && { retailcrmTimeZone: result.retailcrmTimeZone }),
        },
      });
    },

    /**
     * Bookkeeping, not a change of the connection: `updatedAt` (what the schedule keepers and the tenant
     * runtime's client cache compare) stays as it is, so a sync every few minutes does not make every
     * keeper re-read the connection and every worker rebuild its clients.
     */
    async recordSync(id: string, at = new Date()): Promise<void> {
      await prisma.$executeRaw`UPDATE "Connection" SET "lastSyncAt" = ${at} WHERE "id" = ${id}::uuid`;
    },
  };
}

export function createConnectionsRepository(prisma: PrismaClient, secretsKey: Buffer) {
  const codec = connectionCodec(prisma, secretsKey);
  return {
    ...connectionWrites(prisma, secretsKey, codec),
    ...connectionLookups(prisma, codec),
    ...scheduleReads(prisma),
    ...notificationTokens(prisma, secretsKey),
    ...connectionHealth(prisma),
  };
}

export type ConnectionsRepository = ReturnType<typeof createConnectionsRepository>;

import type { ConnectionRecord, ConnectionSettings, Database } from '@connector/db';
import { connectionSettingsSchema, UniqueViolationError } from '@connector/db';
import type { Logger } from '@connector/logger';
import { type Producer, requestSweep, syncSchedulerId } from '@connector/queue';
import type { TenantRuntime } from '@connector/tenant';
import type { Queue } from 'bullmq';
import type { BuildCheckClients } from './check-clients.js';
import { type CheckLine, type CheckReport, loadReferenceBooks, type ReferenceBooks } from './checks/index.js';
import { fail, type ServiceSteps, serviceSteps } from './connection-activation.js';
import {
  draftOfStored,
  type FieldErrors,
  parseCreateInput,
  parseUpdateInput,
} from './connection-input.schema.js';
import type { Text } from './i18n.js';
import { type TriggerInstructions, triggerInstructions } from './trigger-instructions.js';

/**
 * What the settings form and `/api/connections` do, in one place so both validate and decide alike:
 * check → store (secrets encrypted by the repository) → activate only when no check is an error.
 */

/** A line of the activation (after the checks): the notification subscription and the first sync. */
export interface ActivationLine {
  id: 'activation.subscribe' | 'activation.sync';
  status: 'ok' | 'warning' | 'error';
  title: Text;
  message: Text;
  action?: Text;
}

export type ReportLine = CheckLine | ActivationLine;

export type SaveResult =
  | { kind: 'invalid'; fieldErrors: FieldErrors }
  | { kind: 'not-found' }
  /** Another connection has this LIFE POS organization. */
  | { kind: 'conflict'; existingId: string }
  | {
      kind: 'rejected';
      report: CheckReport;
      activation: ActivationLine[];
      /** The connection as stored now (a draft keeps the new values; an active one keeps its old ones). */
      connection: ConnectionRecord | undefined;
      /** Whether the new values were stored (as a draft); false for a working connection kept as it was. */
      saved: boolean;
    }
  | {
      kind: 'activated';
      report: CheckReport;
      activation: ActivationLine[];
      connection: ConnectionRecord;
      triggers: TriggerInstructions;
    };

export interface ConnectionServiceOptions {
  db: Database;
  buildClients: BuildCheckClients;
  /** Opens stored connections (with the shared LIFE POS token store) for the subscription. */
  runtime: TenantRuntime;
  producer: Producer;
  /** The `sync` queue, to drop a disabled connection's periodic sync at once. */
  syncQueue: Queue;
  publicUrl: string;
  triggerUrl: string;
  logger: Logger;
}

const DEFAULT_SETTINGS = connectionSettingsSchema.parse({});

/**
 * The settings a new connection's input chose: given and unlike the defaults (the form sends every field
 * with its default filled in). The rest are proposed from the account's books.
 */
function givenKeys(raw: unknown, settings: ConnectionSettings): Set<string> {
  const given = (raw as { settings?: unknown } | null | undefined)?.settings;
  if (typeof given !== 'object' || given === null) return new Set();
  const changed = (key: string) =>
    JSON.stringify(settings[key as keyof ConnectionSettings]) !==
    JSON.stringify(DEFAULT_SETTINGS[key as keyof ConnectionSettings]);
  return new Set(Object.keys(given).filter(changed));
}

/** A check as stored on the connection: its lines (activation included), when, who; not the books. */
export interface StoredCheck {
  ok: boolean;
  checkedAt: string;
  lines: ReportLine[];
  lifepos?: CheckReport['lifepos'];
}

/** The stored check of a connection, when there is one of this shape. */
export function storedCheckOf(
  connection: Pick<ConnectionRecord, 'lastCheckReport'>,
): StoredCheck | undefined {
  const value = connection.lastCheckReport as Partial<StoredCheck> | null;
  if (!value || !Array.isArray(value.lines) || typeof value.checkedAt !== 'string') return undefined;
  return value as StoredCheck;
}

type CheckInputResult =
  | { kind: 'invalid'; fieldErrors: FieldErrors }
  | { kind: 'checked'; report: CheckReport };
type CheckUpdateResult = { kind: 'not-found' } | CheckInputResult;

/** A connection stored as it was given although a check failed: its report, shown on its page. */
async function savedButRejected(
  steps: ServiceSteps,
  connection: ConnectionRecord,
  report: CheckReport,
): Promise<SaveResult> {
  await steps.recordCheck(connection.id, report);
  return {
    kind: 'rejected',
    report,
    activation: [],
    connection: (await steps.options.db.connections.get(connection.id)) ?? connection,
    saved: true,
  };
}

/**
 * A new connection. Stored in any case (as a draft when a check failed, so the person fixes the rest
 * without typing the secrets again); activated only when no check is an error.
 */
async function createConnection(steps: ServiceSteps, raw: unknown): Promise<SaveResult> {
  const { db, logger } = steps.options;
  const parsed = parseCreateInput(raw);
  if (!parsed.ok) return { kind: 'invalid', fieldErrors: parsed.fieldErrors };
  const { draft } = parsed;
  const existing = await db.connections.findByOrgId(draft.lifeposOrgId);
  if (existing) return { kind: 'conflict', existingId: existing.id };
  const report = await steps.check(draft, { propose: { given: givenKeys(raw, draft.settings) } });
  let connection: ConnectionRecord;
  try {
    connection = await db.connections.create({
      ...draft,
      settings: report.settings ?? draft.settings,
      status: 'draft',
      lifeposOrgName: report.lifepos?.orgName ?? null,
    });
  } catch (error) {
    if (!(error instanceof UniqueViolationError)) throw error;
    const raced = await db.connections.findByOrgId(draft.lifeposOrgId);
    return { kind: 'conflict', existingId: raced?.id ?? '' };
  }
  logger.info('connection created', { connectionId: connection.id, checksOk: report.ok });
  if (!report.ok) return savedButRejected(steps, connection, report);
  return steps.finish(connection, report);
}

/**
 * A change. A connection that works keeps its stored values until a configuration passes the checks;
 * a draft or disabled one stores the change and is activated when it passes.
 */
async function updateConnection(steps: ServiceSteps, id: string, raw: unknown): Promise<SaveResult> {
  const { db, logger } = steps.options;
  const stored = await db.connections.get(id);
  if (!stored) return { kind: 'not-found' };
  const parsed = parseUpdateInput(raw, stored);
  if (!parsed.ok) return { kind: 'invalid', fieldErrors: parsed.fieldErrors };
  const { draft } = parsed;
  if (draft.lifeposOrgId !== stored.lifeposOrgId) {
    const other = await db.connections.findByOrgId(draft.lifeposOrgId);
    if (other && other.id !== stored.id) return { kind: 'conflict', existingId: other.id };
  }
  const report = await steps.check(draft);
  if (!report.ok && stored.status === 'active') {
    return { kind: 'rejected', report, activation: [], connection: stored, saved: false };
  }
  if (stored.status === 'active' && draft.lifeposOrgId !== stored.lifeposOrgId) {
    // The old organization must stop sending its notifications here.
    await steps.unsubscribe(stored);
  }
  let updated: ConnectionRecord | null;
  try {
    updated = await db.connections.update(stored.id, draft);
  } catch (error) {
    if (!(error instanceof UniqueViolationError)) throw error;
    const other = await db.connections.findByOrgId(draft.lifeposOrgId);
    return { kind: 'conflict', existingId: other?.id ?? '' };
  }
  if (!updated) return { kind: 'not-found' };
  logger.info('connection updated', { connectionId: updated.id, checksOk: report.ok });
  if (!report.ok) return savedButRejected(steps, updated, report);
  return steps.finish(updated, report);
}

/** Stops the connection: no triggers accepted, no notifications, no periodic sync. */
async function disableConnection(
  steps: ServiceSteps,
  id: string,
  reason: string,
): Promise<ConnectionRecord | undefined> {
  const { db, logger, syncQueue } = steps.options;
  const stored = await db.connections.get(id);
  if (!stored) return undefined;
  const disabled = await db.connections.update(stored.id, { status: 'disabled', disabledReason: reason });
  await steps.unsubscribe(stored);
  try {
    await syncQueue.removeJobScheduler(syncSchedulerId(stored.id));
  } catch (error) {
    // The sync worker drops schedulers of connections that are not active on its own, minutes later.
    logger.warn('could not remove the sync schedule now', {
      connectionId: stored.id,
      error: fail(error),
    });
  }
  logger.info('connection disabled', { connectionId: stored.id });
  return disabled ?? undefined;
}

/** The checks without storing a configuration, and again on a stored one (recorded as its health). */
function checkOperations(steps: ServiceSteps) {
  const { db } = steps.options;
  return {
    /** Checks a configuration without storing anything. */
    async checkInput(raw: unknown): Promise<CheckInputResult> {
      const parsed = parseCreateInput(raw);
      if (!parsed.ok) return { kind: 'invalid', fieldErrors: parsed.fieldErrors };
      const given = givenKeys(raw, parsed.draft.settings);
      return { kind: 'checked', report: await steps.check(parsed.draft, { propose: { given } }) };
    },

    /** Checks a change of a stored connection without storing it. */
    async checkUpdate(id: string, raw: unknown): Promise<CheckUpdateResult> {
      const stored = await db.connections.get(id);
      if (!stored) return { kind: 'not-found' };
      const parsed = parseUpdateInput(raw, stored);
      if (!parsed.ok) return { kind: 'invalid', fieldErrors: parsed.fieldErrors };
      return { kind: 'checked', report: await steps.check(parsed.draft) };
    },

    /** Checks a stored configuration again and records the outcome as its health. */
    async checkStored(id: string): Promise<CheckReport | undefined> {
      const stored = await db.connections.get(id);
      if (!stored) return undefined;
      const report = await steps.check(draftOfStored(stored));
      await steps.recordCheck(stored.id, report);
      return report;
    },
  };
}

/** What a stored connection offers besides saving: a sweep now, its trigger settings, its books. */
function connectionExtras(steps: ServiceSteps) {
  const { db, producer, logger, buildClients, triggerUrl } = steps.options;
  return {
    /** Asks the reconcile worker for a convergence sweep of an active connection now («Сверить сейчас»). */
    async sweepNow(id: string): Promise<'queued' | 'inactive' | 'not-found'> {
      const stored = await db.connections.get(id);
      if (!stored) return 'not-found';
      if (stored.status !== 'active') return 'inactive';
      await requestSweep(producer, stored.id);
      logger.info('convergence sweep requested', { connectionId: stored.id });
      return 'queued';
    },

    /** The trigger settings of a stored connection. */
    triggers(connection: ConnectionRecord, books?: ReferenceBooks): TriggerInstructions {
      return triggerInstructions(triggerUrl, connection.lifeposOrgId, connection.settings, books);
    },

    /** The account's reference books for the form's choices (undefined when RetailCRM does not answer). */
    async referenceBooks(connection: ConnectionRecord): Promise<ReferenceBooks | undefined> {
      return loadReferenceBooks(buildClients(draftOfStored(connection)).retailcrm);
    },
  };
}

export function createConnectionService(options: ConnectionServiceOptions) {
  const steps = serviceSteps(options);
  return {
    ...checkOperations(steps),
    create: (raw: unknown) => createConnection(steps, raw),
    update: (id: string, raw: unknown) => updateConnection(steps, id, raw),
    disable: (id: string, reason: string) => disableConnection(steps, id, reason),
    ...connectionExtras(steps),
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;

/** How operators call a connection: the LIFE POS organization's name and the RetailCRM account's host. */
export function connectionName(connection: {
  lifeposOrgName: string | null;
  lifeposOrgId: string;
  retailcrmUrl: string;
}): string {
  const host = connection.retailcrmUrl.replace(/^https?:\/\//, '');
  return `${connection.lifeposOrgName ?? connection.lifeposOrgId} · ${host}`;
}

/** A connection as pages and the API show it: never a secret, never the notification token. */
export interface PublicConnection {
  id: string;
  lifeposOrgId: string;
  /** The organization's name in LIFE POS (null until a check read it). */
  lifeposOrgName: string | null;
  lifeposPhone: string;
  retailcrmUrl: string;
  errorUserGroupCode: string;
  cashPaymentTypeCode: string;
  cashlessPaymentTypeCode: string;
  status: string;
  disabledReason: string | null;
  /** The RetailCRM account's IANA time zone (null until a check read it): the connection's times are in it. */
  retailcrmTimeZone: string | null;
  settings: ConnectionSettings;
  health: {
    lastCheckAt: string | null;
    lastCheckOk: boolean | null;
    lastError: string | null;
    lastSyncAt: string | null;
    /** The last check's lines, shown when the connection's page opens. */
    lastCheck: StoredCheck | null;
  };
  createdAt: string;
  updatedAt: string;
}

export function publicConnection(connection: ConnectionRecord): PublicConnection {
  return {
    id: connection.id,
    lifeposOrgId: connection.lifeposOrgId,
    lifeposOrgName: connection.lifeposOrgName,
    lifeposPhone: connection.lifeposPhone,
    retailcrmUrl: connection.retailcrmUrl,
    errorUserGroupCode: connection.errorUserGroupCode,
    cashPaymentTypeCode: connection.cashPaymentTypeCode,
    cashlessPaymentTypeCode: connection.cashlessPaymentTypeCode,
    status: connection.status,
    disabledReason: connection.disabledReason,
    retailcrmTimeZone: connection.retailcrmTimeZone,
    settings: connection.settings,
    health: {
      lastCheckAt: connection.lastCheckAt?.toISOString() ?? null,
      lastCheckOk: connection.lastCheckOk,
      lastError: connection.lastError,
      lastSyncAt: connection.lastSyncAt?.toISOString() ?? null,
      lastCheck: storedCheckOf(connection) ?? null,
    },
    createdAt: connection.createdAt.toISOString(),
    updatedAt: connection.updatedAt.toISOString(),
  };
}

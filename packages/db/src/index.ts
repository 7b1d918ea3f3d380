export {
  type ConnectionSettings,
  type ConnectionSettingsInput,
  connectionSettingsSchema,
} from './connection-settings.js';
export {
  createDatabase,
  createPrismaClient,
  type Database,
  type DatabaseOptions,
  type DatabaseTimeouts,
  DEFAULT_DATABASE_TIMEOUTS,
  databaseTimeouts,
} from './database.js';
export { isDatabaseUnavailable } from './database-unavailable.js';
export {
  type Connection as ConnectionRow,
  ConnectionStatus,
  type CourierLink,
  type Incident,
  IncidentStatus,
  type IncidentSubject,
  type LifeposNotification,
  type OrderEvent as OrderEventRow,
  type OrderLink,
  OrderLinkState,
  type Outbox as OutboxRow,
  type OutletLink,
  type PaymentLink as PaymentLinkRow,
  PaymentLinkStatus,
  PaymentPart,
  Prisma,
  PrismaClient,
  type SyncCursor as SyncCursorRow,
} from './generated/prisma/client.js';
export {
  type MigrateOptions,
  type MigrateResult,
  MigrationError,
  migrate,
  migrationChecksum,
  PRISMA_MIGRATION_LOCK_KEY,
  resolveMigrationsDir,
} from './migrate.js';
export type {
  CheckResult,
  ConnectionRecord,
  ConnectionSummary,
  ConnectionsRepository,
  ConnectionUpdate,
  ConnectionVersion,
  NewConnection,
  ScheduledConnectionRow,
  ScheduledPage,
} from './repositories/connections.js';
export type { CourierLinkData, CourierLinksRepository } from './repositories/courier-links.js';
export {
  type IncidentListCursor,
  type IncidentListFilter,
  type IncidentSubjectRef,
  type IncidentsNeedingAttention,
  type IncidentsRepository,
  LISTED_SUBJECTS,
  type ListedIncident,
  type NewIncident,
  type OrderInIncident,
} from './repositories/incidents.js';
export type { NotificationsRepository } from './repositories/notifications.js';
export type {
  NewOrderEvent,
  OrderEventEntry,
  OrderEventRecord,
  OrderEventsRepository,
  OrderEventType,
} from './repositories/order-events.js';
export type { OrderLinkData, OrderLinksRepository } from './repositories/order-links.js';
export {
  latestFactsQuery,
  type OrderFact,
  type OrderListCursor,
  type OrderListFilter,
  type OrderListRepository,
  type OrderRef,
  orderListQuery,
} from './repositories/order-list.js';
export type {
  HeldBackRefundMark,
  OrderMarksRepository,
  OrderTrigger,
  SaleWriteBackMarks,
  TriggerReceipt,
  WriteBackMark,
} from './repositories/order-marks.js';
export type { NewOutboxEntry, OutboxEntry, OutboxRepository } from './repositories/outbox.js';
export type { OutletLinkData, OutletLinksRepository } from './repositories/outlet-links.js';
export type {
  PaymentLinkKey,
  PaymentLinkRecord,
  PaymentLinksRepository,
} from './repositories/payment-links.js';
export {
  type PendingEditOwner,
  type PendingEditRecord,
  type PendingEditsRepository,
  type PendingSecretField,
  type PendingSecrets,
  UNBOUND_EDIT_TTL_MS,
} from './repositories/pending-edits.js';
export type { RetentionRepository } from './repositories/retention.js';
export type {
  SyncCursorAdvance,
  SyncCursorRecord,
  SyncCursorsRepository,
} from './repositories/sync-cursors.js';
export {
  createTokenCipher,
  type NamedSecretCipher,
  SecretDecryptionError,
  type SecretLocation,
} from './secret-box.js';
export { asUniqueViolation, UniqueViolationError } from './unique-violation.js';

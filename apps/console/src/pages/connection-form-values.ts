import { type ConnectionSettings, connectionSettingsSchema } from '@connector/db';
import type { SaleState } from '@connector/domain';
import type { ReferenceBooks } from '../checks/index.js';
import type { FieldErrors } from '../connection-input.schema.js';
import type { ActivationLine, PublicConnection } from '../connection-service.js';
import type { Text } from '../i18n.js';
import type { SecretField } from '../kept-secrets.js';
import type { TriggerInstructions } from '../trigger-instructions.js';
import type { ShownCheck } from './check-report.js';

/** What the form shows in its fields: never a secret. */
export interface FormValues {
  lifeposOrgId: string;
  lifeposPhone: string;
  retailcrmUrl: string;
  errorUserGroupCode: string;
  cashPaymentTypeCode: string;
  cashlessPaymentTypeCode: string;
  settings: {
    exportStatuses: string[];
    cancelStatuses: string[];
    deleteStatuses: string[];
    refundPaymentStatuses: string[];
    saleStateToStatus: Partial<Record<SaleState, string>>;
    paidPaymentStatus: string;
    refundedPaymentStatus: string;
    deliveryTypeToOrderKind: Record<string, string>;
    retailcrmPerSecond: string;
    lifeposPerSecond: string;
    /** Empty: the first history reading starts from activation. */
    reconcileFrom: string;
    reconcileEverySeconds: string;
    lifeposPollSeconds: string;
    syncEveryMinutes: string;
    syncStoreTypes: string[];
    storeSites: Record<string, string>;
  };
}

function settingsValues(settings: ConnectionSettings): FormValues['settings'] {
  return {
    exportStatuses: settings.exportStatuses,
    cancelStatuses: settings.cancelStatuses,
    deleteStatuses: settings.deleteStatuses,
    refundPaymentStatuses: settings.refundPaymentStatuses,
    saleStateToStatus: settings.saleStateToStatus,
    paidPaymentStatus: settings.paidPaymentStatus,
    refundedPaymentStatus: settings.refundedPaymentStatus,
    deliveryTypeToOrderKind: settings.deliveryTypeToOrderKind,
    retailcrmPerSecond: String(settings.rateLimits.retailcrmPerSecond),
    lifeposPerSecond: String(settings.rateLimits.lifeposPerSecond),
    reconcileFrom: settings.reconcileFrom ?? '',
    reconcileEverySeconds: String(settings.reconcileEverySeconds),
    lifeposPollSeconds: String(settings.lifeposPollSeconds),
    syncEveryMinutes: String(settings.syncEveryMinutes),
    syncStoreTypes: settings.syncStoreTypes,
    storeSites: settings.storeSites,
  };
}

/** An empty form: the advanced section with its defaults (or the settings proposed for the account) filled in. */
export function emptyFormValues(settings?: ConnectionSettings): FormValues {
  return {
    lifeposOrgId: '',
    lifeposPhone: '',
    retailcrmUrl: '',
    errorUserGroupCode: '',
    cashPaymentTypeCode: '',
    cashlessPaymentTypeCode: '',
    settings: settingsValues(settings ?? connectionSettingsSchema.parse({})),
  };
}

export function formValuesOf(connection: PublicConnection): FormValues {
  return {
    lifeposOrgId: connection.lifeposOrgId,
    lifeposPhone: connection.lifeposPhone,
    retailcrmUrl: connection.retailcrmUrl,
    errorUserGroupCode: connection.errorUserGroupCode,
    cashPaymentTypeCode: connection.cashPaymentTypeCode,
    cashlessPaymentTypeCode: connection.cashlessPaymentTypeCode,
    settings: settingsValues(connection.settings),
  };
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');
/** A field left out of the input shows what it would keep. */
const shown = (value: unknown, kept: string) =>
  value === undefined ? kept : typeof value === 'number' ? String(value) : text(value);
const texts = (value: unknown) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
const record = (value: unknown): Record<string, string> =>
  typeof value === 'object' && value !== null
    ? Object.fromEntries(
        Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      )
    : {};

/** What was submitted (from `inputFromForm`), shown again after a refused save; secrets are not in it. */
export function formValuesOfInput(input: Record<string, unknown>, fallback: FormValues): FormValues {
  const settings =
    typeof input.settings === 'object' && input.settings !== null
      ? (input.settings as Record<string, unknown>)
      : undefined;
  const rates = (settings?.rateLimits ?? {}) as Record<string, unknown>;
  return {
    lifeposOrgId: text(input.lifeposOrgId),
    lifeposPhone: text(input.lifeposPhone),
    retailcrmUrl: text(input.retailcrmUrl),
    errorUserGroupCode: text(input.errorUserGroupCode),
    cashPaymentTypeCode: text(input.cashPaymentTypeCode),
    cashlessPaymentTypeCode: text(input.cashlessPaymentTypeCode),
    settings: settings
      ? {
          exportStatuses: texts(settings.exportStatuses),
          cancelStatuses: texts(settings.cancelStatuses),
          deleteStatuses: texts(settings.deleteStatuses),
          refundPaymentStatuses: texts(settings.refundPaymentStatuses),
          saleStateToStatus: record(settings.saleStateToStatus),
          paidPaymentStatus: text(settings.paidPaymentStatus),
          refundedPaymentStatus: text(settings.refundedPaymentStatus),
          deliveryTypeToOrderKind: record(settings.deliveryTypeToOrderKind),
          retailcrmPerSecond: rates.retailcrmPerSecond === undefined ? '' : String(rates.retailcrmPerSecond),
          lifeposPerSecond: rates.lifeposPerSecond === undefined ? '' : String(rates.lifeposPerSecond),
          reconcileFrom: shown(settings.reconcileFrom, fallback.settings.reconcileFrom),
          reconcileEverySeconds: shown(
            settings.reconcileEverySeconds,
            fallback.settings.reconcileEverySeconds,
          ),
          lifeposPollSeconds: shown(settings.lifeposPollSeconds, fallback.settings.lifeposPollSeconds),
          syncEveryMinutes: shown(settings.syncEveryMinutes, fallback.settings.syncEveryMinutes),
          syncStoreTypes:
            settings.syncStoreTypes === undefined
              ? fallback.settings.syncStoreTypes
              : texts(settings.syncStoreTypes),
          storeSites:
            settings.storeSites === undefined ? fallback.settings.storeSites : record(settings.storeSites),
        }
      : fallback.settings,
  };
}

export interface ConnectionFormView {
  /** Undefined for a new connection. */
  connection?: PublicConnection;
  values: FormValues;
  fieldErrors?: FieldErrors;
  /** A fresh check, or the one stored on the connection (shown when its page opens). */
  report?: ShownCheck;
  activation?: readonly ActivationLine[];
  /** Shown when the connection is active (after activation, or on its page). */
  triggers?: TriggerInstructions;
  books?: ReferenceBooks;
  notice?: { kind: 'ok' | 'error'; text: Text };
  /** Unresolved incidents of the stored connection. */
  openIncidents?: number;
  /** Secrets typed earlier and kept for the next try (`kept-secrets.ts`): named, never shown. */
  kept?: readonly SecretField[];
}

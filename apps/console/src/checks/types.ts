import type { ConnectionSettings } from '@connector/db';
import type { Text } from '../i18n.js';

export type CheckStatus = 'ok' | 'warning' | 'error' | 'skipped';

export type CheckId =
  | 'lifepos.sign_in'
  | 'lifepos.role'
  | 'retailcrm.account'
  | 'retailcrm.api_key'
  | 'retailcrm.error_group'
  | 'retailcrm.payment_types'
  | 'legal_entities.inn'
  | 'stores.outlets'
  | 'settings.codes';

export interface CheckLine {
  id: CheckId;
  status: CheckStatus;
  title: Text;
  message: Text;
  /** What to do about a warning or an error. */
  action?: Text;
}

/** The account's reference books the advanced settings offer choices from. */
export interface ReferenceBooks {
  statuses: { code: string; name: string; group?: string | undefined; active?: boolean | undefined }[];
  paymentStatuses: {
    code: string;
    name: string;
    active?: boolean | undefined;
    paymentComplete?: boolean | undefined;
  }[];
  paymentTypes: { code: string; name: string; active?: boolean | undefined }[];
  deliveryTypes: {
    code: string;
    name: string;
    active?: boolean | undefined;
    integrationCode?: string | undefined;
  }[];
  userGroups: { code: string; name: string }[];
  /** Stores and sites, for the store → site binding; present when RetailCRM listed them. */
  stores?: { code: string; name: string; type?: string | undefined; active?: boolean | undefined }[];
  sites?: { code: string; name: string }[];
}

/** Who the LIFE POS side is, as the check read it: names for the pages (never a secret). */
export interface LifePosIdentity {
  orgName: string | null;
  employeeId?: string | undefined;
  employeeName?: string | null | undefined;
}

export interface CheckReport {
  /** No line is an error. */
  ok: boolean;
  lines: CheckLine[];
  /** Present when RetailCRM answered with them. */
  books?: ReferenceBooks;
  /** Present when LIFE POS said which organization and employee these are. */
  lifepos?: LifePosIdentity;
  /** The settings checked, when they were proposed from the account's books (a new connection). */
  settings?: ConnectionSettings;
  /** The RetailCRM account's IANA time zone, when its settings could be read. */
  timeZone?: string;
  checkedAt: string;
}

export interface RunChecksOptions {
  /**
   * Propose the advanced settings from the account's books (`proposed-settings.ts`), except the keys
   * given here: a new connection starts with codes its account has.
   */
  propose?: { given: ReadonlySet<string> };
}

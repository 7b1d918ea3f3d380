import type { Logger } from '@connector/logger';
import type { FaultInjector } from '../faults.js';
import type { RequestLog } from '../request-log.js';
import type { UndeclaredExtensionMode } from './catalog.js';
import type {
  Employee,
  LegalEntity,
  Organization,
  Outlet,
  Role,
  RoleType,
  Sale,
  SalePayment,
  SaleRefund,
  Uom,
  Workplace,
} from './model.js';
import type { DeliveryRecord, NotificationSettings } from './notifications.js';
import type { Presentation } from './presentation.js';
import type { RateLimitSettings } from './rate-limiter.js';
import type { NumberUniqueness } from './sales.js';

/** What the LIFE POS simulator is built with, and what its seeding and inspection methods take and give. */

export interface LifePosSimulatorOptions {
  logger: Logger;
  faults: FaultInjector;
  requestLog: RequestLog;
  /** Token lifetime (G-2; default 24 h). */
  tokenTtlMs?: number;
  /** Rate limit given to each new organization (G-4; default 20 requests/s, on). */
  rateLimit?: Partial<RateLimitSettings>;
  notifications?: Partial<NotificationSettings>;
  /** Tax enum of positions (G-12; default the R18 list). */
  taxes?: readonly string[];
  /** Writes to an undeclared extension: 422 (default) or silently dropped. */
  undeclaredExtensions?: UndeclaredExtensionMode;
  /** Whether an archived sale keeps its number (G-5; default `alive`: the number is free again). */
  numberUniqueness?: NumberUniqueness;
  clock?: () => number;
  random?: () => number;
}

export interface CreateOrganizationInput {
  guid?: string;
  name?: string;
  alias?: string;
  owner?: { name?: string; username?: string; phone?: string; password?: string };
  legalEntity?: Partial<
    Pick<LegalEntity, 'juridical_name' | 'juridical_address' | 'inn' | 'kpp' | 'ogrn' | 'tax_systems'>
  >;
  outlet?: { name?: string; address?: string };
}

export interface SeededOrganization {
  organization: Organization;
  owner: Employee;
  /** Sign-in credentials of the Owner (`POST /auth/sign-in-by-phone`). */
  credentials: { phone: string; password: string };
  legalEntity: LegalEntity;
  outlet: Outlet;
  workplace: Workplace;
  roles: Record<RoleType, Role>;
  uoms: Uom[];
}

export interface AddEmployeeInput {
  name: string;
  phone?: string;
  username?: string;
  /** A role type (default Courier) or a role guid. */
  role?: RoleType | string;
  /** Set to let this phone sign in. */
  password?: string;
  email?: string | null;
  inn?: string | null;
  meta?: string | null;
  meta_data?: Record<string, unknown> | null;
}

/** Shortcut for tests: a sale with defaults for everything not given (kopecks). */
export interface SeedSaleInput {
  number?: string;
  guid?: string;
  /** Price of the single default position and the sale total, kopecks (default 150000). */
  total?: number;
  outlet?: string;
  workplace?: string | null;
  opened_by?: string;
  comment?: string | null;
  meta?: string | null;
  meta_data?: Record<string, unknown> | null;
}

export interface RefundActionInput {
  /** The payment to refund (default: the latest payment with something left). */
  payment?: string;
  cash?: number;
  card?: number;
  /** Total without parts: taken from cash first, then card. */
  total?: number;
}

export interface SaleWithDocuments {
  sale: Sale;
  payments: SalePayment[];
  refunds: SaleRefund[];
}

export interface SubscriptionInput {
  primaryUrl: string;
  secondaryUrl?: string | null;
  version?: string;
}

export interface ClientViewOptions {
  presentation?: Presentation;
  declaredExtensions?: ReadonlySet<string>;
}

export interface LifePosSnapshot {
  organizations: {
    organization: Organization;
    rate_limit: RateLimitSettings;
    employees: Employee[];
    legal_entities: LegalEntity[];
    outlets: Outlet[];
    workplaces: Workplace[];
    sales: SaleWithDocuments[];
  }[];
  token_ttl_ms: number;
  active_sessions: number;
  notifications: { settings: NotificationSettings; deliveries: DeliveryRecord[] };
}

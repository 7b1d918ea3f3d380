import { randomBytes } from 'node:crypto';
import { LifePosApiError, noPermissions, notFound, unauthorized } from './errors.js';
import {
  API_ROLE_TYPES,
  type Employee,
  type Organization,
  ROLE_TYPES,
  type Role,
  type RoleType,
  type Uom,
} from './model.js';
import { createOrgState, type OperationContext, type OrgState, tail } from './organization-state.js';
import { normalizePhone } from './validation.js';

/**
 * Accounts (phone + password), bearer sessions and organizations. A LIFE POS account is a phone that is an
 * employee in one or more organizations; the token is opaque, has a configurable TTL and no refresh (G-2);
 * only Owner / Administrator employees may use the API (docs/LIFEPOS-API.md, «Sign-in and tokens» [G6]).
 */

/** G-9: roles and units of measure are seeded with fixed guids (the same in every organization). */
export const ROLE_GUIDS: Record<RoleType, string> = {
  Owner: '0b7f6c2e-0000-4000-8000-000000000001',
  Administrator: '0b7f6c2e-0000-4000-8000-000000000002',
  Manager: '0b7f6c2e-0000-4000-8000-000000000003',
  Cashier: '0b7f6c2e-0000-4000-8000-000000000004',
  Courier: '0b7f6c2e-0000-4000-8000-000000000005',
  Guest: '0b7f6c2e-0000-4000-8000-000000000006',
};

const ROLE_NAMES: Record<RoleType, string> = {
  Owner: 'Владелец',
  Administrator: 'Администратор',
  Manager: 'Менеджер',
  Cashier: 'Кассир',
  Courier: 'Курьер',
  Guest: 'Гость',
};

export const UOM_GUIDS = {
  piece: '0b7f6c2e-0000-4000-8000-000000000796',
  kilogram: '0b7f6c2e-0000-4000-8000-000000000166',
  litre: '0b7f6c2e-0000-4000-8000-000000000112',
  metre: '0b7f6c2e-0000-4000-8000-000000000006',
  set: '0b7f6c2e-0000-4000-8000-000000000839',
} as const;

const UOMS: { key: keyof typeof UOM_GUIDS; name: string; code: string }[] = [
  { key: 'piece', name: 'шт', code: '796' },
  { key: 'kilogram', name: 'кг', code: '166' },
  { key: 'litre', name: 'л', code: '112' },
  { key: 'metre', name: 'м', code: '006' },
  { key: 'set', name: 'компл', code: '839' },
];

export interface Session {
  token: string;
  /** Normalized phone of the account. */
  phone: string;
  expiresAt: number;
}

export interface OrgAccess {
  org: OrgState;
  employee: Employee;
  role: Role;
}

export class LifePosStore {
  readonly orgs = new Map<string, OrgState>();
  /** Normalized phone → password. */
  private readonly accounts = new Map<string, string>();
  private readonly sessions = new Map<string, Session>();
  /** Every session opened, kept after its token expires (`sessions` forgets an expired token once used). */
  private readonly issued: Session[] = [];

  constructor(
    readonly ctx: OperationContext,
    private readonly clock: () => number,
    public tokenTtlMs: number,
  ) {}

  org(guid: string): OrgState {
    const org = this.findOrg(guid);
    if (!org) throw notFound(`Organization ${guid}`);
    return org;
  }

  findOrg(guid: string): OrgState | undefined {
    return this.orgs.get(guid);
  }

  /** Registers the password of a phone; one account may be an employee of several organizations. */
  setPassword(phone: string, password: string): void {
    const key = normalizePhone(phone);
    const existing = this.accounts.get(key);
    if (existing !== undefined && existing !== password) {
      throw new LifePosApiError(
        422,
        'PhoneIsAlreadyTaken',
        `Phone ${phone} already has an account with another password`,
      );
    }
    this.accounts.set(key, password);
  }

  signInByPhone(phone: string, password: string): string {
    const key = normalizePhone(phone);
    if (this.accounts.get(key) !== password) {
      throw new LifePosApiError(401, 'WrongUsernameOrPassword', 'Wrong phone or password');
    }
    return this.openSession(key);
  }

  /** `/auth/sign-in` with `full_username` = `username@org_alias` (G-16). */
  signInByUsername(fullUsername: string, password: string): string {
    const at = fullUsername.lastIndexOf('@');
    const username = fullUsername.slice(0, at).toLowerCase();
    const alias = fullUsername.slice(at + 1).toLowerCase();
    const org = [...this.orgs.values()].find((o) => o.organization.alias.toLowerCase() === alias);
    const employee = org
      ? [...org.employees.values()].find(
          (e) => e.deleted_at === null && e.username.toLowerCase() === username,
        )
      : undefined;
    if (at < 1 || !employee || this.accounts.get(normalizePhone(employee.phone)) !== password) {
      throw new LifePosApiError(401, 'WrongUsernameOrPassword', 'Wrong username or password');
    }
    return this.openSession(normalizePhone(employee.phone));
  }

  private openSession(phone: string): string {
    const token = randomBytes(32).toString('base64url');
    const session = { token, phone, expiresAt: this.clock() + this.tokenTtlMs };
    this.sessions.set(token, session);
    this.issued.push(session);
    return token;
  }

  authenticate(authorization: string | undefined): Session {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) throw unauthorized('Authorization: Bearer <token> is required');
    const session = this.sessions.get(match[1]);
    if (!session) throw unauthorized('The token is not valid');
    if (this.clock() >= session.expiresAt) {
      this.sessions.delete(session.token);
      throw unauthorized('The token has expired');
    }
    return session;
  }

  /** Expires every token (or those of one phone) at once, as if their TTL had run out. */
  expireTokens(phone?: string): number {
    let expired = 0;
    for (const session of this.sessions.values()) {
      if (phone === undefined || session.phone === normalizePhone(phone)) {
        session.expiresAt = this.clock();
        expired += 1;
      }
    }
    return expired;
  }

  /** Every token issued so far (expired ones too), oldest first, optionally of one phone. */
  issuedTokens(phone?: string): string[] {
    return this.issued
      .filter((session) => phone === undefined || session.phone === normalizePhone(phone))
      .map((session) => session.token);
  }

  sessionCount(): number {
    const now = this.clock();
    return [...this.sessions.values()].filter((session) => session.expiresAt > now).length;
  }

  employeeOf(org: OrgState, phone: string): Employee | undefined {
    return [...org.employees.values()].find(
      (employee) => employee.deleted_at === null && normalizePhone(employee.phone) === phone,
    );
  }

  /** The caller's employee in `orgGuid`, which must hold an API role (Owner / Administrator). */
  access(orgGuid: string, session: Session): OrgAccess {
    const org = this.org(orgGuid);
    const employee = this.employeeOf(org, session.phone);
    if (!employee) throw noPermissions('The signed-in phone is not an employee of this organization');
    const role = org.roles.get(employee.role.guid);
    if (!role || !API_ROLE_TYPES.includes(role.role_type)) {
      throw noPermissions(
        `Role ${role?.role_type ?? 'unknown'} has no API rights (Owner or Administrator required)`,
      );
    }
    return { org, employee, role };
  }

  organizationsOf(session: Session): Organization[] {
    return [...this.orgs.values()]
      .filter((org) => this.employeeOf(org, session.phone) !== undefined)
      .map((org) => org.organization);
  }

  /** A new organization with its seeded roles and units of measure. */
  addOrganization(organization: Organization): OrgState {
    const org = createOrgState(organization);
    const now = this.ctx.now();
    const owner = { guid: organization.guid, type_of: 'Organization' };
    for (const roleType of ROLE_TYPES) {
      org.roles.set(ROLE_GUIDS[roleType], {
        ...tail('Role', now, { guid: ROLE_GUIDS[roleType] }),
        type_of: 'Role',
        name: ROLE_NAMES[roleType],
        role_type: roleType,
        organization: owner,
      });
    }
    for (const uom of UOMS) {
      const seeded: Uom = {
        ...tail('Uom', now, { guid: UOM_GUIDS[uom.key] }),
        type_of: 'Uom',
        name: uom.name,
        code: uom.code,
        organization: owner,
      };
      org.uoms.set(seeded.guid, seeded);
    }
    this.orgs.set(organization.guid, org);
    return org;
  }

  reset(): void {
    this.orgs.clear();
    this.accounts.clear();
    this.sessions.clear();
    this.issued.length = 0;
  }
}

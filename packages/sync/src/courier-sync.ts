import type { CourierLink, Database } from '@connector/db';
import {
  courierMeta,
  employeeNameFor,
  employeePatchFor,
  normalizePhone,
  type PhoneHolder,
  phoneHolderOf,
  pickUsername,
  samePhone,
  usernameCandidates,
  workplaceNameFor,
} from '@connector/domain';
import {
  type Employee,
  hasLifePosApiCode,
  LIFEPOS_API_CODES,
  type ListParams,
  replaceFields,
  type Workplace,
} from '@connector/lifepos';
import type { Logger } from '@connector/logger';
import type { EntityLock } from '@connector/queue';
import type { RetailCrmCourier } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';
import {
  type CourierLabel,
  courierBadPhone,
  courierMissing,
  courierNoPhone,
  courierPhoneArchived,
  courierPhoneOfOwner,
  courierPhoneTaken,
  courierRoleMissing,
} from './sync-errors.js';
import { type WaitingLockOptions, withWaitingLock } from './waiting-lock.js';

/** A person may take a username between our look-up and our create: try a few more before giving up. */
const USERNAME_ATTEMPTS = 4;

export interface CourierSyncDeps {
  db: Database;
  lock: EntityLock;
  logger: Logger;
  lockWait?: WaitingLockOptions;
}

export interface CourierResult {
  employeeId: string;
  workplaceId: string;
  /** What this call did: `linked` = the courier got the employee that already had its phone. */
  employee: 'created' | 'linked' | 'patched' | 'unchanged';
  workplace: 'created' | 'unchanged';
}

export function courierLockKey(connectionId: string, courierId: number): string {
  return `sync:courier:${connectionId}:${courierId}`;
}

/** Alive objects the connector made for this courier (`query` is a substring search: check exactly). */
async function tagged<T extends { meta: string | null; deletedAt: string | null }>(
  all: (params: ListParams) => Promise<T[]>,
  meta: string,
): Promise<T[]> {
  const items = await all({ query: meta, selection: 'alive_only' });
  return items.filter((item) => item.meta === meta && item.deletedAt === null);
}

async function courierRoleGuid(tenant: Tenant, label: CourierLabel): Promise<string> {
  const roles = await tenant.lifepos.roles.all();
  const role =
    roles.find((candidate) => candidate.roleType?.toLowerCase() === 'courier') ??
    roles.find((candidate) => /курьер|courier/i.test(candidate.name ?? ''));
  if (!role) throw courierRoleMissing(label);
  return role.guid;
}

/** Every employee, archived ones too, and who of them holds `phone` (the owner looked up only then). */
async function phoneHolder(
  tenant: Tenant,
  phone: string,
): Promise<{ employees: Employee[]; holder: PhoneHolder<Employee> }> {
  const employees = await tenant.lifepos.employees.all({ selection: 'all' });
  const holders = employees.filter((employee) => samePhone(employee.phone, phone));
  const ownerGuid = holders.length > 0 ? (await tenant.lifepos.orgs.get()).owner?.guid : undefined;
  return { employees, holder: phoneHolderOf(phone, holders, ownerGuid) };
}

async function createEmployee(
  tenant: Tenant,
  courier: RetailCrmCourier,
  label: CourierLabel,
  phone: string,
  employees: readonly Employee[],
): Promise<Employee> {
  const roleGuid = await courierRoleGuid(tenant, label);
  const taken = new Set(employees.map((employee) => (employee.username ?? '').toLowerCase()));
  const candidates = usernameCandidates(courier, USERNAME_ATTEMPTS + 2);
  for (let attempt = 1; ; attempt += 1) {
    const username = pickUsername(candidates, taken);
    if (!username) throw new Error(`no free username for courier ${courier.id}`);
    try {
      return await tenant.lifepos.employees.create({
        name: label.name,
        username,
        phone,
        roleGuid,
        meta: courierMeta(courier.id),
      });
    } catch (error) {
      const usernameTaken = hasLifePosApiCode(error, LIFEPOS_API_CODES.usernameIsAlreadyTaken);
      if (!usernameTaken || attempt >= USERNAME_ATTEMPTS) throw error;
      taken.add(username);
    }
  }
}

/**
 * The employee of a courier the connector has made none for: the alive employee that already has the
 * courier's phone, else a new one. A create refused for the phone looks again: someone made that
 * employee meanwhile, or LIFE POS keeps the phone for an archived employee.
 */
async function employeeForPhone(
  tenant: Tenant,
  courier: RetailCrmCourier,
  label: CourierLabel,
  rawPhone: string | undefined,
): Promise<{ employee: Employee; linked: boolean }> {
  if (!rawPhone) throw courierNoPhone(label);
  const phone = normalizePhone(rawPhone);
  if (!phone) throw courierBadPhone(label, rawPhone);
  const first = await phoneHolder(tenant, phone);
  if (first.holder.kind === 'employee') return { employee: first.holder.employee, linked: true };
  if (first.holder.kind === 'owner') throw courierPhoneOfOwner(label, phone, first.holder.employee);
  try {
    return {
      employee: await createEmployee(tenant, courier, label, phone, first.employees),
      linked: false,
    };
  } catch (error) {
    if (!hasLifePosApiCode(error, LIFEPOS_API_CODES.phoneIsAlreadyTaken)) throw error;
  }
  const { holder } = await phoneHolder(tenant, phone);
  if (holder.kind === 'employee') return { employee: holder.employee, linked: true };
  if (holder.kind === 'owner') throw courierPhoneOfOwner(label, phone, holder.employee);
  if (holder.kind === 'archived') throw courierPhoneArchived(label, phone, holder.employee);
  throw courierPhoneTaken(label, phone, undefined);
}

/** Renames the connector's own employee of the courier, or moves it to the courier's new phone. */
async function patchOwnEmployee(
  tenant: Tenant,
  employee: Employee,
  label: CourierLabel,
  rawPhone: string | undefined,
): Promise<boolean> {
  const phone = normalizePhone(rawPhone);
  const patch = employeePatchFor(employee, { name: label.name, phone });
  if (Object.keys(patch).length === 0) return false;
  try {
    await tenant.lifepos.employees.patch(employee.guid, replaceFields(patch));
  } catch (error) {
    if (hasLifePosApiCode(error, LIFEPOS_API_CODES.phoneIsAlreadyTaken)) {
      throw courierPhoneTaken(label, phone ?? rawPhone ?? '', undefined);
    }
    throw error;
  }
  return true;
}

/** What one courier's sync works with. */
interface CourierContext {
  tenant: Tenant;
  courier: RetailCrmCourier;
  connectionId: string;
  label: CourierLabel;
  rawPhone: string | undefined;
  meta: string;
  link: CourierLink | null;
}

/** The courier's employee: the connector's own (kept in step), else the one with its phone, else a new one. */
async function syncEmployee(
  db: Database,
  c: CourierContext,
): Promise<{ employee: Employee; action: CourierResult['employee'] }> {
  const { tenant, courier, connectionId, label, rawPhone, link } = c;
  const ownEmployees = await tagged<Employee>((params) => tenant.lifepos.employees.all(params), c.meta);
  const own = ownEmployees.find((candidate) => candidate.guid === link?.lifeposEmployeeId) ?? ownEmployees[0];
  if (own) {
    const patched = await patchOwnEmployee(tenant, own, label, rawPhone);
    return { employee: own, action: patched ? 'patched' : 'unchanged' };
  }
  const found = await employeeForPhone(tenant, courier, label, rawPhone);
  if (link?.lifeposEmployeeId === found.employee.guid)
    return { employee: found.employee, action: 'unchanged' };
  // Linked at once: a crash before the workplace must not lose the employee.
  await db.courierLinks.upsert(connectionId, courier.id, { lifeposEmployeeId: found.employee.guid });
  return { employee: found.employee, action: found.linked ? 'linked' : 'created' };
}

/** The courier's own `Mobile` workplace, made when the connector has none for it. */
async function syncWorkplace(
  c: CourierContext,
): Promise<{ workplace: Workplace; action: CourierResult['workplace'] }> {
  const { tenant, link, meta } = c;
  const ownWorkplaces = await tagged<Workplace>((params) => tenant.lifepos.workplaces.all(params), meta);
  const own =
    ownWorkplaces.find((candidate) => candidate.guid === link?.lifeposWorkplaceId) ?? ownWorkplaces[0];
  if (own) return { workplace: own, action: 'unchanged' };
  const workplace = await tenant.lifepos.workplaces.create({
    workplaceType: 'Mobile',
    name: workplaceNameFor(c.label.name),
    meta,
  });
  return { workplace, action: 'created' };
}

/**
 * Couriers → employees + workplaces: a courier gets a LIFE POS employee with the courier role
 * and a `Mobile` workplace of its own, both tagged with the courier's `meta`, linked in `CourierLink`, and
 * kept in step with the courier's name and phone. A per-(connection, courier) Redis lock around
 * look-up-or-create keeps concurrent callers (exports of several orders of one courier) from creating
 * twice; the look-up by `meta` (and by phone) repairs a crash between create and link.
 *
 * A courier whose phone already is an employee of the organization (the shop used LIFE POS before) is
 * linked to that employee, which stays as the shop made it (no rename, no `meta`), and gets its own
 * workplace. The owner's phone, or one LIFE POS keeps for an archived employee, is a conflict a person
 * resolves (`isCourierPhoneConflict`): the export then opens the sale by the connection's own employee.
 */
export function createCourierSync({ db, lock, logger, lockWait }: CourierSyncDeps) {
  async function syncCourier(c: CourierContext): Promise<CourierResult> {
    const { connectionId, courier, link } = c;
    const { employee, action: employeeAction } = await syncEmployee(db, c);
    const { workplace, action: workplaceAction } = await syncWorkplace(c);
    if (link?.lifeposEmployeeId !== employee.guid || link?.lifeposWorkplaceId !== workplace.guid) {
      await db.courierLinks.upsert(connectionId, courier.id, {
        lifeposEmployeeId: employee.guid,
        lifeposWorkplaceId: workplace.guid,
      });
    }
    if (employeeAction !== 'unchanged' || workplaceAction !== 'unchanged') {
      logger.info('courier synced to LIFE POS employee', {
        connectionId,
        courierId: courier.id,
        employeeId: employee.guid,
        workplaceId: workplace.guid,
        employee: employeeAction,
        workplace: workplaceAction,
      });
    }
    return {
      employeeId: employee.guid,
      workplaceId: workplace.guid,
      employee: employeeAction,
      workplace: workplaceAction,
    };
  }

  async function ensureCourierWith(tenant: Tenant, courier: RetailCrmCourier): Promise<CourierResult> {
    const connectionId = tenant.connection.id;
    const label: CourierLabel = { id: courier.id, name: employeeNameFor(courier) };
    const rawPhone = courier.phone?.number?.trim() || undefined;
    const meta = courierMeta(courier.id);
    return withWaitingLock(
      lock,
      courierLockKey(connectionId, courier.id),
      async () => {
        const link = await db.courierLinks.get(connectionId, courier.id);
        return syncCourier({ tenant, courier, connectionId, label, rawPhone, meta, link });
      },
      lockWait,
    );
  }

  return {
    ensureCourierWith,
    async ensureCourier(tenant: Tenant, courierId: number): Promise<CourierResult> {
      const couriers = await tenant.retailcrm.couriers();
      const courier = couriers.find((candidate) => candidate.id === courierId);
      if (!courier) throw courierMissing(courierId);
      return ensureCourierWith(tenant, courier);
    },
  };
}

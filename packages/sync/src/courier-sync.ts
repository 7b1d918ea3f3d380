import type { Database } from '@connector/db';
import {
  courierMeta,
  employeeNameFor,
  employeePatchFor,
  normalizePhone,
  pickUsername,
  samePhone,
  usernameCandidates,
  workplaceNameFor,
} from '@connector/domain';
import {
  type Employee,
  type ListParams,
  lifePosErrorCode,
  type Page,
  replaceFields,
  type Workplace,
} from '@connector/lifepos';
import type { Logger } from '@connector/logger';
import type { OrderLock } from '@connector/queue';
import type { RetailCrmCourier } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';
import { allPages } from './all-pages.js';
import {
  type CourierLabel,
  courierBadPhone,
  courierMissing,
  courierNoPhone,
  courierPhoneTaken,
  courierRoleMissing,
} from './sync-errors.js';
import { type WaitingLockOptions, withWaitingLock } from './waiting-lock.js';

/** A person may take a username between our look-up and our create: try a few more before giving up. */
const USERNAME_ATTEMPTS = 4;

export interface CourierSyncDeps {
  db: Database;
  lock: OrderLock;
  logger: Logger;
  lockWait?: WaitingLockOptions;
}

export interface CourierResult {
  employeeId: string;
  workplaceId: string;
  /** What this call did in LIFE POS. */
  employee: 'created' | 'patched' | 'unchanged';
  workplace: 'created' | 'unchanged';
}

export function courierLockKey(connectionId: string, courierId: number): string {
  return `sync:courier:${connectionId}:${courierId}`;
}

/**
 * Couriers → employees + workplaces (issue 8): a courier gets a LIFE POS employee with the courier role
 * and a `Mobile` workplace of its own, both tagged with the courier's `meta`, linked in `CourierLink`, and
 * kept in step with the courier's name and phone. A per-(connection, courier) Redis lock around
 * look-up-or-create keeps concurrent callers (exports of several orders of one courier) from creating
 * twice; the look-up by `meta` (and by phone) repairs a crash between create and link.
 */
export function createCourierSync({ db, lock, logger, lockWait }: CourierSyncDeps) {
  /** Alive objects the connector made for this courier (`query` is a substring search: check exactly). */
  async function tagged<T extends { meta: string | null; deletedAt: string | null }>(
    list: (params: ListParams) => Promise<Page<T>>,
    meta: string,
  ): Promise<T[]> {
    const items = await allPages((pageToken) => list({ query: meta, pageToken, selection: 'alive_only' }));
    return items.filter((item) => item.meta === meta && item.deletedAt === null);
  }

  async function courierRoleGuid(tenant: Tenant, label: CourierLabel): Promise<string> {
    const roles = await allPages((pageToken) => tenant.lifepos.roles.list({ pageToken }));
    const role =
      roles.find((candidate) => candidate.roleType?.toLowerCase() === 'courier') ??
      roles.find((candidate) => /курьер|courier/i.test(candidate.name ?? ''));
    if (!role) throw courierRoleMissing(label);
    return role.guid;
  }

  async function createEmployee(
    tenant: Tenant,
    courier: RetailCrmCourier,
    label: CourierLabel,
    rawPhone: string | undefined,
  ): Promise<Employee> {
    if (!rawPhone) throw courierNoPhone(label);
    const phone = normalizePhone(rawPhone);
    if (!phone) throw courierBadPhone(label, rawPhone);
    const employees = await allPages((pageToken) =>
      tenant.lifepos.employees.list({ pageToken, selection: 'alive_only' }),
    );
    const holder = employees.find(
      (employee) => employee.deletedAt === null && samePhone(employee.phone, phone),
    );
    if (holder) throw courierPhoneTaken(label, phone, holder);
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
        const code = lifePosErrorCode(error);
        if (code === 'PhoneIsAlreadyTaken') throw courierPhoneTaken(label, phone, undefined);
        if (code !== 'UsernameIsAlreadyTaken' || attempt >= USERNAME_ATTEMPTS) throw error;
        taken.add(username);
      }
    }
  }

  async function ensureCourierWith(tenant: Tenant, courier: RetailCrmCourier): Promise<CourierResult> {
    const connectionId = tenant.connection.id;
    const name = employeeNameFor(courier);
    const label: CourierLabel = { id: courier.id, name };
    const rawPhone = courier.phone?.number?.trim() || undefined;
    const meta = courierMeta(courier.id);

    return withWaitingLock(
      lock,
      courierLockKey(connectionId, courier.id),
      async () => {
        const link = await db.courierLinks.get(connectionId, courier.id);
        const ownEmployees = await tagged<Employee>((params) => tenant.lifepos.employees.list(params), meta);
        let employee =
          ownEmployees.find((candidate) => candidate.guid === link?.lifeposEmployeeId) ?? ownEmployees[0];
        let employeeAction: CourierResult['employee'] = 'unchanged';
        if (!employee) {
          employee = await createEmployee(tenant, courier, label, rawPhone);
          employeeAction = 'created';
          // Linked at once: a crash before the workplace must not lose the employee.
          await db.courierLinks.upsert(connectionId, courier.id, { lifeposEmployeeId: employee.guid });
        } else {
          const phone = normalizePhone(rawPhone);
          const patch = employeePatchFor(employee, { name, phone });
          if (Object.keys(patch).length > 0) {
            try {
              await tenant.lifepos.employees.patch(employee.guid, replaceFields(patch));
            } catch (error) {
              if (lifePosErrorCode(error) === 'PhoneIsAlreadyTaken') {
                throw courierPhoneTaken(label, phone ?? rawPhone ?? '', undefined);
              }
              throw error;
            }
            employeeAction = 'patched';
          }
        }

        const ownWorkplaces = await tagged<Workplace>(
          (params) => tenant.lifepos.workplaces.list(params),
          meta,
        );
        let workplace =
          ownWorkplaces.find((candidate) => candidate.guid === link?.lifeposWorkplaceId) ?? ownWorkplaces[0];
        let workplaceAction: CourierResult['workplace'] = 'unchanged';
        if (!workplace) {
          workplace = await tenant.lifepos.workplaces.create({
            workplaceType: 'Mobile',
            name: workplaceNameFor(name),
            meta,
          });
          workplaceAction = 'created';
        }

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

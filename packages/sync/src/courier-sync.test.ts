import { courierMeta } from '@connector/domain';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCourierSync } from './courier-sync.js';
import { courierIdOf } from './index.js';
import { isCourierPhoneConflict } from './sync-errors.js';
import { type FixtureTenant, type SyncFixture, startSyncFixture } from './test-support/sync-fixture.js';

let fx: SyncFixture;

beforeAll(async () => {
  fx = await startSyncFixture();
});
afterAll(async () => {
  await fx?.close();
});

const COURIERS = [
  { id: 11, firstName: 'Иван', lastName: 'Петров', phone: { number: '+7 (916) 111-22-33' } },
  { id: 12, firstName: 'Сергей', lastName: 'Смирнов', phone: { number: '8 916 444 55 66' } },
  { id: 13, firstName: 'Ян', phone: { number: '9167778899' } },
];

/** LIFE POS employees the connector made for couriers (alive). */
function courierEmployees({ seeded }: FixtureTenant) {
  return fx.sandbox.lifepos
    .employees(seeded.orgId)
    .filter((employee) => employee.deleted_at === null && employee.meta?.startsWith('retailcrm-courier:'));
}

function courierWorkplaces({ seeded }: FixtureTenant) {
  return fx.sandbox.lifepos
    .workplaces(seeded.orgId)
    .filter((workplace) => workplace.deleted_at === null && workplace.meta?.startsWith('retailcrm-courier:'));
}

/** What the export worker does for an order: read it from RetailCRM, find its courier, ensure the courier. */
async function exportCourierOf(t: FixtureTenant, orderId: number) {
  const order = await t.tenant.retailcrm.getOrder(orderId, { by: 'id' });
  const courierId = courierIdOf(order);
  if (courierId === undefined) throw new Error(`order ${orderId} has no courier`);
  return { courierId, ...(await fx.sync.ensureCourier(t.tenant, courierId)) };
}

/** The courier sync itself: its results also say what it did (created, linked, patched, unchanged). */
const courierSync = () => createCourierSync({ db: fx.db, lock: fx.lock, logger: fx.logger });

function editCourier(t: FixtureTenant, courier: (typeof COURIERS)[number]): void {
  fx.sandbox.retailcrm.seed(t.seeded.accountCode, { couriers: [courier] });
}

describe('couriers → employees + workplaces', () => {
  it('creates 3 employees with 3 distinct workplaces for orders of 3 couriers, and none for more orders', async () => {
    const t = await fx.tenant({ sites: 1, couriers: COURIERS });
    const store = t.seeded.stores[0]?.code ?? null;
    const first = COURIERS.map((courier) => t.seeded.createOrder({ store, courier: courier.id }));

    const exported = [];
    for (const order of first) exported.push(await exportCourierOf(t, order.id));

    expect(exported.map((e) => e.courierId)).toEqual([11, 12, 13]);
    const employees = courierEmployees(t);
    const workplaces = courierWorkplaces(t);
    const roles = await t.tenant.lifepos.roles.list();
    const COURIER_ROLE = roles.items.find((role) => role.roleType === 'Courier')?.guid;
    expect(employees).toHaveLength(3);
    expect(workplaces).toHaveLength(3);
    expect(new Set(exported.map((e) => e.employeeId)).size).toBe(3);
    expect(new Set(exported.map((e) => e.workplaceId)).size).toBe(3);
    expect(
      employees.map(({ name, username, phone, role, meta }) => ({
        name,
        username,
        phone,
        role: role.guid,
        meta,
      })),
    ).toEqual(
      expect.arrayContaining([
        {
          name: 'Иван Петров',
          username: 'ivan_petrov',
          phone: '+79161112233',
          role: COURIER_ROLE,
          meta: courierMeta(11),
        },
        {
          name: 'Сергей Смирнов',
          username: 'sergey_smirnov',
          phone: '+79164445566',
          role: COURIER_ROLE,
          meta: courierMeta(12),
        },
        {
          name: 'Курьер Ян',
          username: 'yan',
          phone: '+79167778899',
          role: COURIER_ROLE,
          meta: courierMeta(13),
        },
      ]),
    );
    for (const e of exported) {
      const workplace = workplaces.find((candidate) => candidate.guid === e.workplaceId);
      expect(workplace).toMatchObject({ workplace_type: 'Mobile', meta: courierMeta(e.courierId) });
      expect(await fx.db.courierLinks.get(t.connection.id, e.courierId)).toMatchObject({
        lifeposEmployeeId: e.employeeId,
        lifeposWorkplaceId: e.workplaceId,
      });
    }

    const more = COURIERS.flatMap((courier) =>
      [1, 2].map(() => t.seeded.createOrder({ store, courier: courier.id })),
    );
    const again = await Promise.all(more.map((order) => exportCourierOf(t, order.id)));

    expect(courierEmployees(t)).toHaveLength(3);
    expect(courierWorkplaces(t)).toHaveLength(3);
    for (const e of again) {
      expect(e).toEqual(exported.find((first) => first.courierId === e.courierId));
    }
  });

  it('creates one employee when the same courier is ensured 3 times at once', async () => {
    const t = await fx.tenant({ sites: 1, couriers: COURIERS });
    const results = await Promise.all([1, 2, 3].map(() => fx.sync.ensureCourier(t.tenant, 11)));
    expect(new Set(results.map((r) => r.employeeId)).size).toBe(1);
    expect(new Set(results.map((r) => r.workplaceId)).size).toBe(1);
    expect(courierEmployees(t)).toHaveLength(1);
    expect(courierWorkplaces(t)).toHaveLength(1);
  });

  it('patches the employee when the courier is renamed or gets a new phone in RetailCRM', async () => {
    const t = await fx.tenant({ sites: 1, couriers: COURIERS });
    const { employeeId, workplaceId } = await fx.sync.ensureCourier(t.tenant, 11);

    editCourier(t, { id: 11, firstName: 'Иван', lastName: 'Сидоров', phone: { number: '+7 916 000-00-01' } });
    const result = await fx.sync.syncAll(t.tenant);

    expect(result).toMatchObject({ couriers: 1, problems: [] });
    const employee = courierEmployees(t).find((candidate) => candidate.guid === employeeId);
    expect(employee).toMatchObject({ name: 'Иван Сидоров', phone: '+79160000001', username: 'ivan_petrov' });
    expect(courierWorkplaces(t).map((workplace) => workplace.guid)).toEqual([workplaceId]);
    // syncAll keeps linked couriers in step; couriers without orders get no employee (and no workplace).
    expect(courierEmployees(t)).toHaveLength(1);
  });

  it('fails clearly for a courier without a phone, with a bad phone, or unknown', async () => {
    const t = await fx.tenant({
      sites: 1,
      couriers: [
        { id: 21, firstName: 'Без', lastName: 'Телефона' },
        { id: 23, firstName: 'Кривой', lastName: 'Номер', phone: { number: '12-34' } },
      ],
    });

    await expect(fx.sync.ensureCourier(t.tenant, 21)).rejects.toMatchObject({
      kind: 'permanent',
      code: 'sync.courier_no_phone',
      userMessage: expect.stringContaining('Без Телефона'),
    });
    await expect(fx.sync.ensureCourier(t.tenant, 23)).rejects.toMatchObject({
      kind: 'permanent',
      code: 'sync.courier_bad_phone',
    });
    await expect(fx.sync.ensureCourier(t.tenant, 99)).rejects.toMatchObject({
      kind: 'permanent',
      code: 'sync.courier_missing',
    });
    expect(courierEmployees(t)).toHaveLength(0);
    expect(courierWorkplaces(t)).toHaveLength(0);
  });

  it('links couriers whose phones already are employees (any format) to them, each with a workplace of its own', async () => {
    const couriers = [
      { id: 31, firstName: 'Мария', lastName: 'Кассирова', phone: { number: '+7 916 555-00-11' } },
      { id: 32, firstName: 'Олег', lastName: 'Ручной', phone: { number: '89165550012' } },
      { id: 33, firstName: 'Анна', lastName: 'Админова', phone: { number: '79165550013' } },
    ];
    const t = await fx.tenant({
      sites: 1,
      couriers,
      lifepos: {
        employees: [
          { name: 'Кассир Мария', username: 'maria', phone: '89165550011', role: 'Cashier' },
          { name: 'Олег (курьер)', username: 'oleg', phone: '+7(916)555-00-12' },
          { name: 'Администратор Анна', username: 'anna', phone: '9165550013', role: 'Administrator' },
        ],
      },
    });
    const existing = t.seeded.lifepos.employees;
    const before = fx.sandbox.lifepos.employees(t.seeded.orgId);

    const results = [];
    for (const courier of couriers) results.push(await courierSync().ensureCourier(t.tenant, courier.id));

    expect(results.map((r) => [r.employeeId, r.employee, r.workplace])).toEqual(
      existing.map((employee) => [employee.guid, 'linked', 'created']),
    );
    // Nobody new, and the shop's employees stay as the shop made them.
    expect(fx.sandbox.lifepos.employees(t.seeded.orgId)).toEqual(before);
    const workplaces = courierWorkplaces(t);
    expect(workplaces).toHaveLength(3);
    for (const [index, courier] of couriers.entries()) {
      const result = results[index]!;
      expect(workplaces.find((w) => w.guid === result.workplaceId)).toMatchObject({
        workplace_type: 'Mobile',
        meta: courierMeta(courier.id),
      });
      expect(await fx.db.courierLinks.get(t.connection.id, courier.id)).toMatchObject({
        lifeposEmployeeId: result.employeeId,
        lifeposWorkplaceId: result.workplaceId,
      });
    }

    // Ensured again, and kept in step by the periodic sync: nothing changes.
    await expect(fx.sync.ensureCourier(t.tenant, 31)).resolves.toEqual({
      employeeId: results[0]!.employeeId,
      workplaceId: results[0]!.workplaceId,
    });
    await expect(fx.sync.syncAll(t.tenant)).resolves.toMatchObject({ couriers: 3, problems: [] });
    expect(fx.sandbox.lifepos.employees(t.seeded.orgId)).toEqual(before);
    expect(courierWorkplaces(t)).toHaveLength(3);
  });

  it('gives a linked existing employee without a workplace one, and reuses one made before a crash', async () => {
    const couriers = [
      { id: 41, firstName: 'Без', lastName: 'Места', phone: { number: '+7 916 555-00-41' } },
      { id: 42, firstName: 'Есть', lastName: 'Место', phone: { number: '+7 916 555-00-42' } },
    ];
    const t = await fx.tenant({
      sites: 1,
      couriers,
      lifepos: {
        employees: [
          { name: 'Курьер Без Места', phone: '89165550041' },
          { name: 'Курьер Есть Место', phone: '89165550042' },
        ],
      },
    });
    const [without, withPlace] = t.seeded.lifepos.employees;
    // 41: linked earlier, the workplace was never made; 42: its workplace was made, the link was lost.
    await fx.db.courierLinks.upsert(t.connection.id, 41, { lifeposEmployeeId: without!.guid });
    const made = fx.sandbox.lifepos.addWorkplace(t.seeded.orgId, {
      workplace_type: 'Mobile',
      name: 'Курьер: Есть Место',
      meta: courierMeta(42),
    });

    const first = await courierSync().ensureCourier(t.tenant, 41);
    const second = await courierSync().ensureCourier(t.tenant, 42);

    expect(first).toMatchObject({ employeeId: without!.guid, employee: 'unchanged', workplace: 'created' });
    expect(second).toEqual({
      employeeId: withPlace!.guid,
      workplaceId: made.guid,
      employee: 'linked',
      workplace: 'unchanged',
    });
    expect(
      courierWorkplaces(t)
        .map((w) => w.meta)
        .sort(),
    ).toEqual([courierMeta(41), courierMeta(42)]);
    expect(await fx.db.courierLinks.get(t.connection.id, 41)).toMatchObject({
      lifeposEmployeeId: without!.guid,
      lifeposWorkplaceId: first.workplaceId,
    });
    expect(courierEmployees(t)).toHaveLength(0);
  });

  it("refuses the owner's phone as a courier conflict: nothing is created or linked", async () => {
    const t = await fx.tenant({ sites: 1, couriers: COURIERS });
    // The owner's phone, written the way a manager would type it in RetailCRM.
    const digits = t.seeded.phone.replace(/\D/g, '').slice(-10);
    const number = `8 (${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6, 8)}-${digits.slice(8)}`;
    editCourier(t, { id: 51, firstName: 'Анна', lastName: 'Владелица', phone: { number } });

    const error = await fx.sync.ensureCourier(t.tenant, 51).catch((caught: unknown) => caught);

    expect(isCourierPhoneConflict(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'permanent',
      code: 'sync.courier_phone_taken',
      userMessage: expect.stringMatching(/\+7\d{10}.*Анна Владелица.*владельцу организации «Анна Иванова»/),
    });
    expect(courierEmployees(t)).toHaveLength(0);
    expect(courierWorkplaces(t)).toHaveLength(0);
    expect(await fx.db.courierLinks.get(t.connection.id, 51)).toBeNull();
  });

  it('adopts the employee and workplace created before a crash lost the link', async () => {
    const t = await fx.tenant({ sites: 1, couriers: COURIERS });
    const employee = fx.sandbox.lifepos.addEmployee(t.seeded.orgId, {
      name: 'Иван Петров',
      username: 'ivan_petrov',
      phone: '+79161112233',
      meta: courierMeta(11),
    });
    const workplace = fx.sandbox.lifepos.addWorkplace(t.seeded.orgId, {
      workplace_type: 'Mobile',
      name: 'Курьер: Иван Петров',
      meta: courierMeta(11),
    });

    await expect(fx.sync.ensureCourier(t.tenant, 11)).resolves.toEqual({
      employeeId: employee.guid,
      workplaceId: workplace.guid,
    });
    expect(courierEmployees(t)).toHaveLength(1);
    expect(courierWorkplaces(t)).toHaveLength(1);
  });

  it('picks another username when the natural one is taken', async () => {
    const t = await fx.tenant({ sites: 1, couriers: COURIERS });
    fx.sandbox.lifepos.addEmployee(t.seeded.orgId, {
      name: 'Другой Иван',
      username: 'ivan_petrov',
      role: 'Cashier',
    });
    await fx.sync.ensureCourier(t.tenant, 11);
    expect(courierEmployees(t).map((employee) => employee.username)).toEqual(['ivan_petrov_11']);
  });
});

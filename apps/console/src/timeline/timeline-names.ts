import type { ConnectionRecord, Database } from '@connector/db';
import { storedCheckOf } from '../connection-service.js';
import type { TimelineNames } from './event-catalog.js';

/**
 * The names a timeline shows, from what the connector already stores: outlets (OutletLink, named after
 * their RetailCRM stores), couriers' employees (CourierLink) and the connector's own employee (the
 * connection's last check). No upstream is called when a page opens.
 */
export async function timelineNames(db: Database, connection: ConnectionRecord): Promise<TimelineNames> {
  const [outletLinks, courierLinks] = await Promise.all([
    db.outletLinks.list(connection.id),
    db.courierLinks.list(connection.id),
  ]);
  const outlets = new Map<string, string>();
  const stores = new Map<string, string>();
  for (const link of outletLinks) {
    const name = link.name ?? link.retailcrmStoreCode;
    outlets.set(link.lifeposOutletId, name);
    stores.set(link.retailcrmStoreCode, name);
  }
  const employees = new Map<string, string>();
  for (const link of courierLinks) {
    employees.set(link.lifeposEmployeeId, `курьер RetailCRM № ${link.retailcrmCourierId}`);
  }
  const me = storedCheckOf(connection)?.lifepos;
  if (me?.employeeId) {
    employees.set(me.employeeId, `сотрудник коннектора «${me.employeeName ?? 'без имени'}»`);
  }
  return { outlets, stores, employees };
}

import type { Database } from '@connector/db';
import { decideSaleStateWriteBack, type SaleStateWriteBack } from '@connector/domain';
import type { Sale } from '@connector/lifepos';
import type { RetailCrmOrder } from '@connector/retailcrm';
import type { Tenant } from '@connector/tenant';

/**
 * The state half of a sale's write-back: the LIFE POS sale's state sets the order status the connection maps
 * it to, once per state (`decideSaleStateWriteBack`). A state handled is remembered as a `sale_state_written`
 * mark of the order, and noted on its timeline for people.
 */

/** Timeline entry type of the state write-back (for people: decisions read the order's marks). */
export const STATE_TIMELINE = { saleState: 'writeback.sale_state' } as const;

/** One sale's state write-back: what was read (the sale, the order), under the order lock. */
export interface StateWriteBackRun {
  db: Database;
  tenant: Tenant;
  sale: Sale;
  orderId: number;
  order: RetailCrmOrder;
  /** The sale is the one its order is linked to. */
  isOrderSale: boolean;
  signal: AbortSignal;
}

/** Writes the sale's state to its order when it is to be written; answers the decision taken. */
export async function writeBackState(run: StateWriteBackRun): Promise<SaleStateWriteBack> {
  run.signal.throwIfAborted();
  const decision = await decideState(run);
  if (decision.outcome === 'set' && decision.status !== undefined) {
    await run.tenant.retailcrm.editOrder(run.orderId, { status: decision.status });
  }
  if (decision.record) await recordState(run, decision);
  return decision;
}

async function decideState({ db, tenant, sale, orderId, order, isOrderSale }: StateWriteBackRun) {
  const { settings } = tenant;
  const { states } = await db.orderMarks.writeBackOfSale(tenant.connection.id, orderId, sale.guid);
  return decideSaleStateWriteBack({
    sale,
    mapping: settings.saleStateToStatus,
    orderStatus: order.status,
    statusSettings: settings,
    isOrderSale,
    handledStates: states,
  });
}

const outcomeText = ({ outcome, status }: SaleStateWriteBack) =>
  outcome === 'set'
    ? `order status set to ${status}`
    : outcome === 'already-set'
      ? `order already in status ${status}`
      : 'no order status is mapped to this state';

/** Marks the state handled, and notes it (with where the sale was worked on) on the order's timeline. */
async function recordState(run: StateWriteBackRun, decision: SaleStateWriteBack): Promise<void> {
  const { db, tenant, sale, orderId } = run;
  const connectionId = tenant.connection.id;
  const where = await workplaceOf(db, connectionId, sale);
  await db.orderMarks.writeBackRecorded([
    {
      kind: 'sale_state_written',
      connectionId,
      retailcrmOrderId: orderId,
      saleGuid: sale.guid,
      state: sale.state,
      at: new Date(),
    },
  ]);
  await tenant.timeline.append(orderId, {
    type: STATE_TIMELINE.saleState,
    message: `LIFE POS sale ${sale.number} is ${sale.state}${where.text}: ${outcomeText(decision)}`,
    data: {
      saleId: sale.guid,
      saleNumber: sale.number,
      state: sale.state,
      outcome: decision.outcome,
      status: decision.status ?? null,
      workplaceId: where.workplaceId,
      workplaceName: where.workplaceName,
      courierId: where.courierId,
    },
  });
}

/**
 * Where the sale was (last) worked on: its workplace, and the RetailCRM courier whose workplace that is.
 * LIFE POS does not say who completed a sale; the courier's own workplace is the one the sale was given.
 */
async function workplaceOf(
  db: Database,
  connectionId: string,
  sale: Sale,
): Promise<{
  text: string;
  workplaceId: string | null;
  workplaceName: string | null;
  courierId: number | null;
}> {
  if (!sale.workplace) return { text: '', workplaceId: null, workplaceName: null, courierId: null };
  const workplaceId = sale.workplace.guid;
  const courier = (await db.courierLinks.list(connectionId)).find(
    (link) => link.lifeposWorkplaceId === workplaceId,
  );
  const name = sale.workplace.name ?? null;
  const text = ` at workplace ${name ? `«${name}»` : workplaceId}${courier ? ` (RetailCRM courier ${courier.retailcrmCourierId})` : ''}`;
  return { text, workplaceId, workplaceName: name, courierId: courier?.retailcrmCourierId ?? null };
}

import { PermanentError } from './errors.js';
import type { LifePosTax, SaleCreateInput, SalePositionInput } from './lifepos-sale.js';
import { type Kopecks, kopecksToDecimalString, rublesToKopecks } from './money.js';
import { stableGuid } from './stable-guid.js';

/**
 * RetailCRM order → LIFE POS sale: the pure mapping the export worker applies. Only the fields the
 * mapping reads are typed here (the clients decode the full shapes); amounts arrive in rubles and leave
 * in integer kopecks.
 */

export interface OrderItemInput {
  id: number;
  productName?: string | null;
  offer?: {
    name?: string | null;
    displayName?: string | null;
    unit?: { code?: string | null } | null;
  } | null;
  quantity: number;
  initialPrice: number;
  /** Total discount per unit (all kinds, order-level ones included). */
  discountTotal?: number | null;
  /** Final unit price groups, when RetailCRM split the quantity by price. */
  prices?: ReadonlyArray<{ price: number; quantity: number }> | null;
  vatRate?: string | null;
  isCanceled?: boolean | null;
}

export interface OrderInput {
  id: number;
  number: string;
  site?: string | null;
  status?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  patronymic?: string | null;
  phone?: string | null;
  customerComment?: string | null;
  totalSumm: number;
  items: ReadonlyArray<OrderItemInput>;
  delivery?: {
    code?: string | null;
    cost?: number | null;
    vatRate?: string | null;
    date?: string | null;
    time?: { from?: string | null; to?: string | null; custom?: string | null } | null;
    address?: { text?: string | null } | null;
  } | null;
}

/** How a RetailCRM order is fulfilled, decided by its delivery type (connection setting). */
export const ORDER_KINDS = ['delivery', 'pickup', 'in_hall'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** RetailCRM `vatRate` (`"20.00"`, `"20"`, `"none"`, …) → LIFE POS `tax`. */
export const DEFAULT_VAT_TO_TAX: Readonly<Record<string, LifePosTax>> = {
  '20': 'Tax20',
  '10': 'Tax10',
  '0': 'Tax0',
  none: 'TaxFree',
  '5': 'Tax5',
  '7': 'Tax7',
};

export interface SaleMappingContext {
  outletId: string;
  /** Employee the sale is opened by: the courier's employee, else the connection's own employee. */
  employeeId: string;
  workplaceId?: string | undefined;
  /** LIFE POS unit of measure guid for a RetailCRM unit code, or the default unit. */
  uomFor: (unitCode: string | undefined) => string;
  /** Delivery type code → order kind (connection setting). */
  deliveryTypeToOrderKind: Readonly<Record<string, OrderKind>>;
  /** Order kind when the delivery type is not mapped. */
  defaultOrderKind?: OrderKind;
  vatToTax?: Readonly<Record<string, LifePosTax>>;
  /** When the sale is opened (ISO 8601). */
  openedAt: string;
  /** Re-export after an erroneous cancel: 2, 3, … → number suffix `-2`, `-3`. */
  exportAttempt?: number;
  /** Name of the service position carrying the delivery cost. */
  deliveryPositionName?: string;
}

const MAX_NUMBER = 36;
const MAX_NAME = 128;
const MAX_COMMENT = 512;

/** The `meta` a sale carries, by which a crashed export finds its sale again. */
export function saleMetaFor(orderId: number): string {
  return `retailcrm-order:${orderId}`;
}

/**
 * The guid of the `exportAttempt`-th sale of an order. It names the RetailCRM account (its host) and the
 * LIFE POS organization, not the connection row: a connection deleted and created again for the same pair
 * makes the same guids, so LIFE POS answers `Duplicate` instead of taking a second sale of an order the
 * earlier connection exported.
 */
export function saleGuidFor(
  account: { retailcrmUrl: string; lifeposOrgId: string },
  orderId: number,
  exportAttempt: number,
): string {
  const host = new URL(account.retailcrmUrl).host.toLowerCase();
  return stableGuid('sale', host, account.lifeposOrgId, orderId, exportAttempt);
}

/** The sale number: the RetailCRM number (≤ 36 chars), with `-N` for re-exports. */
export function saleNumberFor(order: Pick<OrderInput, 'id' | 'number'>, exportAttempt = 1): string {
  const suffix = exportAttempt > 1 ? `-${exportAttempt}` : '';
  const base = order.number.trim() || String(order.id);
  const fitted = base.length + suffix.length <= MAX_NUMBER ? base : String(order.id);
  if (fitted.length + suffix.length > MAX_NUMBER) {
    throw new PermanentError(
      `order ${order.id}: no sale number of at most ${MAX_NUMBER} characters can be formed`,
      {
        code: 'mapping.number',
      },
    );
  }
  return `${fitted}${suffix}`;
}

function normaliseVat(vatRate: string | null | undefined): string {
  if (vatRate === null || vatRate === undefined || vatRate === '' || vatRate.toLowerCase() === 'none')
    return 'none';
  const numeric = Number(vatRate);
  return Number.isFinite(numeric) ? String(numeric) : vatRate;
}

function taxFor(
  order: OrderInput,
  vatRate: string | null | undefined,
  table: Readonly<Record<string, LifePosTax>>,
) {
  const key = normaliseVat(vatRate);
  const tax = table[key];
  if (!tax) {
    throw new PermanentError(`order ${order.number}: VAT rate "${vatRate}" has no LIFE POS tax`, {
      code: 'mapping.vat',
      userMessage: `Ставка НДС «${vatRate}» в заказе ${order.number} не сопоставлена со ставкой LIFE POS. Добавьте соответствие в настройках коннектора или исправьте ставку в товаре.`,
      details: { vatRate, known: Object.keys(table) },
    });
  }
  return tax;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function assertQuantity(order: OrderInput, item: OrderItemInput, quantity: number) {
  if (!Number.isFinite(quantity) || quantity <= 0) {
    throw new PermanentError(`order ${order.number}: item ${item.id} has quantity ${quantity}`, {
      code: 'mapping.quantity',
      userMessage: `В заказе ${order.number} у товара «${item.productName ?? item.id}» недопустимое количество ${quantity}.`,
    });
  }
}

/** Line total in kopecks: unit price × quantity, exact for integer and fractional (weight) quantities. */
function lineTotal(unit: Kopecks, quantity: number): Kopecks {
  return Math.round(unit * quantity) as Kopecks;
}

function itemPositions(
  order: OrderInput,
  item: OrderItemInput,
  context: SaleMappingContext,
): SalePositionInput[] {
  const name = truncate(
    (item.offer?.displayName || item.offer?.name || item.productName || `Товар ${item.id}`).trim(),
    MAX_NAME,
  );
  const tax = taxFor(order, item.vatRate, context.vatToTax ?? DEFAULT_VAT_TO_TAX);
  const uomGuid = context.uomFor(item.offer?.unit?.code ?? undefined);
  const groups =
    item.prices && item.prices.length > 0
      ? item.prices.map((group) => ({ unit: rublesToKopecks(group.price), quantity: group.quantity }))
      : [
          {
            unit: (rublesToKopecks(item.initialPrice) - rublesToKopecks(item.discountTotal ?? 0)) as Kopecks,
            quantity: item.quantity,
          },
        ];
  return groups.map(({ unit, quantity }) => {
    assertQuantity(order, item, quantity);
    if (unit < 0) {
      throw new PermanentError(`order ${order.number}: item ${item.id} has a negative price`, {
        code: 'mapping.price',
        userMessage: `В заказе ${order.number} у товара «${name}» цена после скидок отрицательная.`,
      });
    }
    return {
      name,
      quantity,
      priceKopecks: unit,
      totalKopecks: lineTotal(unit, quantity),
      uomGuid,
      tax,
      goodType: 'Product',
    };
  });
}

function customerLine(order: OrderInput): string | undefined {
  const name = [order.lastName, order.firstName, order.patronymic].filter(Boolean).join(' ').trim();
  const parts = [name, order.phone?.trim()].filter(Boolean);
  return parts.length > 0 ? `Клиент: ${parts.join(', ')}` : undefined;
}

function deliveryLines(order: OrderInput, kind: OrderKind): string[] {
  const delivery = order.delivery;
  const lines: string[] = [];
  if (kind === 'delivery' && delivery?.address?.text) lines.push(`Адрес: ${delivery.address.text.trim()}`);
  const time = delivery?.time;
  const interval =
    time?.custom || [time?.from && `с ${time.from}`, time?.to && `до ${time.to}`].filter(Boolean).join(' ');
  const when = [delivery?.date, interval].filter(Boolean).join(' ');
  if (when) lines.push(`${kind === 'delivery' ? 'Доставка' : 'Время'}: ${when}`);
  return lines;
}

const KIND_LABEL: Record<OrderKind, string> = {
  delivery: 'Доставка',
  pickup: 'Самовывоз',
  in_hall: 'Оплата в зале',
};

export function orderKindOf(
  order: OrderInput,
  context: Pick<SaleMappingContext, 'deliveryTypeToOrderKind' | 'defaultOrderKind'>,
): OrderKind {
  const code = order.delivery?.code ?? undefined;
  return (code && context.deliveryTypeToOrderKind[code]) || context.defaultOrderKind || 'delivery';
}

/**
 * Maps an order to the sale the LIFE POS client creates (`POST /orgs/{org}/deals/sales`), all but the
 * client-supplied guid (`saleGuidFor`). Throws PermanentError (with a Russian
 * `userMessage` for the operator's task) when the order cannot be represented faithfully, e.g. when
 * the positions do not add up to the order total: a receipt for the wrong amount is worse than none.
 */
export function orderToSale(order: OrderInput, context: SaleMappingContext): SaleCreateInput {
  const kind = orderKindOf(order, context);
  const positions = order.items
    .filter((item) => !item.isCanceled)
    .flatMap((item) => itemPositions(order, item, context));
  const deliveryCost = rublesToKopecks(order.delivery?.cost ?? 0);
  if (deliveryCost > 0) {
    positions.push({
      name: context.deliveryPositionName ?? 'Доставка',
      quantity: 1,
      priceKopecks: deliveryCost,
      totalKopecks: deliveryCost,
      uomGuid: context.uomFor(undefined),
      tax: taxFor(order, order.delivery?.vatRate, context.vatToTax ?? DEFAULT_VAT_TO_TAX),
      goodType: 'Service',
    });
  }
  if (positions.length === 0) {
    throw new PermanentError(`order ${order.number} has no items to sell`, {
      code: 'mapping.empty',
      userMessage: `В заказе ${order.number} нет товаров: продажу в LIFE POS создать нельзя.`,
    });
  }
  const total = rublesToKopecks(order.totalSumm);
  const positionsTotal = positions.reduce((sum, position) => sum + (position.totalKopecks ?? 0), 0);
  if (positionsTotal !== total) {
    throw new PermanentError(
      `order ${order.number}: positions add up to ${kopecksToDecimalString(positionsTotal)}, order total is ${kopecksToDecimalString(total)}`,
      {
        code: 'mapping.total',
        userMessage: `Сумма позиций заказа ${order.number} (${kopecksToDecimalString(positionsTotal)} ₽) не совпадает с итогом заказа (${kopecksToDecimalString(total)} ₽). Проверьте скидки и стоимость доставки в заказе.`,
        details: { positionsTotal, total },
      },
    );
  }
  const comment = [
    `${KIND_LABEL[kind]}, заказ RetailCRM ${order.number}`,
    customerLine(order),
    ...deliveryLines(order, kind),
    order.customerComment?.trim() ? `Комментарий: ${order.customerComment.trim()}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  return {
    number: saleNumberFor(order, context.exportAttempt),
    outletGuid: context.outletId,
    openedByGuid: context.employeeId,
    ...(context.workplaceId ? { workplaceGuid: context.workplaceId } : {}),
    openedAt: context.openedAt,
    comment: truncate(comment, MAX_COMMENT),
    totalKopecks: total,
    positions,
    meta: saleMetaFor(order.id),
    metaData: {
      retailcrm_order_id: order.id,
      retailcrm_order_number: order.number,
      retailcrm_site: order.site ?? null,
      order_kind: kind,
    },
  };
}

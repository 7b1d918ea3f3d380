/**
 * What the simulator stores per account. Derived values (`summ`, `totalSumm`, per-item `prices`, the
 * courier expansion) are computed when rendering; `prepaySum` and `fullPaidAt` are stored because the
 * history records their changes.
 */
export interface ItemRecord {
  id: number;
  createdAt: string;
  externalIds: { code: string; value: string }[];
  offer: { id: number; externalId?: string; xmlId?: string; article?: string; name: string };
  productName: string;
  initialPrice: number;
  discountManualAmount: number;
  discountManualPercent: number;
  quantity: number;
  status: string;
  comment?: string;
  vatRate: string;
  purchasePrice: number;
  properties: Record<string, unknown>;
  priceType?: { code: string };
}

export interface PaymentRecord {
  id: number;
  type: string;
  status: string;
  amount: number;
  paidAt?: string;
  externalId?: string;
  comment?: string;
}

export interface DeliveryRecord {
  code?: string;
  cost: number;
  netCost: number;
  vatRate?: string;
  date?: string;
  time?: { from?: string; to?: string; custom?: string };
  address: Record<string, unknown>;
  /** Integration data as sent; `courierId` is expanded to the courier's fields when rendered. */
  data: Record<string, unknown>;
}

export interface CustomerRecord {
  type: 'customer' | 'customer_corporate';
  id: number;
  externalId?: string;
  site: string;
  createdAt: string;
  firstName?: string;
  lastName?: string;
  patronymic?: string;
  email?: string;
  phones: { number: string }[];
}

export interface OrderRecord {
  id: number;
  number: string;
  externalId?: string;
  site: string;
  orderType: string;
  orderMethod: string;
  status: string;
  statusComment?: string;
  statusUpdatedAt: string;
  createdAt: string;
  countryIso: string;
  currency: string;
  firstName?: string;
  lastName?: string;
  patronymic?: string;
  phone?: string;
  additionalPhone?: string;
  email?: string;
  customerId: number;
  contragent: Record<string, unknown>;
  managerId?: number;
  customerComment?: string;
  managerComment?: string;
  call: boolean;
  expired: boolean;
  fromApi: boolean;
  shipped: boolean;
  shipmentStore?: string;
  shipmentDate?: string;
  discountManualAmount: number;
  discountManualPercent: number;
  customFields: Record<string, unknown>;
  items: ItemRecord[];
  delivery: DeliveryRecord;
  payments: PaymentRecord[];
  prepaySum: number;
  fullPaidAt?: string;
  source?: Record<string, string>;
}

export interface TaskRecord {
  id: number;
  text: string;
  commentary?: string;
  datetime?: string;
  createdAt: string;
  complete: boolean;
  completedAt?: string;
  performerId: number;
  performerType: 'user' | 'group';
  orderId?: number;
  customerId?: number;
  phone?: string;
}

/** Who made a change: an API key (history `source: api`) or a manager in the UI (`source: user`). */
export type Actor = { kind: 'api'; apiKey: string } | { kind: 'user'; userId: number };

export interface HistoryRecord {
  id: number;
  createdAt: string;
  created?: true;
  source: 'api' | 'user';
  apiKey?: string;
  userId?: number;
  field: string;
  oldValue: unknown;
  newValue: unknown;
  orderId: number;
  /** Full order for the creation entry, a stub otherwise (docs/RETAILCRM-API.md, «Order history»). */
  order: Record<string, unknown>;
  item?: Record<string, unknown>;
  payment?: Record<string, unknown>;
}

/** Money in rubles with kopeck precision; sums are rounded so floats never print as 0.30000000000000004. */
export function roundMoney(value: number): number {
  return Math.round(value * 100) / 100;
}

export { type CancelDecision, type CancelInput, decideCancel } from './cancel-decision.js';
export {
  type CourierInput,
  courierIdOfDelivery,
  courierMeta,
  type DeliveryCourierInput,
  type EmployeeFields,
  type EmployeeSnapshot,
  employeeNameFor,
  employeePatchFor,
  normalizePhone,
  type PhoneHolder,
  type PhoneHolderCandidate,
  phoneHolderOf,
  pickUsername,
  samePhone,
  usernameCandidates,
  workplaceNameFor,
} from './courier-to-employee.js';
export {
  ConnectorError,
  DeferredError,
  type ErrorKind,
  errorKind,
  PermanentError,
  RetryableError,
} from './errors.js';
export { decideExport, type ExportDecision, type ExportInput } from './export-decision.js';
export {
  decideHistoryRead,
  type HistoryReadDecision,
  type HistoryReadInput,
} from './history-read-decision.js';
export {
  everEnteredExportStatus,
  type HistoryEntryFacts,
  type HistoryOrderFacts,
  type HistoryRepair,
  type HistoryRepairSettings,
  type HistorySkipReason,
  isOwnWrite,
  type RepairChange,
  type RepairQueue,
  type RepairTrigger,
  repairForHistoryEntry,
  SHOP_HISTORY_FIELD,
} from './history-repair.js';
export {
  type GoodType,
  LIFEPOS_TAXES,
  type LifePosTax,
  SALE_PAYMENT_STATUSES,
  SALE_SHIPPING_STATUSES,
  SALE_STATES,
  type SaleCreateInput,
  type SalePaymentStatus,
  type SalePositionInput,
  type SaleShippingStatus,
  type SaleState,
  type Tax,
} from './lifepos-sale.js';
export { type Kopecks, kopecksToDecimalString, kopecksToRubles, rublesToKopecks } from './money.js';
export { currentSaleOf, exportAttemptOf, salesOfOrder } from './order-sale.js';
export { type OrderShop, type OrderShopInput, shopOfOrder } from './order-shop.js';
export {
  type OrderStatusRole,
  orderStatusRole,
  paymentsToRefund,
  type StatusSettings,
} from './order-status-role.js';
export {
  DEFAULT_VAT_TO_TAX,
  ORDER_KINDS,
  type OrderInput,
  type OrderItemInput,
  type OrderKind,
  orderKindOf,
  orderToSale,
  type SaleMappingContext,
  saleGuidFor,
  saleMetaFor,
  saleNumberFor,
} from './order-to-sale.js';
export {
  type CrmPaymentFacts,
  type HeldBackRefund,
  PAYMENT_PARTS,
  type PaymentPartName,
  type PaymentPartPlan,
  type PaymentWriteBack,
  type PaymentWriteBackSettings,
  paymentExternalId,
  planPaymentWriteBack,
  type WriteBackPaymentFacts,
} from './payment-write-back.js';
export { type PaymentFacts, type PlannedRefund, type RefundFacts, refundsToCreate } from './refund-plan.js';
export { type SaleCheckInput, saleWrittenBack } from './sale-check-decision.js';
export { isSaleAlive, type SaleFacts } from './sale-facts.js';
export {
  decideSaleStateWriteBack,
  orderIdOfSaleMeta,
  type SaleStateOutcome,
  type SaleStateWriteBack,
  type SaleStateWriteBackInput,
} from './sale-state-write-back.js';
export { stableGuid } from './stable-guid.js';
export {
  findOutletForStore,
  isSellingStore,
  type LegalEntityInput,
  needsLegalEntityBook,
  normalizeInn,
  type OutletFields,
  type OutletSnapshot,
  outletFieldsFor,
  outletPatchFor,
  resolveStoreInn,
  type SiteInput,
  type StoreInnInput,
  type StoreInnResolution,
  type StoreInput,
  siteInns,
  storeOutletMeta,
  type UnresolvedStoreReason,
} from './store-to-outlet.js';
export {
  type SweepInput,
  type SweepLinkFacts,
  type SweepLinkState,
  type SweepOrderFacts,
  type SweepReason,
  type SweepRepair,
  type SweepSettings,
  sweepRepairs,
} from './sweep-decision.js';
export {
  PIECE_OKEI,
  RETAILCRM_UNIT_TO_OKEI,
  type UnitOfMeasureFacts,
  uomResolver,
} from './unit-of-measure.js';

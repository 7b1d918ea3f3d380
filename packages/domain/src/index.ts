export {
  ConnectorError,
  DeferredError,
  type ErrorKind,
  errorKind,
  PermanentError,
  RetryableError,
} from './errors.js';
export { type Kopecks, kopecksToDecimalString, kopecksToRubles, rublesToKopecks } from './money.js';
export {
  DEFAULT_VAT_TO_TAX,
  LIFEPOS_TAXES,
  type LifePosTax,
  type OrderInput,
  type OrderItemInput,
  type OrderKind,
  orderKindOf,
  orderToSale,
  type SaleDraft,
  type SaleMappingContext,
  type SalePosition,
  saleMetaFor,
  saleNumberFor,
} from './order-to-sale.js';

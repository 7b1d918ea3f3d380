export {
  ConnectorError,
  DeferredError,
  type ErrorKind,
  errorKind,
  PermanentError,
  RetryableError,
} from './errors.js';
export { type Kopecks, kopecksToDecimalString, kopecksToRubles, rublesToKopecks } from './money.js';

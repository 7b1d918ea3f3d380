export {
  createLogger,
  type JobContext,
  jobLogger,
  type Logger,
  type LoggerOptions,
} from './create-logger.js';
export { createMemoryLogger } from './memory-logger.js';
export { REDACTED, redactString, redactValue, registerSecret } from './redact.js';

export { BULL_BOARD_PATH } from './bull-board.js';
export {
  type CheckId,
  type CheckLine,
  type CheckReport,
  type CheckStatus,
  REQUIRED_SCOPE_CODES,
  type ReferenceBooks,
  runChecks,
} from './checks/index.js';
export {
  type ConnectionDraft,
  parseCreateInput,
  parseUpdateInput,
} from './connection-input.schema.js';
export {
  type ConnectionService,
  createConnectionService,
  type PublicConnection,
  publicConnection,
  type SaveResult,
} from './connection-service.js';
export {
  CONSOLE_SERVICE,
  type RunningConsole,
  type StartConsoleOptions,
  startConsole,
} from './console-app.js';
export { type ConsoleEnv, consoleEnvShape } from './console-env.js';
export { API_PREFIX } from './routes/api-routes.js';
export { type TriggerInstructions, triggerInstructions } from './trigger-instructions.js';

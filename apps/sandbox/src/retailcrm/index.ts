export { CrmAccount } from './account.js';
export { type ApiErrorBody, CrmApiError, RATE_LIMIT_BODY, UNKNOWN_ACCOUNT_HTML } from './api-error.js';
export { type Params, type ParamValue, parseBracketParams } from './bracket-params.js';
export { DEFAULT_SEED } from './reference-defaults.js';
export {
  type AccountInput,
  type AccountSettings,
  type ApiKey,
  type ApiKeyInput,
  CONNECTOR_SCOPES,
  DEFAULT_SCOPE_RULES,
  SCOPE_GROUPS,
  SCOPES,
  type Scope,
  type ScopeGroup,
  type SeedInput,
  type SettingsInput,
} from './seed-schema.js';
export {
  type AccountInfo,
  type ApiOrder,
  type ManagerItemInput,
  type ManagerOptions,
  type ManagerOrderInput,
  type ManagerPaymentInput,
  RetailCrmSimulator,
  type RetailCrmSimulatorOptions,
} from './simulator.js';
export {
  renderTemplate,
  type TriggerEvent,
  type TriggerLogEntry,
  type TriggerRule,
  type TriggerRuleInput,
} from './triggers.js';

export { DEMO, type Demo, type DemoOptions, type DemoSummary, demoSummary, seedDemo } from './demo-seed.js';
export { FaultInjector, type FaultRule, type FaultRuleInput, faultRuleSchema } from './faults.js';
export * as lifeposSim from './lifepos/index.js';
export { LifePosSimulator } from './lifepos/index.js';
export { type LoggedRequest, RequestLog } from './request-log.js';
export * as retailcrmSim from './retailcrm/index.js';
export { RetailCrmSimulator } from './retailcrm/index.js';
export { type Sandbox, type SandboxOptions, startSandbox } from './sandbox.js';
export {
  expectedTotal,
  seededTenant,
  seededTenants,
  seedTenant,
  type Tenant,
  type TenantConnectionSettings,
  type TenantCourier,
  type TenantLegalEntity,
  type TenantOptions,
  type TenantOrder,
  type TenantOrderInput,
  type TenantOrderItem,
  type TenantSite,
  type TenantStatuses,
  type TenantStore,
  type TenantUser,
  triggerRulesFor,
} from './tenant-seed.js';

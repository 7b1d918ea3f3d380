export { FaultInjector, type FaultRule, type FaultRuleInput, faultRuleSchema } from './faults.js';
export * as lifeposSim from './lifepos/index.js';
export { LifePosSimulator } from './lifepos/index.js';
export { type LoggedRequest, RequestLog } from './request-log.js';
export * as retailcrmSim from './retailcrm/index.js';
export { RetailCrmSimulator } from './retailcrm/index.js';
export { type Sandbox, type SandboxOptions, startSandbox } from './sandbox.js';

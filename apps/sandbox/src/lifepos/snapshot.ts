import type { LifePosSimulator } from './simulator.js';
import type { LifePosSnapshot } from './simulator-types.js';

/** Everything the simulator holds, for inspection (the control API's `GET /state`, tests). */
export function snapshotOf(simulator: LifePosSimulator): LifePosSnapshot {
  const { store } = simulator;
  return {
    organizations: [...store.orgs.values()].map((org) => {
      const guid = org.organization.guid;
      return {
        organization: structuredClone(org.organization),
        rate_limit: { ...org.rateLimit },
        employees: simulator.employees(guid),
        legal_entities: simulator.legalEntities(guid),
        outlets: simulator.outlets(guid),
        workplaces: simulator.workplaces(guid),
        sales: simulator.sales(guid),
      };
    }),
    token_ttl_ms: store.tokenTtlMs,
    active_sessions: store.sessionCount(),
    notifications: {
      settings: simulator.notificationSettings(),
      deliveries: simulator.deliveries().slice(-200),
    },
  };
}

import type { Sandbox } from './sandbox.js';
import { seedTenant, type Tenant, type TenantConnectionSettings, type TenantOrder } from './tenant-seed.js';

/**
 * The demo tenant the sandbox process starts with (`SANDBOX_SEED=demo`): fixed codes and credentials so
 * the README, the local start script and a person clicking through the page can all refer to them.
 * These are sandbox credentials and nothing else; they are printed and written to a file on purpose.
 */
export const DEMO = {
  accountCode: 'demo',
  apiKey: 'demo-retailcrm-api-key',
  orgId: '5e1f0c2a-7b3d-4c8e-9a10-0000000000d1',
  phone: '+79161234567',
  password: 'demo-password',
} as const;

export interface DemoOptions {
  /** The connector's trigger endpoint; without it the demo account has no trigger rules. */
  ingressUrl?: string;
  /** Fixed port of the demo RetailCRM account (0 = any). */
  retailcrmPort?: number;
}

export interface Demo {
  tenant: Tenant;
  /** 5001A–5003A wait in «Новый»; 5004A was created in the send status before any trigger existed. */
  orders: TenantOrder[];
  /**
   * The demo connection's first reconciliation start (an instant just before the orders were created): the
   * connector reads the history from there rather than from its activation, so it finds 5004A.
   */
  reconcileFrom: string;
}

/** Everything a person or the local start script needs, as logged and written to `SANDBOX_DEMO_FILE`. */
export interface DemoSummary {
  pageUrl: string;
  lifeposUrl: string;
  ingressUrl: string | null;
  retailcrm: { accountCode: string; baseUrl: string; apiKey: string };
  lifepos: { url: string; orgId: string; phone: string; password: string };
  /** The connector's settings form, filled in: create the demo connection from this. */
  connection: TenantConnectionSettings & {
    settings: TenantConnectionSettings['settings'] & { reconcileFrom: string };
  };
  orders: { id: number; number: string; status: string; store: string | null }[];
}

export async function seedDemo(
  sandbox: Pick<Sandbox, 'retailcrm' | 'lifepos' | 'lifeposUrl'>,
  options: DemoOptions = {},
): Promise<Demo> {
  const tenant = await seedTenant(sandbox, {
    code: DEMO.accountCode,
    port: options.retailcrmPort ?? 0,
    apiKey: DEMO.apiKey,
    ...(options.ingressUrl ? { ingressUrl: options.ingressUrl } : {}),
    lifepos: { orgId: DEMO.orgId, phone: DEMO.phone, password: DEMO.password },
  });
  const [ivan, sergey] = tenant.couriers;
  // A minute back: the history's clock and ours need not agree to the second.
  const reconcileFrom = new Date(Date.now() - 60_000).toISOString();
  const orders = [
    tenant.createOrder({
      store: 'msk-tverskaya',
      deliveryType: tenant.deliveryTypes.courier,
      courier: ivan?.id ?? null,
      customerComment: 'Позвоните за 15 минут, домофон не работает',
    }),
    tenant.createOrder({ store: 'msk-arbat', deliveryType: tenant.deliveryTypes.pickup }),
    tenant.createOrder({ store: 'spb-nevsky', deliveryType: tenant.deliveryTypes.inHall }),
    tenant.createOrder({
      store: 'msk-tverskaya',
      deliveryType: tenant.deliveryTypes.courier,
      courier: sergey?.id ?? null,
      status: tenant.statuses.send,
    }),
  ];
  return { tenant, orders, reconcileFrom };
}

export function demoSummary(sandbox: Pick<Sandbox, 'url' | 'lifeposUrl'>, demo: Demo): DemoSummary {
  const { tenant } = demo;
  return {
    pageUrl: `${sandbox.url}/`,
    lifeposUrl: sandbox.lifeposUrl,
    ingressUrl: tenant.ingressUrl ?? null,
    retailcrm: { accountCode: tenant.accountCode, baseUrl: tenant.baseUrl, apiKey: tenant.apiKey },
    lifepos: { url: sandbox.lifeposUrl, orgId: tenant.orgId, phone: tenant.phone, password: tenant.password },
    connection: {
      ...tenant.connection,
      settings: { ...tenant.connection.settings, reconcileFrom: demo.reconcileFrom },
    },
    orders: demo.orders.map(({ id, number, status, store }) => ({ id, number, status, store })),
  };
}

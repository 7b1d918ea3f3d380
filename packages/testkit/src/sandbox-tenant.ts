import { type Sandbox, type SandboxOptions, startSandbox } from '@connector/sandbox';

/**
 * The sandbox for other packages' tests: both simulators in-process on free ports, quiet unless
 * LOG_LEVEL asks otherwise. A test then builds its own tenant:
 *
 *   const sb = await startTestSandbox();
 *   const t = await seedTenant(sb, { ingressUrl: `${ingress}/retailCRM/update` });
 *   const order = t.createOrder({ store: t.stores[0]!.code, courier: t.couriers[0]!.id });
 *   ...
 *   await sb.close();
 */
export interface TestSandboxOptions {
  /** Logger level (default LOG_LEVEL or `error`). */
  logLevel?: string;
  /**
   * LIFE POS notification delivery (retries, duplicates, reordering). Tests usually want short retry
   * delays: `{ baseDelayMs: 20, maxDelayMs: 200 }`.
   */
  notifications?: Parameters<Sandbox['lifepos']['configureNotifications']>[0];
  host?: SandboxOptions['host'];
}

export async function startTestSandbox(options: TestSandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({
    port: 0,
    lifeposPort: 0,
    host: options.host ?? '127.0.0.1',
    logLevel: options.logLevel ?? process.env.LOG_LEVEL ?? 'error',
  });
  if (options.notifications) sandbox.lifepos.configureNotifications(options.notifications);
  return sandbox;
}

export {
  type Sandbox,
  seedTenant,
  type Tenant,
  type TenantConnectionSettings,
  type TenantCourier,
  type TenantOptions,
  type TenantOrder,
  type TenantOrderInput,
  type TenantOrderItem,
  type TenantSite,
  type TenantStatuses,
  type TenantStore,
} from '@connector/sandbox';

import type { LegalEntity, LifePosClient, Role } from '@connector/lifepos';
import { attempt, type Outcome } from './outcome.js';
import type { LifePosIdentity } from './types.js';

export interface LifePosFacts {
  signIn: Outcome<void>;
  me?: Outcome<{
    guid: string;
    name: string | null;
    roleGuid: string | undefined;
    roleName: string | undefined;
  }>;
  org?: Outcome<{ name: string | null }>;
  roles?: Outcome<Role[]>;
  legalEntities?: Outcome<LegalEntity[]>;
}

export async function lifeposFacts(lifepos: LifePosClient): Promise<LifePosFacts> {
  const signIn = await attempt(() => lifepos.signIn());
  if (!signIn.ok) return { signIn };
  const [me, org, roles, legalEntities] = await Promise.all([
    attempt(async () => {
      const employee = await lifepos.orgs.me();
      return {
        guid: employee.guid,
        name: employee.name,
        roleGuid: employee.role?.guid,
        roleName: employee.role?.name,
      };
    }),
    attempt(async () => ({ name: (await lifepos.orgs.get()).name })),
    attempt(() => lifepos.roles.all()),
    attempt(() => lifepos.legalEntities.all({ selection: 'alive_only' })),
  ]);
  return { signIn, me, org, roles, legalEntities };
}

export function identityOf(facts: LifePosFacts): LifePosIdentity | undefined {
  const org = facts.org?.ok ? facts.org.value.name : null;
  const me = facts.me?.ok ? facts.me.value : undefined;
  if (org === null && !me) return undefined;
  return { orgName: org, ...(me && { employeeId: me.guid, employeeName: me.name }) };
}

import { RetailCrmUrlNotAllowedError } from '@connector/retailcrm';
import type { CheckClients } from '../check-clients.js';
import { attempt } from './outcome.js';
import type { RetailCrmFacts } from './retailcrm-facts.js';
import type { ReferenceBooks } from './types.js';

export function booksOf(
  facts: Pick<
    RetailCrmFacts,
    'statuses' | 'paymentStatuses' | 'paymentTypes' | 'deliveryTypes' | 'userGroups' | 'stores' | 'sites'
  >,
): ReferenceBooks | undefined {
  const { statuses, paymentStatuses, paymentTypes, deliveryTypes, userGroups, stores, sites } = facts;
  if (!statuses?.ok || !paymentStatuses?.ok || !paymentTypes?.ok || !deliveryTypes?.ok) return undefined;
  const pick = <T extends { code: string; name: string; active?: boolean | undefined }>(items: T[]) =>
    items.map(({ code, name, active }) => ({ code, name, active }));
  return {
    statuses: statuses.value.map(({ code, name, group, active }) => ({ code, name, group, active })),
    paymentStatuses: paymentStatuses.value.map(({ code, name, active, paymentComplete }) => ({
      code,
      name,
      active,
      paymentComplete,
    })),
    paymentTypes: pick(paymentTypes.value),
    deliveryTypes: deliveryTypes.value.map(({ code, name, active, integrationCode }) => ({
      code,
      name,
      active,
      integrationCode,
    })),
    userGroups: userGroups?.ok ? userGroups.value.map(({ code, name }) => ({ code, name })) : [],
    ...(stores?.ok && sites?.ok
      ? {
          stores: stores.value.map(({ code, name, type, active }) => ({ code, name, type, active })),
          sites: sites.value.map(({ code, name }) => ({ code, name })),
        }
      : {}),
  };
}

/** Reference books of a stored connection, for the form's choices; undefined when RetailCRM does not answer. */
export async function loadReferenceBooks(
  client: CheckClients['retailcrm'],
): Promise<ReferenceBooks | undefined> {
  if (client instanceof RetailCrmUrlNotAllowedError) return undefined;
  const [statuses, paymentStatuses, paymentTypes, deliveryTypes, userGroups, stores, sites] =
    await Promise.all([
      attempt(() => client.statuses()),
      attempt(() => client.paymentStatuses()),
      attempt(() => client.paymentTypes()),
      attempt(() => client.deliveryTypes()),
      attempt(async () => (await client.userGroups({ limit: 100 })).groups),
      attempt(() => client.stores()),
      attempt(() => client.sites()),
    ]);
  return booksOf({ statuses, paymentStatuses, paymentTypes, deliveryTypes, userGroups, stores, sites });
}

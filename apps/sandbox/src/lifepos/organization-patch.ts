import { patchedWritableFields } from './catalog.js';
import { invalid, LifePosApiError } from './errors.js';
import type { JsonPatchOperation } from './json-patch.js';
import type { NotificationServiceExtension, Organization } from './model.js';
import type { SaleOptions } from './sales.js';
import type { LifePosStore } from './store.js';
import { organizationPatchSchema, parseInput } from './validation.js';

const WRITABLE = ['name', 'alias', 'support', 'meta', 'meta_data', 'extensions'];

/** The notification service as written: a subscription that is on needs its primary URL. */
function notificationService(
  service: NonNullable<
    ReturnType<typeof organizationPatchSchema.parse>['extensions']['notification_service']
  >,
) {
  if (service.turned_on && !service.primary_url_for_notifications) {
    throw invalid(
      'primary_url_for_notifications is required when turned_on',
      'extensions.notification_service',
    );
  }
  return {
    turned_on: service.turned_on,
    primary_url_for_notifications: service.primary_url_for_notifications ?? null,
    secondary_url_for_notifications: service.secondary_url_for_notifications ?? null,
    version: service.version,
  } satisfies NotificationServiceExtension;
}

/** `PATCH /orgs/{org}` (JSON Patch; name, alias, support, meta, extensions): the organization as patched. */
export function patchOrganization(
  store: LifePosStore,
  org: string,
  operations: readonly JsonPatchOperation[],
  options: SaleOptions,
  now: () => string,
): Organization {
  const state = store.org(org);
  const fields = patchedWritableFields(state.organization, operations, WRITABLE, options);
  const input = parseInput(organizationPatchSchema, fields, 'Organization');
  const taken = [...store.orgs.values()].some(
    (other) => other !== state && other.organization.alias.toLowerCase() === input.alias.toLowerCase(),
  );
  if (taken)
    throw new LifePosApiError(422, 'AliasIsAlreadyTaken', `Alias '${input.alias}' is already taken`, 'alias');
  const service = input.extensions.notification_service;
  const extensions = { ...input.extensions } as Organization['extensions'];
  if (service) extensions.notification_service = notificationService(service);
  state.organization = {
    ...state.organization,
    name: input.name,
    alias: input.alias,
    support: input.support,
    meta: input.meta ?? null,
    meta_data: input.meta_data ?? null,
    extensions,
    updated_at: now(),
  };
  return structuredClone(state.organization);
}

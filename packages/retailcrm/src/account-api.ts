import type { CrmApi } from './api-context.js';
import {
  apiVersionsSchema,
  credentialsSchema,
  type RetailCrmCredentials,
  type RetailCrmSystemSettings,
  systemSettingsSchema,
} from './credentials.schema.js';
import {
  type RetailCrmCourier,
  type RetailCrmDeliveryType,
  type RetailCrmLegalEntity,
  type RetailCrmPaymentStatus,
  type RetailCrmPaymentType,
  type RetailCrmSite,
  type RetailCrmStatus,
  type RetailCrmStatusGroup,
  type RetailCrmStore,
  referenceBooks,
} from './reference.schema.js';
import { isTimeZone } from './retailcrm-dates.js';

/** The account itself: API versions, the key's credentials, system settings (docs/RETAILCRM-API.md, «Utility methods»). */
export function accountApi(api: CrmApi) {
  return {
    async apiVersions(): Promise<string[]> {
      return (await api.call('GET', '/api/api-versions', apiVersionsSchema)).versions;
    },

    async credentials(): Promise<RetailCrmCredentials> {
      return api.call('GET', '/api/credentials', credentialsSchema);
    },

    /** The account's settings: its time zone, currency and language (a zone Intl does not know is left out). */
    async systemSettings(): Promise<RetailCrmSystemSettings> {
      const { settings } = await api.call('GET', api.v5('/settings'), systemSettingsSchema);
      const zone = settings.timezone?.value;
      return {
        timeZone: zone !== undefined && isTimeZone(zone) ? zone : undefined,
        currency: settings.default_currency?.value,
        language: settings.system_language?.value,
      };
    },
  };
}

/** Reference books (docs/RETAILCRM-API.md, «Reference books»). */
export function referenceApi(api: CrmApi) {
  const book = (path: string) => api.v5(`/reference/${path}`);
  return {
    async sites(): Promise<RetailCrmSite[]> {
      return (await api.call('GET', book('sites'), referenceBooks.sites)).sites;
    },
    async stores(): Promise<RetailCrmStore[]> {
      return (await api.call('GET', book('stores'), referenceBooks.stores)).stores;
    },
    async statuses(): Promise<RetailCrmStatus[]> {
      return (await api.call('GET', book('statuses'), referenceBooks.statuses)).statuses;
    },
    async statusGroups(): Promise<RetailCrmStatusGroup[]> {
      return (await api.call('GET', book('status-groups'), referenceBooks.statusGroups)).statusGroups;
    },
    async paymentTypes(): Promise<RetailCrmPaymentType[]> {
      return (await api.call('GET', book('payment-types'), referenceBooks.paymentTypes)).paymentTypes;
    },
    async paymentStatuses(): Promise<RetailCrmPaymentStatus[]> {
      return (await api.call('GET', book('payment-statuses'), referenceBooks.paymentStatuses))
        .paymentStatuses;
    },
    async deliveryTypes(): Promise<RetailCrmDeliveryType[]> {
      return (await api.call('GET', book('delivery-types'), referenceBooks.deliveryTypes)).deliveryTypes;
    },
    async legalEntities(): Promise<RetailCrmLegalEntity[]> {
      return (await api.call('GET', book('legal-entities'), referenceBooks.legalEntities)).legalEntities;
    },
    async couriers(): Promise<RetailCrmCourier[]> {
      return (await api.call('GET', book('couriers'), referenceBooks.couriers)).couriers;
    },
  };
}

import type { CrmAccount } from './account.js';
import { type Errors, mergeNullable, NOT_BLANK, NOT_VALID } from './account-errors.js';
import { doesNotExist } from './api-error.js';
import { DATE, TIME } from './crm-time.js';
import type { DeliveryInput, ItemInput, OrderInput } from './order-input.js';
import type { DeliveryRecord, ItemRecord, OrderRecord } from './records.js';

/**
 * What an order write changes in the order (docs/RETAILCRM-API.md, «Order edit»): the given fields, the
 * delivery merged, `items` as the complete list; every unknown code or bad value is a field error.
 */

export function applyOrderInput(
  account: CrmAccount,
  draft: OrderRecord,
  input: OrderInput,
  errors: Errors,
): void {
  const check = <T>(field: string, book: Map<string, T>, entity: string, value: string | undefined) => {
    if (value !== undefined && !book.has(value)) errors[field] = doesNotExist(entity, 'code', value);
  };
  check('status', account.statuses, 'Status', input.status);
  check('orderType', account.orderTypes, 'OrderType', input.orderType);
  check('orderMethod', account.orderMethods, 'OrderMethod', input.orderMethod);
  check('shipmentStore', account.stores, 'Store', input.shipmentStore ?? undefined);
  if (input.managerId !== undefined && input.managerId !== null && !account.users.has(input.managerId)) {
    errors.managerId = doesNotExist('User', 'id', input.managerId);
  }
  if (input.shipmentDate && !DATE.test(input.shipmentDate)) errors.shipmentDate = NOT_VALID;

  if (input.status !== undefined && input.status !== draft.status) {
    draft.status = input.status;
    draft.statusUpdatedAt = account.now();
  }
  const strings = [
    'externalId',
    'number',
    'statusComment',
    'orderType',
    'orderMethod',
    'countryIso',
    'firstName',
    'lastName',
    'patronymic',
    'phone',
    'additionalPhone',
    'email',
    'customerComment',
    'managerComment',
  ] as const;
  for (const key of strings) {
    const value = input[key];
    if (value !== undefined) draft[key] = value;
  }
  for (const key of ['call', 'expired', 'shipped'] as const) {
    const value = input[key];
    if (value !== undefined) draft[key] = value;
  }
  for (const key of ['discountManualAmount', 'discountManualPercent'] as const) {
    const value = input[key];
    if (value !== undefined) draft[key] = value;
  }
  if (input.managerId !== undefined) {
    if (input.managerId === null) delete draft.managerId;
    else draft.managerId = input.managerId;
  }
  if (input.shipmentStore !== undefined) {
    if (input.shipmentStore === null) delete draft.shipmentStore;
    else draft.shipmentStore = input.shipmentStore;
  }
  if (input.shipmentDate !== undefined) {
    if (input.shipmentDate === null) delete draft.shipmentDate;
    else draft.shipmentDate = input.shipmentDate;
  }
  if (input.contragent) draft.contragent = { ...draft.contragent, ...input.contragent };
  if (input.source) draft.source = { ...draft.source, ...input.source };
  if (input.customFields && !Array.isArray(input.customFields))
    mergeNullable(draft.customFields, input.customFields);
  if (input.delivery) applyDelivery(account, draft.delivery, input.delivery, errors);
  if (input.items) draft.items = replaceItems(account, draft.items, input.items, errors);
}

function applyDelivery(
  account: CrmAccount,
  delivery: DeliveryRecord,
  input: DeliveryInput,
  errors: Errors,
): void {
  if (input.code !== undefined) {
    if (input.code === null) delete delivery.code;
    else if (!account.deliveryTypes.has(input.code))
      errors['delivery.code'] = doesNotExist('DeliveryType', 'code', input.code);
    else delivery.code = input.code;
  }
  if (input.cost !== undefined) delivery.cost = input.cost;
  if (input.netCost !== undefined) delivery.netCost = input.netCost;
  if (input.vatRate !== undefined) delivery.vatRate = input.vatRate;
  if (input.date !== undefined) {
    if (input.date === null) delete delivery.date;
    else if (!DATE.test(input.date)) errors['delivery.date'] = NOT_VALID;
    else delivery.date = input.date;
  }
  if (input.time !== undefined) {
    if (input.time === null) delete delivery.time;
    else if ([input.time.from, input.time.to].some((value) => value !== undefined && !TIME.test(value)))
      errors['delivery.time'] = NOT_VALID;
    else delivery.time = { ...delivery.time, ...input.time };
  }
  if (input.address) mergeNullable(delivery.address, input.address);
  if (input.data) {
    const { courierId, ...rest } = input.data;
    mergeNullable(delivery.data, rest);
    if (courierId !== undefined) {
      const id = typeof courierId === 'string' && /^\d+$/.test(courierId) ? Number(courierId) : courierId;
      if (id === null) delete delivery.data.courierId;
      else if (typeof id !== 'number' || !account.couriers.has(id))
        errors['delivery.data.courierId'] = doesNotExist('Courier', 'id', String(id));
      else delivery.data.courierId = id;
    }
  }
}

function replaceItems(
  account: CrmAccount,
  current: ItemRecord[],
  inputs: ItemInput[],
  errors: Errors,
): ItemRecord[] {
  const remaining = [...current];
  const take = (predicate: (item: ItemRecord) => boolean) => {
    const index = remaining.findIndex(predicate);
    return index < 0 ? undefined : remaining.splice(index, 1)[0];
  };
  return inputs.map((input, index) => {
    const at = `items[${index}]`;
    let existing: ItemRecord | undefined;
    if (input.id !== undefined) {
      existing = take((item) => item.id === input.id);
      if (!existing) errors[`${at}.id`] = doesNotExist('OrderProduct', 'id', input.id);
    } else if (input.externalIds?.length) {
      const wanted = input.externalIds;
      existing = take((item) =>
        item.externalIds.some((own) => wanted.some((id) => id.code === own.code && id.value === own.value)),
      );
    }
    if (input.quantity !== undefined && input.quantity <= 0)
      errors[`${at}.quantity`] = 'This value should be greater than 0.';
    if (input.initialPrice !== undefined && input.initialPrice < 0)
      errors[`${at}.initialPrice`] = 'This value should be greater than or equal to 0.';
    const base: ItemRecord = existing ?? newItem(account, input, errors, at);
    const properties =
      input.properties === undefined
        ? base.properties
        : Array.isArray(input.properties)
          ? {}
          : input.properties;
    return {
      ...base,
      ...(input.externalIds ? { externalIds: input.externalIds } : {}),
      ...(input.productName !== undefined
        ? { productName: input.productName, offer: { ...base.offer, name: input.productName } }
        : {}),
      ...(input.initialPrice !== undefined ? { initialPrice: input.initialPrice } : {}),
      ...(input.quantity !== undefined ? { quantity: input.quantity } : {}),
      ...(input.discountManualAmount !== undefined
        ? { discountManualAmount: input.discountManualAmount }
        : {}),
      ...(input.discountManualPercent !== undefined
        ? { discountManualPercent: input.discountManualPercent }
        : {}),
      ...(input.vatRate !== undefined ? { vatRate: input.vatRate } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
      ...(input.comment !== undefined ? { comment: input.comment } : {}),
      ...(input.purchasePrice !== undefined ? { purchasePrice: input.purchasePrice } : {}),
      ...(input.priceType !== undefined ? { priceType: input.priceType } : {}),
      properties,
    };
  });
}

function newItem(account: CrmAccount, input: ItemInput, errors: Errors, at: string): ItemRecord {
  const offer = input.offer;
  const offerKey = offer?.externalId ?? offer?.xmlId ?? input.productName;
  if (offer?.id === undefined && offerKey === undefined) errors[`${at}.productName`] = NOT_BLANK;
  const offerId = offer?.id ?? account.offerIdFor(offerKey ?? '');
  const name = input.productName ?? `Товар ${offerId}`;
  return {
    id: account.nextId('item'),
    createdAt: account.now(),
    externalIds: [],
    offer: {
      id: offerId,
      ...(offer?.externalId === undefined ? {} : { externalId: offer.externalId }),
      ...(offer?.xmlId === undefined ? {} : { xmlId: offer.xmlId }),
      ...(offer?.article === undefined ? {} : { article: offer.article }),
      name,
    },
    productName: name,
    initialPrice: 0,
    discountManualAmount: 0,
    discountManualPercent: 0,
    quantity: 1,
    status: 'new',
    vatRate: 'none',
    purchasePrice: 0,
    properties: {},
  };
}

import { PermanentError, type UnresolvedStoreReason } from '@connector/domain';

/**
 * The sync's permanent failures. Each `userMessage` is the cause part of the RetailCRM task a person reads
 * (tenant's incident text adds "what failed" around it): it names the store or courier, the INN or phone,
 * and what to add or fix where. RetailCRM's UI calls stores «склады» and sites «магазины».
 */

export const SYNC_ERROR_CODES = {
  storeMissing: 'sync.store_missing',
  storeUnresolved: 'sync.store_unresolved',
  innMissing: 'sync.inn_missing',
  courierMissing: 'sync.courier_missing',
  courierNoPhone: 'sync.courier_no_phone',
  courierBadPhone: 'sync.courier_bad_phone',
  courierPhoneTaken: 'sync.courier_phone_taken',
  courierRoleMissing: 'sync.courier_role_missing',
} as const;

export interface StoreLabel {
  code: string;
  name?: string | undefined;
}

export interface CourierLabel {
  id: number;
  name: string;
}

const storeText = (store: StoreLabel) =>
  store.name ? `«${store.name}» (код ${store.code})` : `с кодом «${store.code}»`;
const courierText = (courier: CourierLabel) => `«${courier.name}» (id ${courier.id} в RetailCRM)`;
const list = (values: readonly string[]) => values.join(', ');

export function storeMissing(storeCode: string): PermanentError {
  return new PermanentError(`RetailCRM store ${storeCode} does not exist`, {
    code: SYNC_ERROR_CODES.storeMissing,
    userMessage:
      `Склад ${storeText({ code: storeCode })} не найден в RetailCRM, поэтому для него нельзя найти или создать ` +
      'торговую точку в LIFE POS. Проверьте склад отгрузки заказа и справочник «Склады» в RetailCRM.',
    details: { storeCode },
  });
}

export function storeUnresolved(
  store: StoreLabel,
  resolution: { reason: UnresolvedStoreReason; siteCodes: readonly string[]; inns: readonly string[] },
): PermanentError {
  const sites = list(resolution.siteCodes);
  const inns = list(resolution.inns);
  const mapping = `укажите в настройках коннектора магазин RetailCRM, к которому относится склад (storeSites: «${store.code}» → код магазина)`;
  const why: Record<UnresolvedStoreReason, string> = {
    'site-without-inn':
      `у магазина RetailCRM ${sites} не указано юрлицо с ИНН. Укажите юрлицо (с ИНН) в настройках магазина ` +
      'в RetailCRM и добавьте в LIFE POS юрлицо с тем же ИНН.',
    'sites-disagree':
      `с него отгружаются заказы магазинов ${sites} с разными юрлицами (ИНН ${inns}), а торговая точка ` +
      `LIFE POS принадлежит одному юрлицу. Разделите склады по юрлицам или ${mapping}.`,
    'no-evidence':
      `в RetailCRM несколько юрлиц (ИНН ${inns}), а заказов с этого склада ещё нет, и не видно, какому ` +
      `магазину он принадлежит. Оформите заказ с этого склада или ${mapping}.`,
    'unknown-site': `в настройках коннектора для него указан магазин ${sites}, которого нет в RetailCRM. Исправьте настройку storeSites.`,
  };
  return new PermanentError(
    `cannot tell the legal entity of RetailCRM store ${store.code}: ${resolution.reason}`,
    {
      code: SYNC_ERROR_CODES.storeUnresolved,
      userMessage: `Не удалось определить юрлицо (ИНН) склада ${storeText(store)}: ${why[resolution.reason]}`,
      details: {
        storeCode: store.code,
        reason: resolution.reason,
        siteCodes: [...resolution.siteCodes],
        inns: [...resolution.inns],
      },
    },
  );
}

export function innMissing(store: StoreLabel, inn: string, legalName: string | undefined): PermanentError {
  const entity = legalName ? `«${legalName}», ИНН ${inn}` : `с ИНН ${inn}`;
  return new PermanentError(`LIFE POS has no legal entity with INN ${inn} (store ${store.code})`, {
    code: SYNC_ERROR_CODES.innMissing,
    userMessage:
      `Склад ${storeText(store)} относится к юрлицу ${entity}, но в LIFE POS нет юрлица с ИНН ${inn}. ` +
      `Добавьте в LIFE POS (Структура бизнеса → Юридические лица) юрлицо с ИНН ${inn} — ИНН должен ` +
      'полностью совпадать с указанным в RetailCRM. Торговая точка для склада будет создана при следующей синхронизации.',
    details: { storeCode: store.code, inn },
  });
}

export function courierMissing(courierId: number): PermanentError {
  return new PermanentError(`RetailCRM courier ${courierId} does not exist`, {
    code: SYNC_ERROR_CODES.courierMissing,
    userMessage:
      `Курьер с id ${courierId} не найден в справочнике курьеров RetailCRM, поэтому его нельзя создать ` +
      'сотрудником LIFE POS. Проверьте курьера, назначенного на заказ.',
    details: { courierId },
  });
}

/** A linked courier that RetailCRM no longer lists: its employee can no longer be kept in step. */
export function courierGone(courierId: number): PermanentError {
  return new PermanentError(`linked RetailCRM courier ${courierId} no longer exists`, {
    code: SYNC_ERROR_CODES.courierMissing,
    userMessage:
      `Курьер с id ${courierId} больше не найден в справочнике курьеров RetailCRM, поэтому его сотрудник ` +
      'в LIFE POS не обновляется. Если курьер удалён намеренно, архивируйте сотрудника в LIFE POS.',
    details: { courierId },
  });
}

export function courierNoPhone(courier: CourierLabel): PermanentError {
  return new PermanentError(`RetailCRM courier ${courier.id} has no phone`, {
    code: SYNC_ERROR_CODES.courierNoPhone,
    userMessage:
      `У курьера ${courierText(courier)} не указан телефон, а сотруднику LIFE POS он обязателен. ` +
      'Укажите телефон курьера в RetailCRM (Настройки → Курьеры): сотрудник и его рабочее место будут созданы ' +
      'при следующей выгрузке заказа или синхронизации.',
    details: { courierId: courier.id },
  });
}

export function courierBadPhone(courier: CourierLabel, phone: string): PermanentError {
  return new PermanentError(`RetailCRM courier ${courier.id} has a phone LIFE POS does not accept`, {
    code: SYNC_ERROR_CODES.courierBadPhone,
    userMessage:
      `Телефон курьера ${courierText(courier)} «${phone}» не похож на российский номер, который принимает ` +
      'LIFE POS (+7 и 10 цифр). Исправьте телефон курьера в RetailCRM (Настройки → Курьеры).',
    details: { courierId: courier.id },
  });
}

export function courierPhoneTaken(
  courier: CourierLabel,
  phone: string,
  holder: { name: string | null; username: string | null } | undefined,
): PermanentError {
  const who = holder
    ? ` сотрудником «${holder.name ?? holder.username ?? '?'}»${holder.username ? ` (логин ${holder.username})` : ''}`
    : ' другим сотрудником';
  return new PermanentError(`phone of RetailCRM courier ${courier.id} is taken in LIFE POS`, {
    code: SYNC_ERROR_CODES.courierPhoneTaken,
    userMessage:
      `Телефон ${phone} курьера ${courierText(courier)} в LIFE POS уже занят${who}. Укажите курьеру в RetailCRM ` +
      'его собственный телефон или освободите этот номер в LIFE POS (Сотрудники).',
    details: { courierId: courier.id },
  });
}

type PhoneHolderLabel = { name: string | null; username: string | null };
const holderText = (holder: PhoneHolderLabel) =>
  `«${holder.name ?? holder.username ?? '?'}»${holder.username ? ` (логин ${holder.username})` : ''}`;

/**
 * The courier's phone is the organization owner's: the owner is never made a courier's employee. Same code
 * as any taken phone, so the incident of the courier is one whatever the holder turns out to be.
 */
export function courierPhoneOfOwner(
  courier: CourierLabel,
  phone: string,
  owner: PhoneHolderLabel,
): PermanentError {
  return new PermanentError(`phone of RetailCRM courier ${courier.id} is the LIFE POS owner's`, {
    code: SYNC_ERROR_CODES.courierPhoneTaken,
    userMessage:
      `Телефон ${phone} курьера ${courierText(courier)} в LIFE POS принадлежит владельцу организации ` +
      `${holderText(owner)}, а владельца нельзя сделать сотрудником-курьером. Укажите курьеру в RetailCRM ` +
      '(Настройки → Курьеры) его собственный телефон: коннектор создаст для него сотрудника и рабочее место ' +
      'при следующей выгрузке его заказа.',
    details: { courierId: courier.id, holder: 'owner' },
  });
}

/** Only an archived employee has the phone and LIFE POS keeps it taken; the API cannot restore employees. */
export function courierPhoneArchived(
  courier: CourierLabel,
  phone: string,
  holder: PhoneHolderLabel,
): PermanentError {
  return new PermanentError(`phone of RetailCRM courier ${courier.id} is an archived LIFE POS employee's`, {
    code: SYNC_ERROR_CODES.courierPhoneTaken,
    userMessage:
      `Телефон ${phone} курьера ${courierText(courier)} в LIFE POS занят сотрудником ${holderText(holder)}, ` +
      'который находится в архиве, а восстановить сотрудника из архива коннектор не может. Восстановите ' +
      'сотрудника в LIFE POS (раздел «Сотрудники», архив) — коннектор свяжет курьера с ним при следующей ' +
      'выгрузке его заказа — или укажите курьеру в RetailCRM (Настройки → Курьеры) другой телефон.',
    details: { courierId: courier.id, holder: 'archived' },
  });
}

/** A courier whose phone LIFE POS will not give a courier's employee: its orders go out without it. */
export function isCourierPhoneConflict(error: unknown): error is PermanentError {
  return error instanceof PermanentError && error.code === SYNC_ERROR_CODES.courierPhoneTaken;
}

export function courierRoleMissing(courier: CourierLabel): PermanentError {
  return new PermanentError('LIFE POS has no courier role', {
    code: SYNC_ERROR_CODES.courierRoleMissing,
    userMessage:
      `В LIFE POS нет роли «Курьер», поэтому курьера ${courierText(courier)} нельзя создать сотрудником. ` +
      'Проверьте роли сотрудников в LIFE POS.',
    details: { courierId: courier.id },
  });
}

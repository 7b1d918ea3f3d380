import type { LegalEntity as LifePosLegalEntity } from './lifepos/model.js';
import { DEFAULT_SEED } from './retailcrm/reference-defaults.js';
import type { CourierInput, UserGroupInput, UserInput } from './retailcrm/seed-schema.js';
import type { TenantLegalEntity, TenantOrderItem, TenantSite, TenantStore } from './tenant-types.js';

/**
 * The default business of a seeded tenant: «Зерно», a small Russian coffee chain with delivery, its sites,
 * legal entities, stores, menu, customers, staff and the codes of its reference books. Data only.
 */

export const SITES: (TenantSite & { url: string; stores: Omit<TenantStore, 'site' | 'inn' | 'city'>[] })[] = [
  {
    code: 'zerno-msk',
    name: 'Зерно — Москва',
    url: 'https://msk.zerno-coffee.ru',
    city: 'Москва',
    legalEntity: {
      code: 'zerno-msk-llc',
      legalName: 'ООО «Зерно»',
      legalAddress: '125047, г. Москва, ул. 1-я Тверская-Ямская, д. 8',
      INN: '7714567895',
      KPP: '771401001',
      OGRN: '1157746123450',
    },
    stores: [
      { code: 'msk-tverskaya', name: 'Кофейня на Тверской', address: 'ул. Тверская, д. 10' },
      { code: 'msk-arbat', name: 'Кофейня на Арбате', address: 'ул. Арбат, д. 24' },
    ],
  },
  {
    code: 'zerno-spb',
    name: 'Зерно — Санкт-Петербург',
    url: 'https://spb.zerno-coffee.ru',
    city: 'Санкт-Петербург',
    legalEntity: {
      code: 'zerno-spb-llc',
      legalName: 'ООО «Зерно Северо-Запад»',
      legalAddress: '191025, г. Санкт-Петербург, Невский пр., д. 28',
      INN: '7812345675',
      KPP: '781201001',
      OGRN: '1177847123452',
    },
    stores: [{ code: 'spb-nevsky', name: 'Кофейня на Невском', address: 'Невский пр., д. 28' }],
  },
];

export type LifePosLegalEntityInput = Pick<
  LifePosLegalEntity,
  'juridical_name' | 'juridical_address' | 'inn' | 'kpp' | 'ogrn' | 'tax_systems'
>;

/** The legal entity an organization starts with when the only site's INN is to be missing. */
export const UNRELATED_LEGAL_ENTITY: LifePosLegalEntityInput = {
  juridical_name: 'ООО «Зерно Трейд»',
  juridical_address: '115054, г. Москва, ул. Дубининская, д. 57',
  inn: '7709876545',
  kpp: '770901001',
  ogrn: '1187746123455',
  tax_systems: ['Usn'],
};

/** The same legal entity as LIFE POS keeps it (on УСН, as a small coffee chain usually is). */
export function lifeposLegalEntity(entity: TenantLegalEntity): LifePosLegalEntityInput {
  return {
    juridical_name: entity.legalName,
    juridical_address: entity.legalAddress,
    inn: entity.INN,
    kpp: entity.KPP,
    ogrn: entity.OGRN,
    tax_systems: ['Usn'],
  };
}

export const MENU: Required<TenantOrderItem>[] = [
  { name: 'Капучино 0,3 л', price: 220, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Латте 0,4 л', price: 260, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Круассан с миндалём', price: 189.5, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Сырники со сметаной', price: 340, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Раф ванильный 0,3 л', price: 290, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Чизкейк «Нью-Йорк»', price: 360, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Кофе в зёрнах «Эфиопия», 250 г', price: 899.9, quantity: 1, discount: 0, vatRate: 'none' },
  { name: 'Лимонад «Облепиха-маракуйя» 0,5 л', price: 250, quantity: 1, discount: 0, vatRate: 'none' },
];

export const CUSTOMERS = [
  { firstName: 'Алексей', lastName: 'Смирнов', phone: '+79031234501', flat: '42' },
  { firstName: 'Ольга', lastName: 'Кузнецова', phone: '+79031234502', flat: '7' },
  { firstName: 'Дмитрий', lastName: 'Попов', phone: '+79031234503', flat: '115' },
  { firstName: 'Екатерина', lastName: 'Васильева', phone: '+79031234504', flat: '3' },
];

export const CUSTOMER_STREETS: Record<string, string> = {
  Москва: 'ул. Новый Арбат, д. 15',
  'Санкт-Петербург': 'ул. Рубинштейна, д. 7',
};

export const DELIVERY_SLOTS = [
  { from: '10:00', to: '11:00' },
  { from: '12:00', to: '13:00' },
  { from: '15:00', to: '16:00' },
  { from: '18:00', to: '19:00' },
];

export const DEFAULT_COURIERS: CourierInput[] = DEFAULT_SEED.couriers;
export const COURIER_DELIVERY_COST = 300;

export const STATUS = {
  new: 'new',
  send: 'send-to-assembling',
  cancelled: 'cancel-other',
  returned: 'returned',
  erroneousCancel: 'erroneous-cancel',
  complete: 'complete',
} as const;

export const PAYMENT_STATUS = { notPaid: 'not-paid', paid: 'paid', returned: 'returned' } as const;
export const DELIVERY = { courier: 'courier', pickup: 'self-delivery', inHall: 'in-hall' } as const;
export const MANAGER_ID = 2;

export function users(errorGroup: string): UserInput[] {
  return [
    {
      id: 1,
      email: 'director@zerno-coffee.ru',
      firstName: 'Анна',
      lastName: 'Иванова',
      position: 'Управляющая',
      isAdmin: true,
      isManager: false,
      groups: ['director', errorGroup],
    },
    {
      id: MANAGER_ID,
      email: 'manager@zerno-coffee.ru',
      firstName: 'Мария',
      lastName: 'Соколова',
      position: 'Менеджер по доставке',
      groups: ['manager', errorGroup],
    },
    {
      id: 3,
      email: 'p.volkov@zerno-coffee.ru',
      firstName: 'Пётр',
      lastName: 'Волков',
      position: 'Менеджер (уволен)',
      active: false,
      groups: ['manager', errorGroup],
    },
    {
      id: 4,
      email: 'dispatcher@zerno-coffee.ru',
      firstName: 'Ольга',
      lastName: 'Морозова',
      position: 'Диспетчер',
      groups: ['manager'],
    },
  ];
}

export function userGroups(errorGroup: string): UserGroupInput[] {
  return [
    { id: 1, code: 'director', name: 'Руководители' },
    { id: 2, code: 'manager', name: 'Менеджеры', isManager: true },
    { id: 3, code: 'couriers', name: 'Курьеры', isDeliveryMen: true },
    { id: 4, code: errorGroup, name: 'Ошибки интеграции LIFE POS' },
  ];
}

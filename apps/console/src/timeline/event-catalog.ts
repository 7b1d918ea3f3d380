import { type Text, t } from '../i18n.js';

/**
 * Every event type the workers write on an order's timeline (`tenant.record`, `orderEvents.append`), with
 * the title and the sentence an operator reads. The workers write a short English line for engineers (and
 * logs) and the facts in `data`; the sentence is built here from the facts, names looked up in the
 * connection's own tables (outlets, couriers) and its last check, never by calling an upstream.
 * `event-catalog.test.ts` fails when the code writes a type this catalog lacks.
 */

/** Names known without calling an upstream (OutletLink, CourierLink, the connection's last check). */
export interface TimelineNames {
  /** LIFE POS outlet guid → outlet (store) name. */
  outlets: ReadonlyMap<string, string>;
  /** RetailCRM store code → store name. */
  stores: ReadonlyMap<string, string>;
  /** LIFE POS employee guid → who it is (the connector's own employee, a courier). */
  employees: ReadonlyMap<string, string>;
}

export const NO_NAMES: TimelineNames = { outlets: new Map(), stores: new Map(), employees: new Map() };

export interface TimelineEvent {
  type: string;
  message: string;
  data: unknown;
}

type Data = Record<string, unknown>;
type Describe = (data: Data, names: TimelineNames, message: string) => string;

interface CatalogEntry {
  title: Text;
  /** The Russian sentence; the English one is the message the worker wrote. */
  describe: Describe;
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Kopecks as roubles: `1 250,50 ₽`. */
export function roubles(kopecks: unknown): string {
  const value = num(kopecks);
  if (value === undefined) return '—';
  return `${new Intl.NumberFormat('ru-RU', { minimumFractionDigits: value % 100 === 0 ? 0 : 2, maximumFractionDigits: 2 }).format(value / 100)} ₽`;
}

const CYRILLIC = /[а-яё]/i;
/** A message the worker already wrote in Russian is the sentence itself. */
const russianOr = (message: string, fallback: string) => (CYRILLIC.test(message) ? message : fallback);

const outlet = (names: TimelineNames, guid: unknown) => {
  const id = str(guid);
  if (!id) return 'торговая точка не указана';
  const name = names.outlets.get(id);
  return name ? `«${name}»` : 'торговая точка, ещё не синхронизированная с коннектором';
};
const store = (names: TimelineNames, code: unknown) => {
  const id = str(code) ?? '—';
  const name = names.stores.get(id);
  return name ? `«${name}»` : `«${id}»`;
};
const employee = (names: TimelineNames, guid: unknown) => {
  const id = str(guid);
  return (id && names.employees.get(id)) || 'сотрудник LIFE POS';
};
const saleNo = (value: unknown) => (str(value) ? `№ ${str(value)}` : '');

/** What each order queue does, as a noun phrase («выгрузка заказа в LIFE POS»). */
export const QUEUE_WORK: Record<string, string> = {
  'order-export': 'выгрузка заказа в LIFE POS',
  'order-cancel': 'отмена продажи в LIFE POS',
  'order-refund': 'возврат оплаты в LIFE POS',
  'lifepos-events': 'перенос изменений продажи из LIFE POS в RetailCRM',
  sync: 'синхронизация складов и курьеров',
  'crm-tasks': 'задачи об ошибке в RetailCRM',
};
const work = (queue: unknown) => QUEUE_WORK[str(queue) ?? ''] ?? 'задание коннектора';

const TRIGGERS: Record<string, string> = {
  new: 'new — выгрузить заказ',
  closed: 'closed — отменить продажу',
  refund: 'refund — вернуть оплату',
};
const trigger = (status: unknown) => `«${TRIGGERS[str(status) ?? ''] ?? str(status) ?? '—'}»`;

const SOURCES: Record<string, string> = {
  trigger: 'по триггеру RetailCRM',
  outbox: 'по триггеру, сохранённому во время сбоя',
  reconcile: 'по сверке с историей RetailCRM',
  sweep: 'по сверке состояния заказов',
};

const SALE_STATES: Record<string, string> = {
  New: 'создана',
  InProgress: 'в работе',
  Completed: 'завершена',
  Cancelled: 'отменена',
};

const PARTS: Record<string, string> = { cash: 'наличными', card: 'картой' };

function jobStarted(data: Data, _names: TimelineNames, message: string): string {
  const source = str(data.source) ?? /\((\w+), attempt/.exec(message)?.[1];
  const attempt = num(data.attempt);
  const how = source ? (SOURCES[source] ?? source) : undefined;
  const work_ = work(data.queue);
  return `Началась ${work_}${how || attempt ? ` (${[how, attempt ? `попытка ${attempt}` : undefined].filter(Boolean).join(', ')})` : ''}.`;
}

const FINISHED: Record<string, Describe> = {
  created: (data, names) =>
    `Выгрузка завершена: продажа создана в LIFE POS в торговой точке ${outlet(names, data.outletId)}.`,
  kept: (data, names) =>
    `Выгрузка завершена: продажа уже есть в LIFE POS (${outlet(names, data.outletId)}), менять нечего.`,
  moved: (data, names) => `Продажа перенесена в торговую точку ${outlet(names, data.outletId)}.`,
  skipped: (data, _names, message) =>
    /not reached/.test(message)
      ? `Заказ не выгружен: он в статусе «${str(data.status) ?? '—'}» и ещё не доходил до статуса выгрузки.`
      : `Заказ не выгружен: он в статусе «${str(data.status) ?? '—'}» (отмена или удаление).`,
  ignored: (data, _names, message) =>
    /refund/.test(message)
      ? 'Триггер возврата пропущен: ни одна оплата заказа не в статусе возврата.'
      : `Триггер отмены пропущен: статус заказа «${str(data.status) ?? '—'}» не из статусов отмены.`,
  nothing: () => 'Отменять нечего: продажи нет, или она уже отменена или в архиве.',
  cancelled: () => 'Продажа отменена в LIFE POS.',
  archived: () =>
    'Продажа удалена из LIFE POS (ошибочная отмена): при следующей отправке заказ выгрузится заново.',
  'closed-in-lifepos': () => 'Оставлено как есть: продажа была закрыта в самом LIFE POS.',
  refunded: (data) => `Возврат оформлен в LIFE POS (возвратов: ${num(data.refunds) ?? '—'}).`,
  'already-refunded': () => 'Все оплаты продажи уже возвращены — делать нечего.',
};

function jobFinished(data: Data, names: TimelineNames, message: string): string {
  if (CYRILLIC.test(message)) return message;
  const outcome = str(data.outcome) ?? '';
  return FINISHED[outcome]?.(data, names, message) ?? `Задание завершено (${outcome || 'без итога'}).`;
}

function externalCall(data: Data, names: TimelineNames): string {
  if (data.refundId !== undefined) {
    const total = (num(data.cashKopecks) ?? 0) + (num(data.cardKopecks) ?? 0);
    return `Оформлен возврат в LIFE POS на ${roubles(total)} (наличными ${roubles(data.cashKopecks)}, картой ${roubles(data.cardKopecks)}).`;
  }
  if (data.toOutletId !== undefined) {
    return `Продажа перенесена из торговой точки ${outlet(names, data.fromOutletId)} в ${outlet(names, data.toOutletId)} (склад ${store(names, data.storeCode)}).`;
  }
  if (data.action === 'cancel')
    return `Продажа отменена в LIFE POS (заказ в статусе «${str(data.orderStatus) ?? '—'}»).`;
  if (data.action !== undefined)
    return `Продажа удалена из LIFE POS: ошибочная отмена (заказ в статусе «${str(data.orderStatus) ?? '—'}»), заказ можно выгрузить заново.`;
  if (data.outletId !== undefined) {
    const by = employee(names, data.employeeId);
    return `Создана продажа ${saleNo(data.number)} на ${roubles(data.totalKopecks)} в торговой точке ${outlet(names, data.outletId)}; открыл ${by}.`;
  }
  if (data.saleId !== undefined)
    return `Продажа ${saleNo(data.number)} уже была создана прошлой попыткой — связана с заказом.`;
  if (data.number !== undefined)
    return `Номер продажи ${str(data.number)} уже занят в LIFE POS — пробуем следующий.`;
  return 'В LIFE POS уже есть продажа этого заказа — ищем её среди продаж.';
}

function saleState(data: Data): string {
  const state = SALE_STATES[str(data.state) ?? ''] ?? str(data.state) ?? '—';
  const where = str(data.workplaceName) ? ` на рабочем месте «${str(data.workplaceName)}»` : '';
  const status = str(data.status);
  const what =
    data.outcome === 'set'
      ? `заказу поставлен статус «${status}»`
      : data.outcome === 'already-set'
        ? `заказ уже в статусе «${status}»`
        : 'статус заказа для этого состояния не настроен';
  return `Продажа ${saleNo(data.saleNumber)} в LIFE POS ${state}${where}: ${what}.`;
}

const CATALOG: Record<string, CatalogEntry> = {
  'trigger.received': {
    title: t('Триггер RetailCRM принят', 'RetailCRM trigger accepted'),
    describe: (data) =>
      data.queued === 'outbox'
        ? `Получен триггер ${trigger(data.status)}. Очередь была недоступна: задание сохранено в базе и будет поставлено, когда она вернётся.`
        : data.deduplicated === true
          ? `Получен триггер ${trigger(data.status)}: объединён с ещё не выполненным заданием «${work(data.queue)}».`
          : `Получен триггер ${trigger(data.status)}: поставлена ${work(data.queue)}.`,
  },
  'trigger.rejected': {
    title: t('Триггер RetailCRM отклонён', 'RetailCRM trigger rejected'),
    describe: (_data, _names, message) => russianOr(message, 'Триггер отклонён.'),
  },
  'job.started': { title: t('Задание начато', 'Job started'), describe: jobStarted },
  'job.finished': { title: t('Задание выполнено', 'Job finished'), describe: jobFinished },
  'job.failed': {
    title: t('Ошибка задания', 'Job failed'),
    describe: (data, _names, message) =>
      CYRILLIC.test(message) ? `Не удалось ${message}` : `Не удалась ${work(data.queue)}.`,
  },
  'job.dropped': {
    title: t('Задание снято', 'Job dropped'),
    describe: (data, _names, message) =>
      russianOr(message, `Задание «${work(data.queue)}» снято: подключение отключено.`),
  },
  'job.redriven': {
    title: t('Задание повторено после сбоя', 'Job queued again after an outage'),
    describe: (data, _names, message) =>
      russianOr(message, `${work(data.queue)} поставлена в очередь заново.`),
  },
  'external.call': { title: t('Действие в LIFE POS', 'LIFE POS call'), describe: externalCall },
  'export.shop': {
    title: t('Магазин заказа выбран', 'Order shop chosen'),
    describe: (data, names) =>
      `В заказе не указан склад отгрузки: выбран склад ${store(names, data.storeCode)} (${data.via === 'site-store' ? 'склад магазина заказа' : 'единственная торговая точка'}).`,
  },
  'sync.store': {
    title: t('Синхронизация склада', 'Store sync'),
    describe: (data, names) =>
      `У склада ${store(names, data.storeCode)} ещё нет торговой точки в LIFE POS — запущена синхронизация складов.`,
  },
  'sync.courier': {
    title: t('Синхронизация курьера', 'Courier sync'),
    describe: (data, _names, message) =>
      russianOr(
        message,
        `У курьера RetailCRM № ${str(data.courierId) ?? '—'} ещё нет сотрудника и рабочего места в LIFE POS — запущена синхронизация курьеров.`,
      ),
  },
  'reconcile.repaired': {
    title: t('Потерянный триггер восстановлен', 'Lost trigger repaired'),
    describe: (data) =>
      `Сверка с историей RetailCRM: триггер ${trigger(data.trigger)} не дошёл до коннектора (статус «${str(data.status) ?? '—'}») — поставлена ${work(data.queue)}.`,
  },
  'reconcile.checked': {
    title: t('Сверка с историей RetailCRM', 'History reconciliation'),
    describe: (data) =>
      `Сверка с историей RetailCRM: триггер ${trigger(data.trigger)} доходил (статус «${str(data.status) ?? '—'}»); для проверки снова поставлена ${work(data.queue)}.`,
  },
  'sweep.repaired': {
    title: t('Сверка исправила заказ', 'Sweep repaired the order'),
    describe: (data, _names, message) => russianOr(message, `Сверка: поставлена ${work(data.queue)}.`),
  },
  'task.created': {
    title: t('Задачи об ошибке созданы', 'Error tasks created'),
    describe: (_data, _names, message) => russianOr(message, 'Задачи об ошибке созданы в RetailCRM.'),
  },
  'task.completed': {
    title: t('Задачи об ошибке закрыты', 'Error tasks completed'),
    describe: (_data, _names, message) => russianOr(message, 'Задачи об ошибке закрыты в RetailCRM.'),
  },
  'incident.resolved': {
    title: t('Ошибка устранена', 'Incident resolved'),
    describe: (_data, _names, message) => russianOr(message, 'Ошибка больше не повторяется.'),
  },
  'writeback.payment': {
    title: t('Оплата перенесена в RetailCRM', 'Payment written to RetailCRM'),
    describe: (data) =>
      `Оплата ${roubles(data.amountKopecks)} ${PARTS[str(data.part) ?? ''] ?? ''} из LIFE POS внесена в заказ RetailCRM (тип «${str(data.type) ?? '—'}», статус «${str(data.status) ?? '—'}»).`,
  },
  'writeback.payment_refunded': {
    title: t('Возврат оплаты перенесён в RetailCRM', 'Refund written to RetailCRM'),
    describe: (data) =>
      `Оплата ${roubles(data.amountKopecks)} ${PARTS[str(data.part) ?? ''] ?? ''} возвращена в LIFE POS: в RetailCRM ей поставлен статус «${str(data.status) ?? '—'}».`,
  },
  'writeback.refund_held_back': {
    title: t('Частичный возврат в LIFE POS', 'Partial refund in LIFE POS'),
    describe: (data) =>
      `LIFE POS вернул ${roubles(data.refundedKopecks)} из ${roubles(data.amountKopecks)} (${PARTS[str(data.part) ?? ''] ?? 'оплата'}). Оплата в RetailCRM не меняется, пока продажа не возвращена полностью: триггер возврата вернул бы и остаток.`,
  },
  'writeback.sale_state': {
    title: t('Продажа изменилась в LIFE POS', 'LIFE POS sale changed'),
    describe: saleState,
  },
};

/** Every event type the catalog knows. */
export const TIMELINE_EVENT_TYPES: readonly string[] = Object.keys(CATALOG);

export interface DescribedEvent {
  title: Text;
  sentence: Text;
  /** False for a type the catalog does not know (shown by its code). */
  known: boolean;
}

const dataOf = (data: unknown): Data =>
  typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Data) : {};

/** The title and sentence of one timeline entry. */
export function describeEvent(event: TimelineEvent, names: TimelineNames = NO_NAMES): DescribedEvent {
  const entry = CATALOG[event.type];
  if (!entry) {
    return {
      title: t('Событие коннектора', 'Connector event'),
      sentence: t(russianOr(event.message, 'Служебное событие — подробности ниже.'), event.message),
      known: false,
    };
  }
  return {
    title: entry.title,
    sentence: t(entry.describe(dataOf(event.data), names, event.message), event.message),
    known: true,
  };
}

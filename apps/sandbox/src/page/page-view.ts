import { type Html, html, unsafeRaw } from '@connector/html';
import type { DeliveryRecord } from '../lifepos/notifications.js';
import type { TriggerLogEntry } from '../retailcrm/triggers.js';
import type {
  CrmAccountView,
  CrmOrderView,
  LifePosOrgView,
  Option,
  PageData,
  SaleView,
} from './page-data.js';

/**
 * The sandbox page: both simulators side by side, with forms that act as a RetailCRM manager or a
 * LIFE POS cashier/courier. Server-rendered, every value escaped by `html`; the only script reloads the
 * page every 2 s unless the person is busy with a form (so a refresh never eats a half-chosen option).
 */

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

const rubles = new Intl.NumberFormat('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** RetailCRM keeps rubles. */
const rub = (value: number) => `${rubles.format(value)} ₽`;
/** LIFE POS keeps kopecks. */
const kop = (value: number) => rub(value / 100);

const moscow = new Intl.DateTimeFormat('ru-RU', {
  timeZone: 'Europe/Moscow',
  day: '2-digit',
  month: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const time = (iso: string) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : moscow.format(date);
};

const SALE_STATE: Record<string, string> = {
  New: 'Новая',
  InProgress: 'В работе',
  Completed: 'Завершена',
  Cancelled: 'Отменена',
};
const PAYMENT_STATUS: Record<string, string> = {
  NotPaid: 'Не оплачена',
  PartiallyPaid: 'Оплачена частично',
  Paid: 'Оплачена',
  PartiallyRefunded: 'Возвращена частично',
  Refunded: 'Возвращена',
};
const SHIPPING_STATUS: Record<string, string> = {
  NotShipped: 'Не отгружена',
  PartiallyShipped: 'Отгружена частично',
  Shipped: 'Отгружена',
  PartiallyReturned: 'Возвращена частично',
  Returned: 'Возвращена',
};
const DELIVERY_STATUS: Record<string, string> = {
  held: 'Придержано',
  pending: 'Отправляется',
  delivered: 'Доставлено',
  failed: 'Не доставлено',
  suppressed: 'Отправка выключена',
};
const TRIGGER_STATE: Record<string, string> = {
  pending: 'Отправляется',
  delivered: 'Доставлен',
  failed: 'Ошибка',
};

/** "Русское название (Code)" for LIFE POS enums, so both the meaning and the wire value are visible. */
const labelled = (table: Record<string, string>, value: string) =>
  html`${table[value] ?? value} <code>${value}</code>`;

function select(name: string, options: Option[], selected: string | undefined, empty?: string): Html {
  return html`<select name="${name}" aria-label="${name}">
    ${empty === undefined ? '' : html`<option value="">${empty}</option>`}
    ${options.map(
      (option) =>
        html`<option value="${option.value}"${option.value === selected ? unsafeRaw(' selected') : ''}>${option.label}</option>`,
    )}
  </select>`;
}

function form(action: string, fields: Html | Html[], button: string, style = ''): Html {
  return html`<form method="post" action="${action}" class="inline">
    ${fields}<button type="submit" class="${style}">${button}</button>
  </form>`;
}

// ---------------------------------------------------------------- RetailCRM

function orderCard(account: CrmAccountView, order: CrmOrderView): Html {
  const base = `/page/retailcrm/${encodeURIComponent(account.code)}/orders/${order.id}`;
  return html`<article class="card" id="rc-${account.code}-${order.id}">
    <header>
      <strong>Заказ ${order.number}</strong>
      <span class="badge">${order.statusName}</span>
      <span class="muted">#${order.id} · ${order.createdAt} · ${order.site}</span>
    </header>
    <dl>
      <dt>Клиент</dt><dd class="customer">${order.customer}${order.phone ? html`, ${order.phone}` : ''}</dd>
      ${order.customerComment ? html`<dt>Комментарий клиента</dt><dd class="comment">${order.customerComment}</dd>` : ''}
      ${order.managerComment ? html`<dt>Комментарий менеджера</dt><dd>${order.managerComment}</dd>` : ''}
      <dt>Магазин</dt><dd>${order.storeName ?? html`<em>не выбран</em>`}</dd>
      <dt>Доставка</dt><dd>${order.delivery ?? '—'}${order.deliveryCost ? html` · ${rub(order.deliveryCost)}` : ''}</dd>
      <dt>Курьер</dt><dd>${order.courierName ?? '—'}</dd>
      <dt>Товары</dt>
      <dd><ul class="items">${order.items.map(
        (item) => html`<li>${item.name} — ${item.quantity} × ${rub(item.price)}</li>`,
      )}</ul></dd>
      <dt>Сумма</dt><dd><strong>${rub(order.totalSumm)}</strong> · оплачено ${rub(order.prepaySum)}</dd>
      <dt>Оплаты</dt>
      <dd>${
        order.payments.length === 0
          ? html`<em>нет</em>`
          : html`<ul class="payments">${order.payments.map(
              (payment) => html`<li>
                ${payment.type} · ${rub(payment.amount)} · <span class="badge">${payment.statusName}</span>
                ${form(
                  `/page/retailcrm/${encodeURIComponent(account.code)}/payments/${payment.id}/status`,
                  select('status', account.paymentStatuses, payment.status),
                  'Статус оплаты',
                )}
              </li>`,
            )}</ul>`
      }</dd>
    </dl>
    <div class="actions">
      ${form(`${base}/status`, select('status', account.statuses, order.status), 'Сменить статус', 'primary')}
      ${form(`${base}/store`, select('store', account.stores, order.store, '— без магазина —'), 'Сменить магазин')}
      ${form(`${base}/courier`, select('courier', account.couriers, order.courierId === undefined ? undefined : String(order.courierId), '— без курьера —'), 'Назначить курьера')}
      ${form(
        `${base}/payments`,
        [select('type', account.paymentTypes, undefined), select('status', account.paymentStatuses, 'paid')],
        'Добавить оплату',
      )}
    </div>
  </article>`;
}

function triggerRow(entry: TriggerLogEntry): Html {
  const body = new URLSearchParams(entry.params).toString();
  return html`<tr>
    <td>${time(entry.at)}</td>
    <td>${entry.ruleName}</td>
    <td>${entry.orderId}</td>
    <td><code class="wrap">${entry.method} ${entry.url}</code><br><code class="wrap">${body}</code></td>
    <td><span class="badge ${entry.state}">${TRIGGER_STATE[entry.state] ?? entry.state}</span>
      ${entry.responseStatus === undefined ? '' : html` HTTP ${entry.responseStatus}`}
      ${entry.error ? html`<br><span class="error-text">${entry.error}</span>` : ''}</td>
  </tr>`;
}

function credentials(account: CrmAccountView): Html {
  const tenant = account.tenant;
  if (!tenant) return html``;
  return html`<details class="credentials">
    <summary>Настройки коннектора для этого аккаунта</summary>
    <dl>
      <dt>ID организации LIFE POS</dt><dd><code>${tenant.orgId}</code></dd>
      <dt>Телефон / пароль LIFE POS</dt><dd><code>${tenant.phone}</code> / <code>${tenant.password}</code></dd>
      <dt>Ссылка на RetailCRM</dt><dd><code>${tenant.baseUrl}</code></dd>
      <dt>API-ключ RetailCRM</dt><dd><code class="wrap">${tenant.apiKey}</code></dd>
      <dt>Группа для задач</dt><dd><code>${tenant.errorGroup.code}</code></dd>
      <dt>Типы оплаты</dt><dd>наличные <code>${tenant.paymentTypes.cash}</code>, безналичные <code>${tenant.paymentTypes.card}</code></dd>
      <dt>Триггеры</dt><dd>${tenant.ingressUrl ? html`<code class="wrap">${tenant.ingressUrl}</code>` : 'не настроены'}</dd>
    </dl>
  </details>`;
}

function newOrderForm(account: CrmAccountView): Html {
  const tenant = account.tenant;
  if (!tenant) return html``;
  const stores = tenant.stores.map((store) => ({ value: store.code, label: store.name }));
  const kinds: Option[] = [
    { value: tenant.deliveryTypes.courier, label: 'Доставка курьером' },
    { value: tenant.deliveryTypes.pickup, label: 'Самовывоз' },
    { value: tenant.deliveryTypes.inHall, label: 'В зале' },
  ];
  return form(
    `/page/retailcrm/${encodeURIComponent(account.code)}/orders`,
    [
      select('store', stores, stores[0]?.value),
      select('deliveryType', kinds, kinds[0]?.value),
      select('courier', account.couriers, undefined, '— без курьера —'),
    ],
    'Новый заказ',
    'primary',
  );
}

function crmAccount(account: CrmAccountView): Html {
  return html`<section class="account" id="rc-${account.code}">
    <h3>Аккаунт <code>${account.code}</code> ${account.deleted ? html`<span class="badge failed">удалён</span>` : ''}</h3>
    <p class="muted"><code class="wrap">${account.baseUrl}</code> · заказов: ${account.orderCount} ·
      триггеры: ${account.triggersEnabled ? `включены (${account.ruleCount})` : 'выключены'}</p>
    ${credentials(account)}
    ${newOrderForm(account)}
    <h4>Заказы</h4>
    ${account.orders.length === 0 ? html`<p class="muted">Заказов нет.</p>` : account.orders.map((order) => orderCard(account, order))}
    <h4>Задачи</h4>
    ${
      account.tasks.length === 0
        ? html`<p class="muted">Задач нет.</p>`
        : html`<div class="scroll"><table>
          <thead><tr><th>#</th><th>Задача</th><th>Исполнитель</th><th>Заказ</th><th>Создана</th></tr></thead>
          <tbody>${account.tasks.map(
            (task) => html`<tr>
              <td>${task.id}${task.complete ? ' ✓' : ''}</td>
              <td><strong>${task.text}</strong>${task.commentary ? html`<br><span class="pre">${task.commentary}</span>` : ''}</td>
              <td>${task.performer}</td><td>${task.order ?? '—'}</td><td>${task.createdAt}</td>
            </tr>`,
          )}</tbody></table></div>`
    }
    <h4>Журнал триггеров</h4>
    ${
      account.triggerLog.length === 0
        ? html`<p class="muted">Триггеры ещё не срабатывали.</p>`
        : html`<div class="scroll"><table>
          <thead><tr><th>Время</th><th>Триггер</th><th>Заказ</th><th>Запрос</th><th>Результат</th></tr></thead>
          <tbody>${account.triggerLog.map(triggerRow)}</tbody></table></div>`
    }
  </section>`;
}

// ---------------------------------------------------------------- LIFE POS

function saleCard(org: LifePosOrgView, sale: SaleView): Html {
  const base = `/page/lifepos/${encodeURIComponent(org.guid)}/sales/${encodeURIComponent(sale.guid)}`;
  const action = (name: string, label: string, enabled: boolean, style = '') =>
    enabled ? form(`${base}/${name}`, [], label, style) : '';
  return html`<article class="card" id="lp-${sale.guid}">
    <header>
      <strong>Продажа ${sale.number}</strong>
      <span class="badge">${SALE_STATE[sale.state] ?? sale.state}</span>
      ${sale.archived ? html`<span class="badge failed">в архиве</span>` : ''}
      <span class="muted">${time(sale.openedAt)}</span>
    </header>
    <dl>
      <dt>Состояние</dt><dd class="state">${labelled(SALE_STATE, sale.state)}</dd>
      <dt>Оплата</dt><dd class="payment-status">${labelled(PAYMENT_STATUS, sale.paymentStatus)}</dd>
      <dt>Отгрузка</dt><dd class="shipping-status">${labelled(SHIPPING_STATUS, sale.shippingStatus)}</dd>
      <dt>Торговая точка</dt><dd>${sale.outlet}</dd>
      ${sale.comment ? html`<dt>Комментарий</dt><dd class="pre">${sale.comment}</dd>` : ''}
      <dt>Позиции</dt>
      <dd><ul class="items">${sale.positions.map(
        (position) => html`<li>${position.name} — ${position.quantity} × ${kop(position.price)}</li>`,
      )}</ul></dd>
      <dt>Сумма</dt><dd><strong>${kop(sale.total)}</strong> · внесено ${kop(sale.net)}</dd>
      <dt>Документы</dt>
      <dd>${
        sale.documents.length === 0
          ? html`<em>нет</em>`
          : html`<ul class="documents">${sale.documents.map(
              (
                document,
              ) => html`<li>${document.kind === 'payment' ? 'Оплата' : 'Возврат'} ${kop(document.cash + document.card)}
                (наличные ${kop(document.cash)}, карта ${kop(document.card)}) · ${time(document.at)}</li>`,
            )}</ul>`
      }</dd>
    </dl>
    <div class="actions">
      ${action('pay-cash', 'Оплата наличными', sale.can.pay, 'primary')}
      ${action('pay-card', 'Оплата картой', sale.can.pay, 'primary')}
      ${action('pay-mixed', 'Смешанная оплата', sale.can.pay)}
      ${action('ship', 'Отгрузить', sale.can.ship)}
      ${action('complete', 'Завершить', sale.can.complete)}
      ${action('cancel', 'Отменить', sale.can.cancel, 'danger')}
      ${action('refund', 'Возврат', sale.can.refund, 'danger')}
    </div>
  </article>`;
}

function lifeposOrg(org: LifePosOrgView): Html {
  return html`<section class="account" id="lp-org-${org.guid}">
    <h3>${org.name}</h3>
    <p class="muted">ID <code class="wrap">${org.guid}</code> · точек: ${org.outletCount} · сотрудников: ${org.employeeCount} ·
      продаж: ${org.saleCount}</p>
    <p class="muted">Юрлица: ${org.legalEntities.map((entity, index) => html`${index > 0 ? ', ' : ''}${entity.name} (ИНН <code>${entity.inn}</code>)`)}</p>
    <p class="muted">Уведомления: ${org.notificationUrl ? html`<code class="wrap">${org.notificationUrl}</code>` : 'подписки нет'}</p>
    ${org.sales.length === 0 ? html`<p class="muted">Продаж нет.</p>` : org.sales.map((sale) => saleCard(org, sale))}
  </section>`;
}

function deliveryRow(delivery: DeliveryRecord): Html {
  const last = delivery.attempts.at(-1);
  return html`<tr>
    <td>${time(delivery.created_at)}</td>
    <td><code>${delivery.type_of}</code>${delivery.duplicate ? ' (дубль)' : ''}${delivery.reordered ? ' (переставлено)' : ''}</td>
    <td><code class="wrap">${delivery.object_guid}</code></td>
    <td><span class="badge ${delivery.status}">${DELIVERY_STATUS[delivery.status] ?? delivery.status}</span></td>
    <td>${delivery.attempts.length}${
      last
        ? html` · <code class="wrap">${last.url}</code> ${last.status === undefined ? '' : html`HTTP ${last.status}`}${last.error ? html` <span class="error-text">${last.error}</span>` : ''}`
        : ''
    }</td>
  </tr>`;
}

// ---------------------------------------------------------------- page

/** The page's icon (a sandbox pail in the sandbox's colours), served at /favicon.ico. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d2330"/><path d="M9 13h14l-2 11H11z" fill="#f2c14e"/><path d="M12 13c0-4 8-4 8 0" fill="none" stroke="#cfe0ff" stroke-width="2"/></svg>`;

const STYLE = unsafeRaw(`<style>
*{box-sizing:border-box}
body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f3f5f8}
header.top{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#1d2330;color:#fff}
header.top h1{font-size:1.05rem;margin:0}
header.top a{color:#cfe0ff}
header.top label{margin-left:auto}
main{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;padding:1rem}
@media(min-width:1100px){main{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}#notifications{grid-column:1/-1}}
main section,.card{min-width:0;overflow-wrap:anywhere}
input,select,textarea{max-width:100%}
section.side>h2{margin:.2rem 0 .6rem}
section.account{background:#fff;border-radius:10px;padding:.8rem 1rem;margin-bottom:1rem;box-shadow:0 1px 2px #0001}
h3{margin:.2rem 0}h4{margin:1rem 0 .4rem}
.card{border:1px solid #dde3ec;border-radius:8px;padding:.6rem .8rem;margin:.6rem 0;background:#fcfdff}
.card>header{display:flex;flex-wrap:wrap;gap:.4rem;align-items:baseline}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.5rem 0}
dt{color:#5b6475}dd{margin:0;min-width:0;overflow-wrap:anywhere}
ul{margin:0;padding-left:1.1rem}
.actions{display:flex;flex-wrap:wrap;gap:.4rem;margin-top:.4rem}
form.inline{display:inline-flex;flex-wrap:wrap;gap:.3rem;align-items:center;margin:.15rem 0}
select,button{font:inherit;padding:.35rem .5rem;border-radius:6px;border:1px solid #b9c2d0;background:#fff;max-width:100%}
button{cursor:pointer;background:#eef2f8}
button.primary{background:#2f6fec;border-color:#2f6fec;color:#fff}
button.danger{background:#fff0f0;border-color:#e2a0a0;color:#a11}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:99px;background:#e6ebf3;font-size:.85em}
.badge.delivered{background:#dff5e3}.badge.failed{background:#fde2e2}.badge.pending,.badge.held{background:#fff3d6}
.muted{color:#5b6475;font-size:.9em}
code{font-size:.88em;background:#eef1f6;padding:0 .2rem;border-radius:4px}
code.wrap{overflow-wrap:anywhere}
.pre{white-space:pre-wrap}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{text-align:left;vertical-align:top;padding:.3rem .4rem;border-bottom:1px solid #e3e7ee}
.flash{margin:1rem 1rem 0;padding:.6rem .8rem;border-radius:8px}
.flash.ok{background:#dff5e3}.flash.error{background:#fde2e2}
.error-text{color:#a11}
details.credentials{margin:.4rem 0;background:#f6f8fb;border-radius:8px;padding:.4rem .6rem}
@media(max-width:600px){dl{grid-template-columns:1fr}dt{margin-top:.3rem}main{padding:.5rem}}
</style>`);

/**
 * Reloads every 2 s, but not while a form control has focus, within 5 s of the last touch or key, or
 * while a flash message is fresh; the checkbox switches it off.
 */
const SCRIPT = unsafeRaw(`<script>
(function(){var last=Date.now(),shownAt=Date.now(),box=document.getElementById('auto');
['pointerdown','keydown','input','focusin','touchstart'].forEach(function(e){addEventListener(e,function(){last=Date.now()},true)});
if(location.search){history.replaceState(null,'',location.pathname+location.hash)}
var flash=document.querySelector('.flash');
setInterval(function(){var a=document.activeElement,busy=a&&/^(SELECT|INPUT|TEXTAREA|BUTTON)$/.test(a.tagName);
if(box&&box.checked&&!busy&&!document.hidden&&Date.now()-last>5000&&(!flash||Date.now()-shownAt>6000)){location.reload()}},2000);})();
</script>`);

export function renderPage(data: PageData, flash?: Flash): string {
  const page = html`<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Песочница RetailCRM ⇄ LIFE POS</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
${STYLE}
</head>
<body>
<header class="top">
  <h1>Песочница RetailCRM ⇄ LIFE POS</h1>
  <a href="#retailcrm">RetailCRM</a><a href="#lifepos">LIFE POS</a><a href="#notifications">Уведомления</a>
  <label><input type="checkbox" id="auto" checked> автообновление</label>
  <a href="/">Обновить</a>
</header>
${flash ? html`<div class="flash ${flash.kind}" role="status">${flash.text}</div>` : ''}
<main>
  <section class="side" id="retailcrm">
    <h2>RetailCRM</h2>
    ${data.retailcrm.length === 0 ? html`<p class="muted">Аккаунтов нет.</p>` : data.retailcrm.map(crmAccount)}
  </section>
  <section class="side" id="lifepos">
    <h2>LIFE POS</h2>
    <p class="muted">API: <code class="wrap">${data.lifeposUrl}</code></p>
    ${data.lifepos.length === 0 ? html`<p class="muted">Организаций нет.</p>` : data.lifepos.map(lifeposOrg)}
  </section>
  <section class="side account" id="notifications">
    <h2>Уведомления LIFE POS</h2>
    ${
      data.deliveries.length === 0
        ? html`<p class="muted">Уведомлений ещё не было.</p>`
        : html`<div class="scroll"><table>
          <thead><tr><th>Время</th><th>Объект</th><th>GUID</th><th>Статус</th><th>Попытки</th></tr></thead>
          <tbody>${data.deliveries.map(deliveryRow)}</tbody></table></div>`
    }
  </section>
</main>
${SCRIPT}
</body>
</html>`;
  return page.value;
}

import type { CrmAccount } from './account.js';
import { notFound, taskNotLoaded } from './api-error.js';
import { FilterReader, inRange, paginate, readPage } from './list-params.js';
import { taskInputSchema } from './order-input.js';
import type { ApiRoute } from './route-context.js';
import type { Scope } from './seed-schema.js';

/**
 * Utility methods, tasks, users and groups, reference books (docs/RETAILCRM-API.md, «Base URL and hosts»,
 * «Key scopes», «Utility methods», «Tasks», «Users and groups», «Reference books»).
 */

/** The deprecated `credentials` list of `/api/credentials`, derived from the scopes. */
const CREDENTIALS_BY_SCOPE: Partial<Record<Scope, string[]>> = {
  order_read: ['/api/orders', '/api/orders/{externalId}', '/api/orders/history', '/api/orders/statuses'],
  order_write: [
    '/api/orders/create',
    '/api/orders/{externalId}/edit',
    '/api/orders/payments/create',
    '/api/orders/payments/{id}/edit',
    '/api/orders/payments/{id}/delete',
  ],
  task_read: ['/api/tasks', '/api/tasks/{id}'],
  task_write: ['/api/tasks/create', '/api/tasks/{id}/edit'],
  user_read: ['/api/users', '/api/users/{id}', '/api/user-groups'],
  reference_read: [
    '/api/reference/sites',
    '/api/reference/stores',
    '/api/reference/statuses',
    '/api/reference/status-groups',
    '/api/reference/payment-types',
    '/api/reference/payment-statuses',
    '/api/reference/delivery-types',
    '/api/reference/order-types',
    '/api/reference/order-methods',
    '/api/reference/legal-entities',
    '/api/reference/couriers',
  ],
};

/** Books keyed by code print as a JSON object — or as `[]` when empty, since PHP encodes an empty array so. */
function keyed<T>(
  items: Iterable<T>,
  code: (item: T) => string,
  render: (item: T) => unknown = (item) => item,
) {
  const entries = [...items].map((item): [string, unknown] => [code(item), render(item)]);
  return entries.length === 0 ? [] : Object.fromEntries(entries);
}

function referenceRoute(
  name: string,
  key: string,
  list: (account: CrmAccount) => unknown,
  scope: ApiRoute['scope'] = 'reference.read',
): ApiRoute {
  return {
    method: 'GET',
    path: `/api/v5/reference/${name}`,
    scope,
    handle: (context) => ({ body: { [key]: list(context.account) } }),
  };
}

const TASK_FILTERS = [
  'performers',
  'creators',
  'ids',
  'status',
  'orderNumber',
  'customer',
  'text',
  'dateFrom',
  'dateTo',
  'createdAtFrom',
  'createdAtTo',
  'completedAtFrom',
  'completedAtTo',
];
const TASK_FILTERS_SIMULATED = TASK_FILTERS.filter((key) => key !== 'creators' && key !== 'customer');

const USER_FILTERS = [
  'email',
  'status',
  'online',
  'active',
  'isManager',
  'isPosManager',
  'isAdmin',
  'groups',
  'createdAtFrom',
  'createdAtTo',
];
const USER_FILTERS_SIMULATED = USER_FILTERS.filter((key) => key !== 'isPosManager');

export const directoryRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/api-versions',
    handle: () => ({ body: { versions: ['3.0', '4.0', '5.0'] } }),
  },
  {
    method: 'GET',
    path: '/api/credentials',
    handle: (context) => ({
      body: {
        scopes: context.key.scopes,
        credentials: [...new Set(context.key.scopes.flatMap((scope) => CREDENTIALS_BY_SCOPE[scope] ?? []))],
        siteAccess: context.key.siteAccess,
        sitesAvailable: context.visibleSites(),
      },
    }),
  },
  {
    // docs/RETAILCRM-API.md, «Utility methods»: the account's settings (shape of S1t's fixture); any valid
    // key may read them (assumed, CRM-13).
    method: 'GET',
    path: '/api/v5/settings',
    handle: (context) => {
      const updatedAt = context.account.settingsUpdatedAt;
      return {
        body: {
          settings: {
            default_currency: { value: 'RUB', updated_at: updatedAt },
            system_language: { value: 'RU', updated_at: updatedAt },
            timezone: { value: context.account.timezone, updated_at: updatedAt },
            work_times: [],
            non_working_days: [],
          },
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/system-info',
    handle: (context) => ({
      body: {
        systemVersion: '8.1.51',
        publicUrl: `https://${context.account.code}.retailcrm.ru`,
        technicalUrl: `https://${context.account.code}.retailcrm.io`,
      },
    }),
  },
  {
    method: 'GET',
    path: '/api/v5/tasks',
    scope: 'tasks.read',
    handle(context) {
      const { account } = context;
      const page = readPage(context.query);
      const f = new FilterReader(context.query, TASK_FILTERS, TASK_FILTERS_SIMULATED);
      const performers = f.ints('performers');
      const ids = f.ints('ids');
      const status = f.choice('status', ['completed', 'performing']);
      const orderNumber = f.string('orderNumber');
      const text = f.string('text');
      const deadline = [f.date('dateFrom', 'from'), f.date('dateTo', 'to')] as const;
      const created = [f.date('createdAtFrom', 'from'), f.date('createdAtTo', 'to')] as const;
      const completed = [f.date('completedAtFrom', 'from'), f.date('completedAtTo', 'to')] as const;
      const tasks = [...account.tasks.values()]
        .filter((task) => {
          const order = task.orderId === undefined ? undefined : account.orders.get(task.orderId);
          return (
            (!performers || performers.includes(task.performerId)) &&
            (!ids || ids.includes(task.id)) &&
            (status === undefined || task.complete === (status === 'completed')) &&
            (orderNumber === undefined || order?.number === orderNumber) &&
            (text === undefined || task.text.includes(text) || (task.commentary ?? '').includes(text)) &&
            inRange(task.datetime === undefined ? undefined : `${task.datetime}:00`, ...deadline) &&
            inRange(task.createdAt, ...created) &&
            inRange(task.completedAt, ...completed)
          );
        })
        .sort((a, b) => b.id - a.id);
      const { pagination, items } = paginate(tasks, page);
      return { body: { pagination, tasks: items.map((task) => account.renderTask(task)) } };
    },
  },
  {
    method: 'POST',
    path: '/api/v5/tasks/create',
    scope: 'tasks.write',
    handle(context) {
      const input = context.jsonField('task', taskInputSchema, taskNotLoaded);
      const task = context.account.createTask(input, context.site(false), context.actor);
      return { status: 201, body: { id: task.id } };
    },
  },
  {
    method: 'GET',
    path: '/api/v5/tasks/:id',
    scope: 'tasks.read',
    handle(context) {
      const task = context.account.tasks.get(Number(context.pathParam('id')));
      if (!task) throw notFound();
      return { body: { task: context.account.renderTask(task) } };
    },
  },
  {
    // docs/RETAILCRM-API.md, «Tasks»: form `task` JSON (+ `site`) → `{"success":true}`; only the given fields
    // change.
    method: 'POST',
    path: '/api/v5/tasks/:id/edit',
    scope: 'tasks.write',
    handle(context) {
      const task = context.account.tasks.get(Number(context.pathParam('id')));
      if (!task) throw notFound();
      const input = context.jsonField('task', taskInputSchema, taskNotLoaded);
      context.account.editTask(task, input, context.site(false));
      return { body: {} };
    },
  },
  {
    method: 'GET',
    path: '/api/v5/users',
    scope: 'users.read',
    handle(context) {
      const { account } = context;
      const page = readPage(context.query);
      const f = new FilterReader(context.query, USER_FILTERS, USER_FILTERS_SIMULATED);
      const email = f.string('email');
      const status = f.choice('status', ['free', 'busy', 'dinner', 'break']);
      const online = f.bool('online');
      const active = f.bool('active');
      const isManager = f.bool('isManager');
      const isAdmin = f.bool('isAdmin');
      const groups = f.strings('groups');
      const created = [f.date('createdAtFrom', 'from'), f.date('createdAtTo', 'to')] as const;
      const users = [...account.users.values()].filter(
        (user) =>
          (email === undefined || user.email === email) &&
          (status === undefined || user.status === status) &&
          (online === undefined || user.online === online) &&
          (active === undefined || user.active === active) &&
          (isManager === undefined || user.isManager === isManager) &&
          (isAdmin === undefined || user.isAdmin === isAdmin) &&
          (!groups || user.groups.some((group) => groups.includes(group))) &&
          inRange(user.createdAt, ...created),
      );
      const { pagination, items } = paginate(users, page);
      return { body: { pagination, users: items.map((user) => account.renderUser(user)) } };
    },
  },
  {
    method: 'GET',
    path: '/api/v5/users/:id',
    scope: 'users.read',
    handle(context) {
      const user = context.account.users.get(Number(context.pathParam('id')));
      if (!user) throw notFound();
      return { body: { user: context.account.renderUser(user) } };
    },
  },
  {
    method: 'GET',
    path: '/api/v5/user-groups',
    scope: 'users.read',
    handle(context) {
      const page = readPage(context.query);
      const { pagination, items } = paginate([...context.account.userGroups.values()], page);
      return { body: { pagination, groups: items } };
    },
  },
  referenceRoute('sites', 'sites', (account) =>
    keyed(
      account.sites.values(),
      (site) => site.code,
      (site) => account.renderSite(site),
    ),
  ),
  referenceRoute('stores', 'stores', (account) => [...account.stores.values()], 'reference.stores'),
  referenceRoute('statuses', 'statuses', (account) =>
    keyed(account.statuses.values(), (status) => status.code),
  ),
  referenceRoute('status-groups', 'statusGroups', (account) =>
    keyed(
      account.statusGroups.values(),
      (group) => group.code,
      (group) => account.renderStatusGroup(group),
    ),
  ),
  referenceRoute('payment-types', 'paymentTypes', (account) =>
    keyed(account.paymentTypes.values(), (type) => type.code),
  ),
  referenceRoute('payment-statuses', 'paymentStatuses', (account) =>
    keyed(account.paymentStatuses.values(), (status) => status.code),
  ),
  referenceRoute('delivery-types', 'deliveryTypes', (account) =>
    keyed(
      account.deliveryTypes.values(),
      (type) => type.code,
      // `paymentTypes` is the deprecated twin of `deliveryPaymentTypes`.
      (type) => ({ ...type, paymentTypes: type.deliveryPaymentTypes.map((payment) => payment.code) }),
    ),
  ),
  referenceRoute('order-types', 'orderTypes', (account) =>
    keyed(account.orderTypes.values(), (type) => type.code),
  ),
  referenceRoute('order-methods', 'orderMethods', (account) =>
    keyed(account.orderMethods.values(), (method) => method.code),
  ),
  referenceRoute('legal-entities', 'legalEntities', (account) => [...account.legalEntities.values()]),
  referenceRoute('couriers', 'couriers', (account) => [...account.couriers.values()], 'reference.couriers'),
];

import type { CrmAccount } from './account.js';
import { type Errors, NOT_BLANK, NOT_VALID, throwIfAny } from './account-errors.js';
import { doesNotExist, taskNotLoaded } from './api-error.js';
import { DATE_TIME_MINUTES } from './crm-time.js';
import type { TaskInput } from './order-input.js';
import type { Actor, TaskRecord } from './records.js';

/** Tasks (`/api/v5/tasks/*`): created and edited as the API checks them, shown as it shows them. */

export function create(
  account: CrmAccount,
  input: TaskInput,
  site: string | undefined,
  actor: Actor,
): TaskRecord {
  const errors: Errors = {};
  const performerType = input.performerType ?? 'user';
  if (input.performerId === undefined || input.performerId === null) errors.performerId = NOT_BLANK;
  if (performerType !== 'user' && !(performerType === 'group' && account.settings.allowGroupTasks)) {
    errors.performerType = NOT_VALID;
  } else if (typeof input.performerId === 'number') {
    const exists =
      performerType === 'group'
        ? account.userGroups.has(input.performerId)
        : account.users.has(input.performerId);
    if (!exists)
      errors.performerId = doesNotExist(
        performerType === 'group' ? 'Group' : 'User',
        'id',
        input.performerId,
      );
  }
  if (input.datetime !== undefined && !DATE_TIME_MINUTES.test(input.datetime)) errors.datetime = NOT_VALID;
  let orderId: number | undefined;
  if (input.order) {
    orderId = taskOrderId(account, input.order, site, errors);
  }
  throwIfAny(errors, taskNotLoaded);
  const now = account.now();
  const task: TaskRecord = {
    id: account.nextId('task'),
    text: input.text ?? '',
    ...(input.commentary === undefined ? {} : { commentary: input.commentary }),
    ...(input.datetime === undefined ? {} : { datetime: input.datetime }),
    createdAt: now,
    complete: input.complete ?? false,
    ...(input.complete ? { completedAt: now } : {}),
    performerId: input.performerId as number,
    performerType: performerType as 'user' | 'group',
    ...(orderId === undefined ? {} : { orderId }),
    ...(input.phone === undefined ? {} : { phone: input.phone }),
  };
  account.tasks.set(task.id, task);
  account.deps.logger.debug('retailcrm sandbox task created', {
    account: account.code,
    taskId: task.id,
    by: actor.kind,
  });
  return task;
}

/** The order a task names, by `id`, `externalId` or `number`; an unknown one is an error of the input. */
function taskOrderId(
  account: CrmAccount,
  ref: NonNullable<TaskInput['order']>,
  site: string | undefined,
  errors: Errors,
): number | undefined {
  const found =
    ref.id !== undefined
      ? account.orders.get(ref.id)
      : ref.externalId !== undefined
        ? account.findOrder('externalId', ref.externalId, site)
        : ref.number !== undefined
          ? account.findOrder('number', ref.number)
          : undefined;
  if (!found) errors.order = 'Order not found.';
  return found?.id;
}

/** A task edit: the given fields change, checked as on create; `complete` sets or clears `completedAt`. */
export function edit(
  account: CrmAccount,
  task: TaskRecord,
  input: TaskInput,
  site: string | undefined,
): TaskRecord {
  const errors: Errors = {};
  const performerType = input.performerType ?? task.performerType;
  if (input.performerId === null) errors.performerId = NOT_BLANK;
  const performerId = input.performerId ?? task.performerId;
  if (performerType !== 'user' && !(performerType === 'group' && account.settings.allowGroupTasks)) {
    errors.performerType = NOT_VALID;
  } else if (input.performerId !== undefined || input.performerType !== undefined) {
    const exists =
      performerType === 'group' ? account.userGroups.has(performerId) : account.users.has(performerId);
    if (!exists)
      errors.performerId = doesNotExist(performerType === 'group' ? 'Group' : 'User', 'id', performerId);
  }
  if (input.datetime !== undefined && !DATE_TIME_MINUTES.test(input.datetime)) errors.datetime = NOT_VALID;
  let orderId = task.orderId;
  if (input.order) {
    orderId = taskOrderId(account, input.order, site, errors);
  }
  throwIfAny(errors, taskNotLoaded);
  if (input.text !== undefined) task.text = input.text;
  if (input.commentary !== undefined) task.commentary = input.commentary;
  if (input.datetime !== undefined) task.datetime = input.datetime;
  if (input.phone !== undefined) task.phone = input.phone;
  task.performerId = performerId;
  task.performerType = performerType as 'user' | 'group';
  if (orderId === undefined) delete task.orderId;
  else task.orderId = orderId;
  if (input.complete !== undefined && input.complete !== task.complete) {
    task.complete = input.complete;
    if (input.complete) task.completedAt = account.now();
    else delete task.completedAt;
  }
  return task;
}

export function render(account: CrmAccount, task: TaskRecord): Record<string, unknown> {
  const order = task.orderId === undefined ? undefined : account.orders.get(task.orderId);
  return {
    id: task.id,
    text: task.text,
    ...(task.commentary === undefined ? {} : { commentary: task.commentary }),
    ...(task.datetime === undefined ? {} : { datetime: task.datetime }),
    createdAt: task.createdAt,
    complete: task.complete,
    ...(task.completedAt ? { completedAt: task.completedAt } : {}),
    performer: task.performerId,
    performerType: task.performerType,
    ...(order
      ? {
          order: {
            id: order.id,
            number: order.number,
            ...(order.externalId ? { externalId: order.externalId } : {}),
          },
        }
      : {}),
    ...(task.phone === undefined ? {} : { phone: task.phone }),
  };
}

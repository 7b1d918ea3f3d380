import { z } from 'zod';
import type { CrmApi } from './api-context.js';
import type {
  PageRequest,
  RetailCrmTaskCreate,
  RetailCrmTaskFilter,
  RetailCrmTaskPatch,
  RetailCrmUserFilter,
} from './client-types.js';
import { isRetailCrmNotFound } from './errors.js';
import { defaultPagination, type Pagination, paginationSchema } from './php-json-quirks.js';
import { type RetailCrmTask, taskSchema } from './task.schema.js';
import { type RetailCrmUser, type RetailCrmUserGroup, userGroupSchema, userSchema } from './user.schema.js';

const pagination = paginationSchema.default(() => ({ ...defaultPagination }));
const successSchema = z.looseObject({});
const idSchema = z.looseObject({ id: z.number().int() });
const schemas = {
  tasks: z.looseObject({ tasks: z.array(taskSchema), pagination }),
  task: z.looseObject({ task: taskSchema }),
  users: z.looseObject({ users: z.array(userSchema), pagination }),
  user: z.looseObject({ user: userSchema }),
  groups: z.looseObject({ groups: z.array(userGroupSchema), pagination }),
};

/** Tasks (docs/RETAILCRM-API.md, «Tasks»). */
export function tasksApi(api: CrmApi) {
  async function getTask(id: number): Promise<RetailCrmTask> {
    return (await api.call('GET', api.v5(`/tasks/${api.segment(id)}`), schemas.task)).task;
  }
  return {
    async createTask(task: RetailCrmTaskCreate, opts: { site?: string } = {}): Promise<{ id: number }> {
      const body = { ...task, datetime: api.date(task.datetime, 'date-time-minutes') };
      const answer = await api.call('POST', api.v5('/tasks/create'), idSchema, {
        form: { site: opts.site, task: body },
      });
      return { id: answer.id };
    },

    /** Edits a task, e.g. `{ complete: true }` once the problem it reports is gone. Answers `{success:true}`. */
    async editTask(id: number, patch: RetailCrmTaskPatch, opts: { site?: string } = {}): Promise<void> {
      const task =
        patch.datetime === undefined
          ? patch
          : { ...patch, datetime: api.date(patch.datetime, 'date-time-minutes') };
      await api.call('POST', api.v5(`/tasks/${api.segment(id)}/edit`), successSchema, {
        form: { site: opts.site, task },
      });
    },

    getTask,

    /** The task, or null when the account has none with this id (e.g. a person deleted it). */
    async getTaskOrNull(id: number): Promise<RetailCrmTask | null> {
      try {
        return await getTask(id);
      } catch (error) {
        if (isRetailCrmNotFound(error)) return null;
        throw error;
      }
    },

    async listTasks(
      filter: RetailCrmTaskFilter = {},
      page?: PageRequest,
    ): Promise<{ tasks: RetailCrmTask[]; pagination: Pagination }> {
      const { tasks, pagination: pages } = await api.call('GET', api.v5('/tasks'), schemas.tasks, {
        query: { filter, ...api.paging(page) },
      });
      return { tasks, pagination: pages };
    },
  };
}

/** Users and their groups (docs/RETAILCRM-API.md, «Users and groups»). */
export function usersApi(api: CrmApi) {
  return {
    async listUsers(
      filter: RetailCrmUserFilter = {},
      page?: PageRequest,
    ): Promise<{ users: RetailCrmUser[]; pagination: Pagination }> {
      const { users, pagination: pages } = await api.call('GET', api.v5('/users'), schemas.users, {
        query: { filter, ...api.paging(page) },
      });
      return { users, pagination: pages };
    },

    async getUser(id: number): Promise<RetailCrmUser> {
      return (await api.call('GET', api.v5(`/users/${api.segment(id)}`), schemas.user)).user;
    },

    async userGroups(page?: PageRequest): Promise<{ groups: RetailCrmUserGroup[]; pagination: Pagination }> {
      const { groups, pagination: pages } = await api.call('GET', api.v5('/user-groups'), schemas.groups, {
        query: api.paging(page),
      });
      return { groups, pagination: pages };
    },
  };
}

// «Tasks» of docs/RETAILCRM-API.md: `POST /api/v5/tasks/{id}/edit` (form `task` JSON) → `{"success":true}`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '../sandbox.js';
import { RcTestClient } from './test-client.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

describe('task edit', () => {
  it('changes only the given fields; complete sets completedAt and the task reads as completed', async () => {
    const info = await sandbox.retailcrm.createAccount({
      code: 'task-edit',
      apiKeys: [{ key: 'key-task-edit' }],
      settings: { rateLimit: { enabled: false } },
    });
    const api = new RcTestClient(info.baseUrl, 'key-task-edit');
    const created = await api.post('/api/v5/tasks/create', {
      task: { text: 'Ошибка коннектора', commentary: 'Сбой LIFE POS', performerId: 2 },
    });
    const id = created.body.id as number;

    const edited = await api.post(`/api/v5/tasks/${id}/edit`, {
      task: { complete: true, commentary: 'Сбой LIFE POS\n\nРешено' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toEqual({ success: true });
    const task = (await api.get(`/api/v5/tasks/${id}`)).body.task;
    expect(task).toMatchObject({
      id,
      text: 'Ошибка коннектора',
      commentary: 'Сбой LIFE POS\n\nРешено',
      complete: true,
      performer: 2,
      completedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
    });
    expect((await api.get('/api/v5/tasks', 'filter[status]=completed')).body.tasks).toHaveLength(1);
  });

  it('answers 404 for an unknown task and Task is not loaded for an unknown performer', async () => {
    const info = await sandbox.retailcrm.createAccount({
      code: 'task-edit-errors',
      apiKeys: [{ key: 'key-task-edit-errors' }],
      settings: { rateLimit: { enabled: false } },
    });
    const api = new RcTestClient(info.baseUrl, 'key-task-edit-errors');
    const missing = await api.post('/api/v5/tasks/999999/edit', { task: { complete: true } });
    expect(missing.status).toBe(404);
    expect(missing.body.success).toBe(false);
    const created = await api.post('/api/v5/tasks/create', { task: { text: 'x', performerId: 2 } });
    const bad = await api.post(`/api/v5/tasks/${created.body.id}/edit`, { task: { performerId: 987654 } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, errorMsg: 'Task is not loaded' });
  });
});

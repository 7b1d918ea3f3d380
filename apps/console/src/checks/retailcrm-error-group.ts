import type { ConnectionDraft } from '../connection-input.schema.js';
import { t } from '../i18n.js';
import { type CheckLine, explained, line, skipped } from './check-line.js';
import type { RetailCrmFacts } from './retailcrm-facts.js';

export function errorGroupLine(facts: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
  const id = 'retailcrm.error_group';
  const code = draft.errorUserGroupCode;
  if (!facts.account.ok || !facts.userGroups)
    return skipped(id, t('API-ключ RetailCRM не подошёл.', 'the RetailCRM API key did not work.'));
  if (!facts.userGroups.ok) {
    return line(
      id,
      'error',
      explained(
        t('Не удалось прочитать группы пользователей.', 'Could not read the user groups.'),
        'RetailCRM',
        facts.userGroups.error,
      ),
      t('Проверьте разрешение ключа «Пользователи, получение».', 'Check the key permission “Users: read”.'),
    );
  }
  const group = facts.userGroups.value.find((candidate) => candidate.code === code);
  if (!group) {
    const known = facts.userGroups.value.map((candidate) => `${candidate.code} (${candidate.name})`);
    return line(
      id,
      'error',
      t(
        `Группы пользователей с кодом «${code}» нет в RetailCRM.${known.length ? ` Есть: ${known.join(', ')}.` : ''}`,
        `RetailCRM has no user group with code “${code}”.${known.length ? ` There are: ${known.join(', ')}.` : ''}`,
      ),
      t(
        'Укажите код группы из RetailCRM (Настройки → Пользователи → Группы) или создайте группу для задач об ошибках интеграции.',
        'Enter a group code from RetailCRM (Settings → Users → Groups) or create a group for integration error tasks.',
      ),
    );
  }
  const users = facts.groupUsers?.ok
    ? facts.groupUsers.value.filter((user) => user.active !== false)
    : undefined;
  if (users === undefined) {
    return line(
      id,
      'error',
      t(
        `Не удалось прочитать пользователей группы «${group.name}».`,
        `Could not read the users of group “${group.name}”.`,
      ),
      t('Проверьте разрешение ключа «Пользователи, получение».', 'Check the key permission “Users: read”.'),
    );
  }
  if (users.length === 0) {
    return line(
      id,
      'error',
      t(
        `В группе «${group.name}» (${code}) нет ни одного активного пользователя: задачи об ошибках некому ставить.`,
        `Group “${group.name}” (${code}) has no active user: nobody would get the error tasks.`,
      ),
      t(
        'Добавьте в группу хотя бы одного активного пользователя и дайте группе права на работу с задачами.',
        'Add at least one active user to the group and give the group the rights to work with tasks.',
      ),
    );
  }
  return line(
    id,
    'ok',
    t(
      `«${group.name}»: активных пользователей — ${users.length}.`,
      `“${group.name}”: ${users.length} active user(s).`,
    ),
  );
}

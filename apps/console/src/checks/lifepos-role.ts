import { isLifePosError } from '@connector/lifepos';
import type { ConnectionDraft } from '../connection-input.schema.js';
import { joinTexts, type Text, t } from '../i18n.js';
import { answer, type CheckLine, explained, line, skipped } from './check-line.js';
import type { LifePosFacts } from './lifepos-facts.js';

const API_ROLE_TYPES = ['Owner', 'Administrator'];
/** When the role book cannot be read, the role's own name still tells (LIFE POS names them in Russian). */
const API_ROLE_NAMES = /^(owner|administrator|admin|владелец|администратор)$/i;

export function roleLine(facts: LifePosFacts, draft: ConnectionDraft): CheckLine {
  const id = 'lifepos.role';
  if (!facts.signIn.ok || !facts.me)
    return skipped(id, t('вход в LIFE POS не удался.', 'the LIFE POS sign-in failed.'));
  const org = draft.lifeposOrgId;
  const notOwner = (detail: Text) =>
    line(
      id,
      'error',
      joinTexts(
        [
          t(
            `Сотрудник с телефоном ${draft.lifeposPhone} не владелец и не администратор организации ${org}.`,
            `The employee with phone ${draft.lifeposPhone} is neither Owner nor Administrator of organization ${org}.`,
          ),
          detail,
        ],
        '',
      ),
      t(
        'Укажите телефон и пароль сотрудника с уровнем доступа «Владелец» или «Администратор» этой организации.',
        'Enter the phone and password of an employee with the Owner or Administrator access level in this organization.',
      ),
    );
  if (!facts.me.ok) {
    const { error } = facts.me;
    const status = isLifePosError(error) ? error.failure.status : undefined;
    if (status === 404) {
      return line(
        id,
        'error',
        t(`Организации ${org} нет в LIFE POS.`, `LIFE POS has no organization ${org}.`),
        t(
          'Проверьте ID организации: он виден в адресной строке личного кабинета LIFE POS после …/orgs/.',
          'Check the organization id: it is in the LIFE POS back-office address after …/orgs/.',
        ),
      );
    }
    if (status === 403) return notOwner(answer('LIFE POS', error));
    return line(
      id,
      'error',
      explained(
        t('LIFE POS не ответил, кто этот сотрудник.', 'LIFE POS did not say who the employee is.'),
        'LIFE POS',
        error,
      ),
      t('Повторите проверку через несколько минут.', 'Run the check again in a few minutes.'),
    );
  }
  const me = facts.me.value;
  const role = facts.roles?.ok
    ? facts.roles.value.find((candidate) => candidate.guid === me.roleGuid)
    : undefined;
  const roleName = role?.name ?? me.roleName ?? role?.roleType ?? '—';
  const allowed = role?.roleType
    ? API_ROLE_TYPES.includes(role.roleType)
    : API_ROLE_NAMES.test((me.roleName ?? '').trim());
  if (!allowed) return notOwner(t(` Его роль: «${roleName}».`, ` Their role: “${roleName}”.`));
  return line(
    id,
    'ok',
    t(
      `${me.name ?? draft.lifeposPhone}: роль «${roleName}».`,
      `${me.name ?? draft.lifeposPhone}: role “${roleName}”.`,
    ),
  );
}

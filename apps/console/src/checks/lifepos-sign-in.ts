import { isLifePosError, LIFEPOS_ERROR_CODES } from '@connector/lifepos';
import { t } from '../i18n.js';
import { type CheckLine, explained, line } from './check-line.js';
import type { LifePosFacts } from './lifepos-facts.js';

export function signInLine(facts: LifePosFacts): CheckLine {
  const id = 'lifepos.sign_in';
  if (facts.signIn.ok)
    return line(id, 'ok', t('Телефон и пароль приняты.', 'The phone and password were accepted.'));
  const { error } = facts.signIn;
  if (isLifePosError(error) && error.code === LIFEPOS_ERROR_CODES.invalidCredentials) {
    return line(
      id,
      'error',
      explained(
        t(
          'LIFE POS не принял телефон и пароль сотрудника.',
          'LIFE POS did not accept the employee phone and password.',
        ),
        'LIFE POS',
        error,
      ),
      t(
        'Проверьте телефон и пароль сотрудника LIFE POS с уровнем доступа «Владелец» или «Администратор» и сохраните снова.',
        'Check the phone and password of a LIFE POS employee with the Owner or Administrator access level and save again.',
      ),
    );
  }
  return line(
    id,
    'error',
    explained(
      t(
        'LIFE POS сейчас недоступен или ответил ошибкой.',
        'LIFE POS is unavailable or answered with an error.',
      ),
      'LIFE POS',
      error,
    ),
    t('Повторите проверку через несколько минут.', 'Run the check again in a few minutes.'),
  );
}

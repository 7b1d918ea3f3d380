import { RetailCrmUnavailableError, RetailCrmUrlNotAllowedError } from '@connector/retailcrm';
import type { ConnectionDraft } from '../connection-input.schema.js';
import { joinTexts, t } from '../i18n.js';
import { type CheckLine, explained, line, said } from './check-line.js';
import { keyRefused, type RetailCrmFacts } from './retailcrm-facts.js';

export function accountLine(facts: RetailCrmFacts, draft: ConnectionDraft): CheckLine {
  const id = 'retailcrm.account';
  if (facts.account.ok || keyRefused(facts)) {
    return line(
      id,
      'ok',
      t(`Аккаунт ${draft.retailcrmUrl} отвечает.`, `The account ${draft.retailcrmUrl} answers.`),
    );
  }
  const { error } = facts.account;
  const fixAddress = t(
    'Укажите адрес аккаунта из адресной строки после входа в RetailCRM, например https://my-company.retailcrm.ru — без пути и параметров.',
    'Enter the account address from the browser after signing in to RetailCRM, e.g. https://my-company.retailcrm.ru — no path or parameters.',
  );
  if (error instanceof RetailCrmUrlNotAllowedError) {
    return line(
      id,
      'error',
      t(
        `Адрес RetailCRM не разрешён: коннектор обращается только к аккаунтам RetailCRM по https, без логина, пути и параметров в адресе. Причина: «${said(error)}».`,
        `The RetailCRM address is not allowed: the connector calls RetailCRM accounts over https only, with no login, path or parameters in the address. Reason: “${said(error)}”.`,
      ),
      fixAddress,
    );
  }
  if (error instanceof RetailCrmUnavailableError) {
    return line(
      id,
      'error',
      explained(
        t(
          `RetailCRM не отвечает по адресу ${draft.retailcrmUrl}.`,
          `RetailCRM does not answer at ${draft.retailcrmUrl}.`,
        ),
        'RetailCRM',
        error,
      ),
      joinTexts([
        fixAddress,
        t('Если адрес верный, повторите проверку позже.', 'If it is right, check again later.'),
      ]),
    );
  }
  return line(
    id,
    'error',
    explained(
      t(
        `По адресу ${draft.retailcrmUrl} нет аккаунта RetailCRM.`,
        `There is no RetailCRM account at ${draft.retailcrmUrl}.`,
      ),
      'RetailCRM',
      error,
    ),
    fixAddress,
  );
}

/**
 * The live checks of the settings form: one line per thing the integration guide asks for, each with the
 * exact reason and what to do. Only a configuration whose lines have no error is activated.
 */

import type { CheckClients } from '../check-clients.js';
import type { ConnectionDraft } from '../connection-input.schema.js';
import { proposeSettings } from '../proposed-settings.js';
import type { CheckLine } from './check-line.js';
import { innLine } from './legal-entities-inn.js';
import { identityOf, lifeposFacts } from './lifepos-facts.js';
import { roleLine } from './lifepos-role.js';
import { signInLine } from './lifepos-sign-in.js';
import { booksOf, loadReferenceBooks } from './reference-books.js';
import { accountLine } from './retailcrm-account.js';
import { apiKeyLine } from './retailcrm-api-key.js';
import { errorGroupLine } from './retailcrm-error-group.js';
import { retailcrmFacts } from './retailcrm-facts.js';
import { paymentTypesLine } from './retailcrm-payment-types.js';
import { settingsLine } from './settings-codes.js';
import { storesLine } from './stores-outlets.js';
import type {
  CheckId,
  CheckReport,
  CheckStatus,
  LifePosIdentity,
  ReferenceBooks,
  RunChecksOptions,
} from './types.js';

export { REQUIRED_SCOPE_CODES, REQUIRED_SCOPES } from './retailcrm-api-key.js';
export type {
  CheckId,
  CheckLine,
  CheckReport,
  CheckStatus,
  LifePosIdentity,
  ReferenceBooks,
  RunChecksOptions,
};
export { loadReferenceBooks };

/**
 * Runs every check against both accounts: the facts of each side are read once (in parallel where they do not
 * depend on each other), then each check (one file of this folder each) turns them into its line, in the
 * form's order.
 */
export async function runChecks(
  given: ConnectionDraft,
  clients: CheckClients,
  options: RunChecksOptions = {},
): Promise<CheckReport> {
  const [lp, rc] = await Promise.all([
    lifeposFacts(clients.lifepos),
    retailcrmFacts(clients.retailcrm, given),
  ]);
  const books = booksOf(rc);
  const proposed =
    options.propose && books ? proposeSettings(given.settings, books, options.propose.given) : undefined;
  const draft = proposed ? { ...given, settings: proposed } : given;
  const identity = identityOf(lp);
  const timeZone = rc.systemSettings?.ok ? rc.systemSettings.value.timeZone : undefined;
  const lines = [
    signInLine(lp),
    roleLine(lp, draft),
    accountLine(rc, draft),
    apiKeyLine(rc),
    errorGroupLine(rc, draft),
    paymentTypesLine(rc, draft),
    innLine(lp, rc),
    storesLine(lp, rc, draft),
    settingsLine(rc, draft),
  ];
  return {
    ok: lines.every((entry) => entry.status !== 'error'),
    lines,
    ...(books ? { books } : {}),
    ...(identity ? { lifepos: identity } : {}),
    ...(proposed ? { settings: proposed } : {}),
    ...(timeZone ? { timeZone } : {}),
    checkedAt: new Date().toISOString(),
  };
}

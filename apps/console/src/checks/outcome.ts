/**
 * How the checks read the accounts: every call may fail on its own, RetailCRM lists are read a few pages
 * deep (LIFE POS lists through the client's guarded pager, which says when it stops).
 */

/** Pages read of a paged RetailCRM list. */
export const MAX_PAGES = 20;
/** Stores looked at in the store → outlet preview; more are summarised. */
export const MAX_STORES = 20;

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

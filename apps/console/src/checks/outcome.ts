import type { Page } from '@connector/lifepos';

/** How the checks read the accounts: every call may fail on its own, lists are read a few pages deep. */

/** Pages read of a paged list. */
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

export async function allPages<T>(fetch: (pageToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await fetch(pageToken);
    items.push(...result.items);
    pageToken = result.nextPageToken;
    if (pageToken === undefined) break;
  }
  return items;
}

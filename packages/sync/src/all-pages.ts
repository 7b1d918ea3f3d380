import type { Page } from '@connector/lifepos';

/** Bounds a list walk: a LIFE POS list that keeps returning tokens must not loop forever. */
const MAX_PAGES = 100;

/** Every item of a paged LIFE POS list (loops while `next_page_token` is given). */
export async function allPages<T>(
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await fetchPage(pageToken);
    items.push(...result.items);
    pageToken = result.nextPageToken;
    if (!pageToken) return items;
  }
  throw new Error(`LIFE POS list has more than ${MAX_PAGES} pages`);
}

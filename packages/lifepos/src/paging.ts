import { PermanentError } from '@connector/domain';
import type { ListParams, Page } from './wire.js';

/**
 * The one pager of LIFE POS lists (docs/LIFEPOS-API.md, «List queries»): ask the largest page, loop while
 * `next_page_token` is non-empty, pass it back as `page_token`. Two guards stop it, each with a
 * `LifePosPagingError` rather than a silently shortened list: a token the API already returned (a loop),
 * and more pages than `maxPages` (by default 100 pages of 100 items).
 */

/** Items asked per page: the most the API serves (`items_per_page` up to 100). */
export const LIFEPOS_PAGE_SIZE = 100;
/** Pages read of one list before the pager stops and says so. */
export const DEFAULT_MAX_PAGES = 100;

export const LIFEPOS_PAGING_CODES = {
  /** The list has more pages than the caller's `maxPages`. */
  tooManyPages: 'lifepos.paging_limit',
  /** The API returned a page token it had already returned. */
  loop: 'lifepos.paging_loop',
} as const;

export type LifePosPagingCode = (typeof LIFEPOS_PAGING_CODES)[keyof typeof LIFEPOS_PAGING_CODES];

export interface PagingOptions {
  /** Pages read at most; one more page to read fails with `LifePosPagingError`. Default 100. */
  maxPages?: number;
}

/** A paged list the pager stopped: permanent, the same list would stop it again. */
export class LifePosPagingError extends PermanentError {
  declare readonly code: LifePosPagingCode;
  readonly list: string;
  readonly pagesRead: number;

  constructor(code: LifePosPagingCode, list: string, pagesRead: number) {
    const why =
      code === LIFEPOS_PAGING_CODES.loop
        ? 'LIFE POS returned a page token it had already returned'
        : `the list has more than ${pagesRead} pages`;
    super(`LIFE POS list ${list} not read to the end: ${why}; paging stopped`, {
      code,
      userMessage:
        code === LIFEPOS_PAGING_CODES.loop
          ? `LIFE POS отдаёт список ${list} по кругу (страница повторилась после ${pagesRead}-й). Повторите позже; если ошибка не уходит, сообщите в поддержку LIFE POS.`
          : `Список ${list} в LIFE POS длиннее ${pagesRead} страниц, коннектор не читает такие списки целиком. Уберите в архив лишние записи в LIFE POS или сообщите разработчикам коннектора.`,
      details: { list, pagesRead },
    });
    this.list = list;
    this.pagesRead = pagesRead;
  }
}

export function isLifePosPagingError(error: unknown): error is LifePosPagingError {
  return error instanceof LifePosPagingError;
}

/** Reads one page of a list; `pageToken` undefined asks for the first. */
export type PageReader<T> = (pageToken: string | undefined) => Promise<Page<T>>;

/** Every item of a paged list, page after page, lazily; throws `LifePosPagingError` at a guard. */
export async function* pagedItems<T>(
  list: string,
  readPage: PageReader<T>,
  { maxPages = DEFAULT_MAX_PAGES }: PagingOptions = {},
  firstPageToken?: string,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  let pageToken = firstPageToken;
  for (let pagesRead = 0; ; ) {
    if (pagesRead >= maxPages)
      throw new LifePosPagingError(LIFEPOS_PAGING_CODES.tooManyPages, list, pagesRead);
    const page = await readPage(pageToken);
    pagesRead += 1;
    yield* page.items;
    pageToken = page.nextPageToken;
    if (pageToken === undefined) return;
    if (seen.has(pageToken)) throw new LifePosPagingError(LIFEPOS_PAGING_CODES.loop, list, pagesRead);
    seen.add(pageToken);
  }
}

/** Every item of a paged list in one array (see `pagedItems`). */
export async function listAll<T>(
  list: string,
  readPage: PageReader<T>,
  options?: PagingOptions,
): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pagedItems(list, readPage, options)) items.push(item);
  return items;
}

/**
 * A list endpoint with its pager: `list` reads one page; `all` reads every page (largest pages unless
 * `itemsPerPage` is given) into an array; `iterate` yields them lazily, starting at `params.pageToken`.
 */
export interface Listing<T, P extends ListParams> {
  list(params?: P): Promise<Page<T>>;
  all(params?: Omit<P, 'pageToken'>, options?: PagingOptions): Promise<T[]>;
  iterate(params?: P, options?: PagingOptions): AsyncGenerator<T, void, undefined>;
}

export function listing<T, P extends ListParams>(
  name: string,
  list: (params: P) => Promise<Page<T>>,
): Listing<T, P> {
  const reader =
    (params: P): PageReader<T> =>
    (pageToken) =>
      list({ itemsPerPage: LIFEPOS_PAGE_SIZE, ...params, pageToken });
  return {
    list: (params = {} as P) => list(params),
    all: (params = {} as P, options) => listAll(name, reader(params as P), options),
    iterate: (params = {} as P, options) => pagedItems(name, reader(params), options, params.pageToken),
  };
}

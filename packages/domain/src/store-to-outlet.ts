/**
 * Store → outlet decisions (docs/ARCHITECTURE.md, «Store and courier sync»): which RetailCRM stores become
 * LIFE POS outlets, which legal entity (INN) a store belongs to, what the outlet should look like and what to
 * patch. No I/O: the sync feeds in what it read from both APIs.
 *
 * RetailCRM has no store → site field. A store belongs to the legal entity of the site (RetailCRM "магазин")
 * that sells from it: the connection's explicit `storeSites` mapping when given, else the only legal entity
 * of the account, else the sites of the orders shipped from the store (docs/RETAILCRM-API.md,
 * «Reference books»: `site.contragent` / `contragentCode`, order `site` + `shipmentStore`).
 */

/** LIFE POS outlet `name` / `address`: 2–256 characters (docs/LIFEPOS-API.md, «Outlets»). */
const OUTLET_TEXT_MIN = 2;
const OUTLET_TEXT_MAX = 256;
/** LIFE POS `meta`: at most 128 characters (docs/LIFEPOS-API.md, «Value objects»). */
const META_MAX = 128;

export interface StoreInput {
  code: string;
  name: string;
  type?: string | undefined;
  active?: boolean | undefined;
  address?: { text?: string | undefined; city?: string | undefined } | null | undefined;
}

/** Stores that sell: active ones of the configured types (default the retail points of sale). */
export function isSellingStore(store: StoreInput, sellingTypes: readonly string[]): boolean {
  return store.active !== false && store.type !== undefined && sellingTypes.includes(store.type);
}

/** INNs compare by digits only: RetailCRM and LIFE POS may keep spaces or other separators. */
export function normalizeInn(inn: string | null | undefined): string | undefined {
  const digits = (inn ?? '').replace(/\D/g, '');
  return digits.length > 0 ? digits : undefined;
}

export interface SiteInput {
  code: string;
  /** The site's legal entity as RetailCRM embeds it. */
  contragent?: { code?: string | undefined; INN?: string | undefined } | null | undefined;
  contragentCode?: string | undefined;
}

export interface LegalEntityInput {
  code?: string | undefined;
  INN?: string | undefined;
}

/** Site code → INN of its legal entity (undefined when the site has none, or it has no INN). */
export function siteInns(
  sites: readonly SiteInput[],
  legalEntities: readonly LegalEntityInput[] = [],
): Map<string, string | undefined> {
  const byCode = new Map(legalEntities.map((entity) => [entity.code, normalizeInn(entity.INN)]));
  return new Map(
    sites.map((site) => {
      const embedded = normalizeInn(site.contragent?.INN);
      const code = site.contragentCode ?? site.contragent?.code;
      return [site.code, embedded ?? (code === undefined ? undefined : byCode.get(code))];
    }),
  );
}

/** Whether resolving the sites' INNs needs the legal-entity book (a site names its entity only by code). */
export function needsLegalEntityBook(sites: readonly SiteInput[]): boolean {
  return sites.some(
    (site) =>
      normalizeInn(site.contragent?.INN) === undefined && (site.contragentCode ?? site.contragent?.code),
  );
}

export type UnresolvedStoreReason =
  /** The store's site has no legal entity, or its legal entity has no INN. */
  | 'site-without-inn'
  /** Orders of sites with different legal entities ship from this store. */
  | 'sites-disagree'
  /** Several legal entities in the account and nothing says which one this store sells for. */
  | 'no-evidence'
  /** The configured site (`storeSites`) does not exist. */
  | 'unknown-site';

export type StoreInnResolution =
  | {
      kind: 'resolved';
      inn: string;
      /** How it was decided, for logs and operators. */
      via: 'configured-site' | 'single-legal-entity' | 'order-sites';
      siteCodes: string[];
    }
  /** Ask again with `orderSites`: the sites of orders shipped from the store. */
  | { kind: 'needs-order-sites' }
  | { kind: 'unresolved'; reason: UnresolvedStoreReason; siteCodes: string[]; inns: string[] };

export interface StoreInnInput {
  storeCode: string;
  /** From `siteInns`. */
  sites: ReadonlyMap<string, string | undefined>;
  /** The connection's explicit store → site mapping (settings `storeSites`). */
  storeSites?: Readonly<Record<string, string>>;
  /** Sites of recent orders shipped from the store; leave out until `needs-order-sites` asks. */
  orderSites?: readonly string[];
}

const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

/** The INN of the legal entity a store belongs to, or why it cannot be told. */
export function resolveStoreInn({
  storeCode,
  sites,
  storeSites = {},
  orderSites,
}: StoreInnInput): StoreInnResolution {
  const configured = storeSites[storeCode];
  if (configured !== undefined) {
    if (!sites.has(configured)) {
      return { kind: 'unresolved', reason: 'unknown-site', siteCodes: [configured], inns: [] };
    }
    const inn = sites.get(configured);
    return inn === undefined
      ? { kind: 'unresolved', reason: 'site-without-inn', siteCodes: [configured], inns: [] }
      : { kind: 'resolved', inn, via: 'configured-site', siteCodes: [configured] };
  }

  const allInns = unique([...sites.values()]);
  const [onlyInn] = allInns;
  if (allInns.length === 1 && onlyInn !== undefined) {
    return { kind: 'resolved', inn: onlyInn, via: 'single-legal-entity', siteCodes: [...sites.keys()] };
  }
  if (orderSites === undefined) return { kind: 'needs-order-sites' };

  const siteCodes = unique(orderSites).filter((site) => sites.has(site));
  const knownInns = unique(allInns.filter((inn) => inn !== undefined));
  if (siteCodes.length === 0) {
    return { kind: 'unresolved', reason: 'no-evidence', siteCodes: [], inns: knownInns };
  }
  const inns = unique(siteCodes.map((site) => sites.get(site)));
  const [inn] = inns;
  if (inns.length > 1) {
    return {
      kind: 'unresolved',
      reason: 'sites-disagree',
      siteCodes,
      inns: inns.filter((value) => value !== undefined),
    };
  }
  return inn === undefined
    ? { kind: 'unresolved', reason: 'site-without-inn', siteCodes, inns: [] }
    : { kind: 'resolved', inn, via: 'order-sites', siteCodes };
}

/** Collapses whitespace; names compare case-insensitively after this. */
function tidy(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function fitOutletText(text: string): string {
  return text.length > OUTLET_TEXT_MAX ? text.slice(0, OUTLET_TEXT_MAX).trimEnd() : text;
}

/** `meta` of an outlet the connector created for a store: finds it again after a crash before the link. */
export function storeOutletMeta(storeCode: string): string {
  return `retailcrm-store:${storeCode}`.slice(0, META_MAX);
}

export interface OutletFields {
  name: string;
  address: string;
  legalEntityGuid: string;
}

/**
 * The outlet a store should be. The address is the store's (with its city when the text lacks it); a
 * store without one falls back to `fallbackAddress` (the legal entity's), since LIFE POS requires one.
 */
export function outletFieldsFor(
  store: StoreInput,
  legalEntityGuid: string,
  fallbackAddress: string | null | undefined,
): OutletFields {
  let name = tidy(store.name);
  if (name.length < OUTLET_TEXT_MIN) name = tidy(`${name} ${store.code}`);
  const text = tidy(store.address?.text);
  const city = tidy(store.address?.city);
  let address = text;
  if (city && !text.toLowerCase().includes(city.toLowerCase())) address = text ? `${city}, ${text}` : city;
  if (address.length < OUTLET_TEXT_MIN) address = tidy(fallbackAddress);
  if (address.length < OUTLET_TEXT_MIN) address = name;
  return { name: fitOutletText(name), address: fitOutletText(address), legalEntityGuid };
}

export interface OutletSnapshot {
  guid: string;
  name: string | null;
  address: string | null;
  legalEntityGuid: string | null;
  meta: string | null;
  /** Archived outlets (`deleted_at`) are never reused. */
  deletedAt: string | null;
  createdAt?: string | null;
}

/** The LIFE POS fields (API names) that differ from what the store says; empty when in step. */
export function outletPatchFor(current: OutletSnapshot, wanted: OutletFields): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (tidy(current.name) !== wanted.name) patch.name = wanted.name;
  if (tidy(current.address) !== wanted.address) patch.address = wanted.address;
  if (current.legalEntityGuid !== wanted.legalEntityGuid)
    patch.legal_entity = { guid: wanted.legalEntityGuid };
  return patch;
}

/**
 * An existing outlet to adopt for a store without a link: the one the connector created for it (its
 * `meta`), else an outlet of the same name in the store's legal entity that no other store claims.
 * Oldest first, so every concurrent caller picks the same one.
 */
export function findOutletForStore(
  outlets: readonly OutletSnapshot[],
  storeCode: string,
  wanted: OutletFields,
): OutletSnapshot | undefined {
  const meta = storeOutletMeta(storeCode);
  const alive = outlets
    .filter((outlet) => outlet.deletedAt === null)
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  const own = alive.find((outlet) => outlet.meta === meta);
  if (own) return own;
  const name = wanted.name.toLowerCase();
  return alive.find(
    (outlet) =>
      outlet.legalEntityGuid === wanted.legalEntityGuid &&
      tidy(outlet.name).toLowerCase() === name &&
      !(outlet.meta ?? '').startsWith('retailcrm-store:'),
  );
}

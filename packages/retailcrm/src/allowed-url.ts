import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { type AddressClass, classifyAddress } from './address-class.js';
import { RetailCrmUrlNotAllowedError } from './errors.js';

/**
 * SSRF guard for the tenant-supplied RetailCRM address. The URL comes from a settings form, so it must
 * not become a way to reach the connector's own network:
 * - scheme https (plain http only for an exactly listed loopback host — tests and the local demo — or a
 *   host listed with an explicit `http://`);
 * - an origin only: no user info, path other than `/`, query or fragment;
 * - the host must match `allowedHosts`: `.domain` = any sub-domain of domain (default port),
 *   `host` = that host (default port), `host:port` = that host and port, `host:*` = that host, any port,
 *   `http://host:port` = that host, also over plain http (a private simulator network);
 * - a host that is or resolves to a non-public address (loopback, private, link-local, unique-local,
 *   CGNAT, unspecified, IPv4-mapped forms of those…) is refused unless listed exactly — a `.domain`
 *   wildcard never allows one. The same check runs again at connect time (`guardedDnsLookup`), so a DNS
 *   answer that changes after validation (rebinding) cannot reach a private address either.
 */

/** Resolves a host name to every address it has (the connector checks them all: Node may try any). */
export type HostLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface AllowedRetailCrmUrl {
  /** `https://host[:port]`, the base every API path is appended to. */
  origin: string;
  protocol: 'https:' | 'http:';
  /** Host name or IP literal, IPv6 without brackets. */
  hostname: string;
  /** The host matched an exact entry (private addresses allowed), not a `.domain` wildcard. */
  exactlyListed: boolean;
  /** The host was listed as `http://host[:port]`: plain http to it is allowed, private addresses too. */
  plainHttpListed: boolean;
}

export const systemLookup: HostLookup = (hostname) => dns.lookup(hostname, { all: true, order: 'verbatim' });

/**
 * The static part of the guard (no DNS): shape, scheme, allowed host, IP literals. Throws
 * `RetailCrmUrlNotAllowedError`.
 */
export function checkRetailCrmUrl(input: string, allowedHosts: readonly string[]): AllowedRetailCrmUrl {
  const raw = input.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') {
    throw new RetailCrmUrlNotAllowedError('the address must start with https://');
  }
  const afterScheme = raw.slice(scheme.length + 3);
  if (afterScheme.includes('@'))
    throw new RetailCrmUrlNotAllowedError('user name or password in the address');
  if (afterScheme.includes('?')) throw new RetailCrmUrlNotAllowedError('query string in the address');
  if (afterScheme.includes('#')) throw new RetailCrmUrlNotAllowedError('fragment in the address');
  if (/[/\\]./.test(afterScheme)) throw new RetailCrmUrlNotAllowedError('path in the address');

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RetailCrmUrlNotAllowedError('not a valid URL');
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  const details = { host: url.host };

  // Wildcards never match IP literals, so an IP is only ever accepted through an exact entry: an
  // explicit decision to allow that address, private or not.
  const match = matchAllowedHost(
    url.hostname,
    isIP(hostname) !== 0,
    port,
    defaultPort(url.protocol),
    allowedHosts,
  );
  if (!match) throw new RetailCrmUrlNotAllowedError(`host ${url.host} is not in the allowed list`, details);
  const exactlyListed = match !== 'wildcard';
  const plainHttpListed = match === 'exact-http';

  if (url.protocol === 'http:') {
    const loopbackHost =
      hostname === 'localhost' || (isIP(hostname) !== 0 && classifyAddress(hostname) === 'loopback');
    if (!plainHttpListed && !(exactlyListed && loopbackHost)) {
      throw new RetailCrmUrlNotAllowedError('plain http:// is not allowed; use https://', details);
    }
  }
  return {
    origin: url.origin,
    protocol: url.protocol as 'https:' | 'http:',
    hostname,
    exactlyListed,
    plainHttpListed,
  };
}

/**
 * Full check of a RetailCRM base URL, DNS included: what the settings form calls before saving.
 * Resolves to the accepted address; rejects with `RetailCrmUrlNotAllowedError` (or the DNS error when the
 * host does not resolve).
 */
export async function assertAllowedRetailCrmUrl(
  url: string,
  allowedHosts: readonly string[],
  options: { lookup?: HostLookup } = {},
): Promise<AllowedRetailCrmUrl> {
  const target = checkRetailCrmUrl(url, allowedHosts);
  if (isIP(target.hostname) === 0) {
    const addresses = await (options.lookup ?? systemLookup)(target.hostname);
    assertResolvedAddresses(target, target.hostname, addresses);
  }
  return target;
}

/** Refuses when any address the host resolves to is not acceptable for that host. */
export function assertResolvedAddresses(
  target: AllowedRetailCrmUrl,
  hostname: string,
  addresses: ReadonlyArray<{ address: string }>,
): void {
  if (hostname.toLowerCase() !== target.hostname) {
    throw new RetailCrmUrlNotAllowedError(`connection to unexpected host ${hostname}`, { host: hostname });
  }
  if (addresses.length === 0) throw new RetailCrmUrlNotAllowedError(`host ${hostname} has no address`);
  for (const { address } of addresses) {
    const kind: AddressClass = classifyAddress(address);
    const acceptable =
      target.protocol === 'http:'
        ? kind === 'loopback' || target.plainHttpListed
        : kind === 'public' || target.exactlyListed;
    if (!acceptable) {
      throw new RetailCrmUrlNotAllowedError(`host ${hostname} resolves to a ${kind} address`, {
        host: hostname,
        address,
      });
    }
  }
}

/**
 * A `lookup` for the HTTP agent (got's `dnsLookup`) that re-applies the address check on every new
 * connection, after which Node connects only to the checked addresses.
 */
export function guardedDnsLookup(target: AllowedRetailCrmUrl, lookup: HostLookup): LookupFunction {
  return ((hostname: string, options: unknown, callback: LookupCallback) => {
    const { family, all } = lookupOptions(options);
    lookup(hostname).then(
      (resolved) => {
        try {
          assertResolvedAddresses(target, hostname, resolved);
        } catch (error) {
          callback(error as NodeJS.ErrnoException, '', 0);
          return;
        }
        const usable = resolved.filter((entry) => family === 0 || entry.family === family);
        const first = usable[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`no IPv${family} address for ${hostname}`);
          error.code = 'ENOTFOUND';
          callback(error, '', 0);
        } else if (all) {
          callback(null, usable.map(({ address, family: f }) => ({ address, family: f })) as never, 0);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  }) as LookupFunction;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

function lookupOptions(options: unknown): { family: number; all: boolean } {
  if (typeof options === 'number') return { family: options, all: false };
  if (options && typeof options === 'object') {
    const { family, all } = options as { family?: unknown; all?: unknown };
    const numericFamily =
      family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : typeof family === 'number' ? family : 0;
    return { family: numericFamily, all: all === true };
  }
  return { family: 0, all: false };
}

function defaultPort(protocol: string): number {
  return protocol === 'http:' ? 80 : 443;
}

/**
 * `'exact'` when an exact entry matches, `'wildcard'` for a `.domain` entry, else `undefined`.
 * `urlHost` is the URL's hostname (IPv6 in brackets); an entry without a port means the scheme's default.
 */
function matchAllowedHost(
  urlHost: string,
  isIpLiteral: boolean,
  urlPort: number,
  schemePort: number,
  allowedHosts: readonly string[],
): 'exact' | 'exact-http' | 'wildcard' | undefined {
  let found: 'wildcard' | undefined;
  for (const entry of allowedHosts) {
    const parsed = parseAllowedHost(entry);
    if (!parsed || (parsed.port !== '*' && (parsed.port ?? schemePort) !== urlPort)) continue;
    if (parsed.wildcard) {
      if (!isIpLiteral && urlHost.endsWith(parsed.host) && urlHost.length > parsed.host.length)
        found = 'wildcard';
    } else if (urlHost === parsed.host) {
      return parsed.plainHttp ? 'exact-http' : 'exact';
    }
  }
  return found;
}

/**
 * `.domain[:port]`, `host[:port]` or `[ipv6][:port]`, optionally prefixed `http://` (exact hosts only) →
 * its parts; exact hosts normalised as URL would. A port of `*` allows any port (tests and the local
 * demo run simulator accounts on ephemeral ports).
 */
function parseAllowedHost(
  entry: string,
): { wildcard: boolean; host: string; port?: number | '*'; plainHttp: boolean } | undefined {
  const lowered = entry.trim().toLowerCase();
  // `http://host:port`: plain http allowed for exactly that host (a private simulator network, e.g. compose).
  const plainHttp = lowered.startsWith('http://');
  const text = plainHttp ? lowered.slice('http://'.length) : lowered;
  if (plainHttp && text.startsWith('.')) return undefined;
  const match = /^(\.?)(\[[0-9a-f:.]+\]|[^:[\]/]+)(?::(\d{1,5}|\*))?$/.exec(text);
  if (!match) return undefined;
  const [, dot, host = '', port] = match;
  const wildcard = dot === '.';
  let normalised = host;
  if (!wildcard) {
    try {
      normalised = new URL(`https://${host}`).hostname;
    } catch {
      return undefined;
    }
  }
  return {
    wildcard,
    plainHttp,
    host: wildcard ? `.${normalised}` : normalised,
    ...(port === undefined ? {} : { port: port === '*' ? '*' : Number(port) }),
  };
}

import { isIPv4, isIPv6 } from 'node:net';

/**
 * Where an IP address points, for the SSRF guard. Anything but `public` can reach the connector's own
 * network (databases, metadata services, other tenants' sidecars), so only an explicitly listed host may
 * resolve there.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

type Ipv4Range = readonly [first: number, prefixLength: number, kind: Exclude<AddressClass, 'public'>];

const IPV4_RANGES: readonly Ipv4Range[] = [
  [ipv4ToNumber('0.0.0.0'), 8, 'unspecified'], // "this network"; 0.0.0.0 connects to the local host
  [ipv4ToNumber('10.0.0.0'), 8, 'private'],
  [ipv4ToNumber('100.64.0.0'), 10, 'cgnat'],
  [ipv4ToNumber('127.0.0.0'), 8, 'loopback'],
  [ipv4ToNumber('169.254.0.0'), 16, 'link-local'], // includes cloud metadata 169.254.169.254
  [ipv4ToNumber('172.16.0.0'), 12, 'private'],
  [ipv4ToNumber('192.0.0.0'), 24, 'reserved'],
  [ipv4ToNumber('192.0.2.0'), 24, 'reserved'],
  [ipv4ToNumber('192.168.0.0'), 16, 'private'],
  [ipv4ToNumber('198.18.0.0'), 15, 'reserved'],
  [ipv4ToNumber('198.51.100.0'), 24, 'reserved'],
  [ipv4ToNumber('203.0.113.0'), 24, 'reserved'],
  [ipv4ToNumber('224.0.0.0'), 4, 'multicast'],
  [ipv4ToNumber('240.0.0.0'), 4, 'reserved'], // includes the broadcast address
];

/** Classifies an IPv4 or IPv6 literal (IPv6 may carry a `%zone`). Throws on anything else. */
export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) return classifyIpv4(ipv4ToNumber(address));
  const withoutZone = address.replace(/%.*$/, '');
  if (isIPv6(withoutZone)) return classifyIpv6(ipv6ToHextets(withoutZone));
  throw new TypeError(`not an IP address: ${address}`);
}

function classifyIpv4(value: number): AddressClass {
  for (const [first, prefixLength, kind] of IPV4_RANGES) {
    const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    if ((value & mask) >>> 0 === first) return kind;
  }
  return 'public';
}

function classifyIpv6(h: readonly number[]): AddressClass {
  const [h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0, h7 = 0] = h;
  const embeddedIpv4 = ((h6 << 16) | h7) >>> 0;
  const upperZero = h0 === 0 && h1 === 0 && h2 === 0 && h3 === 0 && h4 === 0;
  if (upperZero && h5 === 0 && h6 === 0) {
    if (h7 === 0) return 'unspecified';
    if (h7 === 1) return 'loopback';
  }
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms reach IPv4 hosts.
  if (upperZero && (h5 === 0xffff || h5 === 0)) return classifyIpv4(embeddedIpv4);
  // NAT64 well-known prefix 64:ff9b::/96 translates to the embedded IPv4 address.
  if (h0 === 0x64 && h1 === 0xff9b && h2 === 0 && h3 === 0 && h4 === 0 && h5 === 0) {
    return classifyIpv4(embeddedIpv4);
  }
  if (h0 === 0x64 && h1 === 0xff9b && h2 === 1) return 'private'; // local-use NAT64 64:ff9b:1::/48
  // 6to4 2002:aabb:ccdd::/48 tunnels to the IPv4 address aa.bb.cc.dd.
  if (h0 === 0x2002) return classifyIpv4(((h1 << 16) | h2) >>> 0);
  if ((h0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((h0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((h0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((h0 & 0xff00) === 0xff00) return 'multicast';
  if (h0 === 0x2001 && h1 === 0x0db8) return 'reserved'; // documentation
  if (h0 === 0x2001 && h1 === 0) return 'reserved'; // Teredo: the real IPv4 peer is hidden
  if (h0 === 0x0100 && h1 === 0 && h2 === 0 && h3 === 0) return 'reserved'; // discard-only
  return 'public';
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}

/** Expands a valid IPv6 literal (`::`, embedded dotted quad) into its eight 16-bit groups. */
function ipv6ToHextets(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = ipv4ToNumber(dotted[1]);
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...tailGroups];
  return groups.map((group) => Number.parseInt(group, 16));
}

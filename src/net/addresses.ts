// Which addresses microcred may fetch from when a URL comes from someone else's input
// (a credential's status list, an LMS's configuration during dynamic registration).
// Pure: no network, no database. The fetcher (outboundFetch.ts) asks these functions about
// the URL's host before it connects and about every address DNS returns when it connects.
//
// The ranges are the IANA IPv4 and IPv6 Special-Purpose Address Registries
// (https://www.iana.org/assignments/iana-ipv4-special-registry/,
// https://www.iana.org/assignments/iana-ipv6-special-registry/) plus the cloud metadata
// services, which answer credentials to anyone who asks from inside the machine.
import ipaddr from 'ipaddr.js';

type IP = ipaddr.IPv4 | ipaddr.IPv6;

/** What an address is. Everything but 'public' is refused unless an administrator allowed it. */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'metadata';

/** Refused even when an allow-list entry covers them: nothing legitimate issues credentials from there. */
export const ALWAYS_REFUSED: ReadonlySet<AddressKind> = new Set(['metadata', 'unspecified', 'multicast', 'broadcast']);

/** How each kind reads in a sentence: "… it leads to 127.0.0.1, a loopback address (this server itself)." */
export const KIND_PHRASES: Record<Exclude<AddressKind, 'public'>, string> = {
  loopback: 'a loopback address (this server itself)',
  private: 'an address on a private network',
  'link-local': 'a link-local address (the server’s own network segment)',
  'unique-local': 'a unique-local IPv6 address (a private network)',
  cgnat: 'a carrier-grade NAT address (a provider’s internal network)',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address (0.0.0.0 or ::)',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address that is not on the public internet',
  documentation: 'an address reserved for documentation examples',
  metadata: 'a cloud metadata service',
};

// Order matters: the first matching range decides (a metadata address before link-local).
const IPV4_RANGES: [string, AddressKind][] = [
  ['169.254.169.254/32', 'metadata'], // AWS, Azure, GCP, Oracle, OpenStack instance metadata
  ['169.254.170.2/32', 'metadata'], // AWS ECS task metadata and credentials
  ['169.254.170.23/32', 'metadata'], // AWS EKS Pod Identity agent
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud instance metadata
  ['0.0.0.0/8', 'unspecified'], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'], // deprecated 6to4 relay anycast
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
];

const IPV6_RANGES: [string, AddressKind][] = [
  ['fd00:ec2::254/128', 'metadata'], // AWS instance metadata over IPv6
  ['fd00:ec2::23/128', 'metadata'], // AWS EKS Pod Identity agent over IPv6
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'reserved'], // local-use NAT64 (RFC 8215): reaches a private IPv4 network
  ['100::/64', 'reserved'], // discard-only
  ['2001::/32', 'reserved'], // Teredo: the IPv4 end is hidden in the address
  ['2001:db8::/32', 'documentation'],
  ['2001::/23', 'reserved'], // IETF protocol assignments (benchmarking, ORCHID, …)
  ['3fff::/20', 'documentation'], // RFC 9637
  ['5f00::/16', 'reserved'], // SRv6 SIDs
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved'], // deprecated site-local
  ['ff00::/8', 'multicast'],
];

const parsedRanges = <T extends IP>(list: [string, AddressKind][]) => list.map(([cidr, kind]) => ({ range: ipaddr.parseCIDR(cidr) as [T, number], kind }));
const V4 = parsedRanges<ipaddr.IPv4>(IPV4_RANGES);
const V6 = parsedRanges<ipaddr.IPv6>(IPV6_RANGES);

export interface Classified {
  kind: AddressKind;
  /** The address in its canonical form (IPv6 without brackets or zone). */
  address: string;
  /** For an IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4): that address, which decided. */
  embedded?: string;
}

/**
 * Parses an IP address as an IP literal in a URL would be read: IPv4 in any of the
 * spellings WHATWG URL and inet_aton accept (2130706433, 0x7f000001, 0177.0.0.1, 127.1),
 * IPv6 with or without brackets and zone. Undefined when it is not an IP address.
 */
export function parseIp(text: string): IP | undefined {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0 && t.includes(':')) t = t.slice(0, zone);
  if (t.includes(':')) return ipaddr.IPv6.isValid(t) ? ipaddr.IPv6.parse(t) : undefined;
  // IPv4: let the URL parser decide, since it is what decides where a fetch goes.
  if (!/^[0-9a-fA-FxX.]+$/.test(t)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${t}/`).hostname;
  } catch {
    return undefined;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(host) ? ipaddr.IPv4.parse(host) : undefined;
}

/** The kind of an IP address (any spelling parseIp accepts). Throws on text that is not an address. */
export function classifyAddress(text: string): Classified {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an IP address: ${text}`);
  return classifyIp(ip);
}

export function classifyIp(ip: IP): Classified {
  if (ip.kind() === 'ipv4') return { kind: kindOf4(ip as ipaddr.IPv4), address: ip.toString() };
  const v6 = ip as ipaddr.IPv6;
  const address = v6.toString().replace(/%.*$/, '');
  const embedded = embeddedIpv4(v6);
  if (embedded) return { kind: kindOf4(embedded), address, embedded: embedded.toString() };
  for (const { range, kind } of V6) if (v6.match(range)) return { kind, address };
  // Global unicast is 2000::/3; everything else is unassigned.
  return { kind: v6.match(ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number]) ? 'public' : 'reserved', address };
}

function kindOf4(ip: ipaddr.IPv4): AddressKind {
  for (const { range, kind } of V4) if (ip.match(range)) return kind;
  return 'public';
}

const v4FromWords = (hi: number, lo: number) => ipaddr.IPv4.parse([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.'));

/** The IPv4 address an IPv6 address stands for, where connecting to it reaches that IPv4 address. */
function embeddedIpv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = ip.parts;
  const zeros = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (SIIT, RFC 6145)
  if (zeros(0, 5) && p[5] === 0xffff) return v4FromWords(p[6], p[7]);
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return v4FromWords(p[6], p[7]);
  // ::a.b.c.d (IPv4-compatible, deprecated); :: and ::1 are themselves
  if (zeros(0, 6) && !(p[6] === 0 && p[7] <= 1)) return v4FromWords(p[6], p[7]);
  // 64:ff9b::a.b.c.d (well-known NAT64 prefix, RFC 6052)
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return v4FromWords(p[6], p[7]);
  // 2002:aabb:ccdd::/48 (6to4)
  if (p[0] === 0x2002) return v4FromWords(p[1], p[2]);
  return undefined;
}

// --- Names ---------------------------------------------------------------------------

/** Names that reach a cloud metadata service whatever they resolve to. */
const METADATA_NAMES = ['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal'];

/** A URL's hostname without brackets and trailing dots, in lower case. */
export function normalHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '');
}

/**
 * What a hostname is before any DNS lookup: an IP literal's kind, 'loopback' for
 * localhost and *.localhost (RFC 6761: never sent to DNS), 'metadata' for the metadata
 * service names, and undefined for an ordinary name (decided by what it resolves to).
 */
export function classifyHostName(hostname: string): Classified | undefined {
  const host = normalHost(hostname);
  const ip = parseIp(host);
  if (ip) return classifyIp(ip);
  if (host === 'localhost' || host.endsWith('.localhost')) return { kind: 'loopback', address: host };
  if (METADATA_NAMES.includes(host)) return { kind: 'metadata', address: host };
  return undefined;
}

// --- The allow-list ------------------------------------------------------------------

export type AllowEntry = { type: 'host'; text: string; host: string; subdomains: boolean } | { type: 'range'; text: string; range: [IP, number] };

export type ParsedEntry = { ok: true; entry: AllowEntry } | { ok: false; message: string };

/** Narrower than this, or the entry would open a large part of the internal address space. */
const MIN_PREFIX = { ipv4: 8, ipv6: 8 };
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * One allow-list entry as an administrator types it: a host name (badges.example.edu),
 * all names under a domain (*.example.edu), an IP address (10.1.2.3, fd12::1) or a range
 * in CIDR notation (10.20.0.0/16, fd12:3456::/32).
 */
export function parseAllowEntry(input: string): ParsedEntry {
  const text = input.trim();
  if (!text) return { ok: false, message: 'Type a host name, an IP address or a range such as 10.20.0.0/16.' };
  if (text.length > 253) return { ok: false, message: 'That is longer than any host name can be (253 characters).' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    return { ok: false, message: 'Give only the host name, without “https://” or a path: for example badges.example.edu.' };

  if (text.includes('/')) {
    const [addressText, bitsText, ...rest] = text.split('/');
    const ip = rest.length === 0 && /^\d{1,3}$/.test(bitsText) ? parseIp(addressText) : undefined;
    const bits = Number(bitsText);
    if (!ip || bits > (ip.kind() === 'ipv4' ? 32 : 128))
      return {
        ok: false,
        message: `“${text}” is not a range. Write a range as an address, a slash and a prefix length, such as 10.20.0.0/16 or fd12:3456::/32.`,
      };
    return rangeEntry(text, ip, bits);
  }
  const ip = parseIp(text);
  if (ip) return rangeEntry(text, ip, ip.kind() === 'ipv4' ? 32 : 128);

  const subdomains = text.startsWith('*.');
  const host = normalHost(subdomains ? text.slice(2) : text);
  const labels = host.split('.');
  if (!labels.every((l) => HOST_LABEL.test(l))) {
    return { ok: false, message: `“${text}” is not a host name. Use letters, digits, hyphens and dots, such as badges.example.edu or *.example.edu.` };
  }
  if (subdomains && labels.length < 2)
    return { ok: false, message: `“${text}” would allow a whole top-level domain. Name the institution’s own domain, such as *.example.edu.` };
  const named = classifyHostName(host);
  if (named && ALWAYS_REFUSED.has(named.kind))
    return { ok: false, message: `“${text}” is ${KIND_PHRASES[named.kind as Exclude<AddressKind, 'public'>]}, which microcred never fetches from.` };
  return { ok: true, entry: { type: 'host', text: subdomains ? `*.${host}` : host, host, subdomains } };
}

function rangeEntry(text: string, ip: IP, bits: number): ParsedEntry {
  const min = MIN_PREFIX[ip.kind()];
  if (bits < min) return { ok: false, message: `“${text}” is too wide: it would allow a large part of all addresses. Use a prefix of /${min} or longer.` };
  const network =
    ip.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${ip.toString()}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${ip.toString()}/${bits}`);
  const { kind } = classifyIp(network);
  if (ALWAYS_REFUSED.has(kind))
    return { ok: false, message: `“${text}” is ${KIND_PHRASES[kind as Exclude<AddressKind, 'public'>]}, which microcred never fetches from.` };
  const full = bits === (ip.kind() === 'ipv4' ? 32 : 128);
  const canonical = full ? network.toString() : `${network.toString()}/${bits}`;
  return { ok: true, entry: { type: 'range', text: canonical, range: [network, bits] } };
}

/** Entries as typed, comma or whitespace separated (the OUTBOUND_ALLOWLIST variable). */
export function parseAllowList(text: string): { entries: AllowEntry[]; problems: string[] } {
  const entries: AllowEntry[] = [];
  const problems: string[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const parsed = parseAllowEntry(part);
    if (parsed.ok) entries.push(parsed.entry);
    else problems.push(parsed.message);
  }
  return { entries, problems };
}

export class AllowList {
  constructor(readonly entries: readonly AllowEntry[] = []) {}

  /** Whether the URL's host is allowed by name (or, for an IP literal, by range). */
  allowsHost(hostname: string): boolean {
    const host = normalHost(hostname);
    const ip = parseIp(host);
    if (ip) return this.allowsIp(ip);
    return this.entries.some((e) => e.type === 'host' && (e.subdomains ? host.endsWith(`.${e.host}`) : e.host === host));
  }

  allowsIp(ip: IP): boolean {
    // An IPv4-mapped IPv6 address is the IPv4 address for ranges written in IPv4.
    const forms: IP[] = [ip];
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) forms.push((ip as ipaddr.IPv6).toIPv4Address());
    return this.entries.some((e) => e.type === 'range' && forms.some((f) => f.kind() === e.range[0].kind() && f.match(e.range)));
  }

  /** Stable text for cache keys: a change to the list must not serve what it no longer allows. */
  get fingerprint(): string {
    return this.entries
      .map((e) => e.text)
      .sort()
      .join(',');
  }
}

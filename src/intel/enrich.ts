/**
 * Enrichment: places every IP indicator on the routing map (prefix, origin AS, AS name, registry
 * country, upstream chain) and flags host names that cannot be public DNS names as insider
 * signals.
 *
 * intel may not import routing (DESIGN.md), so the routing map comes in through the small
 * {@link RoutingLookup} interface, which the CLI builds from an MRT file; registry country and AS
 * names come from the registry module directly.
 *
 * The public-name check is a **TLD check**, not the Public Suffix List: a name is public when its
 * last label is a two-letter country-code TLD (every delegated two-letter TLD in IANA's root zone
 * is a ccTLD, so any two letters are accepted) or one of the generic TLDs in {@link GENERIC_TLDS}
 * (the IANA "generic", "sponsored", "generic-restricted" and "infrastructure" TLDs of the 2012
 * round and before, plus the commonest new gTLDs). A rare new gTLD not in the list is flagged; the
 * flag is a signal for the analyst, never a verdict.
 */
import { formatAddress, tryParseAddress } from '../net/index.js';
import type { IpAddress } from '../net/index.js';
import type { AsNames } from '../registry/index.js';
import type { Indicator, Provenance } from './model.js';

/** What the routing map knows about one address. */
export interface RoutingLookup {
  lookup(ip: IpAddress): { prefix: string; originAsns: number[]; upstreams: number[] } | undefined;
}

/** An IP indicator placed on the routing map. */
export interface IpEnrichment {
  /** Canonical address text. */
  address: string;
  /** Longest announced prefix, when routing data was given and the address is announced. */
  prefix?: string;
  originAsns: number[];
  /** `AS131279 STAR-KP` style names of the origins ('' when unknown). */
  originNames: string[];
  /** Upstream chain (ASNs after the origin on the observed paths, nearest first). */
  upstreams: number[];
  /** Registry holder country (ISO 3166-1 alpha-2), when a registry was given and knows it. */
  country?: string;
  /** The /24 (IPv4) or /48 (IPv6) the address is in; always set. */
  block: string;
}

/** An indicator whose host name cannot be a public DNS name (or matches the victim's naming). */
export interface InsiderSignal {
  indicatorId: string;
  value: string;
  host: string;
  reason: 'single-label' | 'internal-suffix' | 'no-public-tld' | 'victim-naming';
  provenance: Provenance;
}

/** Registry holder country of an address (the registry module's `Registry` is one). */
export interface CountryLookup {
  countryOfAddress(address: IpAddress): { country: string } | undefined;
}

/**
 * A registry's answer kept as a table (`Registry.blockCountries`: each block with the country of
 * the addresses it is the most specific block of), so an index can place addresses without
 * loading the whole registry: an address takes the country of its longest matching block.
 */
export class BlockCountryTable implements CountryLookup {
  private readonly byPrefix: Map<string, string>;

  constructor(readonly entries: ReadonlyArray<{ prefix: string; country: string }>) {
    this.byPrefix = new Map(entries.map((e) => [e.prefix, e.country]));
  }

  countryOfAddress(address: IpAddress): { country: string } | undefined {
    const bytes = new Uint8Array(address.bytes);
    const bits = address.family === 4 ? 32 : 128;
    for (let length = bits; length >= 0; length--) {
      if (length < bits) bytes[length >>> 3] &= ~(0x80 >>> (length & 7)) & 0xff;
      const country = this.byPrefix.get(`${formatAddress({ family: address.family, bytes })}/${length}`);
      if (country !== undefined) return { country };
    }
    return undefined;
  }
}

/** Options of {@link enrichIndicators}. */
export interface EnrichOptions {
  routing?: RoutingLookup;
  registry?: CountryLookup;
  /** Enrichment already known by indicator id (a persisted index's), used as it is. */
  known?: ReadonlyMap<string, IpEnrichment>;
  asNames?: AsNames;
  /** The victim's internal naming scheme, e.g. /^(spe|sphe)[a-z0-9-]*\.?/i. */
  victimNaming?: RegExp;
}

/** Result of {@link enrichIndicators}. */
export interface Enrichment {
  /** By indicator id. */
  ips: Map<string, IpEnrichment>;
  insider: InsiderSignal[];
}

/** Generic TLDs accepted as public (see module comment: a TLD check, not the PSL). */
export const GENERIC_TLDS: ReadonlySet<string> = new Set(
  (
    'com net org edu gov mil int arpa info biz name pro aero asia cat coop jobs mobi museum post tel ' +
    'travel xxx top xyz online site club app dev shop store tech website space live cloud link click ' +
    'icu vip work life world today news blog email network digital services solutions support systems ' +
    'agency company center group media global host press fun buzz loan win bid download review stream ' +
    'trade date party science racing cricket accountant faith men gdn kim ltd page one run rocks ' +
    'pw best ink guru tips zone codes tools onl wang ren red blue pink xin bond cyou sbs cfd'
  ).split(' '),
);

/** Suffixes of internal naming (RFC 6762 .local, RFC 8375 .home.arpa, common private zones). */
export const INTERNAL_SUFFIXES: readonly string[] = [
  'local',
  'localdomain',
  'localhost',
  'corp',
  'internal',
  'intranet',
  'lan',
  'home',
  'home.arpa',
  'private',
  'domain',
];

/** Why a host name is not a public DNS name, or undefined when it may be. */
export function internalNameReason(host: string, victimNaming?: RegExp): InsiderSignal['reason'] | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === '' || tryParseAddress(h) !== undefined) return undefined;
  if (victimNaming !== undefined && victimNaming.test(h)) return 'victim-naming';
  const labels = h.split('.');
  if (labels.length === 1) return 'single-label';
  for (const s of INTERNAL_SUFFIXES) if (h === s || h.endsWith(`.${s}`)) return 'internal-suffix';
  const tld = labels[labels.length - 1];
  if (/^[a-z]{2}$/.test(tld) || GENERIC_TLDS.has(tld) || tld.startsWith('xn--')) return undefined;
  return 'no-public-tld';
}

/** Host part of a host-bearing indicator, or undefined. */
function hostOf(ind: Indicator): string | undefined {
  switch (ind.type) {
    case 'domain':
    case 'hostname':
      return ind.value;
    case 'email': {
      const at = ind.value.lastIndexOf('@');
      return at < 0 ? undefined : ind.value.slice(at + 1);
    }
    case 'url': {
      const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(ind.value);
      return m === null ? undefined : m[1];
    }
    default:
      return undefined;
  }
}

/** The /24 of an IPv4 address or /48 of an IPv6 one, as prefix text. */
export function blockOf(address: IpAddress): string {
  const b = new Uint8Array(address.bytes);
  if (address.family === 4) {
    b[3] = 0;
    return `${formatAddress({ family: 4, bytes: b })}/24`;
  }
  b.fill(0, 6);
  return `${formatAddress({ family: 6, bytes: b })}/48`;
}

/** Enriches the IP indicators and finds insider signals among `indicators`. */
export function enrichIndicators(indicators: Iterable<Indicator>, options: EnrichOptions = {}): Enrichment {
  const ips = new Map<string, IpEnrichment>();
  const insider: InsiderSignal[] = [];
  for (const ind of indicators) {
    if (ind.type === 'ipv4' || ind.type === 'ipv6') {
      const kept = options.known?.get(ind.id);
      if (kept !== undefined) {
        ips.set(ind.id, kept);
        continue;
      }
      const address = tryParseAddress(ind.value);
      if (address === undefined) continue;
      const e: IpEnrichment = {
        address: formatAddress(address),
        originAsns: [],
        originNames: [],
        upstreams: [],
        block: blockOf(address),
      };
      const route = options.routing?.lookup(address);
      if (route !== undefined) {
        e.prefix = route.prefix;
        e.originAsns = [...route.originAsns];
        e.upstreams = [...route.upstreams];
        e.originNames = route.originAsns.map((asn) => options.asNames?.get(asn)?.name ?? '');
      }
      const reg = options.registry?.countryOfAddress(address);
      if (reg !== undefined && reg.country !== 'ZZ') e.country = reg.country;
      ips.set(ind.id, e);
      continue;
    }
    const host = hostOf(ind);
    if (host === undefined) continue;
    const reason = internalNameReason(host, options.victimNaming);
    if (reason !== undefined)
      insider.push({ indicatorId: ind.id, value: ind.value, host, reason, provenance: ind.provenance });
  }
  return { ips, insider };
}

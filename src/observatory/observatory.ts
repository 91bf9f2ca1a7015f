/**
 * Country, AS and address views over a routing table and a registry.
 *
 * Definitions (one place, so that the CLI, the tests and the README agree):
 * - A prefix belongs to a country when the registry's longest match for the whole prefix
 *   (`countryOfPrefix`) is that country; a prefix larger than every registered block has none.
 * - Weight of a prefix: IPv4, its addresses minus those of announced more-specific prefixes (so
 *   nothing is counted twice); IPv6, 1 per prefix. Announced = with at least one route now.
 *   Visible space is the sum of the weights, in /24 equivalents (IPv4) and prefixes (IPv6; also
 *   given in /48 equivalents of the union). Shares use IPv4 weights when the group has IPv4
 *   space, else IPv6 weights.
 * - Upstream of a path: walking from the origin toward the vantage point, the first AS that the
 *   registry places outside the country (the origin itself when it is foreign): `countryUpstream`
 *   (upstream.ts, the one definition). A path that never leaves the country has none. Upstream
 *   share: the weight of the prefixes with that upstream on at least one path, over the visible
 *   weight.
 * - Dependency: AS hegemony (hegemony.ts). Chokepoint: dependency >= 0.99.
 */
import type { AsPathSegment } from '../bgp/index.js';
import { ParseError } from '../errors/index.js';
import type { IpAddress, Prefix } from '../net/index.js';
import type { AsNames, Registry } from '../registry/index.js';
import { isKnownCountryCode } from '../registry/index.js';
import type { RoutingTable } from '../routing/index.js';
import { PathHops } from '../routing/index.js';
import { HegemonyEngine, routeGroupSlice, type HegemonyScore, type RouteGroup } from './hegemony.js';
import { mergeSortedIds } from './sorted-ids.js';
import { NO_UPSTREAM, upstreamOf } from './upstream.js';

/** Addresses in an IPv4 prefix of each length: `2 ** (32 - length)` by lookup (the operator calls pow). */
const IPV4_ADDRESSES = Float64Array.from({ length: 33 }, (_, length) => 2 ** (32 - length));

const UNKNOWN_COUNTRY = -2;

/** Dependency at or above which an AS is a chokepoint. */
export const CHOKEPOINT_THRESHOLD = 0.99;

export interface SpaceSize {
  ipv4Slash24s: number;
  ipv6Slash48s: number;
}

export interface OriginShare {
  asn: number;
  name: string;
  share: number;
  prefixes: number;
}

export interface UpstreamShare {
  asn: number;
  name: string;
  /** Registry country of the upstream ('' when the registry does not know it). */
  country: string;
  share: number;
}

export interface Dependency {
  asn: number;
  name: string;
  /** IPv4 hegemony when the group has IPv4 space, else IPv6. */
  hegemony: number;
  ipv4: number;
  ipv6: number;
}

export interface CountryView {
  country: string;
  prefixes: Array<{ prefix: string; origins: number[] }>;
  space: { registered: SpaceSize; visible: SpaceSize & { ipv6Prefixes: number } };
  origins: OriginShare[];
  upstreams: UpstreamShare[];
  dependency: Dependency[];
  chokepoints: number[];
  upstreamCount: number;
  vantagePoints: { peers: number; peerAses: number };
}

export interface CountryRank {
  country: string;
  prefixes: number;
  visibleIpv4Slash24s: number;
  upstreamCount: number;
  /** The AS with the largest dependency (undefined when no AS is crossed). */
  top: Dependency | undefined;
  chokepoints: number[];
}

export interface AsView {
  asn: number;
  name: string;
  country: string;
  prefixes: Array<{ prefix: string; country: string }>;
  space: SpaceSize & { ipv6Prefixes: number };
  /** ASes next to it toward the vantage points, with the share of its visible space they carry. */
  upstreams: Array<{ asn: number; name: string; country: string; share: number }>;
  /** ASes next to it away from the vantage points (it carries their routes), with their path counts. */
  downstreams: Array<{ asn: number; name: string; country: string; paths: number }>;
  dependency: Dependency[];
  vantagePoints: { peers: number; peerAses: number };
}

export interface AddressView {
  address: string;
  prefix: string | undefined;
  /** Every announced prefix containing the address, least specific first. */
  covering: string[];
  origins: Array<{ asn: number; name: string; country: string }>;
  /** Registry record for the address. */
  country: string;
  registry: string;
  paths: Array<{
    peerAddress: string;
    peerAsn: number;
    asPath: string;
    /** From the origin toward the peer, up to and including the first AS outside the country. */
    upstreamChain: Array<{ asn: number; name: string; country: string }>;
    /** The path's upstream for the address's country (upstream.ts); undefined when the path never leaves it or the country is unknown. */
    upstream: { asn: number; name: string; country: string } | undefined;
  }>;
}

/** Throws ParseError OBSERVATORY_BAD_COUNTRY for anything but a known upper-case alpha-2 code. */
export function parseCountryCode(text: string): string {
  const code = typeof text === 'string' ? text.trim().toUpperCase() : '';
  if (!/^[A-Z]{2}$/.test(code) || !isKnownCountryCode(code) || code === 'ZZ') {
    const shown = JSON.stringify(String(text).slice(0, 20));
    throw new ParseError('OBSERVATORY_BAD_COUNTRY', `not an ISO 3166-1 alpha-2 country code: ${shown}`, {
      field: 'country',
    });
  }
  return code;
}

/**
 * The country the registry gives prefix `id` of `table` (undefined: none, or ZZ). IPv4 is looked up
 * by numbers, so no Prefix object is made per prefix of a full table.
 */
export function registeredCountryOf(table: RoutingTable, registry: Registry, id: number): string | undefined {
  const entry =
    table.prefixFamily(id) === 4
      ? registry.countryOfIPv4(table.ipv4Network(id), table.prefixLength(id))
      : registry.countryOfPrefix(table.prefix(id));
  return entry !== undefined && entry.country !== 'ZZ' ? entry.country : undefined;
}

/**
 * The registered country of each prefix id of a table (`registeredCountryOf`), looked up once per
 * id (ids never change prefix): the history recorder and its observatory share one.
 */
export class RegisteredCountries {
  private readonly codes: string[] = [];
  private readonly codeIndex = new Map<string, number>();
  /** Per prefix id, an index into `codes` (-1: none, UNKNOWN_COUNTRY: not looked up). */
  private known = new Int16Array(0);

  constructor(
    private readonly table: RoutingTable,
    private readonly registry: Registry,
  ) {}

  codeOf(id: number): string | undefined {
    if (id >= this.known.length) {
      const size = Math.max(id + 1, this.table.prefixCount, Math.ceil(this.known.length * 1.5));
      const known = new Int16Array(size).fill(UNKNOWN_COUNTRY);
      known.set(this.known);
      this.known = known;
    }
    let c = this.known[id];
    if (c === UNKNOWN_COUNTRY) {
      const country = registeredCountryOf(this.table, this.registry, id);
      c = -1;
      if (country !== undefined) {
        let index = this.codeIndex.get(country);
        if (index === undefined) {
          index = this.codes.length;
          this.codes.push(country);
          this.codeIndex.set(country, index);
        }
        c = index;
      }
      this.known[id] = c;
    }
    return c >= 0 ? this.codes[c] : undefined;
  }
}

/** A group of routes gathered from the table by country (`count` routes in all). */
interface RoutesByCountry {
  offsets: Int32Array;
  routes: RouteGroup;
}

function emptyGroup(): RouteGroup {
  return { count: 0, prefix: new Int32Array(0), peer: new Int32Array(0), attributes: new Int32Array(0) };
}

export class Observatory {
  private readonly table: RoutingTable;
  private readonly registry: Registry;
  private readonly names: AsNames | undefined;
  private readonly engine: HegemonyEngine;
  private prepared = false;
  /** Country index of each prefix id (-1: none or not announced). */
  private prefixCountry = new Int16Array(0);
  private readonly countryCodes: string[] = [];
  private readonly countryIndex = new Map<string, number>();
  /** IPv4 weights (addresses not covered by announced more-specifics), 0 for IPv6. */
  private weights4 = new Float64Array(0);
  /** IPv6 weights (1 per announced prefix), 0 for IPv4. */
  private weights6 = new Float64Array(0);
  private readonly asCountry = new Map<number, string>();
  private readonly hops = new PathHops();
  /** Country index of every prefix id looked up so far (UNKNOWN_COUNTRY: not yet, -1: none). */
  private knownCountry = new Int16Array(0);
  /** Every IPv4 prefix id of the table, sorted as `comparePrefixes` orders them (the first `ipv4Count`). */
  private sortedIpv4 = new Int32Array(0);
  private ipv4Count = 0;
  /** Prefix ids looked at so far (`knownCountry` may be longer). */
  private idsSeen = 0;
  /** Per country index: a prefix of it changed weight in a refresh since the last `allCountriesSince`. */
  private weightMoved = new Uint8Array(0);
  /** The views `allCountriesSince` gave, per country index. */
  private lastViews: Array<CountryView | undefined> = [];

  /**
   * `sharedOrder`: when given, returns every prefix id of the table, at least its current
   * `prefixCount` of them, sorted as `comparePrefixes` orders them (IPv4 first), kept by the
   * caller (the history recorder keeps one): the observatory then sorts no id itself.
   * `registered`: the prefixes' registered countries, when shared with the caller.
   */
  constructor(
    table: RoutingTable,
    registry: Registry,
    names?: AsNames,
    private readonly sharedOrder?: () => Int32Array,
    private readonly registered = new RegisteredCountries(table, registry),
  ) {
    this.table = table;
    this.registry = registry;
    this.names = names;
    this.engine = new HegemonyEngine(table);
  }

  /** Recomputes prefix countries and weights (call after the table changed). */
  refresh(): void {
    this.prepared = false;
    this.prepare();
  }

  private prepare(): void {
    if (this.prepared) return;
    const table = this.table;
    const n = table.prefixCount;
    this.growPrefixColumns(n);
    const lastWeights4 = this.weights4;
    const lastWeights6 = this.weights6;
    this.prefixCountry = new Int16Array(n).fill(-1);
    this.weights4 = new Float64Array(n);
    this.weights6 = new Float64Array(n);
    for (let id = 0; id < n; id++) {
      if (table.prefixRouteCount(id) === 0) continue;
      this.prefixCountry[id] = this.countryOfId(id);
      if (table.prefixFamily(id) === 4) this.weights4[id] = IPV4_ADDRESSES[table.prefixLength(id)];
      else this.weights6[id] = 1;
    }
    // IPv4 prefixes by network then length; each prefix's addresses leave its nearest announced
    // container (the top of a stack of open containers).
    const stack: number[] = [];
    const sorted = this.sharedOrder !== undefined ? this.sharedOrder() : this.sortedIpv4;
    for (let i = 0; i < this.ipv4Count; i++) {
      const id = sorted[i];
      if (table.prefixRouteCount(id) === 0) continue;
      const network = table.ipv4Network(id);
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        const topEnd = table.ipv4Network(top) + IPV4_ADDRESSES[table.prefixLength(top)];
        if (network < topEnd) break;
        stack.pop();
      }
      if (stack.length > 0) this.weights4[stack[stack.length - 1]] -= IPV4_ADDRESSES[table.prefixLength(id)];
      stack.push(id);
    }
    // The countries whose views a weight change can move (see `allCountriesSince`).
    if (this.weightMoved.length < this.countryCodes.length) {
      const moved = new Uint8Array(this.countryCodes.length);
      moved.set(this.weightMoved);
      this.weightMoved = moved;
    }
    for (let id = 0; id < n; id++) {
      const old4 = id < lastWeights4.length ? lastWeights4[id] : 0;
      const old6 = id < lastWeights6.length ? lastWeights6[id] : 0;
      if (this.weights4[id] === old4 && this.weights6[id] === old6) continue;
      const c = this.knownCountry[id];
      if (c >= 0) this.weightMoved[c] = 1;
    }
    this.prepared = true;
  }

  /** Registry country index of prefix `id` (-1: none), looked up once per prefix: ids never change prefix. */
  private countryOfId(id: number): number {
    let c = this.knownCountry[id];
    if (c !== UNKNOWN_COUNTRY) return c;
    const country = this.registered.codeOf(id);
    c = -1;
    if (country !== undefined) {
      let index = this.countryIndex.get(country);
      if (index === undefined) {
        index = this.countryCodes.length;
        this.countryCodes.push(country);
        this.countryIndex.set(country, index);
      }
      c = index;
    }
    this.knownCountry[id] = c;
    return c;
  }

  /** Grows the per-id country cache and merges new IPv4 ids into the sorted order. */
  private growPrefixColumns(n: number): void {
    const old = this.idsSeen;
    if (n <= old) return;
    this.idsSeen = n;
    if (n > this.knownCountry.length) {
      const known = new Int16Array(Math.max(n, Math.ceil(this.knownCountry.length * 1.5))).fill(
        UNKNOWN_COUNTRY,
      );
      known.set(this.knownCountry);
      this.knownCountry = known;
    }
    const table = this.table;
    if (this.sharedOrder !== undefined) {
      // IPv4 ids come first in the shared order: its first `ipv4Count` entries are the IPv4 ids.
      for (let id = old; id < n; id++) if (table.prefixFamily(id) === 4) this.ipv4Count++;
      return;
    }
    const added: number[] = [];
    for (let id = old; id < n; id++) if (table.prefixFamily(id) === 4) added.push(id);
    this.sortedIpv4 = mergeSortedIds(table, this.sortedIpv4, this.ipv4Count, table.sortPrefixIds(added));
    this.ipv4Count += added.length;
  }

  private originCache: Array<number[] | undefined> = [];
  /** Per prefix id its slot in the prefix list `countryFromRoutes` is building (valid when that list holds the id there). */
  private prefixSlot = new Int32Array(0);

  private originsOfPath(pathId: number): number[] {
    let origins = this.originCache[pathId];
    if (origins === undefined) this.originCache[pathId] = origins = this.table.pathOrigins(pathId);
    return origins;
  }

  name(asn: number): string {
    return this.names?.get(asn)?.name ?? '';
  }

  /** Registry country of an ASN ('' when unknown). */
  countryOfAsn(asn: number): string {
    let country = this.asCountry.get(asn);
    if (country === undefined) {
      country = this.registry.countryOfAsn(asn)?.country ?? '';
      if (country === 'ZZ') country = '';
      this.asCountry.set(asn, country);
    }
    return country;
  }

  /** Countries that have at least one announced prefix, sorted. */
  countries(): string[] {
    this.prepare();
    return this.countryCodes.slice().sort();
  }

  /** The routes whose prefix belongs to each country, grouped by country: two passes over the routes. */
  private routesByCountry(wanted?: Uint8Array): RoutesByCountry {
    this.prepare();
    let prefixCountry = this.prefixCountry;
    const countries = this.countryCodes.length;
    if (wanted !== undefined) {
      // Only the wanted countries' routes are gathered; the others get none.
      prefixCountry = prefixCountry.slice();
      for (let id = 0; id < prefixCountry.length; id++) {
        const c = prefixCountry[id];
        if (c >= 0 && wanted[c] === 0) prefixCountry[id] = -1;
      }
    }
    const offsets = new Int32Array(countries + 1);
    this.table.forEachRoute((prefixId) => {
      const c = prefixCountry[prefixId];
      if (c >= 0) offsets[c + 1]++;
    });
    for (let c = 0; c < countries; c++) offsets[c + 1] += offsets[c];
    const fill = offsets.slice(0, countries);
    const count = offsets[countries];
    const routes: RouteGroup = {
      count,
      prefix: new Int32Array(count),
      peer: new Int32Array(count),
      attributes: new Int32Array(count),
    };
    this.table.forEachRoute((prefixId, peerId, attributesId) => {
      const c = prefixCountry[prefixId];
      if (c < 0) return;
      const at = fill[c]++;
      routes.prefix[at] = prefixId;
      routes.peer[at] = peerId;
      routes.attributes[at] = attributesId;
    });
    return { offsets, routes };
  }

  private dependencies(
    routes: RouteGroup,
    exclude?: number,
  ): { list: Dependency[]; peers: number; peerAses: number } {
    const v4 = this.engine.compute(routes, this.weights4, exclude);
    const v6 = this.engine.compute(routes, this.weights6, exclude);
    let has4 = false;
    for (let i = 0; i < routes.count && !has4; i++) has4 = this.weights4[routes.prefix[i]] > 0;
    const byAsn = new Map<number, Dependency>();
    const entry = (score: HegemonyScore): Dependency => {
      let d = byAsn.get(score.asn);
      if (d === undefined) {
        d = { asn: score.asn, name: this.name(score.asn), hegemony: 0, ipv4: 0, ipv6: 0 };
        byAsn.set(score.asn, d);
      }
      return d;
    };
    for (const s of v4.scores) entry(s).ipv4 = s.hegemony;
    for (const s of v6.scores) entry(s).ipv6 = s.hegemony;
    for (const d of byAsn.values()) d.hegemony = has4 ? d.ipv4 : d.ipv6;
    const list = [...byAsn.values()].filter((d) => d.hegemony > 0 || d.ipv4 > 0 || d.ipv6 > 0);
    list.sort((a, b) => b.hegemony - a.hegemony || b.ipv6 - a.ipv6 || a.asn - b.asn);
    const main = has4 ? v4 : v6;
    return { list, peers: Math.max(v4.peers, v6.peers), peerAses: main.peerAses };
  }

  /** Upstream of path `pathId` for `country` (see upstream.ts), or NO_UPSTREAM. */
  private countryUpstreamOfPath(pathId: number, inCountry: (asn: number) => boolean): number {
    const hops = this.table.paths.read(pathId, this.hops);
    return upstreamOf(hops.asns, inCountry, hops.length);
  }

  /** The country view. Throws OBSERVATORY_BAD_COUNTRY for a code that is not a country. */
  country(code: string): CountryView {
    const country = parseCountryCode(code);
    this.prepare();
    const index = this.countryIndex.get(country);
    let routes = emptyGroup();
    if (index !== undefined) {
      const byCountry = this.routesByCountry();
      routes = routeGroupSlice(byCountry.routes, byCountry.offsets[index], byCountry.offsets[index + 1]);
    }
    return this.countryFromRoutes(country, routes, true);
  }

  private countryFromRoutes(country: string, routes: RouteGroup, full: boolean): CountryView {
    const table = this.table;
    // The distinct prefixes of the routes (first seen first) and per prefix its distinct origins,
    // as (prefix, origin) pairs chained per prefix: no Set per prefix of a full table.
    if (this.prefixSlot.length < table.prefixCount) this.prefixSlot = new Int32Array(table.prefixCount);
    const slotOf = this.prefixSlot;
    const seen: number[] = [];
    const firstPair: number[] = [];
    const pairAsn: number[] = [];
    const nextPair: number[] = [];
    const upstreamPrefixes = new Map<number, Set<number>>();
    const upstreamCache = new Map<number, number>();
    const inCountry = (asn: number): boolean => this.countryOfAsn(asn) === country;
    for (let i = 0; i < routes.count; i++) {
      const prefixId = routes.prefix[i];
      const pathId = table.pathIdOf(routes.attributes[i]);
      let slot = slotOf[prefixId];
      if (slot >= seen.length || seen[slot] !== prefixId) {
        slotOf[prefixId] = slot = seen.length;
        seen.push(prefixId);
        firstPair.push(-1);
      }
      for (const asn of this.originsOfPath(pathId)) {
        let pair = firstPair[slot];
        while (pair >= 0 && pairAsn[pair] !== asn) pair = nextPair[pair];
        if (pair >= 0) continue;
        pairAsn.push(asn);
        nextPair.push(firstPair[slot]);
        firstPair[slot] = pairAsn.length - 1;
      }
      let upstream = upstreamCache.get(pathId);
      if (upstream === undefined)
        upstreamCache.set(pathId, (upstream = this.countryUpstreamOfPath(pathId, inCountry)));
      if (upstream !== NO_UPSTREAM) {
        let set = upstreamPrefixes.get(upstream);
        if (set === undefined) upstreamPrefixes.set(upstream, (set = new Set()));
        set.add(prefixId);
      }
    }
    let visible4 = 0;
    let visible6 = 0;
    let visible48 = 0;
    const prefixIds = [...table.sortPrefixIds(seen)];
    for (const id of prefixIds) {
      visible4 += this.weights4[id];
      visible6 += this.weights6[id];
    }
    // /48 equivalents of the IPv6 union: only prefixes not inside another of the list.
    const ipv6 = prefixIds.filter((id) => this.weights6[id] > 0).map((id) => table.prefix(id));
    let outer: Prefix | undefined;
    for (const prefix of ipv6) {
      if (outer !== undefined && outer.contains(prefix)) continue; // sorted: containers come first
      outer = prefix;
      visible48 += prefix.slash48s();
    }
    const useV4 = visible4 > 0;
    const total = useV4 ? visible4 : visible6;
    const weightOf = (id: number): number => (useV4 ? this.weights4[id] : this.weights6[id]);
    const originWeights = new Map<number, { weight: number; prefixes: number }>();
    for (let slot = 0; slot < seen.length; slot++) {
      const weight = weightOf(seen[slot]);
      for (let pair = firstPair[slot]; pair >= 0; pair = nextPair[pair]) {
        const asn = pairAsn[pair];
        let o = originWeights.get(asn);
        if (o === undefined) originWeights.set(asn, (o = { weight: 0, prefixes: 0 }));
        o.weight += weight;
        o.prefixes++;
      }
    }
    const originsOf = (id: number): number[] => {
      const list: number[] = [];
      for (let pair = firstPair[slotOf[id]]; pair >= 0; pair = nextPair[pair]) list.push(pairAsn[pair]);
      return list.sort((a, b) => a - b);
    };
    const origins: OriginShare[] = [...originWeights]
      .map(([asn, o]) => ({
        asn,
        name: this.name(asn),
        share: total > 0 ? o.weight / total : 0,
        prefixes: o.prefixes,
      }))
      .sort((a, b) => b.share - a.share || b.prefixes - a.prefixes || a.asn - b.asn);
    const upstreams: UpstreamShare[] = [...upstreamPrefixes]
      .map(([asn, ids]) => {
        let weight = 0;
        for (const id of ids) weight += weightOf(id);
        return {
          asn,
          name: this.name(asn),
          country: this.countryOfAsn(asn),
          share: total > 0 ? weight / total : 0,
        };
      })
      .sort((a, b) => b.share - a.share || a.asn - b.asn);
    const dependency = this.dependencies(routes);
    return {
      country,
      prefixes: full
        ? prefixIds.map((id) => ({
            prefix: table.prefix(id).toString(),
            origins: originsOf(id),
          }))
        : [],
      space: {
        registered: full ? this.registry.registeredSpace(country) : { ipv4Slash24s: 0, ipv6Slash48s: 0 },
        visible: { ipv4Slash24s: visible4 / 256, ipv6Slash48s: visible48, ipv6Prefixes: visible6 },
      },
      origins,
      upstreams,
      dependency: dependency.list,
      chokepoints: dependency.list.filter((d) => d.hegemony >= CHOKEPOINT_THRESHOLD).map((d) => d.asn),
      upstreamCount: upstreams.length,
      vantagePoints: { peers: dependency.peers, peerAses: dependency.peerAses },
    };
  }

  /**
   * Every country's view from one grouping pass over the routes (prefix lists left empty, the
   * registered space left 0: use `country()` for one country in full).
   */
  allCountries(): CountryView[] {
    const byCountry = this.routesByCountry();
    const views: CountryView[] = [];
    for (let c = 0; c < this.countryCodes.length; c++) {
      const routes = routeGroupSlice(byCountry.routes, byCountry.offsets[c], byCountry.offsets[c + 1]);
      views.push(this.countryFromRoutes(this.countryCodes[c], routes, false));
    }
    return views.sort((a, b) => (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
  }

  /**
   * `allCountries()` after a `refresh()`, recomputing only the views that can have moved since the
   * previous call: those of the countries of `changedPrefixes` (prefix ids whose routes changed
   * since that call; undefined: every country) and of the countries a prefix of which changed
   * weight in a refresh since. A view is a function of its country's routes and their prefixes' weights alone, and
   * its sums are exact (integer weights), so a kept view is the view a recount would give.
   */
  allCountriesSince(changedPrefixes: Iterable<number> | undefined): CountryView[] {
    this.prepare();
    const countries = this.countryCodes.length;
    const wanted = new Uint8Array(countries);
    if (changedPrefixes === undefined) wanted.fill(1);
    else {
      for (let c = 0; c < countries; c++)
        if (this.lastViews[c] === undefined || this.weightMoved[c] === 1) wanted[c] = 1;
      // A prefix never looked up was announced at neither refresh: it moves no view.
      for (const id of changedPrefixes) {
        const c = id < this.knownCountry.length ? this.knownCountry[id] : -1;
        if (c >= 0) wanted[c] = 1;
      }
    }
    this.weightMoved.fill(0);
    const byCountry = this.routesByCountry(wanted);
    const views: CountryView[] = [];
    for (let c = 0; c < countries; c++) {
      let view = this.lastViews[c];
      if (wanted[c] === 1 || view === undefined) {
        const routes = routeGroupSlice(byCountry.routes, byCountry.offsets[c], byCountry.offsets[c + 1]);
        this.lastViews[c] = view = this.countryFromRoutes(this.countryCodes[c], routes, false);
      }
      views.push(view);
    }
    return views.sort((a, b) => (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
  }

  /** Countries ranked by their largest dependency, single-upstream countries first. */
  rankCountries(): CountryRank[] {
    const ranks = this.allCountries().map((view) => ({
      country: view.country,
      prefixes: 0,
      visibleIpv4Slash24s: view.space.visible.ipv4Slash24s,
      upstreamCount: view.upstreamCount,
      top: view.dependency[0],
      chokepoints: view.chokepoints,
    }));
    const prefixCounts = new Map<string, number>();
    for (let id = 0; id < this.table.prefixCount; id++) {
      const c = this.prefixCountry[id];
      if (c >= 0 && this.table.prefixRouteCount(id) > 0) {
        const code = this.countryCodes[c];
        prefixCounts.set(code, (prefixCounts.get(code) ?? 0) + 1);
      }
    }
    for (const rank of ranks) rank.prefixes = prefixCounts.get(rank.country) ?? 0;
    const single = (r: CountryRank): number => (r.upstreamCount === 1 ? 0 : 1);
    return ranks.sort(
      (a, b) =>
        single(a) - single(b) ||
        (b.top?.hegemony ?? 0) - (a.top?.hegemony ?? 0) ||
        (a.country < b.country ? -1 : a.country > b.country ? 1 : 0),
    );
  }

  /** The AS view: what it originates, its neighbours on the paths, and the dependency of its space. */
  asView(asn: number): AsView {
    if (!Number.isInteger(asn) || asn < 0 || asn >= 2 ** 32) {
      throw new ParseError('OBSERVATORY_BAD_ASN', `not an AS number: ${String(asn)}`, { field: 'asn' });
    }
    this.prepare();
    const table = this.table;
    // Every path is enumerated below, so every attribute set must be decoded first.
    table.decodeAllAttributes();
    const hops = this.hops;
    const paths = table.paths.count;
    // Per path: does it originate at asn, its upstream for asn (upstream.ts) and asn's downstream neighbour.
    const originates = new Uint8Array(paths);
    const upstreamOfPath = new Int32Array(paths).fill(NO_UPSTREAM);
    const downstreamPaths = new Map<number, number>();
    const isAsn = (a: number): boolean => a === asn;
    for (let pathId = 0; pathId < paths; pathId++) {
      table.paths.read(pathId, hops);
      if (table.pathOrigins(pathId).includes(asn)) {
        originates[pathId] = 1;
        upstreamOfPath[pathId] = upstreamOf(hops.asns, isAsn, hops.length);
      }
      // The AS after asn's last appearance (prepending skipped), away from the vantage point.
      let at = -1;
      for (let k = hops.length - 1; k >= 0 && at < 0; k--) if (hops.asns[k] === asn) at = k;
      if (at < 0) continue;
      while (at + 1 < hops.length && hops.asns[at + 1] === asn) at++;
      if (at + 1 < hops.length) {
        const down = hops.asns[at + 1];
        downstreamPaths.set(down, (downstreamPaths.get(down) ?? 0) + 1);
      }
    }
    const selectedPrefix: number[] = [];
    const selectedPeer: number[] = [];
    const selectedAttributes: number[] = [];
    const prefixIds = new Set<number>();
    const upstreamPrefixes = new Map<number, Set<number>>();
    table.forEachRoute((prefixId, peerId, attributesId) => {
      const pathId = table.pathIdOf(attributesId);
      if (originates[pathId] === 0) return;
      selectedPrefix.push(prefixId);
      selectedPeer.push(peerId);
      selectedAttributes.push(attributesId);
      prefixIds.add(prefixId);
      const upstream = upstreamOfPath[pathId];
      if (upstream !== NO_UPSTREAM) {
        let set = upstreamPrefixes.get(upstream);
        if (set === undefined) upstreamPrefixes.set(upstream, (set = new Set()));
        set.add(prefixId);
      }
    });
    const sorted = [...table.sortPrefixIds([...prefixIds])];
    let v4 = 0;
    let v6 = 0;
    let v48 = 0;
    for (const id of sorted) {
      v4 += this.weights4[id];
      v6 += this.weights6[id];
      if (this.weights6[id] > 0) v48 += table.prefix(id).slash48s();
    }
    const weightOf = (id: number): number => (v4 > 0 ? this.weights4[id] : this.weights6[id]);
    const total = v4 > 0 ? v4 : v6;
    const dependency = this.dependencies(
      {
        count: selectedPrefix.length,
        prefix: Int32Array.from(selectedPrefix),
        peer: Int32Array.from(selectedPeer),
        attributes: Int32Array.from(selectedAttributes),
      },
      asn,
    );
    const countryOf = (id: number): string => {
      const c = this.prefixCountry[id];
      return c >= 0 ? this.countryCodes[c] : '';
    };
    return {
      asn,
      name: this.name(asn),
      country: this.countryOfAsn(asn),
      prefixes: sorted.map((id) => ({ prefix: table.prefix(id).toString(), country: countryOf(id) })),
      space: { ipv4Slash24s: v4 / 256, ipv6Slash48s: v48, ipv6Prefixes: v6 },
      upstreams: [...upstreamPrefixes]
        .map(([up, ids]) => {
          let weight = 0;
          for (const id of ids) weight += weightOf(id);
          return {
            asn: up,
            name: this.name(up),
            country: this.countryOfAsn(up),
            share: total > 0 ? weight / total : 0,
          };
        })
        .sort((a, b) => b.share - a.share || a.asn - b.asn),
      downstreams: [...downstreamPaths]
        .map(([down, paths]) => ({
          asn: down,
          name: this.name(down),
          country: this.countryOfAsn(down),
          paths,
        }))
        .sort((a, b) => b.paths - a.paths || a.asn - b.asn),
      dependency: dependency.list,
      vantagePoints: { peers: dependency.peers, peerAses: dependency.peerAses },
    };
  }

  /** The address view: matching prefix, origins, registry country, each peer's path, the chain to the border. */
  addressView(address: IpAddress, text: string): AddressView {
    const table = this.table;
    const match = table.longestMatch(address);
    const record = this.registry.countryOfAddress(address);
    const country = record === undefined || record.country === 'ZZ' ? '' : record.country;
    const describe = (asn: number): { asn: number; name: string; country: string } => ({
      asn,
      name: this.name(asn),
      country: this.countryOfAsn(asn),
    });
    const inCountry = (asn: number): boolean => this.countryOfAsn(asn) === country;
    const origins = new Set<number>();
    const paths: AddressView['paths'] = [];
    for (const route of match?.routes ?? []) {
      for (const asn of route.attributes.originAsns) origins.add(asn);
      const hops = flatten(route.attributes.asPath);
      const chain: Array<{ asn: number; name: string; country: string }> = [];
      for (let k = hops.length - 1; k >= 0; k--) {
        if (chain.length > 0 && chain[chain.length - 1].asn === hops[k]) continue;
        chain.push(describe(hops[k]));
        if (country !== '' && this.countryOfAsn(hops[k]) !== country) break;
      }
      const upstream = country === '' ? NO_UPSTREAM : upstreamOf(hops, inCountry);
      paths.push({
        peerAddress: route.peer.address,
        peerAsn: route.peer.asn,
        asPath: route.attributes.asPathText,
        upstreamChain: chain,
        upstream: upstream === NO_UPSTREAM ? undefined : describe(upstream),
      });
    }
    return {
      address: text,
      prefix: match?.prefix.toString(),
      covering: table.coveringPrefixes(address).map((p: Prefix) => p.toString()),
      origins: [...origins].sort((a, b) => a - b).map(describe),
      country,
      registry: record?.registry ?? '',
      paths,
    };
  }
}

function flatten(segments: AsPathSegment[] | undefined): number[] {
  const out: number[] = [];
  for (const segment of segments ?? []) if (segment.kind === 'sequence') out.push(...segment.asns);
  return out;
}

/**
 * What if some ASes stopped carrying traffic: for every announced prefix of a country, whether an
 * observed path survives (a path that crosses none of the removed ASes), else whether the inferred
 * AS graph holds a valley-free path from a vantage AS to the prefix's origin without them, else
 * cut off. The country's space (IPv4 addresses counted once, at their longest announced prefix, as
 * the country view counts them) is split into those three parts.
 *
 * The answer is a lower bound of what could still reach the country: relationships are inferred
 * (with a measured error), and links no path shows (unused backups) are missing from the graph.
 *
 * @example
 * const sim = new RemovalSimulator(table, registry, AsRelationships.fromTable(table));
 * const kp = sim.country('KP', new Set([4837]), true);
 * kp.prefixes.map((p) => p.fate); // ['cut', 'cut', 'cut', 'cut']
 */
import type { Registry } from '../registry/index.js';
import { PathHops, type RoutingTable } from '../routing/index.js';
import type { AsRelationships, ValleyFreeReach } from './relationships.js';

export type PrefixFate = 'observed' | 'alternative' | 'cut';
export const PREFIX_FATES: readonly PrefixFate[] = ['observed', 'alternative', 'cut'];

/** One route of a prefix, as a vantage point saw it, and whether it avoids the removed ASes. */
export interface VantageRoute {
  peerAddress: string;
  peerAsn: number;
  /** AS_SEQUENCE hops, vantage point side first. */
  path: number[];
  survives: boolean;
}

export interface PrefixWhatIf {
  prefix: string;
  origins: number[];
  fate: PrefixFate;
  /** IPv4 addresses this prefix holds that no announced more-specific does (0 for IPv6). */
  ipv4Addresses: number;
  routes: VantageRoute[];
  /** For fate 'alternative': the shortest valley-free path found, vantage AS first, origin last. */
  alternative?: number[];
}

export interface FateSpace {
  ipv4Slash24s: number;
  ipv6Prefixes: number;
  prefixes: number;
}

export interface CountryWhatIf {
  country: string;
  /** Share of the space (IPv4 when the country has IPv4, else IPv6 prefixes) in each fate. */
  share: Record<PrefixFate, number>;
  space: Record<PrefixFate, FateSpace>;
  unit: 'ipv4' | 'ipv6';
  /** Per prefix, when asked for (`detailed`). */
  prefixes: PrefixWhatIf[];
}

const IPV4_ADDRESSES = Array.from({ length: 33 }, (_, length) => 2 ** (32 - length));
const FATE_OBSERVED = 1;
const FATE_ALTERNATIVE = 2;
const FATE_CUT = 3;
const FATE_NAMES: PrefixFate[] = ['observed', 'observed', 'alternative', 'cut'];

/** Runs removals over one table, its registry and the relationships inferred from it. */
export class RemovalSimulator {
  readonly #table: RoutingTable;
  readonly #registry: Registry;
  readonly #rel: AsRelationships;
  readonly #hops = new PathHops();
  #prepared = false;
  #prefixCountry = new Int16Array(0);
  readonly #countryCodes: string[] = [];
  readonly #countryIndex = new Map<string, number>();
  #weights4 = new Float64Array(0);
  /** Vantage ASes (first AS of the observed paths) by the number of routes they head, most first. */
  #vantages: number[] = [];

  constructor(table: RoutingTable, registry: Registry, relationships: AsRelationships) {
    this.#table = table;
    this.#registry = registry;
    this.#rel = relationships;
  }

  #prepare(): void {
    if (this.#prepared) return;
    const table = this.#table;
    const n = table.prefixCount;
    this.#prefixCountry = new Int16Array(n).fill(-1);
    this.#weights4 = new Float64Array(n);
    const ipv4: number[] = [];
    for (let id = 0; id < n; id++) {
      if (table.prefixRouteCount(id) === 0) continue;
      const family = table.prefixFamily(id);
      const entry =
        family === 4
          ? this.#registry.countryOfIPv4(table.ipv4Network(id), table.prefixLength(id))
          : this.#registry.countryOfPrefix(table.prefix(id));
      if (entry !== undefined && entry.country !== 'ZZ') {
        let index = this.#countryIndex.get(entry.country);
        if (index === undefined) {
          index = this.#countryCodes.length;
          this.#countryCodes.push(entry.country);
          this.#countryIndex.set(entry.country, index);
        }
        this.#prefixCountry[id] = index;
      }
      if (family === 4) {
        this.#weights4[id] = IPV4_ADDRESSES[table.prefixLength(id)];
        ipv4.push(id);
      }
    }
    // Each address counts at its longest announced prefix: a prefix's weight loses what its
    // announced more-specifics hold (a stack of open containers over the sorted prefixes).
    const stack: number[] = [];
    for (const id of table.sortPrefixIds(ipv4)) {
      const network = table.ipv4Network(id);
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (network < table.ipv4Network(top) + IPV4_ADDRESSES[table.prefixLength(top)]) break;
        stack.pop();
      }
      if (stack.length > 0) this.#weights4[stack[stack.length - 1]] -= IPV4_ADDRESSES[table.prefixLength(id)];
      stack.push(id);
    }
    const heads = new Map<number, number>();
    const hops = this.#hops;
    table.forEachRoute((_prefixId, _peerId, attributesId) => {
      table.paths.read(table.pathIdOf(attributesId), hops);
      if (hops.length > 0) heads.set(hops.asns[0], (heads.get(hops.asns[0]) ?? 0) + 1);
    });
    this.#vantages = [...heads].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([asn]) => asn);
    this.#prepared = true;
  }

  /** Countries with at least one announced prefix, sorted. */
  countries(): string[] {
    this.#prepare();
    return this.#countryCodes.slice().sort();
  }

  /** The vantage ASes: the first AS of the observed paths, most routes first. */
  vantages(): number[] {
    this.#prepare();
    return this.#vantages.slice();
  }

  /** `country` (or every country when undefined) under the removal of `removed`. */
  run(removed: ReadonlySet<number>, country?: string, detailed = false): CountryWhatIf[] {
    this.#prepare();
    const table = this.#table;
    const hops = this.#hops;
    const only = country === undefined ? -1 : (this.#countryIndex.get(country) ?? -2);
    const countries = this.#countryCodes.length;
    if (only === -2) return [emptyCountry(country ?? '')];
    // Fate of each prefix: observed as soon as one of its routes avoids the removed ASes.
    const prefixCountry = this.#prefixCountry;
    const fate = new Uint8Array(table.prefixCount);
    const pathFate: Uint8Array[] = [new Uint8Array(1024)];
    const survives = (pathId: number): boolean => {
      let cache = pathFate[0];
      if (pathId >= cache.length) {
        const grown = new Uint8Array(Math.max(cache.length * 2, pathId + 1));
        grown.set(cache);
        pathFate[0] = cache = grown;
      }
      if (cache[pathId] === 0) {
        table.paths.read(pathId, hops);
        let ok = hops.length > 0;
        for (let k = 0; k < hops.length && ok; k++) if (removed.has(hops.asns[k])) ok = false;
        cache[pathId] = ok ? 1 : 2;
      }
      return cache[pathId] === 1;
    };
    table.forEachRoute((prefixId, _peerId, attributesId) => {
      const c = prefixCountry[prefixId];
      if (c < 0 || (only >= 0 && c !== only) || fate[prefixId] === FATE_OBSERVED) return;
      fate[prefixId] = survives(table.pathIdOf(attributesId)) ? FATE_OBSERVED : FATE_CUT;
    });
    // The rest: alternative when a vantage AS reaches one of the origins over a valley-free path.
    // One search from every vantage AS at once, only when some prefix needs it.
    let reach: ValleyFreeReach | undefined;
    const reachOf = (): ValleyFreeReach => {
      reach ??= this.#rel.valleyFreeReach(this.#vantages, removed);
      return reach;
    };
    const originFate = new Map<number, number>();
    const alternativeFor = (origin: number): number => {
      let result = originFate.get(origin);
      if (result === undefined) {
        result = FATE_CUT;
        if (!removed.has(origin) && reachOf().reaches(origin)) result = FATE_ALTERNATIVE;
        originFate.set(origin, result);
      }
      return result;
    };
    for (let id = 0; id < fate.length; id++) {
      if (fate[id] !== FATE_CUT) continue;
      for (const origin of this.#originsOf(id))
        if (alternativeFor(origin) === FATE_ALTERNATIVE) {
          fate[id] = FATE_ALTERNATIVE;
          break;
        }
    }
    // Tally per country.
    const results: CountryWhatIf[] = [];
    const ids: number[][] = Array.from({ length: countries }, () => []);
    for (let id = 0; id < fate.length; id++) if (fate[id] !== 0) ids[prefixCountry[id]].push(id);
    for (let c = 0; c < countries; c++) {
      if (only >= 0 && c !== only) continue;
      const view = emptyCountry(this.#countryCodes[c]);
      let weight4 = 0;
      let weight6 = 0;
      for (const id of ids[c]) {
        const space = view.space[FATE_NAMES[fate[id]]];
        space.prefixes++;
        if (table.prefixFamily(id) === 4) {
          space.ipv4Slash24s += this.#weights4[id] / 256;
          weight4 += this.#weights4[id];
        } else {
          space.ipv6Prefixes++;
          weight6++;
        }
      }
      view.unit = weight4 > 0 ? 'ipv4' : 'ipv6';
      for (const name of PREFIX_FATES) {
        const space = view.space[name];
        view.share[name] =
          weight4 > 0 ? (space.ipv4Slash24s * 256) / weight4 : weight6 > 0 ? space.ipv6Prefixes / weight6 : 0;
      }
      if (detailed) {
        const sorted = table.sortPrefixIds(ids[c]);
        for (const id of sorted)
          view.prefixes.push(this.#prefixDetail(id, FATE_NAMES[fate[id]], removed, reachOf));
      }
      results.push(view);
    }
    return results;
  }

  #originsOf(prefixId: number): number[] {
    const table = this.#table;
    const origins = new Set<number>();
    table.forEachRouteOfPrefix(prefixId, (_p, _peer, attributesId) => {
      for (const origin of table.pathOrigins(table.pathIdOf(attributesId))) origins.add(origin);
    });
    return [...origins].sort((a, b) => a - b);
  }

  #prefixDetail(
    id: number,
    fate: PrefixFate,
    removed: ReadonlySet<number>,
    reachOf: () => ValleyFreeReach,
  ): PrefixWhatIf {
    const table = this.#table;
    const routes: VantageRoute[] = [];
    table.forEachRouteOfPrefix(id, (_p, peerId, attributesId) => {
      const path = table.paths.read(table.pathIdOf(attributesId), this.#hops).toArray();
      const peer = table.peer(peerId);
      routes.push({
        peerAddress: peer.address,
        peerAsn: peer.asn,
        path,
        survives: path.length > 0 && path.every((asn) => !removed.has(asn)),
      });
    });
    routes.sort((a, b) => a.peerAsn - b.peerAsn || a.peerAddress.localeCompare(b.peerAddress));
    const origins = this.#originsOf(id);
    const detail: PrefixWhatIf = {
      prefix: table.prefix(id).toString(),
      origins,
      fate,
      ipv4Addresses: table.prefixFamily(id) === 4 ? this.#weights4[id] : 0,
      routes,
    };
    if (fate === 'alternative') {
      let best: number[] | undefined;
      for (const origin of origins) {
        const path = reachOf().path(origin);
        if (path !== undefined && (best === undefined || path.length < best.length)) best = path;
      }
      if (best !== undefined) detail.alternative = best;
    }
    return detail;
  }
}

function emptyCountry(country: string): CountryWhatIf {
  const space = (): FateSpace => ({ ipv4Slash24s: 0, ipv6Prefixes: 0, prefixes: 0 });
  return {
    country,
    share: { observed: 0, alternative: 0, cut: 0 },
    space: { observed: space(), alternative: space(), cut: space() },
    unit: 'ipv4',
    prefixes: [],
  };
}

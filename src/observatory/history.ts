/**
 * What a routing table's history leaves behind, bin by bin, for a store to keep: the visibility
 * of every country, origin AS and prefix at the end of each time bin (only when it changed since
 * the last point), the origin (MOAS) and upstream changes of prefixes, dependency snapshots of
 * every country at a fixed interval, and peers' session resets. Driven by the caller's clock:
 * `advance(time)` before an element at `time` is applied closes the bins that ended before it.
 *
 * Definitions (one place):
 * - A prefix is visible when at least one peer has a route for it; its peers are the distinct
 *   peers with a route.
 * - A group's visible space is the union of its visible prefixes (a prefix inside another visible
 *   prefix of the same group adds nothing), in /24s for IPv4 and /48s for IPv6 (a longer prefix
 *   counts its share); its peers are the distinct peers with a route to one of its prefixes.
 * - A country's prefixes are those the registry places in it (longest match); an AS's are those
 *   announced with it as origin by at least one route (MOAS prefixes count for each origin).
 * - A prefix's upstreams are the upstreams of its routes for its origin network (`PathFacts`,
 *   upstream.ts); an origin or upstream change is a change of the sorted set between two bins. The
 *   first bin of a run sets the baseline and records no change (everything would be "new").
 * - A point is written when a key's values differ from its last point: a store carries the last
 *   value forward over the bins between.
 *
 * @example
 * const recorder = new HistoryRecorder(table, registry, { binSeconds: 300, dependencySeconds: 3600 });
 * await scanMrt(file, (cursor, decoder) => { recorder.advance(cursor.timestamp); table.ingest(cursor, decoder); });
 * recorder.flush(); // the open bin's points so far
 * const { visibility, changes, dependency, resets, bins } = recorder.take();
 */
import type { RouteEvent, RoutingTable } from '../routing/index.js';
import type { AsNames, Registry } from '../registry/index.js';
import { Observatory, RegisteredCountries } from './observatory.js';
import { mergeSortedIds } from './sorted-ids.js';
import { PathFacts } from './visibility.js';

/** What a visibility point is about. */
export type VisibilityScope = 'country' | 'asn' | 'prefix';

/** The visibility of one country, AS or prefix at the end of one time bin. */
export interface VisibilityPoint {
  scope: VisibilityScope;
  /** `KP`, `131279` or `175.45.176.0/24`. */
  key: string;
  /** Start of the bin (Unix seconds). */
  binStart: number;
  /** Visible IPv4 space in /24s (a longer prefix counts its share of a /24). */
  ipv4Slash24s: number;
  /** Visible IPv6 space in /48s (a longer prefix counts its share of a /48). */
  ipv6Slash48s: number;
  /** Visible prefixes. */
  prefixes: number;
  /** Distinct peers with a route to at least one of its prefixes. */
  peers: number;
}

/** One AS's dependency (AS hegemony) in a snapshot. */
export interface DependencyShare {
  asn: number;
  hegemony: number;
  ipv4: number;
  ipv6: number;
}

/** A country's dependency and upstreams at one time. */
export interface DependencySnapshot {
  country: string;
  time: number;
  dependency: DependencyShare[];
  /** Upstreams (first AS outside the country) with their share of the visible space. */
  upstreams: Array<{ asn: number; share: number }>;
  /** Vantage points (peers) the dependency was computed over. */
  peers: number;
}

/** A change in the set of origin ASes (MOAS) or of upstreams of a prefix, between two bins. */
export interface PrefixChange {
  kind: 'origin' | 'upstream';
  prefix: string;
  /** End of the bin in which the change was seen (Unix seconds). */
  time: number;
  /** Sorted, before and after; empty when the prefix was not (or no longer) announced. */
  before: number[];
  after: number[];
}

/** A peer's BGP session left Established: every route of that peer went at once. */
export interface PeerSessionReset {
  time: number;
  peerAsn: number;
  peerAddress: string;
  routesRemoved: number;
}

export interface HistoryOptions {
  /** Width of a bin in seconds (300: IODA's BGP bins). */
  binSeconds?: number;
  /** Seconds between dependency snapshots, aligned on multiples of it (3600). */
  dependencySeconds?: number;
  /** AS names for the observatory (dependency rows carry only numbers; names are not stored). */
  names?: AsNames;
  /**
   * Recount only the groups a changed prefix is or was counted in (default false: every group
   * every bin, which costs less while a bin's changes reach most countries and large ASes).
   */
  incremental?: boolean;
  /**
   * Keep the group totals as counters updated by each changed prefix (default true): a bin costs
   * its changed prefixes, not the table. False: every group recounted over every prefix each bin
   * (the reference the counters are tested against). Ignored when `incremental` is set.
   */
  counters?: boolean;
}

/** What the recorder produced since the last `take()`. */
export interface HistoryRecords {
  bins: number[];
  visibility: VisibilityPoint[];
  changes: PrefixChange[];
  dependency: DependencySnapshot[];
  resets: PeerSessionReset[];
}

const NO_COUNTRY = -1;
/** Longest gap between two files whose bins still count as covered (one hour). */
const MAX_GAP_SECONDS = 3600;
const UNKNOWN = -2;
const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** i);

/**
 * A visibility point whose space fields hold doubles from the first point on. V8 gives a field the
 * representation of the first value stored in it: after points with whole numbers (a /24 counts
 * 1), one with a fraction (a /25's 0.5, an IPv6 /64's 1/65536) changes the shape of every point
 * made before, and each is then migrated, its numbers boxed, when first read: about 1.4 s for the
 * 577,703 prefix points of the bundled table (bench/RESULTS-suite.md, 2026-12-06, suite19).
 */
function visibilityPoint(
  scope: VisibilityScope,
  key: string,
  binStart: number,
  ipv4Slash24s: number,
  ipv6Slash48s: number,
  prefixes: number,
  peers: number,
): VisibilityPoint {
  const point = { scope, key, binStart, ipv4Slash24s: 0.5, ipv6Slash48s: 0.5, prefixes, peers };
  point.ipv4Slash24s = ipv4Slash24s;
  point.ipv6Slash48s = ipv6Slash48s;
  return point;
}

/** The first `length` values of `values` as an array (no typed-array view, no iterator). */
function firstValues(values: ArrayLike<number>, length: number): number[] {
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) out[i] = values[i];
  return out;
}

/** Per-prefix sets of AS numbers: one typed cell for a single AS, a map for the rest. */
class AsSetColumn {
  private single = new Uint32Array(1024);
  /** 0: empty, 1: single (in `single`), 2: several (in `many`). */
  private shape = new Uint8Array(1024);
  private readonly many = new Map<number, number[]>();

  get(id: number): number[] {
    if (id >= this.shape.length) return [];
    const shape = this.shape[id];
    return shape === 0 ? [] : shape === 1 ? [this.single[id]] : this.many.get(id)!;
  }

  equals(id: number, set: readonly number[]): boolean {
    const shape = id < this.shape.length ? this.shape[id] : 0;
    if (set.length === 0) return shape === 0;
    if (set.length === 1) return shape === 1 && this.single[id] === set[0];
    if (shape !== 2) return false;
    const old = this.many.get(id)!;
    return old.length === set.length && old.every((asn, i) => asn === set[i]);
  }

  /** Whether the set of `id` is the first `length` values of `values` (sorted, distinct). */
  equalsBuffer(id: number, values: Float64Array, length: number): boolean {
    const shape = id < this.shape.length ? this.shape[id] : 0;
    if (length === 0) return shape === 0;
    if (length === 1) return shape === 1 && this.single[id] === values[0];
    if (shape !== 2) return false;
    const old = this.many.get(id)!;
    if (old.length !== length) return false;
    for (let i = 0; i < length; i++) if (old[i] !== values[i]) return false;
    return true;
  }

  /** Sets the set of `id` to the first `length` values of `values` (sorted, distinct), copied. */
  set(id: number, values: ArrayLike<number>, length: number): void {
    if (id >= this.shape.length) {
      const size = Math.max(id + 1, this.shape.length * 2);
      const single = new Uint32Array(size);
      single.set(this.single);
      const shape = new Uint8Array(size);
      shape.set(this.shape);
      this.single = single;
      this.shape = shape;
    }
    if (this.shape[id] === 2) this.many.delete(id);
    if (length === 0) this.shape[id] = 0;
    else if (length === 1) {
      this.shape[id] = 1;
      this.single[id] = values[0];
    } else {
      this.shape[id] = 2;
      this.many.set(id, firstValues(values, length));
    }
  }
}

/** Accumulators of a family of groups (countries or ASes), reset every bin. */
class GroupTotals {
  slash24s = new Float64Array(64);
  slash48s = new Float64Array(64);
  prefixes = new Int32Array(64);
  /** End (exclusive) of the last counted IPv4 / IPv6 range of the group, for the union. */
  end4 = new Float64Array(64);
  end6 = new Float64Array(64);
  /** Peer bitsets, `words` 32-bit words per group. */
  peerBits = new Uint32Array(64);
  words = 1;
  /** Distinct peers of each group, as the points report them. */
  peerTotal = new Int32Array(64);
  /** Last point written per group (NaN: none yet). */
  last24 = new Float64Array(64).fill(Number.NaN);
  last48 = new Float64Array(64);
  lastPrefixes = new Int32Array(64);
  lastPeers = new Int32Array(64);
  readonly keys: string[] = [];
  private readonly index = new Map<string | number, number>();
  /**
   * Groups of 32-bit unsigned keys (AS numbers) in an open-addressed table: a key and its group
   * per slot (group -1: empty). A Map keyed by a double hashes a heap number per look-up.
   */
  private slotKeys = new Uint32Array(1024);
  private slotGroups = new Int32Array(1024).fill(-1);
  private slotShift = 22;
  private uintKeys = 0;

  groupOf(key: string | number): number {
    if (typeof key === 'number' && key >>> 0 === key) return this.groupOfUint(key);
    let g = this.index.get(key);
    if (g === undefined) this.index.set(key, (g = this.newGroup(key)));
    return g;
  }

  private groupOfUint(key: number): number {
    const mask = this.slotKeys.length - 1;
    for (let slot = Math.imul(key, 0x9e3779b1) >>> this.slotShift; ; slot = (slot + 1) & mask) {
      const g = this.slotGroups[slot];
      if (g < 0) break;
      if (this.slotKeys[slot] === key) return g;
    }
    const g = this.newGroup(key);
    if (++this.uintKeys * 2 > this.slotKeys.length) this.rehash(this.slotKeys.length * 2);
    this.place(key, g);
    return g;
  }

  private place(key: number, g: number): void {
    const mask = this.slotKeys.length - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> this.slotShift;
    while (this.slotGroups[slot] >= 0) slot = (slot + 1) & mask;
    this.slotKeys[slot] = key;
    this.slotGroups[slot] = g;
  }

  private rehash(size: number): void {
    const keys = this.slotKeys;
    const groups = this.slotGroups;
    this.slotKeys = new Uint32Array(size);
    this.slotGroups = new Int32Array(size).fill(-1);
    this.slotShift = 32 - Math.log2(size);
    for (let slot = 0; slot < keys.length; slot++)
      if (groups[slot] >= 0) this.place(keys[slot], groups[slot]);
  }

  private newGroup(key: string | number): number {
    const g = this.keys.length;
    this.keys.push(String(key));
    if (g >= this.slash24s.length) this.grow(this.slash24s.length * 2);
    return g;
  }

  private grow(size: number): void {
    const f64 = (a: Float64Array, fill = 0): Float64Array<ArrayBuffer> => grownFloats(a, size, fill);
    const i32 = (a: Int32Array): Int32Array<ArrayBuffer> => grownInts(a, size);
    this.slash24s = f64(this.slash24s);
    this.slash48s = f64(this.slash48s);
    this.prefixes = i32(this.prefixes);
    this.end4 = f64(this.end4);
    this.end6 = f64(this.end6);
    this.last24 = f64(this.last24, Number.NaN);
    this.last48 = f64(this.last48);
    this.lastPrefixes = i32(this.lastPrefixes);
    this.lastPeers = i32(this.lastPeers);
    this.peerTotal = i32(this.peerTotal);
    const bits = new Uint32Array(size * this.words);
    bits.set(this.peerBits);
    this.peerBits = bits;
  }

  /** Clears the accumulators for a bin over `peers` peers. */
  reset(peers: number): void {
    const words = Math.max(1, Math.ceil(peers / 32));
    const size = this.slash24s.length;
    if (words !== this.words || this.peerBits.length !== size * words) {
      this.words = words;
      this.peerBits = new Uint32Array(size * words);
    } else this.peerBits.fill(0);
    this.slash24s.fill(0);
    this.slash48s.fill(0);
    this.prefixes.fill(0);
    this.end4.fill(-1);
    this.end6.fill(-1);
  }

  /** Clears group `g`'s accumulators (before it is recounted). */
  clear(g: number): void {
    this.slash24s[g] = 0;
    this.slash48s[g] = 0;
    this.prefixes[g] = 0;
    this.end4[g] = -1;
    this.end6[g] = -1;
    this.peerBits.fill(0, g * this.words, (g + 1) * this.words);
  }

  /** ORs a prefix's peer bits (`words` words from `base`) into group `g`. */
  addPeerBits(g: number, bits: Uint32Array, base: number): void {
    const at = g * this.words;
    for (let w = 0; w < this.words; w++) this.peerBits[at + w] |= bits[base + w];
  }

  peersOf(g: number): number {
    let count = 0;
    for (let w = g * this.words, end = w + this.words; w < end; w++) {
      let v = this.peerBits[w];
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      count += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return count;
  }
}

/**
 * Totals of a family of groups kept as counters, changed by each prefix that enters or leaves a
 * group: integer counts of the space of the group's uncovered prefixes, its prefixes, and per peer
 * how many of its prefixes the peer sees. IPv4 space (multiples of 1/256 of a /24, at most 2^24)
 * and IPv6 space of /48 or shorter prefixes (integers) are exact in any order, so they equal the
 * sums of a pass in prefix order; prefixes longer than /48 are counted per length.
 */
class GroupCounters {
  slash24s = new Float64Array(64);
  /** IPv6 space of the group's uncovered /48-or-shorter prefixes, in /48s. */
  whole48s = new Float64Array(64);
  /** Uncovered IPv6 prefixes longer than /48 in the group, and per group with any, per length 49-128. */
  long48 = new Int32Array(64);
  readonly longByLength = new Map<number, Int32Array>();
  prefixes = new Int32Array(64);
  peers = new Int32Array(64);
  /** Per group and peer, the group's prefixes the peer sees (`peerSlots` per group). */
  peerCounts = new Int32Array(0);
  peerSlots = 0;
  size = 64;

  /** Empties the counters for `peerSlots` peers and at least `groups` groups. */
  reset(groups: number, peerSlots: number): void {
    this.size = Math.max(64, groups);
    this.slash24s = new Float64Array(this.size);
    this.whole48s = new Float64Array(this.size);
    this.long48 = new Int32Array(this.size);
    this.longByLength.clear();
    this.prefixes = new Int32Array(this.size);
    this.peers = new Int32Array(this.size);
    this.peerSlots = peerSlots;
    this.peerCounts = new Int32Array(this.size * peerSlots);
  }

  ensure(g: number): void {
    if (g < this.size) return;
    const size = Math.max(g + 1, this.size * 2);
    this.slash24s = grownFloats(this.slash24s, size);
    this.whole48s = grownFloats(this.whole48s, size);
    this.long48 = grownInts(this.long48, size);
    this.prefixes = grownInts(this.prefixes, size);
    this.peers = grownInts(this.peers, size);
    this.peerCounts = grownInts(this.peerCounts, size * this.peerSlots);
    this.size = size;
  }

  /** Re-lays the per-peer counters for `peerSlots` peers per group. */
  widen(peerSlots: number): void {
    const counts = new Int32Array(this.size * peerSlots);
    for (let g = 0; g < this.size; g++)
      counts.set(this.peerCounts.subarray(g * this.peerSlots, (g + 1) * this.peerSlots), g * peerSlots);
    this.peerCounts = counts;
    this.peerSlots = peerSlots;
  }

  /** Counts (sign 1) or uncounts (-1) the peers set in `words` words of `bits` from `base`. */
  countPeers(g: number, bits: Uint32Array, base: number, words: number, sign: 1 | -1): void {
    const at = g * this.peerSlots;
    for (let w = 0; w < words; w++) {
      let word = bits[base + w];
      while (word !== 0) {
        const low = word & -word;
        const peer = w * 32 + (31 - Math.clz32(low));
        word ^= low;
        const count = (this.peerCounts[at + peer] += sign);
        if (sign > 0 ? count === 1 : count === 0) this.peers[g] += sign;
      }
    }
  }

  /** Adds (sign 1) or removes (-1) an uncovered prefix's space. */
  space(g: number, family: number, size: number, length: number, sign: 1 | -1): void {
    if (family === 4) this.slash24s[g] += (sign * size) / 256;
    else if (length <= 48) this.whole48s[g] += sign * size;
    else {
      this.long48[g] += sign;
      let byLength = this.longByLength.get(g);
      if (byLength === undefined) this.longByLength.set(g, (byLength = new Int32Array(80)));
      byLength[length - 49] += sign;
    }
  }

  /**
   * The group's IPv6 space as a pass in prefix order sums it, when that sum is exact (every
   * partial sum a multiple of the smallest share, below 2^52 of them); undefined otherwise.
   */
  exactSlash48s(g: number): number | undefined {
    if (this.long48[g] === 0) return this.whole48s[g];
    const byLength = this.longByLength.get(g)!;
    let longest = 0;
    for (let k = 0; k < 80; k++) if (byLength[k] !== 0) longest = k + 49;
    let total = this.whole48s[g];
    for (let k = 0; k < 80; k++) if (byLength[k] !== 0) total += byLength[k] / POW2[k + 1];
    return total * POW2[longest - 48] < POW2[52] ? total : undefined;
  }
}

/** The recorder. Attach it to a table before replaying; see the module header. */
export class HistoryRecorder {
  readonly binSeconds: number;
  readonly dependencySeconds: number;
  private readonly paths: PathFacts;
  /** Registered countries of the prefixes, looked up once for the recorder and its observatory. */
  private readonly registered: RegisteredCountries;
  private readonly observatory: Observatory;
  private readonly detach: () => void;

  /** Start of the open bin; NaN before the first element. */
  private binStart = Number.NaN;
  private nextDependency = Number.NaN;
  private binHasElements = false;
  /** Elements since the last flush (the end of the previous file). */
  private elementsInFile = 0;
  /** Whether the table changed since the last pass. */
  private changed = false;
  private firstPass = true;

  // Per prefix id.
  private prefixCountry = new Int16Array(0);
  private lastPrefixPeers = new Int32Array(0);
  private dirty = new Uint8Array(0);
  private allDirty = true;
  /** Prefixes whose routes changed since the last dependency snapshot (a peer-down: all). */
  private sinceSnapshot = new Uint8Array(0);
  private changedSinceSnapshot: number[] = [];
  private allSinceSnapshot = true;
  private v6Network48 = new Float64Array(0);
  /** Per prefix its space, fixed with its id: IPv4 network or IPv6 /48 number, size, family (4 or 6). */
  private spaceStarts = new Float64Array(0);
  private spaceSizes = new Float64Array(0);
  private spaceFamilies = new Uint8Array(0);
  /** Per prefix of several origins, its AS groups and the peers of each, from its last change: a clean one walks no route. */
  private readonly moas = new Map<number, MoasGroups>();
  private readonly origins = new AsSetColumn();
  private readonly upstreams = new AsSetColumn();
  /** Prefix ids in `comparePrefixes` order (the first `preparedCount` entries). */
  private sorted = new Int32Array(0);
  private preparedCount = 0;
  /**
   * Per prefix id its text ('' until made), grown by pushes: ids are visited in prefix order, and
   * a store at an index past the end would turn the array into a slow dictionary.
   */
  private readonly prefixText: string[] = [];

  private readonly countries = new GroupTotals();
  private readonly ases = new GroupTotals();
  private peerStamp = new Int32Array(64);

  // Incremental totals: which prefixes changed since the last pass, which prefixes each group
  // counts, and each prefix's position in the sorted order (groups are recounted in that order,
  // so their sums are the very sums a pass over every prefix makes).
  private readonly incremental: boolean;

  // Counters (the default): group totals changed by each changed prefix. What they hold per prefix
  // (`counted*`: visible, AS groups, peer bits as last counted), each prefix's nearest covering
  // prefix of the table (`parent`, -1: none; IPv6 covers are /48 or shorter), and the groups
  // whose counters moved in the bin.
  private readonly counters: boolean;
  private countersValid = false;
  private readonly countryCounters = new GroupCounters();
  private readonly asCounters = new GroupCounters();
  private countedVisible = new Uint8Array(0);
  /** The AS group counted: >= 0 one, -1 none, -2 several (in `countedMoas`). */
  private countedAs = new Int32Array(0);
  private readonly countedMoas = new Map<number, MoasGroups>();
  private countedBits = new Uint32Array(0);
  private parent = new Int32Array(0);
  private readonly touchedCountries: number[] = [];
  private readonly touchedAses: number[] = [];
  private touchedCountry = new Uint8Array(64);
  private touchedAs = new Uint8Array(64);
  private dirtyList: number[] = [];
  private rank = new Int32Array(0);
  private readonly countryMembers: number[][] = [];
  private readonly countrySorted: boolean[] = [];
  /** AS groups a prefix was counted in at its last change: one in `asGroup` (-1: none), or several in `asGroups`. */
  private asGroup = new Int32Array(0);
  private readonly asGroups = new Map<number, number[]>();
  /** Per prefix of several origins, the peers of each of its AS groups (`words` words each, in `asGroups` order). */
  private readonly multiBits = new Map<number, Uint32Array>();
  private readonly asMembers: Array<Set<number>> = [];
  /** Members of an AS group in sorted order, until its members or the order change. */
  private asSorted: Array<number[] | undefined> = [];
  private dirtyCountry = new Uint8Array(64);
  private dirtyAs = new Uint8Array(64);

  /** Passes made over every prefix and over the changed prefixes only (for tests and profiles). */
  readonly passes = { full: 0, changed: 0 };

  private out: HistoryRecords = { bins: [], visibility: [], changes: [], dependency: [], resets: [] };

  constructor(
    readonly table: RoutingTable,
    readonly registry: Registry,
    options: HistoryOptions = {},
  ) {
    this.binSeconds = options.binSeconds ?? 300;
    this.dependencySeconds = options.dependencySeconds ?? 3600;
    this.incremental = options.incremental ?? false;
    this.counters = !this.incremental && (options.counters ?? true);
    this.paths = new PathFacts(table);
    this.registered = new RegisteredCountries(table, registry);
    // The observatory reads the recorder's order of the prefix ids (one sort of each new id, not two).
    this.observatory = new Observatory(
      table,
      registry,
      options.names,
      () => {
        this.prepare();
        return this.sorted;
      },
      this.registered,
    );
    this.detach = table.onEvent((event) => this.onTableEvent(event));
  }

  close(): void {
    this.detach();
  }

  private onTableEvent(event: Readonly<RouteEvent>): void {
    // A route announced again with the attributes it has changes nothing the recorder keeps: its
    // prefix is walked only when something else about it changed.
    if (event.kind === 'announce' && event.attributesId === event.previousAttributesId) return;
    this.changed = true;
    if (event.kind === 'peer-down') {
      this.peerDown();
      this.allSinceSnapshot = true;
      if (event.routesRemoved > 0) {
        const peer = this.table.peer(event.peerId);
        this.out.resets.push({
          time: event.time,
          peerAsn: peer.asn,
          peerAddress: peer.address,
          routesRemoved: event.routesRemoved,
        });
      }
      return;
    }
    if (event.prefixId >= this.dirty.length) this.growDirty(event.prefixId + 1);
    if (this.sinceSnapshot[event.prefixId] === 0) {
      this.sinceSnapshot[event.prefixId] = 1;
      this.changedSinceSnapshot.push(event.prefixId);
    }
    if (this.dirty[event.prefixId] === 0) {
      this.dirty[event.prefixId] = 1;
      this.dirtyList.push(event.prefixId);
    }
  }

  /**
   * A peer's routes went at once. The table withdrew each of them first (one event each, which
   * marked their prefixes), so counters need nothing more; a full pass recounts every prefix.
   */
  private peerDown(): void {
    if (!this.counters || !this.countersValid) this.allDirty = true;
  }

  private growDirty(size: number): void {
    const grown = new Uint8Array(Math.max(size, this.dirty.length * 2, 1024));
    grown.set(this.dirty);
    this.dirty = grown;
    const since = new Uint8Array(grown.length);
    since.set(this.sinceSnapshot);
    this.sinceSnapshot = since;
  }

  /** The clock: call with an element's time before applying it; closes the bins that ended. */
  advance(time: number): void {
    if (!Number.isFinite(time)) return;
    const bin = this.binSeconds;
    if (Number.isNaN(this.binStart)) {
      this.binStart = Math.floor(time / bin) * bin;
      this.nextDependency = (Math.floor(time / this.dependencySeconds) + 1) * this.dependencySeconds;
    }
    if (time >= this.binStart + bin) {
      this.closeBin();
      const next = Math.floor(time / bin) * bin;
      // Quiet bins inside a file, or in a short gap between files, are covered: nothing changed.
      if (this.elementsInFile > 0 || next - this.binStart <= MAX_GAP_SECONDS)
        for (let b = this.binStart + bin; b < next; b += bin) this.out.bins.push(b);
      this.binStart = next;
    }
    this.elementsInFile++;
    if (time >= this.nextDependency) {
      // The latest boundary passed: a snapshot of the table as it was then.
      const at = Math.floor(time / this.dependencySeconds) * this.dependencySeconds;
      this.snapshotDependency(at);
      this.nextDependency = at + this.dependencySeconds;
    }
    this.binHasElements = true;
  }

  /** Writes the open bin's points as they stand (end of a file); the bin stays open. */
  flush(): void {
    if (this.binHasElements) this.pass(this.binStart);
    this.elementsInFile = 0;
  }

  /** A dependency snapshot of the table as it is, stamped `time` (ingest takes one after its first file). */
  snapshotNow(time: number): void {
    this.snapshotDependency(time);
  }

  /** The records produced since the last call. */
  take(): HistoryRecords {
    const out = this.out;
    this.out = { bins: [], visibility: [], changes: [], dependency: [], resets: [] };
    return out;
  }

  private closeBin(): void {
    if (this.binHasElements) this.pass(this.binStart);
    this.binHasElements = false;
  }

  private snapshotDependency(time: number): void {
    this.observatory.refresh();
    // Only the countries whose routes changed since the last snapshot are recomputed.
    const views = this.observatory.allCountriesSince(
      this.allSinceSnapshot ? undefined : this.changedSinceSnapshot,
    );
    for (const id of this.changedSinceSnapshot) this.sinceSnapshot[id] = 0;
    this.changedSinceSnapshot = [];
    this.allSinceSnapshot = false;
    for (const view of views)
      this.out.dependency.push({
        country: view.country,
        time,
        dependency: view.dependency.map((d) => ({
          asn: d.asn,
          hegemony: d.hegemony,
          ipv4: d.ipv4,
          ipv6: d.ipv6,
        })),
        upstreams: view.upstreams.map((u) => ({ asn: u.asn, share: u.share })),
        peers: view.vantagePoints.peers,
      });
  }

  // ---- the pass over the table ---------------------------------------------------------------

  private countryOf(id: number): number {
    let c = this.prefixCountry[id];
    if (c !== UNKNOWN) return c;
    const country = this.registered.codeOf(id);
    c = country !== undefined ? this.countries.groupOf(country) : NO_COUNTRY;
    this.prefixCountry[id] = c;
    if (c >= 0) {
      while (this.countryMembers.length <= c) {
        this.countryMembers.push([]);
        this.countrySorted.push(true);
      }
      this.countryMembers[c].push(id);
      this.countrySorted[c] = false;
    }
    return c;
  }

  private prefixKey(id: number): string {
    const texts = this.prefixText;
    while (texts.length <= id) texts.push('');
    let text = texts[id];
    if (text === '') texts[id] = text = this.table.prefixText(id);
    return text;
  }

  /** Grows the per-prefix columns to the table's prefix count and merges new ids into the order. */
  private prepare(): void {
    const n = this.table.prefixCount;
    const old = this.preparedCount;
    if (n === old) return;
    this.preparedCount = n;
    if (n > this.prefixCountry.length) {
      // Room for growth: the table gains prefixes in most bins.
      const size = Math.max(n, Math.ceil(this.prefixCountry.length * 1.5));
      const country = new Int16Array(size).fill(UNKNOWN);
      country.set(this.prefixCountry);
      this.prefixCountry = country;
      const peers = new Int32Array(size).fill(-1);
      peers.set(this.lastPrefixPeers);
      this.lastPrefixPeers = peers;
      const v6 = new Float64Array(size).fill(Number.NaN);
      v6.set(this.v6Network48);
      this.v6Network48 = v6;
      const asGroup = new Int32Array(size).fill(-1);
      asGroup.set(this.asGroup);
      this.asGroup = asGroup;
      const starts = new Float64Array(size);
      starts.set(this.spaceStarts);
      this.spaceStarts = starts;
      const sizes = new Float64Array(size);
      sizes.set(this.spaceSizes);
      this.spaceSizes = sizes;
      const families = new Uint8Array(size);
      families.set(this.spaceFamilies);
      this.spaceFamilies = families;
    }
    const table = this.table;
    for (let id = old; id < n; id++) {
      const family = table.prefixFamily(id);
      const length = table.prefixLength(id);
      this.spaceFamilies[id] = family;
      if (family === 4) {
        this.spaceStarts[id] = table.ipv4Network(id);
        this.spaceSizes[id] = POW2[32 - length];
      } else {
        this.spaceStarts[id] = this.network48(id);
        this.spaceSizes[id] = length <= 48 ? POW2[48 - length] : 1 / POW2[length - 48];
      }
    }
    if (this.dirty.length < n) this.growDirty(n);
    const added = new Int32Array(n - old);
    for (let i = 0; i < added.length; i++) added[i] = old + i;
    // Ids never go away: the new ones are merged into the kept order.
    this.sorted = mergeSortedIds(this.table, this.sorted, old, this.table.sortPrefixIds(added));
    if (this.incremental || this.counters) {
      // Members lists stay sorted: the merge keeps the order of the ids already there.
      const rank = new Int32Array(n);
      for (let i = 0; i < n; i++) rank[this.sorted[i]] = i;
      this.rank = rank;
    }
    if (this.counters) this.prepareCounted(n);
  }

  private network48(id: number): number {
    let value = this.v6Network48[id];
    if (Number.isNaN(value)) {
      const bytes = this.table.prefix(id).bytes;
      value = 0;
      for (let i = 0; i < 6; i++) value = value * 256 + (bytes[i] ?? 0);
      this.v6Network48[id] = value;
    }
    return value;
  }

  // Routes of the prefix being visited (buffers reused across prefixes and passes).
  private routePeers = new Int32Array(256);
  private routeOrigins = new Float64Array(256);
  private routeUpstreams = new Float64Array(256);
  /** The distinct origins and upstreams of the prefix visited, sorted (scratch). */
  private originSet = new Float64Array(256);
  private upstreamSet = new Float64Array(256);
  private routeCount = 0;
  private distinctPeers = 0;
  private visitedPrefix = -1;

  private prefixBits = new Uint32Array(0);
  private bitsWords = 0;
  private singleOrigin = new Float64Array(0);
  /** AS group of the single origin (-1: not looked up since it was set): no map lookup per pass. */
  private singleGroup = new Int32Array(0);

  /** Fills the route buffers with the routes of prefix `id`. */
  private walk(
    id: number,
    routes: number,
    visit: (prefix: number, peer: number, attributesId: number) => void,
  ): void {
    this.routeCount = 0;
    this.distinctPeers = 0;
    this.visitedPrefix = id;
    if (this.routePeers.length < routes) this.growRouteBuffers(routes);
    this.table.forEachRouteOfPrefix(id, visit);
  }

  private growRouteBuffers(size: number): void {
    this.originSet = new Float64Array(size * 2);
    this.upstreamSet = new Float64Array(size * 2);
    this.routePeers = new Int32Array(size * 2);
    this.routeOrigins = new Float64Array(size * 2);
    this.routeUpstreams = new Float64Array(size * 2);
  }

  /** One visitor for every prefix's routes (no closure per prefix). */
  private readonly visitRoute = (_prefix: number, peer: number, attributesId: number): void => {
    if (this.peerStamp[peer] !== this.visitedPrefix) {
      this.peerStamp[peer] = this.visitedPrefix;
      this.distinctPeers++;
    }
    const r = this.routeCount++;
    this.routePeers[r] = peer;
    this.routeOrigins[r] = this.paths.originOfAttributes(attributesId);
    this.routeUpstreams[r] = this.paths.upstreamOfAttributes(attributesId);
  };

  /**
   * One pass: prefix points and changes of the changed prefixes, then the group totals, recounted
   * over every prefix (the first pass, after a session reset, or with many prefixes changed) or
   * only for the groups a changed prefix is or was counted in.
   */
  private pass(binStart: number): void {
    const first = this.firstPass;
    this.firstPass = false;
    this.out.bins.push(binStart);
    if (!this.changed && !first) return;
    this.changed = false;
    this.prepare();
    const table = this.table;
    const peerCount = table.peerCount;
    if (this.peerStamp.length < peerCount)
      this.peerStamp = new Int32Array(Math.max(peerCount, this.peerStamp.length * 2));
    this.peerStamp.fill(-1);
    const countries = this.countries;
    const ases = this.ases;
    const prefixCount = table.prefixCount;
    let words = Math.max(1, Math.ceil(peerCount / 32));
    if (this.counters && this.countersValid && !first && !this.allDirty && words > this.bitsWords) {
      // Room for twice the peers: collectors' peers come a few at a time.
      this.widenPeerBits(Math.max(words, this.bitsWords * 2), prefixCount);
      if (this.countersValid) words = this.bitsWords;
    } else if (this.counters && this.countersValid && words < this.bitsWords) words = this.bitsWords;
    const byCounters =
      this.counters && this.countersValid && !first && !this.allDirty && words === this.bitsWords;
    const full =
      !byCounters &&
      (first ||
        !this.incremental ||
        this.allDirty ||
        words !== this.bitsWords ||
        this.dirtyList.length * 4 > prefixCount);
    if (full) {
      countries.reset(peerCount);
      ases.reset(peerCount);
    }
    // Per prefix, the peers that see it (one bit each) and its single origin (-1: several or
    // none), kept from the last time its routes changed: a clean prefix costs no route walk.
    if (words !== this.bitsWords) {
      this.bitsWords = words;
      this.prefixBits = new Uint32Array(Math.ceil(prefixCount * 1.25) * words);
      this.allDirty = true;
    } else if (this.prefixBits.length < prefixCount * words) {
      const grown = new Uint32Array(Math.ceil(prefixCount * 1.25) * words);
      grown.set(this.prefixBits);
      this.prefixBits = grown;
    }
    if (this.singleOrigin.length < prefixCount) {
      const grown = new Float64Array(Math.ceil(prefixCount * 1.25)).fill(-1);
      grown.set(this.singleOrigin);
      this.singleOrigin = grown;
      const groups = new Int32Array(grown.length).fill(-1);
      groups.set(this.singleGroup);
      this.singleGroup = groups;
    }
    const time = binStart + this.binSeconds;
    if (byCounters) {
      this.passes.changed++;
      this.countedPass(binStart, time, words);
    } else if (full) {
      this.passes.full++;
      this.fullPass(binStart, time, first, words);
      if (this.counters) this.recount(words);
    } else {
      this.passes.changed++;
      this.changedPass(binStart, time, words);
    }
    if (!byCounters)
      for (const totals of [countries, ases])
        for (let g = 0; g < totals.keys.length; g++) totals.peerTotal[g] = totals.peersOf(g);
    this.dirtyList = [];
    this.allDirty = false;
    this.groupPoints(countries, 'country', binStart);
    this.groupPoints(ases, 'asn', binStart);
  }

  /** Every prefix in sorted order, every group recounted. */
  private fullPass(binStart: number, time: number, first: boolean, words: number): void {
    const table = this.table;
    const countries = this.countries;
    const ases = this.ases;
    const bits = this.prefixBits;
    const sorted = this.sorted;
    for (let i = 0, n = this.preparedCount; i < n; i++) {
      const id = sorted[i];
      const routes = table.prefixRouteCount(id);
      const dirty = this.allDirty || this.dirty[id] === 1;
      this.dirty[id] = 0;
      if (dirty) this.changedPrefix(id, routes, binStart, time, first, words);
      // Group members are kept only for the incremental recount.
      const members = dirty && this.incremental;
      if (routes === 0) {
        if (members) this.setAsGroups(id, NONE);
        if (dirty) this.moas.delete(id);
        continue;
      }
      const base = id * words;
      const c = this.countryOf(id);
      if (members) this.setAsGroups(id, this.asGroupsNow(id));
      this.space(id);
      const start = this.spaceStart;
      const size = this.spaceSize;
      const family = this.spaceFamily;
      if (c >= 0) {
        this.addToGroup(countries, c, family, start, size);
        countries.addPeerBits(c, bits, base);
      }
      const origin = this.singleOrigin[id];
      if (origin >= 0) {
        if (dirty) this.moas.delete(id);
        let g = this.singleGroup[id];
        if (g < 0) this.singleGroup[id] = g = ases.groupOf(origin);
        this.addToGroup(ases, g, family, start, size);
        ases.addPeerBits(g, bits, base);
        continue;
      }
      // Several origins: each gets the peers whose route it originates.
      let moas = this.moas.get(id);
      if (dirty || moas === undefined) {
        if (!dirty) this.walk(id, routes, this.visitRoute);
        moas = this.moasGroups(id, words);
        this.moas.set(id, moas);
      }
      const groups = moas.groups;
      for (let k = 0; k < groups.length; k++) {
        this.addToGroup(ases, groups[k], family, start, size);
        ases.addPeerBits(groups[k], moas.peerBits, k * words);
      }
    }
  }

  /**
   * The AS groups of the origins of prefix `id` (its routes walked into the buffers), in the order
   * of its sorted origins, and per group the peers whose route it originates.
   */
  private moasGroups(id: number, words: number): MoasGroups {
    const ases = this.ases;
    const origins = this.origins.get(id);
    const groups = new Int32Array(origins.length);
    for (let k = 0; k < origins.length; k++) groups[k] = ases.groupOf(origins[k]);
    const peerBits = new Uint32Array(origins.length * words);
    let lastOrigin = -1;
    let at = 0;
    for (let r = 0; r < this.routeCount; r++) {
      if (this.routeOrigins[r] !== lastOrigin)
        at = origins.indexOf((lastOrigin = this.routeOrigins[r])) * words;
      const peer = this.routePeers[r];
      peerBits[at + (peer >>> 5)] |= 1 << (peer & 31);
    }
    return { groups, peerBits };
  }

  /** The changed prefixes in sorted order, then the groups they are or were counted in. */
  private changedPass(binStart: number, time: number, words: number): void {
    const rank = this.rank;
    const changed = this.dirtyList;
    changed.sort((a, b) => rank[a] - rank[b]);
    const countries: number[] = [];
    const ases: number[] = [];
    const markAs = (g: number): void => {
      if (g >= this.dirtyAs.length) this.dirtyAs = grownBytes(this.dirtyAs, g + 1);
      if (this.dirtyAs[g] === 0) {
        this.dirtyAs[g] = 1;
        ases.push(g);
      }
    };
    for (const id of changed) {
      this.dirty[id] = 0;
      const routes = this.table.prefixRouteCount(id);
      this.changedPrefix(id, routes, binStart, time, false, words);
      for (const g of this.asGroupsOf(id)) markAs(g);
      if (routes === 0) {
        this.setAsGroups(id, NONE);
        const c = this.prefixCountry[id];
        if (c >= 0) this.markCountry(c, countries);
        continue;
      }
      const c = this.countryOf(id);
      if (c >= 0) this.markCountry(c, countries);
      const now = this.asGroupsNow(id);
      for (const g of now) markAs(g);
      this.setAsGroups(id, now);
    }
    for (const c of countries) {
      this.dirtyCountry[c] = 0;
      this.recountCountry(c, words);
    }
    for (const g of ases) {
      this.dirtyAs[g] = 0;
      this.recountAs(g, words);
    }
  }

  // ---- counters -----------------------------------------------------------------------------

  /** Grows the counted columns to `n` prefixes and finds each prefix's nearest cover in the order. */
  private prepareCounted(n: number): void {
    if (this.countedVisible.length < n) {
      const size = Math.max(n, Math.ceil(this.countedVisible.length * 1.5));
      const visible = new Uint8Array(size);
      visible.set(this.countedVisible);
      this.countedVisible = visible;
      const as = new Int32Array(size).fill(-1);
      as.set(this.countedAs);
      this.countedAs = as;
      this.parent = new Int32Array(size);
    }
    // Covers come first in the order, and prefixes nest or are apart: a stack of the open covers.
    const stack = new Int32Array(130);
    let depth = 0;
    let family = 0;
    for (let i = 0; i < n; i++) {
      const id = this.sorted[i];
      if (this.spaceFamilies[id] !== family) {
        family = this.spaceFamilies[id];
        depth = 0;
      }
      const start = this.spaceStarts[id];
      while (depth > 0 && start >= this.spaceStarts[stack[depth - 1]] + this.spaceSizes[stack[depth - 1]])
        depth--;
      this.parent[id] = depth > 0 ? stack[depth - 1] : -1;
      if (this.canCover(id)) stack[depth++] = id;
    }
  }

  /** IPv6 prefixes longer than /48 cover nothing in the space sums (their starts are /48 numbers). */
  private canCover(id: number): boolean {
    return this.spaceFamilies[id] === 4 || this.table.prefixLength(id) <= 48;
  }

  /** Whether prefix `id` is counted in group `g` (a country when `country`, else an AS group). */
  private countedIn(id: number, g: number, country: boolean): boolean {
    if (country) return this.countedVisible[id] === 1 && this.prefixCountry[id] === g;
    const as = this.countedAs[id];
    return as === g || (as === -2 && this.countedMoas.get(id)!.groups.includes(g));
  }

  private coveredIn(id: number, g: number, country: boolean): boolean {
    for (let a = this.parent[id]; a >= 0; a = this.parent[a]) if (this.countedIn(a, g, country)) return true;
    return false;
  }

  /**
   * Adds (sign 1) or removes (-1) the space of the prefixes inside `id` that no other counted
   * prefix of group `g` inside it covers: those `id` uncovers when it leaves, or covers when it
   * comes.
   */
  private innerSpace(id: number, g: number, country: boolean, counters: GroupCounters, sign: 1 | -1): void {
    const family = this.spaceFamilies[id];
    const end = this.spaceStarts[id] + this.spaceSizes[id];
    let coveredTo = -1;
    for (let i = this.rank[id] + 1, n = this.preparedCount; i < n; i++) {
      const inner = this.sorted[i];
      const start = this.spaceStarts[inner];
      if (this.spaceFamilies[inner] !== family || start >= end) break;
      if (start < coveredTo || !this.countedIn(inner, g, country)) continue;
      counters.space(g, family, this.spaceSizes[inner], this.table.prefixLength(inner), sign);
      if (this.canCover(inner)) coveredTo = start + this.spaceSizes[inner];
    }
  }

  /**
   * Counts prefix `id` into group `g` (sign 1) or out of it (-1), with the peers set in `bits`
   * from `base`; `inner`: whether counted prefixes inside it may exist (not while recounting in order).
   */
  private count(
    id: number,
    g: number,
    country: boolean,
    bits: Uint32Array,
    base: number,
    words: number,
    sign: 1 | -1,
    inner = true,
  ): void {
    const counters = country ? this.countryCounters : this.asCounters;
    counters.ensure(g);
    counters.prefixes[g] += sign;
    counters.countPeers(g, bits, base, words, sign);
    this.touch(g, country);
    if (this.coveredIn(id, g, country)) return;
    counters.space(g, this.spaceFamilies[id], this.spaceSizes[id], this.table.prefixLength(id), sign);
    if (inner && this.canCover(id)) this.innerSpace(id, g, country, counters, sign === 1 ? -1 : 1);
  }

  private touch(g: number, country: boolean): void {
    if (country) {
      if (g >= this.touchedCountry.length) this.touchedCountry = grownBytes(this.touchedCountry, g + 1);
      if (this.touchedCountry[g] === 0) {
        this.touchedCountry[g] = 1;
        this.touchedCountries.push(g);
      }
    } else {
      if (g >= this.touchedAs.length) this.touchedAs = grownBytes(this.touchedAs, g + 1);
      if (this.touchedAs[g] === 0) {
        this.touchedAs[g] = 1;
        this.touchedAses.push(g);
      }
    }
  }

  /** Counts prefix `id` in (sign 1) or out of (-1) every group it is counted in. */
  private countPrefix(id: number, words: number, sign: 1 | -1, inner = true): void {
    this.countInCountry(id, words, sign, inner);
    this.countInAses(id, words, sign, inner);
  }

  private countInCountry(id: number, words: number, sign: 1 | -1, inner = true): void {
    if (this.countedVisible[id] === 0) return;
    const c = this.prefixCountry[id];
    if (c >= 0) this.count(id, c, true, this.countedBits, id * words, words, sign, inner);
  }

  private countInAses(id: number, words: number, sign: 1 | -1, inner = true): void {
    if (this.countedVisible[id] === 0) return;
    const as = this.countedAs[id];
    if (as >= 0) this.count(id, as, false, this.countedBits, id * words, words, sign, inner);
    else if (as === -2) {
      const moas = this.countedMoas.get(id)!;
      for (let k = 0; k < moas.groups.length; k++)
        this.count(id, moas.groups[k], false, moas.peerBits, k * words, words, sign, inner);
    }
  }

  /** Records what prefix `id` counts as now (after its routes were walked, as a full pass does). */
  private setCounted(id: number, routes: number, words: number): void {
    if (this.countedBits.length < this.prefixBits.length) {
      const grown = new Uint32Array(this.prefixBits.length);
      grown.set(this.countedBits);
      this.countedBits = grown;
    }
    this.countedMoas.delete(id);
    if (routes === 0) {
      this.countedVisible[id] = 0;
      this.countedAs[id] = -1;
      return;
    }
    this.countedVisible[id] = 1;
    for (let w = id * words, end = w + words; w < end; w++) this.countedBits[w] = this.prefixBits[w];
    if (this.singleOrigin[id] >= 0) this.countedAs[id] = this.singleGroup[id];
    else {
      this.countedAs[id] = -2;
      this.countedMoas.set(id, this.moas.get(id)!);
    }
  }

  /** The counters from scratch, after a full pass (its per-prefix groups and bits), in prefix order. */
  private recount(words: number): void {
    const peerSlots = words * 32;
    // Per AS group and peer a counter: past this size, full passes (no counters) cost less memory.
    if (this.ases.keys.length * peerSlots > MAX_PEER_COUNTERS) {
      this.countersValid = false;
      return;
    }
    this.countryCounters.reset(this.countries.keys.length, peerSlots);
    this.asCounters.reset(this.ases.keys.length, peerSlots);
    for (let i = 0, n = this.preparedCount; i < n; i++) {
      const id = this.sorted[i];
      this.setCounted(id, this.table.prefixRouteCount(id), words);
      // In order, a prefix's covers are counted before it and nothing inside it yet.
      this.countPrefix(id, words, 1, false);
    }
    this.untouch();
    this.countersValid = true;
  }

  private untouch(): void {
    for (const c of this.touchedCountries) this.touchedCountry[c] = 0;
    for (const g of this.touchedAses) this.touchedAs[g] = 0;
    this.touchedCountries.length = 0;
    this.touchedAses.length = 0;
  }

  /** The changed prefixes in order, each counted out of its old groups and into its new ones. */
  private countedPass(binStart: number, time: number, words: number): void {
    const rank = this.rank;
    const changed = this.dirtyList;
    changed.sort((a, b) => rank[a] - rank[b]);
    for (const id of changed) {
      this.dirty[id] = 0;
      const routes = this.table.prefixRouteCount(id);
      this.changedPrefix(id, routes, binStart, time, false, words);
      if (routes === 0) this.moas.delete(id);
      else {
        // Groups made in the order a full pass makes them: the country, then the origins'.
        this.countryOf(id);
        const origin = this.singleOrigin[id];
        if (origin >= 0) {
          this.moas.delete(id);
          if (this.singleGroup[id] < 0) this.singleGroup[id] = this.ases.groupOf(origin);
        } else this.moas.set(id, this.moasGroups(id, words));
      }
      // A prefix that stays in a group moves only the group's peers; one that comes or goes moves its space too.
      const stays = routes > 0 && this.countedVisible[id] === 1;
      const c = this.prefixCountry[id];
      const as = this.countedAs[id];
      const sameAs =
        stays &&
        (as >= 0
          ? this.singleOrigin[id] >= 0 && this.singleGroup[id] === as
          : this.singleOrigin[id] < 0 &&
            sameGroups(this.countedMoas.get(id)!.groups, this.moas.get(id)!.groups));
      const base = id * words;
      if (!stays) this.countInCountry(id, words, -1);
      else if (c >= 0) this.countryCounters.countPeers(c, this.countedBits, base, words, -1);
      if (!sameAs) this.countInAses(id, words, -1);
      else this.asPeers(id, words, -1);
      this.setCounted(id, routes, words);
      if (!stays) this.countInCountry(id, words, 1);
      else if (c >= 0) {
        this.countryCounters.countPeers(c, this.countedBits, base, words, 1);
        this.touch(c, true);
      }
      if (!sameAs) this.countInAses(id, words, 1);
      else this.asPeers(id, words, 1);
    }
    this.totalsOfTouched(this.countries, this.countryCounters, this.touchedCountries, true);
    this.totalsOfTouched(this.ases, this.asCounters, this.touchedAses, false);
    this.untouch();
  }

  /** More peers than the bit columns hold: every column re-laid with `words` words (no full pass). */
  private widenPeerBits(words: number, prefixCount: number): void {
    if (this.ases.keys.length * words * 32 > MAX_PEER_COUNTERS) {
      this.countersValid = false;
      return;
    }
    const old = this.bitsWords;
    const widened = (bits: Uint32Array, count: number, capacity: number): Uint32Array<ArrayBuffer> => {
      const out = new Uint32Array(Math.max(count, capacity) * words);
      for (let i = 0; i < count; i++) for (let w = 0; w < old; w++) out[i * words + w] = bits[i * old + w];
      return out;
    };
    const capacity = Math.ceil(prefixCount * 1.25);
    this.prefixBits = widened(this.prefixBits, this.prefixBits.length / old, capacity);
    this.countedBits = widened(this.countedBits, this.countedBits.length / old, capacity);
    // The counted and the current MOAS records share objects: each is widened once.
    const seen = new Set<MoasGroups>();
    for (const moas of [...this.moas.values(), ...this.countedMoas.values()])
      if (!seen.has(moas)) {
        seen.add(moas);
        moas.peerBits = widened(moas.peerBits, moas.groups.length, moas.groups.length);
      }
    this.countryCounters.widen(words * 32);
    this.asCounters.widen(words * 32);
    this.bitsWords = words;
  }

  /** Counts the peers of prefix `id` in (sign 1) or out of (-1) its counted AS groups. */
  private asPeers(id: number, words: number, sign: 1 | -1): void {
    const as = this.countedAs[id];
    if (as >= 0) {
      this.asCounters.countPeers(as, this.countedBits, id * words, words, sign);
      this.touch(as, false);
      return;
    }
    const moas = this.countedMoas.get(id)!;
    for (let k = 0; k < moas.groups.length; k++) {
      this.asCounters.countPeers(moas.groups[k], moas.peerBits, k * words, words, sign);
      this.touch(moas.groups[k], false);
    }
  }

  /** The totals of the groups whose counters moved, as a pass in prefix order sums them. */
  private totalsOfTouched(
    totals: GroupTotals,
    counters: GroupCounters,
    touched: number[],
    country: boolean,
  ): void {
    for (const g of touched) {
      totals.slash24s[g] = counters.slash24s[g];
      totals.slash48s[g] = counters.exactSlash48s(g) ?? this.orderedSlash48s(g, country);
      totals.prefixes[g] = counters.prefixes[g];
      totals.peerTotal[g] = counters.peers[g];
    }
  }

  /** Group `g`'s IPv6 space summed over its prefixes in order (when the sum is not exact). */
  private orderedSlash48s(g: number, country: boolean): number {
    let sum = 0;
    let end = -1;
    for (let i = 0, n = this.preparedCount; i < n; i++) {
      const id = this.sorted[i];
      if (this.spaceFamilies[id] !== 6 || !this.countedIn(id, g, country)) continue;
      const start = this.spaceStarts[id];
      const size = this.spaceSizes[id];
      if (start < end) continue;
      if (size >= 1) end = start + size;
      sum += size;
    }
    return sum;
  }

  private markCountry(c: number, list: number[]): void {
    if (c >= this.dirtyCountry.length) this.dirtyCountry = grownBytes(this.dirtyCountry, c + 1);
    if (this.dirtyCountry[c] === 0) {
      this.dirtyCountry[c] = 1;
      list.push(c);
    }
  }

  /** A changed prefix: its routes walked, its peer bits and origin kept, its point and changes. */
  private changedPrefix(
    id: number,
    routes: number,
    binStart: number,
    time: number,
    first: boolean,
    words: number,
  ): void {
    if (routes === 0) {
      if (this.lastPrefixPeers[id] > 0) this.prefixPoint(id, binStart, 0);
      this.compareSets(id, 0, 0, time, first);
      return;
    }
    const bits = this.prefixBits;
    const base = id * words;
    this.walk(id, routes, this.visitRoute);
    const n = this.routeCount;
    const origins = this.routeOrigins;
    bits.fill(0, base, base + words);
    for (let r = 0; r < n; r++) bits[base + (this.routePeers[r] >>> 5)] |= 1 << (this.routePeers[r] & 31);
    if (this.lastPrefixPeers[id] !== this.distinctPeers) this.prefixPoint(id, binStart, this.distinctPeers);
    let single = true;
    for (let r = 1; r < n && single; r++) single = origins[r] === origins[0];
    const origin = single ? origins[0] : -1;
    if (this.singleOrigin[id] !== origin) {
      this.singleOrigin[id] = origin;
      this.singleGroup[id] = -1;
    }
    // The sorted sets are built in scratch buffers: most prefixes keep theirs, and allocate nothing.
    const originCount = distinctSorted(origins, n, false, this.originSet);
    const upstreamCount = distinctSorted(this.routeUpstreams, n, true, this.upstreamSet);
    this.compareSets(id, originCount, upstreamCount, time, first);
  }

  /**
   * The AS groups a visible prefix counts in, its routes walked into the buffers (the groups made
   * in the order a full pass makes them: its origins, then its routes' origins).
   */
  private asGroupsNow(id: number): number[] {
    const ases = this.ases;
    const origin = this.singleOrigin[id];
    if (origin >= 0) {
      let g = this.singleGroup[id];
      if (g < 0) this.singleGroup[id] = g = ases.groupOf(origin);
      return [g];
    }
    const groups: number[] = [];
    for (const asn of this.origins.get(id)) groups.push(ases.groupOf(asn));
    for (let r = 0; r < this.routeCount; r++) groups.push(ases.groupOf(this.routeOrigins[r]));
    const sorted = sortedSet(groups);
    // The peers each group gets from this prefix, kept so that a recount walks no route.
    const words = this.bitsWords;
    const bits = new Uint32Array(sorted.length * words);
    for (let r = 0; r < this.routeCount; r++) {
      const at = sorted.indexOf(ases.groupOf(this.routeOrigins[r])) * words;
      bits[at + (this.routePeers[r] >>> 5)] |= 1 << (this.routePeers[r] & 31);
    }
    this.multiBits.set(id, bits);
    return sorted;
  }

  private asGroupsOf(id: number): readonly number[] {
    const g = this.asGroup[id];
    return g >= 0 ? [g] : (this.asGroups.get(id) ?? NONE);
  }

  /** Records the AS groups prefix `id` counts in, and the members of those groups. */
  private setAsGroups(id: number, groups: readonly number[]): void {
    if (groups.length <= 1) this.multiBits.delete(id);
    const old = this.asGroupsOf(id);
    if (old.length === groups.length && old.every((g, i) => g === groups[i])) return;
    for (const g of old) {
      this.asMembers[g].delete(id);
      this.asSorted[g] = undefined;
    }
    for (const g of groups) {
      while (this.asMembers.length <= g) this.asMembers.push(new Set());
      this.asMembers[g].add(id);
      this.asSorted[g] = undefined;
    }
    this.asGroups.delete(id);
    this.asGroup[id] = -1;
    if (groups.length === 1) this.asGroup[id] = groups[0];
    else if (groups.length > 1) this.asGroups.set(id, groups.slice());
  }

  /** Recounts country group `c` over its prefixes in sorted order. */
  private recountCountry(c: number, words: number): void {
    const countries = this.countries;
    countries.clear(c);
    const members = this.countryMembers[c];
    if (!this.countrySorted[c]) {
      const rank = this.rank;
      members.sort((a, b) => rank[a] - rank[b]);
      this.countrySorted[c] = true;
    }
    const table = this.table;
    for (const id of members) {
      if (table.prefixRouteCount(id) === 0) continue;
      this.space(id);
      this.addToGroup(countries, c, this.spaceFamily, this.spaceStart, this.spaceSize);
      countries.addPeerBits(c, this.prefixBits, id * words);
    }
  }

  /** Recounts AS group `g` over its prefixes in sorted order. */
  private recountAs(g: number, words: number): void {
    const ases = this.ases;
    ases.clear(g);
    const set = this.asMembers[g];
    if (set === undefined || set.size === 0) return;
    const rank = this.rank;
    let members = this.asSorted[g];
    if (members === undefined) this.asSorted[g] = members = Array.from(set).sort((a, b) => rank[a] - rank[b]);
    for (const id of members) {
      this.space(id);
      const family = this.spaceFamily;
      const start = this.spaceStart;
      const size = this.spaceSize;
      if (this.singleOrigin[id] >= 0) {
        this.addToGroup(ases, g, family, start, size);
        ases.addPeerBits(g, this.prefixBits, id * words);
        continue;
      }
      for (const asn of this.origins.get(id))
        if (ases.groupOf(asn) === g) this.addToGroup(ases, g, family, start, size);
      const k = this.asGroupsOf(id).indexOf(g);
      ases.addPeerBits(g, this.multiBits.get(id)!, k * words);
    }
  }

  // The space of the prefix `space` last looked at (no object per call).
  private spaceFamily: 4 | 6 = 4;
  private spaceStart = 0;
  private spaceSize = 0;

  private space(id: number): void {
    this.spaceFamily = this.spaceFamilies[id] as 4 | 6;
    this.spaceStart = this.spaceStarts[id];
    this.spaceSize = this.spaceSizes[id];
  }

  private addToGroup(groups: GroupTotals, g: number, family: 4 | 6, start: number, size: number): void {
    groups.prefixes[g]++;
    if (family === 4) {
      if (start < groups.end4[g]) return;
      groups.end4[g] = start + size;
      groups.slash24s[g] += size / 256;
    } else {
      // IPv6 starts are /48 numbers: only a /48 or shorter prefix covers its neighbours.
      if (start < groups.end6[g]) return;
      if (size >= 1) groups.end6[g] = start + size;
      groups.slash48s[g] += size;
    }
  }

  private prefixPoint(id: number, binStart: number, peers: number): void {
    this.lastPrefixPeers[id] = peers;
    const length = this.table.prefixLength(id);
    const v4 = this.table.prefixFamily(id) === 4;
    const visible = peers > 0;
    this.out.visibility.push(
      visibilityPoint(
        'prefix',
        this.prefixKey(id),
        binStart,
        visible && v4 ? POW2[32 - length] / 256 : 0,
        visible && !v4 ? (length <= 48 ? POW2[48 - length] : 1 / POW2[length - 48]) : 0,
        visible ? 1 : 0,
        peers,
      ),
    );
  }

  /** Compares prefix `id`'s origins and upstreams with the first counts of the scratch sets. */
  private compareSets(
    id: number,
    originCount: number,
    upstreamCount: number,
    time: number,
    first: boolean,
  ): void {
    if (!this.origins.equalsBuffer(id, this.originSet, originCount)) {
      if (!first)
        this.out.changes.push({
          kind: 'origin',
          prefix: this.prefixKey(id),
          time,
          before: this.origins.get(id),
          after: firstValues(this.originSet, originCount),
        });
      this.origins.set(id, this.originSet, originCount);
    }
    if (!this.upstreams.equalsBuffer(id, this.upstreamSet, upstreamCount)) {
      if (!first)
        this.out.changes.push({
          kind: 'upstream',
          prefix: this.prefixKey(id),
          time,
          before: this.upstreams.get(id),
          after: firstValues(this.upstreamSet, upstreamCount),
        });
      this.upstreams.set(id, this.upstreamSet, upstreamCount);
    }
  }

  private groupPoints(groups: GroupTotals, scope: VisibilityScope, binStart: number): void {
    for (let g = 0; g < groups.keys.length; g++) {
      const peers = groups.peerTotal[g];
      if (
        groups.last24[g] === groups.slash24s[g] &&
        groups.last48[g] === groups.slash48s[g] &&
        groups.lastPrefixes[g] === groups.prefixes[g] &&
        groups.lastPeers[g] === peers
      )
        continue;
      groups.last24[g] = groups.slash24s[g];
      groups.last48[g] = groups.slash48s[g];
      groups.lastPrefixes[g] = groups.prefixes[g];
      groups.lastPeers[g] = peers;
      this.out.visibility.push(
        visibilityPoint(
          scope,
          groups.keys[g],
          binStart,
          groups.slash24s[g],
          groups.slash48s[g],
          groups.prefixes[g],
          peers,
        ),
      );
    }
  }
}

const NONE: readonly number[] = [];
/** Most per-group peer counters the recorder keeps (AS groups x peer slots) before it falls back to full passes. */
const MAX_PEER_COUNTERS = 1 << 26;

/** A prefix of several origins: its AS groups (one per origin, sorted by origin) and each one's peers (`words` words). */
interface MoasGroups {
  groups: Int32Array;
  peerBits: Uint32Array;
}

/** A copy of `values` in a column of `size` (the rest `fill`). */
function grownFloats(values: Float64Array, size: number, fill = 0): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(size).fill(fill);
  grown.set(values);
  return grown;
}

function grownInts(values: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(size);
  grown.set(values);
  return grown;
}

function grownBytes(bytes: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(Math.max(size, bytes.length * 2));
  grown.set(bytes);
  return grown;
}

/**
 * The distinct values of `values[0, n)` (leaving out 0 when `skipZero`), sorted into `out`;
 * returns how many. Insertion: a prefix's routes hold few distinct ASes.
 */
function distinctSorted(values: Float64Array, n: number, skipZero: boolean, out: Float64Array): number {
  let count = 0;
  for (let r = 0; r < n; r++) {
    const value = values[r];
    if (skipZero && value === 0) continue;
    let at = count;
    while (at > 0 && out[at - 1] > value) at--;
    if (at > 0 && out[at - 1] === value) continue;
    out.copyWithin(at + 1, at, count);
    out[at] = value;
    count++;
  }
  return count;
}

function sameGroups(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The distinct values of `values`, sorted (a new array). */
function sortedSet(values: number[]): number[] {
  if (values.length <= 1) return values.slice();
  const sorted = values.slice().sort((a, b) => a - b);
  let k = 1;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i];
  sorted.length = k;
  return sorted;
}

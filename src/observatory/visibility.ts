/**
 * Visibility series: for each selected prefix, which peers see it, with exact timestamps, and the
 * visible address space of the selection as a step function — built from the routing table's
 * events (announce / withdraw / peer-down), so it runs the same on archives and on a live feed.
 *
 * Definitions (the IODA / IHR ones, made explicit):
 * - Full-feed peer: a peer whose route count is more than `fullFeedShare` (default 0.9) of the
 *   largest route count of any peer, and at least `minFullFeedRoutes` (default 1). A partial feed
 *   (a customer session, a peer still sending its table) would otherwise count as "not seeing"
 *   everything it does not carry. Re-evaluated at every bin boundary (`refreshFullFeed`) and at
 *   once when a peer's session goes down (a peer without routes is no full feed). The count
 *   keeps the selected prefixes the peer withdrew (until its session goes down): losing the
 *   selection is the signal, it must not move the denominator, which it would in a table small
 *   next to the selection (a peer withdrawing just before a bin boundary would leave the set and
 *   the start would move to a later peer's withdrawal).
 * - A prefix is visible when more than half of the full-feed peers see it (strictly more than
 *   `visibleShare`, default 0.5, of them). With no full-feed peer at all the signal is unknown
 *   (`fullFeedPeers === 0`): a collector without sessions says nothing about a country.
 * - Visible space: the union of the visible selected prefixes, in IPv4 /24 equivalents and IPv6
 *   /48 equivalents (a more-specific inside a visible covering prefix adds nothing).
 * - Upstream of a route: its upstream for its origin network (upstream.ts, the one definition of
 *   upstream, with the origin AS(es) as the group): the AS just before the origin, prepending
 *   skipped (0 when the path has no other AS).
 *
 * Routes withdrawn because their peer went down arrive (as `withdraw` events with cause
 * `peer-down`) before the `peer-down` event; the tracker records them but decides visibility only
 * after the peer has left the full-feed set, so one reset session never looks like a drop.
 */
import type { Prefix } from '../net/index.js';
import { PrefixTrie } from '../net/index.js';
import type { Registry } from '../registry/index.js';
import type { RouteEvent, RouteListener, RoutingTable, VisibilityColumns } from '../routing/index.js';
import { LOST, LOST_BY_PEER_DOWN, PathHops, SEEN, VisibilitySeries } from '../routing/index.js';
import { NO_UPSTREAM, upstreamOf } from './upstream.js';

/**
 * A prefix at its first announcement in a table, as a selector sees it: the table's ids, with the
 * prefix and the announcing route's origins built only when asked for (one object per tracker,
 * reused: read it during the call).
 */
export class PrefixCandidate {
  prefixId = -1;
  attributesId = -1;
  private built: Prefix | undefined;

  constructor(readonly table: RoutingTable) {}

  /** Points the candidate at a new prefix. */
  reset(prefixId: number, attributesId: number): this {
    this.prefixId = prefixId;
    this.attributesId = attributesId;
    this.built = undefined;
    return this;
  }

  /** The prefix (built on the first call). */
  prefix(): Prefix {
    return (this.built ??= this.table.prefix(this.prefixId));
  }

  /** Origin AS(es) of the route that announced it first. */
  originAsns(): number[] {
    return this.table.pathOrigins(this.table.pathIdOf(this.attributesId));
  }
}

/** Decides once per prefix (at its first announcement) whether it is tracked. */
export type PrefixSelector = (candidate: PrefixCandidate) => boolean;

/**
 * The registry country of every prefix id of one table, looked up once and shared by all the
 * country selectors of the same registry (codes: 0 not yet looked up, 1 no country, else an
 * index into `names`).
 */
export class CountryColumn {
  private codes = new Uint16Array(65536);
  private readonly names: string[] = ['', ''];
  private readonly codeOf = new Map<string, number>();

  constructor(
    private readonly registry: Registry,
    private readonly table: RoutingTable,
  ) {}

  /** Code of a country name (stable for the column's life). */
  code(country: string): number {
    let code = this.codeOf.get(country);
    if (code === undefined) {
      code = this.names.length;
      this.names.push(country);
      this.codeOf.set(country, code);
    }
    return code;
  }

  countryCodeOf(prefixId: number): number {
    if (prefixId >= this.codes.length) {
      const grown = new Uint16Array(Math.max(prefixId + 1, this.codes.length * 2));
      grown.set(this.codes);
      this.codes = grown;
    }
    let code = this.codes[prefixId];
    if (code === 0) {
      const table = this.table;
      // IPv4 by numbers: no Prefix object per prefix of a full table.
      const entry =
        table.prefixFamily(prefixId) === 4
          ? this.registry.countryOfIPv4(table.ipv4Network(prefixId), table.prefixLength(prefixId))
          : this.registry.countryOfPrefix(table.prefix(prefixId));
      code = entry === undefined ? 1 : this.code(entry.country);
      this.codes[prefixId] = code;
    }
    return code;
  }
}

const countryColumns = new WeakMap<Registry, WeakMap<RoutingTable, CountryColumn>>();

/** The registry country of every prefix id of one table, shared with `selectCountry` (internal). */
export function countryColumn(registry: Registry, table: RoutingTable): CountryColumn {
  let byTable = countryColumns.get(registry);
  if (byTable === undefined) {
    byTable = new WeakMap();
    countryColumns.set(registry, byTable);
  }
  let column = byTable.get(table);
  if (column === undefined) {
    column = new CountryColumn(registry, table);
    byTable.set(table, column);
  }
  return column;
}

/**
 * Prefixes whose registry country (longest match for the whole prefix) is `country`. The
 * registry is asked once per prefix of a table, for all the country selectors of that registry.
 */
export function selectCountry(registry: Registry, country: string): PrefixSelector {
  let lastTable: RoutingTable | undefined;
  let column: CountryColumn | undefined;
  let code = 0;
  return (candidate) => {
    if (candidate.table !== lastTable || column === undefined) {
      column = countryColumn(registry, candidate.table);
      code = column.code(country);
      lastTable = candidate.table;
    }
    return column.countryCodeOf(candidate.prefixId) === code;
  };
}

/** Prefixes first announced with `asn` among their origins. */
export function selectOrigin(asn: number): PrefixSelector {
  return (candidate) => candidate.originAsns().includes(asn);
}

/** Prefixes equal to or inside one of `prefixes`. */
export function selectPrefixes(prefixes: readonly Prefix[]): PrefixSelector {
  const trie = new PrefixTrie<true>();
  for (const prefix of prefixes) trie.set(prefix, true);
  return (candidate) => trie.covering(candidate.prefix()).length > 0;
}

export interface VisibilityOptions {
  select: PrefixSelector;
  /** Full feed: more than this share of the largest peer's route count. Default 0.9 (IODA, IHR). */
  fullFeedShare?: number;
  /** Full feed needs at least this many routes (raise it for large tables). Default 1. */
  minFullFeedRoutes?: number;
  /** Visible: seen by more than this share of the full-feed peers. Default 0.5 (majority). */
  visibleShare?: number;
  /**
   * Where the table's events come from (default: the table): `CountryOutageDetectors` hands each
   * of its detectors a channel of its own and routes every event only where it matters.
   */
  events?: { onEvent(listener: RouteListener): () => void };
}

/** Kinds of rows in the exact per-peer series. */
export { LOST, LOST_BY_PEER_DOWN, SEEN };

/** One row of the per-peer series (a copy). */
export interface PeerChange {
  time: number;
  prefix: string;
  peerId: number;
  kind: 'seen' | 'lost' | 'lost-peer-down';
  /** Upstream AS (next to the origin) of the route installed or lost. */
  upstream: number;
  origin: number;
}

/** A point of the visible-space step function. */
export interface SpacePoint {
  time: number;
  ipv4Slash24s: number;
  ipv6Slash48s: number;
  visiblePrefixes: number;
  fullFeedPeers: number;
}

/** Called when the visible space changes (or the full-feed set does). */
export type SpaceListener = (time: number, tracker: VisibilityTracker) => void;
/** A tracked prefix (by tracked index) became visible or invisible. */
export type PrefixVisibilityListener = (index: number, visible: boolean, time: number) => void;
/** Called for every time seen in the stream, before the change at that time is applied. */
export type ClockListener = (time: number) => void;

function growInt32(array: Int32Array, size: number, fill: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(size).fill(fill);
  grown.set(array);
  return grown;
}

/** Upstream (for the origin network: upstream.ts) and origin of a path, cached per path id. */
export class PathFacts {
  private upstreams = new Int32Array(1024).fill(-1);
  private origins = new Int32Array(1024).fill(-1);
  private readonly hops = new PathHops();

  constructor(private readonly table: RoutingTable) {}

  private fill(pathId: number): void {
    if (pathId >= this.upstreams.length) {
      const size = Math.max(pathId + 1, this.upstreams.length * 2);
      this.upstreams = growInt32(this.upstreams, size, -1);
      this.origins = growInt32(this.origins, size, -1);
    }
    if (this.upstreams[pathId] !== -1) return;
    const hops = this.table.paths.read(pathId, this.hops);
    // A final AS_SET holds the origins (which one announced is unknown): the group is all of them.
    const origins = hops.endsWithSet ? this.table.pathOrigins(pathId) : undefined;
    const origin = origins !== undefined ? origins[0] : hops.length > 0 ? hops.asns[hops.length - 1] : 0;
    const upstream =
      origins !== undefined
        ? upstreamOf(hops.asns, (asn) => origins.includes(asn), hops.length)
        : upstreamOf(hops.asns, (asn) => asn === origin, hops.length);
    this.upstreams[pathId] = upstream === NO_UPSTREAM ? 0 : upstream >>> 0;
    this.origins[pathId] = origin >>> 0;
  }

  upstreamOf(pathId: number): number {
    this.fill(pathId);
    return this.upstreams[pathId] >>> 0;
  }

  originOf(pathId: number): number {
    this.fill(pathId);
    return this.origins[pathId] >>> 0;
  }

  upstreamOfAttributes(attributesId: number): number {
    return this.upstreamOf(this.table.pathIdOf(attributesId));
  }

  originOfAttributes(attributesId: number): number {
    return this.originOf(this.table.pathIdOf(attributesId));
  }
}

/**
 * Tracks the selected prefixes' visibility from a table's events. Attach it before replaying:
 * `new VisibilityTracker(table, { select })`.
 */
export class VisibilityTracker {
  readonly fullFeedShare: number;
  readonly minFullFeedRoutes: number;
  readonly visibleShare: number;
  readonly paths: PathFacts;

  /** Tracked index of a prefix id (only tracked prefixes: a selection is small next to the table). */
  private readonly trackedIndex = new Map<number, number>();
  private readonly trackedPrefixIds: number[] = [];
  private readonly trackedPrefixes: Prefix[] = [];
  /** Which peers see each tracked prefix, with every change (routing's series, keyed by tracked index). */
  private readonly peerSeries: VisibilitySeries;
  private visibleFlags = new Uint8Array(1024);
  private fullFeed = new Uint8Array(64);
  private fullFeedCount = 0;
  private readonly visibleTrie = new PrefixTrie<number>();
  private readonly select: PrefixSelector;
  private readonly candidate: PrefixCandidate;
  private readonly spaceListeners: SpaceListener[] = [];
  private readonly clockListeners: ClockListener[] = [];
  private readonly prefixListeners: PrefixVisibilityListener[] = [];
  private readonly detach: () => void;

  /** Current visible space. */
  ipv4Slash24s = 0;
  ipv6Slash48s = 0;
  visiblePrefixes = 0;
  /** Time of the latest event seen. */
  now = 0;
  /** Step function of the visible space (one point per change). */
  readonly series: SpacePoint[] = [];

  constructor(
    readonly table: RoutingTable,
    options: VisibilityOptions,
  ) {
    this.select = options.select;
    this.candidate = new PrefixCandidate(table);
    this.fullFeedShare = options.fullFeedShare ?? 0.9;
    this.minFullFeedRoutes = options.minFullFeedRoutes ?? 1;
    this.visibleShare = options.visibleShare ?? 0.5;
    this.paths = new PathFacts(table);
    // The clock first (registered first): a change is applied after the time it happened at.
    this.detach = (options.events ?? table).onEvent((event) => this.onTableEvent(event));
    this.peerSeries = new VisibilitySeries(table, {
      select: (prefixId, attributesId) => this.classify(prefixId, attributesId),
      ...(options.events !== undefined ? { events: options.events } : {}),
    });
    this.peerSeries.onRow((row, series) => this.onRow(row, series));
  }

  /** Stops listening to the table. */
  close(): void {
    this.detach();
    this.peerSeries.close();
  }

  onSpaceChange(listener: SpaceListener): void {
    this.spaceListeners.push(listener);
  }

  /** Called when a tracked prefix becomes visible or invisible (before the space listeners). */
  onPrefixVisibility(listener: PrefixVisibilityListener): void {
    this.prefixListeners.push(listener);
  }

  onClock(listener: ClockListener): void {
    this.clockListeners.push(listener);
  }

  /** Advances the clock (also done by every table event): listeners close bins up to `time`. */
  advance(time: number): void {
    if (time < this.now) return;
    this.now = time;
    for (const listener of this.clockListeners) listener(time);
  }

  get fullFeedPeers(): number {
    return this.fullFeedCount;
  }

  isFullFeed(peerId: number): boolean {
    return this.fullFeed[peerId] === 1;
  }

  /** Ids of the current full-feed peers. */
  fullFeedPeerIds(): number[] {
    const out: number[] = [];
    for (let id = 0; id < this.table.peerCount; id++) if (this.fullFeed[id] === 1) out.push(id);
    return out;
  }

  get trackedCount(): number {
    return this.trackedPrefixes.length;
  }

  trackedPrefix(index: number): Prefix {
    return this.trackedPrefixes[index];
  }

  trackedPrefixId(index: number): number {
    return this.trackedPrefixIds[index];
  }

  /** Tracked index of a table prefix id, or -1. */
  indexOfPrefixId(prefixId: number): number {
    return this.trackedIndex.get(prefixId) ?? -1;
  }

  isVisible(index: number): boolean {
    return this.visibleFlags[index] === 1;
  }

  /** Peers that see tracked prefix `index` now, ascending. */
  peersSeeing(index: number): number[] {
    return this.peerSeries.peersSeeing(this.trackedPrefixIds[index]);
  }

  /** Number of per-peer rows recorded. */
  get changeCount(): number {
    return this.peerSeries.rowCount;
  }

  /** Row `i` of the exact per-peer series, as a plain object. */
  change(i: number): PeerChange {
    const c = this.peerSeries.columns();
    const kind = c.kind[i];
    return {
      time: c.time[i],
      prefix: this.trackedPrefixes[c.key[i]].toString(),
      peerId: c.peer[i],
      kind: kind === SEEN ? 'seen' : kind === LOST ? 'lost' : 'lost-peer-down',
      upstream: this.paths.upstreamOfAttributes(c.attributes[i]),
      origin: this.paths.originOfAttributes(c.attributes[i]),
    };
  }

  /**
   * Raw columns of the per-peer series (for scans; valid until the next change): routing's
   * VisibilitySeries, whose `key` column is the tracked index.
   */
  changeColumns(): VisibilityColumns {
    return this.peerSeries.columns();
  }

  /** Space of the selection: IPv4 /24s when it has IPv4 prefixes, else IPv6 /48s. */
  get signal(): number {
    return this.hasIpv4 ? this.ipv4Slash24s : this.ipv6Slash48s;
  }

  get signalUnit(): 'ipv4-slash24' | 'ipv6-slash48' {
    return this.hasIpv4 ? 'ipv4-slash24' : 'ipv6-slash48';
  }

  private hasIpv4 = false;

  // ---- events ---------------------------------------------------------------------------------

  private onTableEvent(event: Readonly<RouteEvent>): void {
    if (event.time > this.now) {
      // The table has applied the change already; bins closing on the way see the state before it.
      this.pendingPeer = event.peerId;
      this.pendingRoutes =
        event.kind === 'withdraw' && event.cause === 'update'
          ? 1
          : event.kind === 'announce' && event.previousAttributesId === -1
            ? -1
            : 0;
      try {
        this.advance(event.time);
      } finally {
        this.pendingRoutes = 0;
      }
    }
    if (event.kind === 'peer-down') this.onPeerDown(event.peerId, event.time);
  }

  /** A tracked prefix was seen or lost by a peer (routing's series recorded the row). */
  private onRow(row: number, series: VisibilitySeries): void {
    const c = series.columns();
    const kind = c.kind[row];
    if (kind === LOST) this.markWithdrawn(c.peer[row], c.key[row], true);
    else if (kind === SEEN) this.markWithdrawn(c.peer[row], c.key[row], false);
    // A loss by session reset waits for the peer-down event: the full-feed set changes first.
    if (kind !== LOST_BY_PEER_DOWN && this.fullFeed[c.peer[row]] === 1)
      this.reevaluate(c.key[row], c.time[row]);
  }

  /** Tracked prefixes each peer withdrew by update and has not announced again. */
  private readonly withdrawnTracked = new Map<number, Set<number>>();

  private markWithdrawn(peerId: number, index: number, withdrawn: boolean): void {
    let set = this.withdrawnTracked.get(peerId);
    if (withdrawn) {
      if (set === undefined) this.withdrawnTracked.set(peerId, (set = new Set()));
      set.add(index);
    } else set?.delete(index);
  }

  /** The route count change of the table event being handled, not yet seen by the clock. */
  private pendingPeer = -1;
  private pendingRoutes = 0;

  /** A peer's route count for the full-feed test: its routes and the selected prefixes it withdrew. */
  private fullFeedCountOf(peerId: number): number {
    const pending = peerId === this.pendingPeer ? this.pendingRoutes : 0;
    return this.table.peerRouteCount(peerId) + pending + (this.withdrawnTracked.get(peerId)?.size ?? 0);
  }

  private onPeerDown(peerId: number, time: number): void {
    this.withdrawnTracked.delete(peerId);
    if (this.fullFeed[peerId] !== 1) return;
    if (!this.holdFullFeed) {
      this.refreshFullFeed(time);
      return;
    }
    // Held: only the peer whose session went down leaves; the others keep their place.
    this.fullFeed[peerId] = 0;
    this.fullFeedCount--;
    for (let index = 0; index < this.trackedPrefixes.length; index++)
      this.setVisible(index, this.shouldBeVisible(index), time);
    this.emitSpace(time);
  }

  /**
   * While set, `refreshFullFeed` only adds peers, and a peer leaves the set only when its session
   * goes down: the detector holds the set during an event, because peers withdrawing the
   * selection may fall below the full-feed share of a small table, and the set would then wait
   * for a bin boundary to take them back when they re-announce (the end would be rounded to it).
   */
  holdFullFeed = false;

  /** Decides whether a prefix is tracked (at its first announcement): its tracked index, or -1. */
  private classify(prefixId: number, attributesId: number): number {
    const candidate = this.candidate.reset(prefixId, attributesId);
    if (!this.select(candidate)) return -1;
    const prefix = candidate.prefix();
    const index = this.trackedPrefixes.length;
    this.trackedIndex.set(prefixId, index);
    this.trackedPrefixIds.push(prefixId);
    this.trackedPrefixes.push(prefix);
    if (index >= this.visibleFlags.length) {
      const grown = new Uint8Array(this.visibleFlags.length * 2);
      grown.set(this.visibleFlags);
      this.visibleFlags = grown;
    }
    if (prefix.family === 4) this.hasIpv4 = true;
    return index;
  }

  // ---- visibility -----------------------------------------------------------------------------

  private seenByFullFeed(index: number): number {
    let n = 0;
    for (const peer of this.peerSeries.seenBy(this.trackedPrefixIds[index]))
      if (this.fullFeed[peer] === 1) n++;
    return n;
  }

  private shouldBeVisible(index: number): boolean {
    return this.fullFeedCount > 0 && this.seenByFullFeed(index) > this.visibleShare * this.fullFeedCount;
  }

  private reevaluate(index: number, time: number): void {
    if (this.setVisible(index, this.shouldBeVisible(index), time)) this.emitSpace(time);
  }

  /** Sets the flag and updates the union; returns whether the space changed. */
  private setVisible(index: number, visible: boolean, time: number): boolean {
    const was = this.visibleFlags[index] === 1;
    if (was === visible) return false;
    this.visibleFlags[index] = visible ? 1 : 0;
    for (const listener of this.prefixListeners) listener(index, visible, time);
    const prefix = this.trackedPrefixes[index];
    if (visible) {
      this.visiblePrefixes++;
      const shadowed = this.visibleTrie.covering(prefix).length > 0;
      this.visibleTrie.set(prefix, index);
      if (!shadowed) this.addSpace(prefix, 1);
    } else {
      this.visiblePrefixes--;
      this.visibleTrie.delete(prefix);
      if (this.visibleTrie.covering(prefix).length === 0) this.addSpace(prefix, -1);
    }
    return true;
  }

  /** Adds (sign 1) or removes (-1) the part of `prefix` not already counted under it. */
  private addSpace(prefix: Prefix, sign: 1 | -1): void {
    let delta = weight(prefix);
    let top: Prefix | undefined;
    for (const entry of this.visibleTrie.covered(prefix)) {
      const inner = entry.prefix;
      if (inner.length === prefix.length) continue;
      if (top !== undefined && top.contains(inner)) continue;
      top = inner;
      delta -= weight(inner);
    }
    if (prefix.family === 4) this.ipv4Slash24s += sign * delta;
    else this.ipv6Slash48s += sign * delta;
  }

  private emitSpace(time: number): void {
    const point: SpacePoint = {
      time,
      ipv4Slash24s: this.ipv4Slash24s,
      ipv6Slash48s: this.ipv6Slash48s,
      visiblePrefixes: this.visiblePrefixes,
      fullFeedPeers: this.fullFeedCount,
    };
    const last = this.series[this.series.length - 1];
    if (last !== undefined && last.time === time) this.series[this.series.length - 1] = point;
    else this.series.push(point);
    for (const listener of this.spaceListeners) listener(time, this);
  }

  /**
   * Recomputes the full-feed set from the peers' route counts; when it changed, re-decides every
   * tracked prefix. Called at bin boundaries by the detector and at once after a peer goes down.
   */
  refreshFullFeed(time: number): void {
    const table = this.table;
    const peers = table.peerCount;
    if (peers > this.fullFeed.length) {
      const grown = new Uint8Array(Math.max(peers, this.fullFeed.length * 2));
      grown.set(this.fullFeed);
      this.fullFeed = grown;
    }
    let max = 0;
    for (let id = 0; id < peers; id++) max = Math.max(max, this.fullFeedCountOf(id));
    const threshold = Math.max(this.minFullFeedRoutes, this.fullFeedShare * max);
    let changed = false;
    let count = 0;
    for (let id = 0; id < peers; id++) {
      const routes = this.fullFeedCountOf(id);
      let full = routes >= threshold && routes > this.fullFeedShare * max ? 1 : 0;
      if (this.holdFullFeed && this.fullFeed[id] === 1) full = 1;
      if (full !== this.fullFeed[id]) {
        this.fullFeed[id] = full;
        changed = true;
      }
      count += full;
    }
    this.fullFeedCount = count;
    if (!changed) return;
    for (let index = 0; index < this.trackedPrefixes.length; index++)
      this.setVisible(index, this.shouldBeVisible(index), time);
    // The full-feed set itself is part of the series (the signal may have become unknown).
    this.emitSpace(time);
  }
}

/** Address space of a prefix: IPv4 in /24s (fractions below), IPv6 in /48s. */
function weight(prefix: Prefix): number {
  return prefix.family === 4 ? 2 ** (24 - prefix.length) : 2 ** (48 - prefix.length);
}

/**
 * AS hegemony (Fontugne et al., IHR) over a group of routes: for each vantage point (peer
 * session), the share of the group's weighted space whose path crosses each AS; sessions of the
 * same peer AS averaged; then a 10% two-sided trimmed mean across peer ASes, an AS absent from a
 * peer AS's paths counting 0 for it. The peer's own AS and the origin AS(es) are not counted on a
 * path (IHR excludes them); AS_SET members are not counted (which of them is crossed is unknown);
 * prepending counts once.
 */
import type { RoutingTable } from '../routing/index.js';
import { PathHops } from '../routing/index.js';

/** Fraction trimmed from each end before averaging across peer ASes. */
export const TRIM_FRACTION = 0.1;

/**
 * A group of routes as parallel columns of table ids (the observatory's own copy, gathered with
 * `RoutingTable.forEachRoute`): route i is prefix `prefix[i]` seen by peer `peer[i]` with
 * attribute set `attributes[i]`, for i < count.
 */
export interface RouteGroup {
  count: number;
  prefix: Int32Array;
  peer: Int32Array;
  attributes: Int32Array;
}

/** Routes `[from, to)` of a group (views, no copy). */
export function routeGroupSlice(group: RouteGroup, from: number, to: number): RouteGroup {
  return {
    count: to - from,
    prefix: group.prefix.subarray(from, to),
    peer: group.peer.subarray(from, to),
    attributes: group.attributes.subarray(from, to),
  };
}

/** Hegemony of one AS for a group. */
export interface HegemonyScore {
  asn: number;
  hegemony: number;
}

/** Result of a hegemony computation. */
export interface HegemonyResult {
  /** Scores above 0, highest first (ties by ASN). */
  scores: HegemonyScore[];
  /** Peer sessions that had at least one route of the group, and their distinct ASes. */
  peers: number;
  peerAses: number;
}

/** The mean of `values` after removing floor(n * fraction) values from each end. */
export function trimmedMean(values: number[], fraction = TRIM_FRACTION): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * fraction);
  let sum = 0;
  for (let i = cut; i < sorted.length - cut; i++) sum += sorted[i];
  return sum / (sorted.length - 2 * cut);
}

/** Reusable state for computing many groups over one table. */
export class HegemonyEngine {
  private readonly table: RoutingTable;
  /** Local index of each ASN seen in the current group. */
  private readonly local = new Map<number, number>();
  private localAsns: number[] = [];
  private stamp = new Int32Array(1024);
  private stampValue = 0;
  private readonly hops = new PathHops();

  constructor(table: RoutingTable) {
    this.table = table;
  }

  /**
   * Hegemony over the routes of `routes`, each weighted by `weights[prefix id]`. Only the ASes of
   * sequences count; `exclude` (for example the origin of an AS view) never counts.
   */
  compute(routes: RouteGroup, weights: Float64Array, exclude?: number): HegemonyResult {
    const table = this.table;
    const count = routes.count;
    const peerCount = table.peerCount;
    this.local.clear();
    this.localAsns = [];
    const seen = new Float64Array(peerCount);
    // Accumulators grow with the ASes found: [local AS * peerCount + peer].
    let acc = new Float64Array(64 * peerCount);
    const hops = this.hops;
    for (let i = 0; i < count; i++) {
      const peer = routes.peer[i];
      const weight = weights[routes.prefix[i]];
      if (weight === 0) continue;
      seen[peer] += weight;
      table.paths.read(table.pathIdOf(routes.attributes[i]), hops);
      if (!hops.present) continue;
      const asns = hops.asns;
      const peerAsn = table.peer(peer).asn;
      const origin = hops.origin;
      const mark = ++this.stampValue;
      for (let k = 0; k < hops.length; k++) {
        const asn = asns[k];
        if (asn === peerAsn || asn === origin || asn === exclude) continue;
        let index = this.local.get(asn);
        if (index === undefined) {
          index = this.localAsns.length;
          this.local.set(asn, index);
          this.localAsns.push(asn);
          if (index >= this.stamp.length) {
            const grown = new Int32Array(this.stamp.length * 2);
            grown.set(this.stamp);
            this.stamp = grown;
          }
          if ((index + 1) * peerCount > acc.length) {
            const grown = new Float64Array(acc.length * 2);
            grown.set(acc);
            acc = grown;
          }
        }
        if (this.stamp[index] === mark) continue; // prepending or a loop: count once
        this.stamp[index] = mark;
        acc[index * peerCount + peer] += weight;
      }
    }
    // Group sessions by peer AS.
    const groups = new Map<number, number[]>();
    let peers = 0;
    for (let peer = 0; peer < peerCount; peer++) {
      if (seen[peer] === 0) continue;
      peers++;
      const asn = table.peer(peer).asn;
      const group = groups.get(asn);
      if (group === undefined) groups.set(asn, [peer]);
      else group.push(peer);
    }
    const groupList = [...groups.values()];
    const scores: HegemonyScore[] = [];
    const values = new Array<number>(groupList.length);
    for (let index = 0; index < this.localAsns.length; index++) {
      for (let g = 0; g < groupList.length; g++) {
        const sessions = groupList[g];
        let sum = 0;
        for (const peer of sessions) sum += acc[index * peerCount + peer] / seen[peer];
        values[g] = sum / sessions.length;
      }
      const hegemony = trimmedMean(values);
      if (hegemony > 0) scores.push({ asn: this.localAsns[index], hegemony: Math.min(1, hegemony) });
    }
    scores.sort((a, b) => b.hegemony - a.hegemony || a.asn - b.asn);
    return { scores, peers, peerAses: groupList.length };
  }
}

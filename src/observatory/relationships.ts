/**
 * AS relationships inferred from observed AS paths, by Gao's degree-based method (L. Gao, "On
 * inferring autonomous system relationships in the Internet", IEEE/ACM ToN 9(6), 2001): in every
 * path the AS of highest degree is the top provider; the ASes before it climb to it (each is the
 * customer of the next), the ASes after it descend (each is the provider of the next); the votes
 * of all paths set each link's direction, and a link next to a path's top whose ends have
 * comparable degrees, never seen carrying transit, is a peering link. A vantage AS (a path's first)
 * that gives only part of the table gives its customer routes, so it provides transit to the next
 * AS (AS-Rank's step for such vantage points, Luckie et al., IMC 2013). Siblings come only from
 * organisation data the caller supplies (Gao's mutual-transit siblings are mostly path artefacts:
 * her own WHOIS check confirmed little more than half of them). Each link keeps the paths it was inferred
 * from, so a relationship can be shown with its evidence.
 *
 * Over the inferred graph, `valleyFreeReach` finds from a vantage AS every AS reachable by a
 * valley-free path (up customer-to-provider links, at most one peering link, then down) that
 * avoids a set of removed ASes, with the shortest such path to each.
 *
 * @example
 * const rel = AsRelationships.fromTable(table);
 * rel.relationship(4837, 131279); // { type: 'p2c', provider: 4837, ... }
 * const reach = rel.valleyFreeReach(2914, new Set([4837]));
 * reach.path(131279); // undefined: no valley-free path avoids AS4837
 */
import { PathHops, type RoutingTable } from '../routing/index.js';

export type RelationshipType = 'p2c' | 'p2p' | 'sibling';

/** One inferred link. For p2c, `provider` is one end and the other end is its customer. */
export interface AsLink {
  a: number;
  b: number;
  type: RelationshipType;
  /** The provider of a p2c link (undefined for p2p and sibling). */
  provider?: number;
  /** Distinct (prepending-collapsed) paths that cross the link. */
  paths: number;
  /** Paths whose top-provider split said `a` provides transit to `b`, and the reverse. */
  votesAProvides: number;
  votesBProvides: number;
}

export interface RelationshipOptions {
  /**
   * Gao's refined-algorithm L: a direction backed by at most L paths against a contrary majority
   * is treated as noise (route leaks, misconfiguration).
   */
  noisePaths?: number;
  /** Gao's R: a top-adjacent link is peering only when the larger degree is under R times the smaller. */
  peerDegreeRatio?: number;
  /** Paths kept as evidence per link. */
  evidencePerLink?: number;
  /** Whether two ASes belong to one organisation (registry data): such a link is a sibling link. */
  sameOrganisation?: (a: number, b: number) => boolean;
}

/** Gao's refined algorithm uses L = 1 (one contrary path is noise). */
export const DEFAULT_NOISE_PATHS = 1;
/** Gao's paper uses R = 60 for the degree ratio of peers. */
export const DEFAULT_PEER_DEGREE_RATIO = 60;
const DEFAULT_EVIDENCE = 3;

/** ASNs that never appear on a clean public path: 0, AS_TRANS, documentation and private ranges, 4-byte reserved. */
export function isReservedAsn(asn: number): boolean {
  return asn === 0 || asn === 23456 || (asn >= 64496 && asn <= 131071) || asn >= 4200000000;
}

const TYPE_P2C = 1;
const TYPE_P2P = 2;
const TYPE_SIBLING = 3;

/**
 * A valley-free reach from a set of vantage ASes: which ASes they reach without the removed ones,
 * and the shortest path (a vantage AS first, as a BGP AS path reads) to each.
 */
export class ValleyFreeReach {
  readonly vantages: readonly number[];
  readonly #rel: AsRelationships;
  /** Parent state of each (node, phase) state, -1 for a start, -2 for unreached. */
  readonly #parent: Int32Array;

  constructor(vantages: readonly number[], rel: AsRelationships, parent: Int32Array) {
    this.vantages = vantages;
    this.#rel = rel;
    this.#parent = parent;
  }

  /** Whether `asn` is reached. */
  reaches(asn: number): boolean {
    const node = this.#rel.nodeOf(asn);
    if (node < 0) return false;
    return this.#parent[node * 2] !== -2 || this.#parent[node * 2 + 1] !== -2;
  }

  /** The shortest valley-free path from any vantage AS to `asn` (vantage first), or undefined. */
  path(asn: number): number[] | undefined {
    const node = this.#rel.nodeOf(asn);
    if (node < 0) return undefined;
    let state = -1;
    let best = Infinity;
    for (const s of [node * 2, node * 2 + 1]) {
      if (this.#parent[s] === -2) continue;
      let length = 0;
      for (let at = s; at !== -1; at = this.#parent[at]) length++;
      if (length < best) {
        best = length;
        state = s;
      }
    }
    if (state < 0) return undefined;
    const path: number[] = [];
    for (let at = state; at !== -1; at = this.#parent[at]) path.push(this.#rel.asnOf(at >> 1));
    return path.reverse();
  }
}

/**
 * Which first ASes of the paths (vantage ASes: the collector's peer, or a route server's member)
 * export a partial table: AS-Rank's step for vantage points that announce no provider routes
 * (Luckie et al. 2013). A session that carries only part of the table carries what the AS
 * announces to a peer, its customer routes, so the vantage AS is the top of each path it gives.
 * A vantage AS is full when its paths reach at least half of the origin ASes of all the paths
 * (a full table reaches nearly all of them); 1 marks a partial one, by node index.
 */
function partialVantages(pool: Int32Array, offsets: readonly number[], n: number): Uint8Array {
  const heads = new Map<number, Set<number>>();
  const origins = new Set<number>();
  for (let p = 0; p + 1 < offsets.length; p++) {
    const origin = pool[offsets[p + 1] - 1];
    origins.add(origin);
    let reached = heads.get(pool[offsets[p]]);
    if (reached === undefined) heads.set(pool[offsets[p]], (reached = new Set()));
    reached.add(origin);
  }
  const partial = new Uint8Array(n);
  for (const [head, reached] of heads) if (reached.size * 2 < origins.size) partial[head] = 1;
  return partial;
}

/** Links inferred from a set of AS paths, with the paths behind each. */
export class AsRelationships {
  readonly #asns: number[] = [];
  readonly #node = new Map<number, number>();
  /** Cleaned paths as node indexes, one after the other; path k is pool[offsets[k], offsets[k + 1]). */
  #pool: Int32Array = new Int32Array(1024);
  #poolLength = 0;
  readonly #offsets: number[] = [0];
  readonly #seen = new Set<string>();
  /** Link index by `lo * nodes + hi` computed after all paths are in. */
  #linkIndex = new Map<number, number>();
  #linkLo = new Int32Array(0);
  #linkHi = new Int32Array(0);
  #linkType = new Uint8Array(0);
  /** For p2c: 0 when lo is the provider, 1 when hi is. */
  #linkProviderHi = new Uint8Array(0);
  #linkPaths = new Int32Array(0);
  #votesLo = new Int32Array(0);
  #votesHi = new Int32Array(0);
  #evidence: number[][] = [];
  /** Adjacency (CSR): neighbours of node n are adjTo[adjStart[n], adjStart[n + 1]), with the link index. */
  #adjStart = new Int32Array(0);
  #adjTo = new Int32Array(0);
  #adjLink = new Int32Array(0);
  #inferred = false;
  readonly #options: Required<Omit<RelationshipOptions, 'sameOrganisation'>> &
    Pick<RelationshipOptions, 'sameOrganisation'>;
  /** Paths given, and paths dropped (loops, reserved ASNs, a single AS). */
  pathsGiven = 0;
  pathsDropped = 0;

  constructor(options: RelationshipOptions = {}) {
    this.#options = {
      noisePaths: options.noisePaths ?? DEFAULT_NOISE_PATHS,
      peerDegreeRatio: options.peerDegreeRatio ?? DEFAULT_PEER_DEGREE_RATIO,
      evidencePerLink: options.evidencePerLink ?? DEFAULT_EVIDENCE,
      sameOrganisation: options.sameOrganisation,
    };
  }

  /** Infers from every current route of `table` (each distinct AS path once). */
  static fromTable(table: RoutingTable, options: RelationshipOptions = {}): AsRelationships {
    const rel = new AsRelationships(options);
    rel.addTable(table);
    rel.infer();
    return rel;
  }

  /** Adds the distinct AS paths of `table`'s current routes (read through routing's read API). */
  addTable(table: RoutingTable): void {
    const hops = new PathHops();
    const seenPaths = new Set<number>();
    table.forEachRoute((_prefixId, _peerId, attributesId) => {
      const pathId = table.pathIdOf(attributesId);
      if (seenPaths.has(pathId)) return;
      seenPaths.add(pathId);
      table.paths.read(pathId, hops);
      this.addPath(hops.asns, hops.length);
    });
  }

  /**
   * Adds one AS path (vantage point first, AS_SEQUENCE hops only). Prepending is collapsed; a path
   * with a loop, a reserved ASN or fewer than two ASes is dropped, as CAIDA's sanitising does.
   */
  addPath(asns: ArrayLike<number>, length: number = asns.length): void {
    if (this.#inferred) throw new Error('AsRelationships: paths added after infer()');
    this.pathsGiven++;
    const clean: number[] = [];
    for (let k = 0; k < length; k++) {
      const asn = asns[k];
      if (clean.length > 0 && clean[clean.length - 1] === asn) continue;
      if (isReservedAsn(asn) || clean.includes(asn)) {
        this.pathsDropped++;
        return;
      }
      clean.push(asn);
    }
    if (clean.length < 2) {
      this.pathsDropped++;
      return;
    }
    const key = clean.join(' ');
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (this.#poolLength + clean.length > this.#pool.length) {
      const grown = new Int32Array(Math.max(this.#pool.length * 2, this.#poolLength + clean.length));
      grown.set(this.#pool.subarray(0, this.#poolLength));
      this.#pool = grown;
    }
    for (const asn of clean) this.#pool[this.#poolLength++] = this.#intern(asn);
    this.#offsets.push(this.#poolLength);
  }

  #intern(asn: number): number {
    let node = this.#node.get(asn);
    if (node === undefined) {
      node = this.#asns.length;
      this.#asns.push(asn);
      this.#node.set(asn, node);
    }
    return node;
  }

  /** Node index of an ASN (-1 when it is on no path). */
  nodeOf(asn: number): number {
    return this.#node.get(asn) ?? -1;
  }

  asnOf(node: number): number {
    return this.#asns[node];
  }

  /** Number of distinct clean paths kept. */
  get pathCount(): number {
    return this.#offsets.length - 1;
  }

  get asCount(): number {
    return this.#asns.length;
  }

  get linkCount(): number {
    return this.#linkLo.length;
  }

  /** Runs the inference over the paths added (once). */
  infer(): void {
    if (this.#inferred) return;
    this.#inferred = true;
    const pool = this.#pool;
    const offsets = this.#offsets;
    const n = this.#asns.length;
    const paths = offsets.length - 1;
    // Links and degrees (Gao phase 1: degree = distinct neighbours).
    const index = new Map<number, number>();
    const lo: number[] = [];
    const hi: number[] = [];
    const linkKey = (x: number, y: number): number => (x < y ? x * n + y : y * n + x);
    const pathLinks = new Int32Array(this.#poolLength);
    for (let p = 0; p < paths; p++) {
      for (let k = offsets[p]; k < offsets[p + 1] - 1; k++) {
        const x = pool[k];
        const y = pool[k + 1];
        const key = linkKey(x, y);
        let link = index.get(key);
        if (link === undefined) {
          link = lo.length;
          index.set(key, link);
          lo.push(Math.min(x, y));
          hi.push(Math.max(x, y));
        }
        pathLinks[k] = link;
      }
    }
    const links = lo.length;
    const degree = new Int32Array(n);
    for (let l = 0; l < links; l++) {
      degree[lo[l]]++;
      degree[hi[l]]++;
    }
    // Gao phase 2: votes for who provides transit to whom, split at each path's top provider.
    const votesLo = new Int32Array(links);
    const votesHi = new Int32Array(links);
    const linkPaths = new Int32Array(links);
    const notPeering = new Uint8Array(links);
    const peerCandidate = new Uint8Array(links);
    const evidence: number[][] = Array.from({ length: links }, () => []);
    const keep = this.#options.evidencePerLink;
    const partial = partialVantages(pool, offsets, n);
    for (let p = 0; p < paths; p++) {
      const start = offsets[p];
      const end = offsets[p + 1];
      let top = start;
      for (let k = start + 1; k < end; k++) if (degree[pool[k]] > degree[pool[top]]) top = k;
      // A partial vantage AS exports only its customer routes: it provides transit to the next AS.
      const fromPartial = partial[pool[start]] === 1;
      for (let k = start; k < end - 1; k++) {
        const link = pathLinks[k];
        linkPaths[link]++;
        if (evidence[link].length < keep) evidence[link].push(p);
        // Before the top the next AS (nearer the top) is the provider; from the top on, the current one.
        const provider = k < top && !(k === start && fromPartial) ? pool[k + 1] : pool[k];
        if (provider === lo[link]) votesLo[link]++;
        else votesHi[link]++;
      }
      // Gao's peering phase: of the two links at the top, the one toward the smaller-degree
      // neighbour cannot be peering; no link away from the top can be either.
      for (let k = start; k < end - 1; k++) if (k !== top - 1 && k !== top) notPeering[pathLinks[k]] = 1;
      const before = top > start ? pool[top - 1] : -1;
      const after = top < end - 1 ? pool[top + 1] : -1;
      if (before >= 0 && after >= 0) {
        if (degree[before] > degree[after]) notPeering[pathLinks[top]] = 1;
        else notPeering[pathLinks[top - 1]] = 1;
        peerCandidate[pathLinks[degree[before] > degree[after] ? top - 1 : top]] = 1;
      } else if (before >= 0) peerCandidate[pathLinks[top - 1]] = 1;
      // A top at the path's head: its other neighbour is the collector the path omits (the route
      // came over that session), so by Gao's rule the link away from it is not peering.
      else if (after >= 0) notPeering[pathLinks[top]] = 1;
      if (fromPartial) notPeering[pathLinks[start]] = 1;
    }
    // Gao phase 3 (refined, L) for direction; the peering phase with R; siblings from organisations.
    const type = new Uint8Array(links);
    const providerHi = new Uint8Array(links);
    const L = this.#options.noisePaths;
    const R = this.#options.peerDegreeRatio;
    const sameOrganisation = this.#options.sameOrganisation;
    for (let l = 0; l < links; l++) {
      const a = this.#asns[lo[l]];
      const b = this.#asns[hi[l]];
      if (sameOrganisation?.(a, b) === true) {
        type[l] = TYPE_SIBLING;
        continue;
      }
      const dl = degree[lo[l]];
      const dh = degree[hi[l]];
      const ratio = Math.max(dl, dh) / Math.max(1, Math.min(dl, dh));
      // Transit both ways beyond noise: the direction is unknown; treat as peering-like when the
      // degrees are comparable, else give it to the larger AS (the usual provider).
      const bothWays = votesLo[l] > L && votesHi[l] > L;
      if (peerCandidate[l] === 1 && notPeering[l] === 0 && ratio < R) {
        type[l] = TYPE_P2P;
        continue;
      }
      type[l] = TYPE_P2C;
      if (bothWays || votesLo[l] === votesHi[l]) providerHi[l] = dh > dl ? 1 : 0;
      else providerHi[l] = votesHi[l] > votesLo[l] ? 1 : 0;
    }
    this.#linkIndex = index;
    this.#linkLo = Int32Array.from(lo);
    this.#linkHi = Int32Array.from(hi);
    this.#linkType = type;
    this.#linkProviderHi = providerHi;
    this.#linkPaths = linkPaths;
    this.#votesLo = votesLo;
    this.#votesHi = votesHi;
    this.#evidence = evidence;
    // Adjacency for the searches.
    const adjStart = new Int32Array(n + 1);
    for (let l = 0; l < links; l++) {
      adjStart[lo[l] + 1]++;
      adjStart[hi[l] + 1]++;
    }
    for (let i = 0; i < n; i++) adjStart[i + 1] += adjStart[i];
    const fill = adjStart.slice(0, n);
    const adjTo = new Int32Array(links * 2);
    const adjLink = new Int32Array(links * 2);
    for (let l = 0; l < links; l++) {
      adjTo[fill[lo[l]]] = hi[l];
      adjLink[fill[lo[l]]++] = l;
      adjTo[fill[hi[l]]] = lo[l];
      adjLink[fill[hi[l]]++] = l;
    }
    this.#adjStart = adjStart;
    this.#adjTo = adjTo;
    this.#adjLink = adjLink;
  }

  #link(l: number): AsLink {
    const a = this.#asns[this.#linkLo[l]];
    const b = this.#asns[this.#linkHi[l]];
    const type: RelationshipType =
      this.#linkType[l] === TYPE_P2P ? 'p2p' : this.#linkType[l] === TYPE_SIBLING ? 'sibling' : 'p2c';
    const link: AsLink = {
      a,
      b,
      type,
      paths: this.#linkPaths[l],
      votesAProvides: this.#votesLo[l],
      votesBProvides: this.#votesHi[l],
    };
    if (type === 'p2c') link.provider = this.#linkProviderHi[l] === 1 ? b : a;
    return link;
  }

  #linkOf(x: number, y: number): number {
    const nx = this.nodeOf(x);
    const ny = this.nodeOf(y);
    if (nx < 0 || ny < 0) return -1;
    const n = this.#asns.length;
    return this.#linkIndex.get(nx < ny ? nx * n + ny : ny * n + nx) ?? -1;
  }

  /** The inferred link between two ASes, or undefined when no path crosses it. */
  relationship(x: number, y: number): AsLink | undefined {
    this.infer();
    const l = this.#linkOf(x, y);
    return l < 0 ? undefined : this.#link(l);
  }

  /** Every inferred link. */
  links(): AsLink[] {
    this.infer();
    const out: AsLink[] = [];
    for (let l = 0; l < this.#linkLo.length; l++) out.push(this.#link(l));
    return out;
  }

  /** The inferred links of `asn`, each with the neighbour's ASN. */
  neighbours(asn: number): Array<AsLink & { neighbour: number }> {
    this.infer();
    const node = this.nodeOf(asn);
    if (node < 0) return [];
    const out: Array<AsLink & { neighbour: number }> = [];
    for (let e = this.#adjStart[node]; e < this.#adjStart[node + 1]; e++)
      out.push({ ...this.#link(this.#adjLink[e]), neighbour: this.#asns[this.#adjTo[e]] });
    return out;
  }

  /** The paths (prepending collapsed, vantage point first) a link was inferred from, up to the kept number. */
  evidence(x: number, y: number): number[][] {
    this.infer();
    const l = this.#linkOf(x, y);
    if (l < 0) return [];
    return this.#evidence[l].map((p) =>
      Array.from(this.#pool.subarray(this.#offsets[p], this.#offsets[p + 1]), (node) => this.#asns[node]),
    );
  }

  /** Counts of links by type. */
  counts(): Record<RelationshipType, number> {
    this.infer();
    const counts = { p2c: 0, p2p: 0, sibling: 0 };
    for (const t of this.#linkType)
      if (t === TYPE_P2P) counts.p2p++;
      else if (t === TYPE_SIBLING) counts.sibling++;
      else counts.p2c++;
    return counts;
  }

  /**
   * Breadth-first search of valley-free paths from every AS of `vantages` at once, never through
   * `removed`: from a vantage AS up to providers (and across siblings), at most one peering link,
   * then down to customers. A valley-free path read backwards is valley-free, so what a vantage AS
   * reaches is what can announce routes to it.
   */
  valleyFreeReach(vantages: number | readonly number[], removed: ReadonlySet<number>): ValleyFreeReach {
    this.infer();
    const starts = typeof vantages === 'number' ? [vantages] : vantages;
    const n = this.#asns.length;
    const parent = new Int32Array(n * 2).fill(-2);
    const blocked = new Uint8Array(n);
    for (const asn of removed) {
      const node = this.nodeOf(asn);
      if (node >= 0) blocked[node] = 1;
    }
    const queue = new Int32Array(n * 2);
    let head = 0;
    let tail = 0;
    // State = node * 2 + phase; phase 0: still climbing, 1: past the top (only down or sibling).
    for (const asn of starts) {
      const start = this.nodeOf(asn);
      if (start < 0 || blocked[start] === 1 || parent[start * 2] !== -2) continue;
      parent[start * 2] = -1;
      queue[tail++] = start * 2;
    }
    const adjStart = this.#adjStart;
    const adjTo = this.#adjTo;
    const adjLink = this.#adjLink;
    const type = this.#linkType;
    const providerHi = this.#linkProviderHi;
    const lo = this.#linkLo;
    while (head < tail) {
      const state = queue[head++];
      const node = state >> 1;
      const phase = state & 1;
      for (let e = adjStart[node]; e < adjStart[node + 1]; e++) {
        const next = adjTo[e];
        if (blocked[next] === 1) continue;
        const l = adjLink[e];
        let nextPhase: number;
        if (type[l] === TYPE_SIBLING) nextPhase = phase;
        else if (type[l] === TYPE_P2P) {
          if (phase === 1) continue;
          nextPhase = 1;
        } else {
          const provider = providerHi[l] === 1 ? this.#linkHi[l] : lo[l];
          if (provider === next) {
            // Up to a provider: only while still climbing.
            if (phase === 1) continue;
            nextPhase = 0;
          } else nextPhase = 1;
        }
        const s = next * 2 + nextPhase;
        if (parent[s] !== -2) continue;
        parent[s] = state;
        queue[tail++] = s;
      }
    }
    return new ValleyFreeReach(starts, this, parent);
  }
}

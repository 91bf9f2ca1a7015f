/**
 * VisibilitySeries: for each recorded prefix, which peers see it now and every change of that,
 * with its exact timestamp — built from a RoutingTable's events, so it runs the same on archives
 * and on live sessions. A peer sees a prefix while it has at least one route for it (with
 * ADD-PATH, withdrawing one path of several changes nothing).
 *
 * Which prefixes are recorded is the caller's choice, made once per prefix at its first
 * announcement (`select` returns a key >= 0 to record it, -1 to ignore it): a country's or an
 * AS's prefixes, or all of them. The key is stored with every row, so a caller can index its own
 * per-prefix state by it. Rows are kept in growable typed-array columns.
 */
import { grown } from './arrays.js';
import type { RouteEvent, RouteListener, RoutingTable } from './table.js';

/** Row kinds. */
export const SEEN = 1;
export const LOST = 0;
/** Lost because the peer's session left Established (the collector's side, not routing). */
export const LOST_BY_PEER_DOWN = 2;

export interface VisibilitySeriesOptions {
  /** Key (>= 0) under which to record the prefix, or -1 to ignore it; asked once per prefix. */
  select(prefixId: number, attributesId: number): number;
  /**
   * Where the table's events come from (default: the table itself): a caller running many series
   * over one table hands each its own channel and routes every event only where it matters.
   */
  events?: { onEvent(listener: RouteListener): () => void };
}

/** The rows recorded so far (views valid until the next row). */
export interface VisibilityColumns {
  count: number;
  time: Float64Array;
  prefix: Int32Array;
  key: Int32Array;
  peer: Int32Array;
  kind: Uint8Array;
  /** Attribute set of the route that appeared or went away. */
  attributes: Int32Array;
}

/** Called after each row is recorded, with the row's index. */
export type VisibilityRowListener = (row: number, series: VisibilitySeries) => void;

const UNDECIDED = -2;
const DECISION_PAGE_BITS = 10;
const DECISION_PAGE_MASK = (1 << DECISION_PAGE_BITS) - 1;
const IGNORED = -1;

export class VisibilitySeries {
  /**
   * Per prefix id: UNDECIDED, IGNORED or the key, in pages made on first use: a series that sees
   * one country's prefixes of a large table touches few of them.
   */
  private readonly decisionPages: Array<Int32Array | undefined> = [];
  /** Peers that see each recorded prefix now, by prefix id. */
  private readonly seeing = new Map<number, Set<number>>();
  private time = new Float64Array(1024);
  private prefix = new Int32Array(1024);
  private key = new Int32Array(1024);
  private peer = new Int32Array(1024);
  private kind = new Uint8Array(1024);
  private attributes = new Int32Array(1024);
  private rows = 0;
  private readonly listeners: VisibilityRowListener[] = [];
  private readonly detach: () => void;

  constructor(
    readonly table: RoutingTable,
    private readonly options: VisibilitySeriesOptions,
  ) {
    this.detach = (options.events ?? table).onEvent((event) => this.onTableEvent(event));
  }

  /** Stops listening to the table. */
  close(): void {
    this.detach();
  }

  onRow(listener: VisibilityRowListener): void {
    this.listeners.push(listener);
  }

  /** Number of rows. */
  get rowCount(): number {
    return this.rows;
  }

  columns(): VisibilityColumns {
    return {
      count: this.rows,
      time: this.time,
      prefix: this.prefix,
      key: this.key,
      peer: this.peer,
      kind: this.kind,
      attributes: this.attributes,
    };
  }

  /** Whether the prefix is recorded. */
  isRecorded(prefixId: number): boolean {
    return this.seeing.has(prefixId);
  }

  /** The peers that see a recorded prefix now (a live view: do not change it). */
  seenBy(prefixId: number): ReadonlySet<number> {
    return this.seeing.get(prefixId) ?? EMPTY_SET;
  }

  /** The peers that see a recorded prefix now, ascending. */
  peersSeeing(prefixId: number): number[] {
    return [...this.seenBy(prefixId)].sort((a, b) => a - b);
  }

  private onTableEvent(event: Readonly<RouteEvent>): void {
    if (event.kind === 'peer-down') return; // its routes came first, as withdrawals
    const prefixId = event.prefixId;
    const pageIndex = prefixId >>> DECISION_PAGE_BITS;
    let page = this.decisionPages[pageIndex];
    if (page === undefined) {
      while (this.decisionPages.length < pageIndex) this.decisionPages.push(undefined);
      this.decisionPages[pageIndex] = page = new Int32Array(1 << DECISION_PAGE_BITS).fill(UNDECIDED);
    }
    const slot = prefixId & DECISION_PAGE_MASK;
    let key = page[slot];
    if (key === UNDECIDED) {
      if (event.kind !== 'announce') return;
      key = this.options.select(prefixId, event.attributesId);
      if (key < 0) key = IGNORED;
      else this.seeing.set(prefixId, new Set());
      page[slot] = key;
    }
    if (key === IGNORED) return;
    const peers = this.seeing.get(prefixId) as Set<number>;
    const peerId = event.peerId;
    if (event.kind === 'announce') {
      if (peers.has(peerId)) return;
      peers.add(peerId);
      this.record(event.time, prefixId, key, peerId, SEEN, event.attributesId);
      return;
    }
    if (!peers.has(peerId) || this.peerStillHas(prefixId, peerId)) return;
    peers.delete(peerId);
    const kind = event.cause === 'peer-down' ? LOST_BY_PEER_DOWN : LOST;
    this.record(event.time, prefixId, key, peerId, kind, event.attributesId);
  }

  /** Another ADD-PATH route of the same peer keeps the prefix seen. */
  private peerStillHas(prefixId: number, peerId: number): boolean {
    if (this.table.prefixRouteCount(prefixId) === 0) return false;
    const columns = this.table.columns();
    for (const slot of this.table.routeSlotsOfPrefix(prefixId))
      if (columns.peer[slot] === peerId) return true;
    return false;
  }

  private record(
    time: number,
    prefixId: number,
    key: number,
    peerId: number,
    kind: number,
    attributesId: number,
  ): void {
    if (this.rows === this.time.length) this.grow();
    const i = this.rows++;
    this.time[i] = time;
    this.prefix[i] = prefixId;
    this.key[i] = key;
    this.peer[i] = peerId;
    this.kind[i] = kind;
    this.attributes[i] = attributesId;
    for (const listener of this.listeners) listener(i, this);
  }

  private grow(): void {
    const size = this.time.length * 2;
    this.time = grown(this.time, size);
    this.prefix = grown(this.prefix, size);
    this.key = grown(this.key, size);
    this.peer = grown(this.peer, size);
    this.kind = grown(this.kind, size);
    this.attributes = grown(this.attributes, size);
  }
}

const EMPTY_SET: ReadonlySet<number> = new Set();

/**
 * RoutingTable: the current route of every (prefix, peer, ADD-PATH id), built by replaying MRT
 * elements (TABLE_DUMP, TABLE_DUMP_V2 RIB entries, BGP4MP updates and state changes) in the order
 * they are given.
 *
 * Layout (memory is the point): a route is one slot in six parallel Int32/Uint32 arrays (prefix
 * id, peer id, ADD-PATH id, attribute-set id, time, next route of the same prefix), found
 * through its prefix's list (or, for crowded prefixes, an open-addressing hash of slot ids).
 * Attribute sets are kept as the wire gave them (RawAttributeStore) and decoded on first use into
 * interned word sequences (WordInterner: AS paths, next hops, community lists, whole sets), so a
 * query decodes only the sets of the routes it reads. An UPDATE's attributes are stored once for
 * all its prefixes (the decoder's attributeGeneration).
 *
 * Rules: an announcement replaces the peer's route for the prefix unless the stored route is
 * newer (a stale element from an earlier file is ignored); a withdrawal removes it; a STATE
 * element leaving Established (old state 6) removes every route of that peer.
 */
import { PathAttributes, formatAsPath, type AsPathSegment } from '../bgp/index.js';
import type { ElementCursor, ElementVisitor, MrtDecoder, MrtElement } from '../mrt/index.js';
import type { IpAddress } from '../net/index.js';
import { Prefix, formatIPv4, formatIPv6, parseAddress, parsePrefix } from '../net/index.js';
import {
  ATTR_COMMUNITIES,
  ATTR_FLAGS,
  ATTR_LARGE_COMMUNITIES,
  ATTR_LOCAL_PREF,
  ATTR_MED,
  ATTR_NEXT_HOP,
  ATTR_ORIGIN,
  ATTR_PATH,
  ATTR_WORDS,
  FLAG_ATOMIC_AGGREGATE,
  FLAG_LOCAL_PREF,
  FLAG_MED,
  NO_ORIGIN,
  communitiesText,
  encodeAddress,
  encodeCommunities,
  encodeLargeCommunities,
  encodeNextHop,
  largeCommunitiesText,
  nextHopText,
} from './attributes.js';
import { grown } from './arrays.js';
import { WordInterner } from './interner.js';
import { PrefixIndex } from './prefix-index.js';
import { RawAttributeStore, UNDECODED, type RawSetContext } from './raw-attributes.js';
import { AsPaths, WordScratch, encodeAttributesPath, encodeSegments } from './paths.js';

/** BGP FSM state Established (RFC 4271; MRT STATE_CHANGE values). */
export const ESTABLISHED = 6;

const EMPTY = -1;
/** Routes of one prefix above which its routes are also indexed by hash. */
const CROWDED = 64;
const FREE = -1;
const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'] as const;
/** Route slots and prefix ids an empty table has room for (it doubles as it fills). */
const INITIAL_ROUTES = 16;
/** `reserve` sizes a table for at most this many routes and prefixes; past them it grows as it fills. */
const RESERVE_ROUTES = 1 << 24;
const RESERVE_PREFIXES = 1 << 22;
const RESERVE_SETS = 1 << 19;
const RESERVE_PEERS = 64;
/** Below this many ids a comparator sort is quicker than a radix sort (its 64 k buckets). */
const RADIX_SORT_MIN = 4096;

/** A BGP peer (vantage point) of the collector. */
export interface PeerInfo {
  id: number;
  family: 4 | 6;
  address: string;
  asn: number;
}

/** The attributes of a route, decoded from the interned set. */
export interface RouteAttributes {
  /** Undefined when the route had no usable AS_PATH. */
  asPath: AsPathSegment[] | undefined;
  asPathText: string;
  originAsns: number[];
  origin: 'IGP' | 'EGP' | 'INCOMPLETE' | undefined;
  nextHop: string | undefined;
  localPref: number | undefined;
  med: number | undefined;
  atomicAggregate: boolean;
  communities: string[];
  largeCommunities: string[];
}

/** One current route. */
export interface Route {
  prefix: Prefix;
  peer: PeerInfo;
  /** ADD-PATH path identifier (0 without ADD-PATH). */
  addPathId: number;
  /** Unix seconds of the element that installed it. */
  time: number;
  attributesId: number;
  asPathId: number;
  attributes: RouteAttributes;
}

export type RouteEventKind = 'announce' | 'withdraw' | 'peer-down';

/**
 * What changed. One object is reused for every event: read it during the call, copy what you keep.
 * `announce`: a route was installed or replaced (`previousAttributesId` is -1 for a new route).
 * `withdraw`: a route was removed (`cause` says whether by an update or because its peer went down).
 * `peer-down`: a peer's session left Established; its `routesRemoved` routes were withdrawn first.
 */
export interface RouteEvent {
  kind: RouteEventKind;
  time: number;
  peerId: number;
  /** -1 for peer-down. */
  prefixId: number;
  addPathId: number;
  /** The new attributes (announce) or the removed ones (withdraw); -1 for peer-down. */
  attributesId: number;
  previousAttributesId: number;
  cause: 'update' | 'peer-down';
  routesRemoved: number;
}

export type RouteListener = (event: Readonly<RouteEvent>, table: RoutingTable) => void;

/**
 * Called for each route by `forEachRoute`: ids (see `prefix`, `peer`, `attributes`, `pathIdOf`),
 * the time of the element that installed it, and its ADD-PATH id.
 */
export type RouteVisitor = (
  prefixId: number,
  peerId: number,
  attributesId: number,
  time: number,
  addPathId: number,
) => void;

/** Typed-array view of the route slots (storage detail: see `columns`). */
export interface RouteColumns {
  /** Number of slots to scan (free slots have `attributes[slot] === -1`). */
  slots: number;
  prefix: Int32Array;
  peer: Int32Array;
  attributes: Int32Array;
  time: Uint32Array;
}

/** Memory held by the table, from its typed arrays. */
export interface TableMemory {
  routes: number;
  prefixes: number;
  peers: number;
  /** AS paths decoded so far (sets are decoded on first use). */
  paths: number;
  /** Attribute sets stored (as wire bytes, or from plain elements). */
  attributeSets: number;
  /** Bytes allocated (capacity) by every typed array of the table. */
  allocatedBytes: number;
  /** Bytes the stored data needs: slots and hash at their used size, interned pools. */
  usedBytes: number;
  /** Per-route part of usedBytes (the six slot arrays). */
  bytesPerRouteSlot: number;
  /** usedBytes / routes. */
  bytesPerRoute: number;
}

function routeHash(prefixId: number, peerId: number, addPathId: number): number {
  let h = Math.imul(prefixId ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ peerId, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ addPathId, 0x27d4eb2d);
  return (h ^ (h >>> 15)) >>> 0;
}

export class RoutingTable {
  /**
   * Interned AS paths (see paths.ts for the word format) of the attribute sets decoded so far:
   * every id `pathIdOf` gives is here. Its pool may move when `pathIdOf` decodes a set.
   */
  // Every store starts small and doubles as it fills (reserve() sizes the big ones before a
  // load): a table made for one small input or a test allocates little, about 8 KB in all.
  // Allocating more up front costs more than the bytes: V8 counts typed arrays' memory as
  // external, and past a limit each allocation of one advances the marking of the whole heap, so
  // many small tables made in a process with a big heap spend most of their time in the GC.
  readonly #pathWords = new WordInterner(16, 64);
  /** The AS paths of the routes, read-only (see `AsPaths`). */
  readonly paths = new AsPaths(this.#pathWords);
  /**
   * The attribute sets routes hold (their `attributesId`): wire bytes, decoded on first use into
   * `decodedSets` (see raw-attributes.ts for why).
   */
  private readonly rawSets = new RawAttributeStore(16);
  /** Decoded attribute sets (ATTR_* word offsets). */
  private readonly decodedSets = new WordInterner(16, 16 * ATTR_WORDS);
  private readonly decodeScratch = new PathAttributes();
  private readonly decodeContext: RawSetContext = { asnLength: 4, nextHopSource: 0 };
  private readonly nextHops = new WordInterner(16, 32);
  private readonly communityLists = new WordInterner(16, 64);
  private readonly largeCommunityLists = new WordInterner(4, 16);
  /** Prefix ids (keys inline in the index's slots). */
  private readonly prefixes = new PrefixIndex(INITIAL_ROUTES);
  private readonly peerKeys = new WordInterner(4, 4 * 6);
  private readonly peerList: PeerInfo[] = [];

  // Route slots.
  private capacity = INITIAL_ROUTES;
  private used = 0;
  private freeHead = EMPTY;
  private count = 0;
  private routePrefix = new Int32Array(INITIAL_ROUTES);
  private routePeer = new Int32Array(INITIAL_ROUTES);
  private routeAddPath = new Uint32Array(INITIAL_ROUTES);
  private routeAttributes = new Int32Array(INITIAL_ROUTES).fill(FREE);
  private routeTime = new Uint32Array(INITIAL_ROUTES);
  /** Next slot of the same prefix (or of the free list). */
  private routeNext = new Int32Array(INITIAL_ROUTES);
  private prefixHead = new Int32Array(INITIAL_ROUTES).fill(EMPTY);
  private prefixRoutes = new Int32Array(INITIAL_ROUTES);
  private peerRoutes = new Int32Array(16);
  /**
   * Routes are found by walking their prefix's list (short: one per peer, and a RIB dump writes a
   * prefix's routes next to each other). A prefix with more than CROWDED routes (attacker input:
   * thousands of ADD-PATH ids) moves to this hash of slot ids keyed by (prefix, peer, ADD-PATH id),
   * so no lookup walks far.
   */
  private prefixCrowded = new Uint8Array(INITIAL_ROUTES);
  private slots = new Int32Array(64).fill(EMPTY);
  private slotMask = 63;
  private hashed = 0;

  private readonly scratch = new WordScratch();
  private readonly pathScratch = new WordScratch();
  private readonly listeners: RouteListener[] = [];
  private readonly event: RouteEvent = {
    kind: 'announce',
    time: 0,
    peerId: -1,
    prefixId: -1,
    addPathId: 0,
    attributesId: -1,
    previousAttributesId: -1,
    cause: 'update',
    routesRemoved: 0,
  };
  private lastGeneration = -1;
  private lastNextHopSource = -1;
  private lastDecoder: MrtDecoder | undefined;
  private lastAttributesId = -1;
  /** Elements applied, ignored as stale, and peer-down events seen. */
  readonly counters = { applied: 0, stale: 0, peerDowns: 0 };

  /** Registers a listener for every change; returns a function that removes it. */
  onEvent(listener: RouteListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** A visitor for `scanMrt` that applies every element to this table. */
  visitor(): ElementVisitor {
    return (cursor, decoder) => this.ingest(cursor, decoder);
  }

  /**
   * Makes room for about `routes` routes over `prefixes` prefixes before a load, so that the
   * route columns, the prefix index and the attribute interners do not grow while the table
   * fills: each growth copies every column and re-places every key (about a fifth of the time of
   * loading a full table from updates). A hint only: the table still grows past it. See
   * `estimateMrtElements` (mrt) for a hint from the input files.
   */
  reserve(routes: number, prefixes = routes): void {
    if (!Number.isFinite(routes) || !Number.isFinite(prefixes)) return;
    routes = Math.max(0, Math.min(Math.floor(routes), RESERVE_ROUTES));
    prefixes = Math.max(0, Math.min(Math.floor(prefixes), RESERVE_PREFIXES, routes));
    if (routes > this.capacity) this.growRouteColumns(routes);
    // Prefix estimates from file heads run low on RIB dumps (many peers per prefix): at least
    // 64 k prefixes for a table of that many routes, as a new table once started with.
    this.prefixes.reserve(Math.max(prefixes, Math.min(routes, 65536)));
    if (this.prefixes.capacity > this.prefixHead.length) this.growPrefixArrays(this.prefixes.capacity);
    // Distinct attribute sets and AS paths, per route: 15% and 13% on a full table from one
    // peer's updates, 31% and 29% on the first MB of a RouteViews RIB (data/mrt); fewer on whole
    // RIBs, where a peer's path serves many prefixes. A third of the routes, at most 512 k each.
    const sets = Math.min(Math.ceil(routes / 3), RESERVE_SETS);
    // Their keys: 50-60 bytes on average on those inputs. Decoded sets, paths and community lists
    // grow as queries decode them.
    this.rawSets.reserve(sets, sets * 64);
    // Peers: room for 64, as a new table once started with (more grow the peer stores).
    if (routes > 0) {
      this.peerKeys.reserve(RESERVE_PEERS, RESERVE_PEERS * 6);
      if (this.peerRoutes.length < RESERVE_PEERS) this.peerRoutes = grown(this.peerRoutes, RESERVE_PEERS);
    }
  }

  // ---- ingesting -------------------------------------------------------------------------------

  /** Applies one element from the shared cursor (hot path: no allocation for known paths). */
  ingest(cursor: ElementCursor, decoder: MrtDecoder): void {
    const type = cursor.type;
    const peerId = this.peerIdOfCursor(cursor);
    const time = cursor.timestamp;
    if (type === 'STATE') {
      if (cursor.oldState === ESTABLISHED && cursor.newState !== ESTABLISHED) this.peerDown(peerId, time);
      return;
    }
    const prefixId = this.prefixIdOfBytes(cursor.prefixFamily, cursor.prefixBytes, cursor.prefixLength);
    const addPathId = cursor.hasPathId ? cursor.pathId : 0;
    if (type === 'W') {
      this.withdrawIds(prefixId, peerId, addPathId, time);
      return;
    }
    const attributes = cursor.attributes;
    if (attributes === undefined) return;
    let attributesId: number;
    if (
      decoder === this.lastDecoder &&
      decoder.attributeGeneration === this.lastGeneration &&
      cursor.nextHopSource === this.lastNextHopSource
    ) {
      attributesId = this.lastAttributesId;
    } else {
      // BGP4MP_ENTRY records (OpenBGPD) carry the next hop outside the attributes: such a set is
      // decoded now, with it (rare enough not to need a byte key of its own).
      attributesId =
        cursor.entryNextHop === undefined
          ? this.rawSets.intern(attributes, cursor.nextHopSource)
          : this.rawSets.internDecoded(
              this.internDecodedBlock(attributes, cursor.nextHopSource, parseAddress(cursor.entryNextHop)),
            );
      this.lastDecoder = decoder;
      this.lastGeneration = decoder.attributeGeneration;
      this.lastNextHopSource = cursor.nextHopSource;
      this.lastAttributesId = attributesId;
    }
    this.announceIds(prefixId, peerId, addPathId, attributesId, time);
  }

  /**
   * Applies a plain element (from `readElements`, JSON, or a live session). Throws a ParseError
   * for an element whose prefix, peer address or next hop does not parse.
   */
  applyElement(element: MrtElement): void {
    const peerId = this.peerIdOfText(element.peerAddress, element.peerAsn);
    const time = Math.floor(element.timestamp);
    if (element.type === 'STATE') {
      if (element.oldState === ESTABLISHED && element.newState !== ESTABLISHED) this.peerDown(peerId, time);
      return;
    }
    if (element.prefix === undefined) return;
    const prefixId = this.prefixIdOf(parsePrefix(element.prefix));
    const addPathId = element.pathId ?? 0;
    if (element.type === 'W') {
      this.withdrawIds(prefixId, peerId, addPathId, time);
      return;
    }
    this.announceIds(prefixId, peerId, addPathId, this.attributesIdOf(element), time);
  }

  /**
   * Interns the attributes of a plain element (AS path, origin, next hop, MED, LOCAL_PREF,
   * atomic aggregate, communities) and returns the set's id, for `announceIds`: a live UPDATE
   * interns its attributes once for all its prefixes. Throws a ParseError for a next hop that
   * does not parse.
   */
  attributesIdOf(element: MrtElement): number {
    return this.rawSets.internDecoded(this.decodedIdOfElement(element));
  }

  private decodedIdOfElement(element: MrtElement): number {
    const s = this.scratch;
    s.reset();
    encodeSegments(element.asPathSegments, s);
    const pathId = this.#pathWords.intern(s.words, s.length);
    const nextHopId = this.nextHopIdOfText(element.nextHop);
    s.reset();
    for (const community of element.communities ?? []) {
      // `high:low` (a part past a second colon ignored, a missing one 0), without the arrays
      // of split(':').
      const colon = community.indexOf(':');
      const high = Number(colon === -1 ? community : community.slice(0, colon));
      const end = colon === -1 ? -1 : community.indexOf(':', colon + 1);
      const low = colon === -1 ? 0 : Number(community.slice(colon + 1, end === -1 ? community.length : end));
      s.push((((high & 0xffff) << 16) | (low & 0xffff)) >>> 0);
    }
    const communitiesId = this.communityLists.intern(s.words, s.length);
    s.reset();
    for (const community of element.largeCommunities ?? []) {
      for (const part of community.split(':').slice(0, 3)) s.push(Number(part) >>> 0);
    }
    const largeId = this.largeCommunityLists.intern(s.words, s.length);
    const origin = element.origin === undefined ? NO_ORIGIN : ORIGIN_NAMES.indexOf(element.origin);
    const flags =
      (element.localPref !== undefined ? FLAG_LOCAL_PREF : 0) |
      (element.med !== undefined ? FLAG_MED : 0) |
      (element.atomicAggregate === true ? FLAG_ATOMIC_AGGREGATE : 0);
    return this.internAttributes(
      pathId,
      origin,
      flags,
      element.localPref ?? 0,
      element.med ?? 0,
      nextHopId,
      communitiesId,
      largeId,
    );
  }

  /**
   * Interns decoded attributes (a block the decoder or decodedIdOf has just decoded); `nextHop`,
   * when given, replaces the one the attributes name.
   */
  private internDecodedBlock(attributes: PathAttributes, nextHopSource: number, nextHop?: IpAddress): number {
    const path = this.pathScratch;
    path.reset();
    encodeAttributesPath(attributes, path);
    const pathId = this.#pathWords.intern(path.words, path.length);
    const s = this.scratch;
    s.reset();
    if (nextHop === undefined) encodeNextHop(attributes, nextHopSource, s);
    else encodeAddress(nextHop, s);
    const nextHopId = this.nextHops.intern(s.words, s.length);
    s.reset();
    encodeCommunities(attributes, s);
    const communitiesId = this.communityLists.intern(s.words, s.length);
    s.reset();
    encodeLargeCommunities(attributes, s);
    const largeId = this.largeCommunityLists.intern(s.words, s.length);
    const flags =
      (attributes.has(5) ? FLAG_LOCAL_PREF : 0) |
      (attributes.has(4) ? FLAG_MED : 0) |
      (attributes.has(6) ? FLAG_ATOMIC_AGGREGATE : 0);
    return this.internAttributes(
      pathId,
      attributes.origin >= 0 ? Math.min(attributes.origin, 2) : NO_ORIGIN,
      flags,
      attributes.localPref,
      attributes.med,
      nextHopId,
      communitiesId,
      largeId,
    );
  }

  /** The decoded set of attribute set `attributesId`, decoding its bytes on first use. */
  private decodedIdOf(attributesId: number): number {
    const known = this.rawSets.decoded[attributesId];
    if (known !== UNDECODED) return known;
    const attributes = this.decodeScratch;
    const context = this.decodeContext;
    this.rawSets.decodeInto(attributesId, attributes, context);
    const decodedId = this.internDecodedBlock(attributes, context.nextHopSource);
    this.rawSets.setDecoded(attributesId, decodedId);
    return decodedId;
  }

  /**
   * Decodes every attribute set not decoded yet, so that `paths` holds the path of every route
   * (for callers that enumerate paths rather than look them up by route).
   */
  decodeAllAttributes(): void {
    const raw = this.rawSets;
    for (let id = 0; id < raw.count && raw.pending !== 0; id++)
      if (raw.decoded[id] === UNDECODED) this.decodedIdOf(id);
  }

  private readonly attributeWords = new Uint32Array(ATTR_WORDS);

  private internAttributes(
    pathId: number,
    origin: number,
    flags: number,
    localPref: number,
    med: number,
    nextHopId: number,
    communitiesId: number,
    largeId: number,
  ): number {
    const w = this.attributeWords;
    w[ATTR_PATH] = pathId;
    w[ATTR_ORIGIN] = origin;
    w[ATTR_FLAGS] = flags;
    w[ATTR_LOCAL_PREF] = flags & FLAG_LOCAL_PREF ? localPref : 0;
    w[ATTR_MED] = flags & FLAG_MED ? med : 0;
    w[ATTR_NEXT_HOP] = nextHopId;
    w[ATTR_COMMUNITIES] = communitiesId;
    w[ATTR_LARGE_COMMUNITIES] = largeId;
    return this.decodedSets.intern(w, ATTR_WORDS);
  }

  private readonly keyWords = new Uint32Array(6);

  /** Id of the peer of the cursor, adding it if new. */
  private peerIdOfCursor(cursor: ElementCursor): number {
    const b = cursor.peerBytes;
    // Consecutive elements nearly always come from the same peer.
    const last = this.lastPeerBytes;
    if (cursor.peerAsn === this.lastPeerAsn && cursor.peerFamily === this.lastPeerFamily) {
      let same = true;
      const n = cursor.peerFamily === 4 ? 4 : 16;
      for (let i = 0; i < n; i++) {
        if (b[i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastPeerId;
    }
    const k = this.keyWords;
    k[0] = cursor.peerFamily;
    k[1] = cursor.peerAsn;
    const words = cursor.peerFamily === 4 ? 1 : 4;
    for (let w = 0; w < words; w++) {
      const i = w * 4;
      k[2 + w] = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
    }
    const id = this.peerIdOfKey(k, 2 + words, cursor.peerFamily, b);
    for (let i = 0; i < 16; i++) last[i] = b[i] ?? 0;
    this.lastPeerAsn = cursor.peerAsn;
    this.lastPeerFamily = cursor.peerFamily;
    this.lastPeerId = id;
    return id;
  }

  private readonly lastPeerBytes = new Uint8Array(16);
  private lastPeerAsn = -1;
  private lastPeerFamily = 0;
  private lastPeerId = -1;

  /** Id of a peer, adding it if new. */
  peerIdOf(address: IpAddress, asn: number): number {
    const k = this.keyWords;
    const b = address.bytes;
    k[0] = address.family;
    k[1] = asn >>> 0;
    const words = address.family === 4 ? 1 : 4;
    for (let w = 0; w < words; w++) {
      const i = w * 4;
      k[2 + w] = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
    }
    return this.peerIdOfKey(k, 2 + words, address.family, b);
  }

  /**
   * Id of the peer a plain element names. Consecutive elements nearly always come from the same
   * peer, with the same text: that text is parsed once per run of elements, not per element.
   */
  private peerIdOfText(text: string, asn: number): number {
    if (text === this.lastPeerText && asn === this.lastPeerTextAsn) return this.lastPeerTextId;
    const id = this.peerIdOf(parseAddress(text), asn);
    this.lastPeerText = text;
    this.lastPeerTextAsn = asn;
    this.lastPeerTextId = id;
    return id;
  }

  private lastPeerText: string | undefined;
  private lastPeerTextAsn = -1;
  private lastPeerTextId = -1;

  /** Id of a plain element's next hop (text, or none), parsing the same text as before once. */
  private nextHopIdOfText(text: string | undefined): number {
    if (this.lastNextHopText !== null && text === this.lastNextHopText) return this.lastNextHopId;
    const s = this.scratch;
    s.reset();
    encodeAddress(text === undefined ? undefined : parseAddress(text), s);
    const id = this.nextHops.intern(s.words, s.length);
    this.lastNextHopText = text;
    this.lastNextHopId = id;
    return id;
  }

  /** null: no next hop text seen yet (undefined is an element without a next hop). */
  private lastNextHopText: string | undefined | null = null;
  private lastNextHopId = -1;

  private peerIdOfKey(key: Uint32Array, length: number, family: 4 | 6, bytes: Uint8Array): number {
    const id = this.peerKeys.intern(key, length);
    if (id === this.peerList.length) {
      this.peerList.push({
        id,
        family,
        address: family === 4 ? formatIPv4(bytes, 0) : formatIPv6(bytes, 0),
        asn: key[1],
      });
      if (id >= this.peerRoutes.length) this.peerRoutes = grown(this.peerRoutes, this.peerRoutes.length * 2);
    }
    return id;
  }

  /** Id of a prefix given as (possibly unmasked) network bytes; adds it when `add` (else -1 if absent). */
  private prefixIdOfBytes(family: 4 | 6, bytes: Uint8Array, length: number, add = true): number {
    const index = this.prefixes;
    let id: number;
    if (family === 4) {
      const value = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
      id = index.v4(
        length >= 32 ? value : length === 0 ? 0 : (value & ~(0xffffffff >>> length)) >>> 0,
        length,
        add,
      );
    } else {
      const k = this.keyWords;
      for (let w = 0; w < 4; w++) {
        const i = w * 4;
        const bits = length - w * 32;
        const value = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
        k[w] = bits >= 32 ? value : bits <= 0 ? 0 : (value & ~(0xffffffff >>> bits)) >>> 0;
      }
      id = index.v6(k[0], k[1], k[2], k[3], length, add);
    }
    if (id >= this.prefixHead.length) this.growPrefixArrays(index.capacity);
    return id;
  }

  private growPrefixArrays(capacity: number): void {
    this.prefixHead = grown(this.prefixHead, capacity, EMPTY);
    this.prefixRoutes = grown(this.prefixRoutes, capacity);
    this.prefixCrowded = grown(this.prefixCrowded, capacity);
  }

  /** Id of a prefix, adding it if new. */
  prefixIdOf(prefix: Prefix): number {
    return this.prefixIdOfBytes(prefix.family, prefix.bytes, prefix.length);
  }

  /** Id of a prefix if the table has seen it, else -1 (does not add). */
  findPrefixId(prefix: Prefix): number {
    return this.prefixIdOfBytes(prefix.family, prefix.bytes, prefix.length, false);
  }

  // ---- changing routes --------------------------------------------------------------------------

  private findSlot(prefixId: number, peerId: number, addPathId: number): number {
    if (this.prefixCrowded[prefixId] === 0) {
      const peers = this.routePeer;
      const addPaths = this.routeAddPath;
      const next = this.routeNext;
      for (let slot = this.prefixHead[prefixId]; slot !== EMPTY; slot = next[slot]) {
        if (peers[slot] === peerId && addPaths[slot] === addPathId) return slot;
      }
      return EMPTY;
    }
    const slots = this.slots;
    const mask = this.slotMask;
    for (let at = routeHash(prefixId, peerId, addPathId) & mask; ; at = (at + 1) & mask) {
      const slot = slots[at];
      if (slot === EMPTY) return EMPTY;
      if (
        this.routePrefix[slot] === prefixId &&
        this.routePeer[slot] === peerId &&
        this.routeAddPath[slot] === addPathId
      )
        return slot;
    }
  }

  /** Installs or replaces the route; returns false when the stored route is newer. */
  announceIds(
    prefixId: number,
    peerId: number,
    addPathId: number,
    attributesId: number,
    time: number,
  ): boolean {
    let slot = this.findSlot(prefixId, peerId, addPathId);
    let previous = -1;
    if (slot !== EMPTY) {
      if (this.routeTime[slot] > time) {
        this.counters.stale++;
        return false;
      }
      previous = this.routeAttributes[slot];
      this.routeAttributes[slot] = attributesId;
      this.routeTime[slot] = time;
    } else {
      slot = this.newSlot();
      this.routePrefix[slot] = prefixId;
      this.routePeer[slot] = peerId;
      this.routeAddPath[slot] = addPathId;
      this.routeAttributes[slot] = attributesId;
      this.routeTime[slot] = time;
      this.routeNext[slot] = this.prefixHead[prefixId];
      this.prefixHead[prefixId] = slot;
      const routes = ++this.prefixRoutes[prefixId];
      this.peerRoutes[peerId]++;
      this.count++;
      if (this.prefixCrowded[prefixId] !== 0) this.insertHash(slot);
      else if (routes > CROWDED) this.crowd(prefixId);
    }
    this.counters.applied++;
    if (this.listeners.length !== 0) {
      const e = this.event;
      e.kind = 'announce';
      e.time = time;
      e.peerId = peerId;
      e.prefixId = prefixId;
      e.addPathId = addPathId;
      e.attributesId = attributesId;
      e.previousAttributesId = previous;
      e.cause = 'update';
      e.routesRemoved = 0;
      this.emit();
    }
    return true;
  }

  /** Removes the route if present (and not newer than `time`); returns whether it was removed. */
  withdrawIds(prefixId: number, peerId: number, addPathId: number, time: number): boolean {
    const slot = this.findSlot(prefixId, peerId, addPathId);
    if (slot === EMPTY) return false;
    if (this.routeTime[slot] > time) {
      this.counters.stale++;
      return false;
    }
    this.counters.applied++;
    this.removeSlot(slot, time, 'update');
    return true;
  }

  /** Removes every route of the peer (its session left Established). Returns how many. */
  peerDown(peerId: number, time: number): number {
    this.counters.peerDowns++;
    let removed = 0;
    if (this.peerRoutes[peerId] !== 0) {
      for (let slot = 0; slot < this.used; slot++) {
        if (this.routeAttributes[slot] !== FREE && this.routePeer[slot] === peerId) {
          this.removeSlot(slot, time, 'peer-down');
          removed++;
        }
      }
    }
    if (this.listeners.length !== 0) {
      const e = this.event;
      e.kind = 'peer-down';
      e.time = time;
      e.peerId = peerId;
      e.prefixId = -1;
      e.addPathId = 0;
      e.attributesId = -1;
      e.previousAttributesId = -1;
      e.cause = 'peer-down';
      e.routesRemoved = removed;
      this.emit();
    }
    return removed;
  }

  private emit(): void {
    for (const listener of this.listeners) listener(this.event, this);
  }

  private newSlot(): number {
    if (this.freeHead !== EMPTY) {
      const slot = this.freeHead;
      this.freeHead = this.routeNext[slot];
      return slot;
    }
    if (this.used === this.capacity) this.growRouteColumns(this.capacity * 2);
    return this.used++;
  }

  private growRouteColumns(size: number): void {
    this.routePrefix = grown(this.routePrefix, size);
    this.routePeer = grown(this.routePeer, size);
    this.routeAddPath = grown(this.routeAddPath, size);
    this.routeAttributes = grown(this.routeAttributes, size, FREE);
    this.routeTime = grown(this.routeTime, size);
    this.routeNext = grown(this.routeNext, size);
    this.capacity = size;
  }

  /** Moves a prefix with many routes (many peers or ADD-PATH ids) to the hash index. */
  private crowd(prefixId: number): void {
    this.prefixCrowded[prefixId] = 1;
    for (let slot = this.prefixHead[prefixId]; slot !== EMPTY; slot = this.routeNext[slot])
      this.insertHash(slot);
  }

  private insertHash(slot: number): void {
    if ((this.hashed + 1) * 2 > this.slots.length) {
      const size = this.slots.length * 2;
      this.slots = new Int32Array(size).fill(EMPTY);
      this.slotMask = size - 1;
      for (let s = 0; s < this.used; s++) {
        if (this.routeAttributes[s] !== FREE && this.prefixCrowded[this.routePrefix[s]] !== 0 && s !== slot) {
          this.placeHash(s);
        }
      }
    }
    this.hashed++;
    this.placeHash(slot);
  }

  private placeHash(slot: number): void {
    const slots = this.slots;
    const mask = this.slotMask;
    let at = routeHash(this.routePrefix[slot], this.routePeer[slot], this.routeAddPath[slot]) & mask;
    while (slots[at] !== EMPTY) at = (at + 1) & mask;
    slots[at] = slot;
  }

  /** Linear-probing delete with backward shift (no tombstones). */
  private deleteHash(slot: number): void {
    const slots = this.slots;
    const mask = this.slotMask;
    let at = routeHash(this.routePrefix[slot], this.routePeer[slot], this.routeAddPath[slot]) & mask;
    while (slots[at] !== slot) at = (at + 1) & mask;
    let hole = at;
    for (let next = (hole + 1) & mask; slots[next] !== EMPTY; next = (next + 1) & mask) {
      const s = slots[next];
      const home = routeHash(this.routePrefix[s], this.routePeer[s], this.routeAddPath[s]) & mask;
      // Move s into the hole when its home is not cyclically within (hole, next].
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        slots[hole] = s;
        hole = next;
      }
    }
    slots[hole] = EMPTY;
    this.hashed--;
  }

  private removeSlot(slot: number, time: number, cause: 'update' | 'peer-down'): void {
    const prefixId = this.routePrefix[slot];
    const peerId = this.routePeer[slot];
    const attributesId = this.routeAttributes[slot];
    const addPathId = this.routeAddPath[slot];
    const crowded = this.prefixCrowded[prefixId] !== 0;
    if (crowded) this.deleteHash(slot);
    // Unlink from the prefix's list.
    let at = this.prefixHead[prefixId];
    if (at === slot) this.prefixHead[prefixId] = this.routeNext[slot];
    else {
      while (this.routeNext[at] !== slot) at = this.routeNext[at];
      this.routeNext[at] = this.routeNext[slot];
    }
    if (--this.prefixRoutes[prefixId] === 0) this.prefixCrowded[prefixId] = 0;
    this.peerRoutes[peerId]--;
    this.count--;
    this.routeAttributes[slot] = FREE;
    this.routeNext[slot] = this.freeHead;
    this.freeHead = slot;
    if (this.listeners.length !== 0) {
      const e = this.event;
      e.kind = 'withdraw';
      e.time = time;
      e.peerId = peerId;
      e.prefixId = prefixId;
      e.addPathId = addPathId;
      e.attributesId = attributesId;
      e.previousAttributesId = attributesId;
      e.cause = cause;
      e.routesRemoved = 0;
      this.emit();
    }
  }

  // ---- queries ----------------------------------------------------------------------------------

  /** Number of current routes. */
  get routeCount(): number {
    return this.count;
  }

  /** Number of prefixes ever seen (some may have no route now). */
  get prefixCount(): number {
    return this.prefixes.count;
  }

  /** Number of prefixes with at least one route now. */
  get visiblePrefixCount(): number {
    let n = 0;
    for (let id = 0; id < this.prefixes.count; id++) if (this.prefixRoutes[id] !== 0) n++;
    return n;
  }

  get peerCount(): number {
    return this.peerList.length;
  }

  peer(id: number): PeerInfo {
    return this.peerList[id];
  }

  peers(): PeerInfo[] {
    return this.peerList.slice();
  }

  /** Current routes of peer `id`. */
  peerRouteCount(id: number): number {
    return this.peerRoutes[id] ?? 0;
  }

  /** Routes of prefix `id` now. */
  prefixRouteCount(id: number): number {
    return this.prefixRoutes[id] ?? 0;
  }

  prefixFamily(id: number): 4 | 6 {
    return this.prefixes.family(id);
  }

  prefixLength(id: number): number {
    return this.prefixes.length(id);
  }

  /** The network of IPv4 prefix `id` as an unsigned 32-bit number (for IPv6: its first 32 bits). */
  ipv4Network(id: number): number {
    return this.prefixes.word(id, 0);
  }

  /**
   * The text of prefix `id`, as `prefix(id).toString()` writes it; IPv4 without building the
   * Prefix (a history keys every prefix of a full table by its text).
   */
  prefixText(id: number): string {
    if (this.prefixes.family(id) !== 4) return this.prefix(id).toString();
    const length = this.prefixes.length(id);
    const network = length === 0 ? 0 : this.prefixes.word(id, 0) & (-1 << (32 - length));
    return `${network >>> 24}.${(network >>> 16) & 255}.${(network >>> 8) & 255}.${network & 255}/${length}`;
  }

  /** Orders prefix ids as Prefix.compare does (IPv4 first, then network, then length), without objects. */
  comparePrefixes(a: number, b: number): number {
    const index = this.prefixes;
    const fa = index.family(a);
    const fb = index.family(b);
    if (fa !== fb) return fa - fb;
    const words = fa === 4 ? 1 : 4;
    for (let w = 0; w < words; w++) {
      const wa = index.word(a, w);
      const wb = index.word(b, w);
      if (wa !== wb) return wa - wb;
    }
    return index.length(a) - index.length(b);
  }

  /**
   * `ids` sorted as `comparePrefixes` orders them (family, network, length), in a new array.
   * IPv4 ids go through a radix sort (length, then the network): a full table's 577 k prefixes
   * sort in tens of ms, where a comparator sort took a third of a second.
   */
  sortPrefixIds(ids: ArrayLike<number>): Int32Array {
    const index = this.prefixes;
    const n = ids.length;
    if (n < RADIX_SORT_MIN) return Int32Array.from(ids).sort((a, b) => this.comparePrefixes(a, b));
    const v4 = new Int32Array(n);
    const v6: number[] = [];
    let count = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (index.family(id) === 4) v4[count++] = id;
      else v6.push(id);
    }
    // Keys travel with the ids (sequential reads in every pass): network word, length.
    let ids4 = v4.subarray(0, count);
    let words = new Uint32Array(count);
    let lengths = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      words[i] = index.word(ids4[i], 0);
      lengths[i] = index.length(ids4[i]);
    }
    let idsOut = new Int32Array(count);
    let wordsOut = new Uint32Array(count);
    let lengthsOut = new Uint8Array(count);
    // Digits small enough that every bucket's write position stays in cache: the length (6
    // bits), then the network in three 11-bit digits, least significant first.
    const buckets = new Int32Array(2049);
    for (let pass = 0; pass < 4; pass++) {
      const shift = pass === 0 ? 0 : 11 * (pass - 1);
      buckets.fill(0);
      for (let i = 0; i < count; i++) {
        const key = pass === 0 ? lengths[i] : (words[i] >>> shift) & 0x7ff;
        buckets[key + 1]++;
      }
      for (let b = 1; b < buckets.length; b++) buckets[b] += buckets[b - 1];
      for (let i = 0; i < count; i++) {
        const key = pass === 0 ? lengths[i] : (words[i] >>> shift) & 0x7ff;
        const at = buckets[key]++;
        idsOut[at] = ids4[i];
        wordsOut[at] = words[i];
        lengthsOut[at] = lengths[i];
      }
      [ids4, idsOut] = [idsOut, ids4];
      [words, wordsOut] = [wordsOut, words];
      [lengths, lengthsOut] = [lengthsOut, lengths];
    }
    const out = new Int32Array(n);
    out.set(ids4);
    v6.sort((a, b) => this.comparePrefixes(a, b));
    out.set(v6, count);
    return out;
  }

  /** The prefix with id `id` (a new object; the table keeps only words). */
  prefix(id: number): Prefix {
    const index = this.prefixes;
    const family = index.family(id);
    const words = family === 4 ? 1 : 4;
    const bytes = new Uint8Array(words * 4);
    for (let w = 0; w < words; w++) {
      const v = index.word(id, w);
      const i = w * 4;
      bytes[i] = v >>> 24;
      bytes[i + 1] = (v >>> 16) & 0xff;
      bytes[i + 2] = (v >>> 8) & 0xff;
      bytes[i + 3] = v & 0xff;
    }
    return Prefix.fromBytes(family, bytes, 0, index.length(id));
  }

  /**
   * Calls `visit` for every current route (in storage order; no allocation per route). The table
   * must not change during the scan.
   */
  forEachRoute(visit: RouteVisitor): void {
    const prefix = this.routePrefix;
    const peer = this.routePeer;
    const attributes = this.routeAttributes;
    const time = this.routeTime;
    const addPath = this.routeAddPath;
    const used = this.used;
    for (let slot = 0; slot < used; slot++) {
      const attributesId = attributes[slot];
      if (attributesId !== FREE) visit(prefix[slot], peer[slot], attributesId, time[slot], addPath[slot]);
    }
  }

  /** Calls `visit` for every current route of prefix `prefixId` (newest route first). */
  forEachRouteOfPrefix(prefixId: number, visit: RouteVisitor): void {
    const next = this.routeNext;
    for (let slot = this.prefixHead[prefixId] ?? EMPTY; slot !== EMPTY; slot = next[slot])
      visit(
        prefixId,
        this.routePeer[slot],
        this.routeAttributes[slot],
        this.routeTime[slot],
        this.routeAddPath[slot],
      );
  }

  /**
   * Slot ids of the routes of prefix `id`.
   * Inside routing only (routing/visibility.ts); the routing-internals lint rule rejects it elsewhere.
   */
  routeSlotsOfPrefix(id: number): number[] {
    const out: number[] = [];
    for (let slot = this.prefixHead[id] ?? EMPTY; slot !== EMPTY; slot = this.routeNext[slot]) out.push(slot);
    return out;
  }

  /**
   * The typed arrays of the route slots (valid until the table changes).
   * Inside routing only (routing/visibility.ts); the routing-internals lint rule rejects it elsewhere.
   */
  columns(): RouteColumns {
    return {
      slots: this.used,
      prefix: this.routePrefix,
      peer: this.routePeer,
      attributes: this.routeAttributes,
      time: this.routeTime,
    };
  }

  /** AS path id of an attribute set (decoding the set on first use: see `paths`). */
  pathIdOf(attributesId: number): number {
    const decodedId = this.decodedIdOf(attributesId);
    return this.decodedSets.poolArray()[this.decodedSets.start(decodedId) + ATTR_PATH];
  }

  /** AS path segments of path `pathId` (undefined when the route had none). */
  pathSegments(pathId: number): AsPathSegment[] | undefined {
    return this.paths.segments(pathId);
  }

  /** Origin AS(es) of path `pathId`. */
  pathOrigins(pathId: number): number[] {
    return this.paths.origins(pathId);
  }

  /** Decodes an interned attribute set. */
  attributes(attributesId: number): RouteAttributes {
    const w = this.decodedSets.view(this.decodedIdOf(attributesId)).slice();
    const pathId = w[ATTR_PATH];
    const asPath = this.pathSegments(pathId);
    const flags = w[ATTR_FLAGS];
    return {
      asPath,
      asPathText: asPath === undefined ? '' : formatAsPath(asPath),
      originAsns: this.pathOrigins(pathId),
      origin: w[ATTR_ORIGIN] === NO_ORIGIN ? undefined : ORIGIN_NAMES[w[ATTR_ORIGIN]],
      nextHop: nextHopText(this.nextHops.view(w[ATTR_NEXT_HOP])),
      localPref: flags & FLAG_LOCAL_PREF ? w[ATTR_LOCAL_PREF] : undefined,
      med: flags & FLAG_MED ? w[ATTR_MED] : undefined,
      atomicAggregate: (flags & FLAG_ATOMIC_AGGREGATE) !== 0,
      communities: communitiesText(this.communityLists.view(w[ATTR_COMMUNITIES])),
      largeCommunities: largeCommunitiesText(this.largeCommunityLists.view(w[ATTR_LARGE_COMMUNITIES])),
    };
  }

  private routeOfSlot(slot: number): Route {
    const attributesId = this.routeAttributes[slot];
    return {
      prefix: this.prefix(this.routePrefix[slot]),
      peer: this.peerList[this.routePeer[slot]],
      addPathId: this.routeAddPath[slot],
      time: this.routeTime[slot],
      attributesId,
      asPathId: this.pathIdOf(attributesId),
      attributes: this.attributes(attributesId),
    };
  }

  /** The current routes of exactly `prefix`, ordered by peer id. */
  routesOf(prefix: Prefix): Route[] {
    const id = this.findPrefixId(prefix);
    if (id < 0) return [];
    return this.routeSlotsOfPrefix(id)
      .sort((a, b) => this.routePeer[a] - this.routePeer[b] || this.routeAddPath[a] - this.routeAddPath[b])
      .map((slot) => this.routeOfSlot(slot));
  }

  /** Which peers see `prefix` now (exact prefix), ordered by peer id. */
  visibility(prefix: Prefix): PeerInfo[] {
    const id = this.findPrefixId(prefix);
    if (id < 0) return [];
    const peers = new Set<number>();
    for (const slot of this.routeSlotsOfPrefix(id)) peers.add(this.routePeer[slot]);
    return [...peers].sort((a, b) => a - b).map((peer) => this.peerList[peer]);
  }

  /** The most specific prefix with routes now that contains `target`, and its routes. */
  longestMatch(target: IpAddress | Prefix): { prefix: Prefix; routes: Route[] } | undefined {
    // From the longest length down: the first prefix with routes is the answer.
    const longest = target instanceof Prefix ? target.length : target.family === 4 ? 32 : 128;
    for (let length = longest; length >= 0; length--) {
      const id = this.prefixIdOfBytes(target.family, target.bytes, length, false);
      if (id >= 0 && this.prefixRoutes[id] !== 0) {
        const prefix = this.prefix(id);
        return { prefix, routes: this.routesOf(prefix) };
      }
    }
    return undefined;
  }

  /** Every prefix with routes now that contains `target` (least specific first). */
  coveringPrefixes(target: IpAddress | Prefix): Prefix[] {
    return this.coveringIds(target).map((id) => this.prefix(id));
  }

  /**
   * Ids of the prefixes with routes now that contain `target` (equal included), least specific
   * first: one lookup in the prefix index per length, so a question about one address costs no
   * trie of the whole table.
   */
  private coveringIds(target: IpAddress | Prefix): number[] {
    const longest = target instanceof Prefix ? target.length : target.family === 4 ? 32 : 128;
    const ids: number[] = [];
    for (let length = 0; length <= longest; length++) {
      const id = this.prefixIdOfBytes(target.family, target.bytes, length, false);
      if (id >= 0 && this.prefixRoutes[id] !== 0) ids.push(id);
    }
    return ids;
  }

  /** Memory held by the table. */
  memory(): TableMemory {
    const perSlot = 4 * 6; // six slot arrays (the hash holds only crowded prefixes' routes)
    const interned =
      this.#pathWords.usedBytes +
      this.rawSets.usedBytes +
      this.decodedSets.usedBytes +
      this.nextHops.usedBytes +
      this.communityLists.usedBytes +
      this.largeCommunityLists.usedBytes +
      this.prefixes.usedBytes +
      this.peerKeys.usedBytes +
      this.prefixes.count * 9 + // prefix head, count, crowded flag
      this.hashed * 8;
    const usedBytes = this.count * perSlot + interned;
    const allocatedBytes =
      this.routePrefix.byteLength +
      this.routePeer.byteLength +
      this.routeAddPath.byteLength +
      this.routeAttributes.byteLength +
      this.routeTime.byteLength +
      this.routeNext.byteLength +
      this.slots.byteLength +
      this.prefixHead.byteLength +
      this.prefixRoutes.byteLength +
      this.prefixCrowded.byteLength +
      this.peerRoutes.byteLength +
      this.#pathWords.byteLength +
      this.rawSets.byteLength +
      this.decodedSets.byteLength +
      this.nextHops.byteLength +
      this.communityLists.byteLength +
      this.largeCommunityLists.byteLength +
      this.prefixes.byteLength +
      this.peerKeys.byteLength;
    return {
      routes: this.count,
      prefixes: this.prefixes.count,
      peers: this.peerList.length,
      paths: this.#pathWords.count,
      attributeSets: this.rawSets.count,
      allocatedBytes,
      usedBytes,
      bytesPerRouteSlot: perSlot,
      bytesPerRoute: this.count === 0 ? 0 : usedBytes / this.count,
    };
  }
}

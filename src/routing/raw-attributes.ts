/**
 * RawAttributeStore: the attribute sets of a routing table as the wire gave them, each distinct
 * block of path-attribute bytes stored once, decoded only when a query first needs it.
 *
 * Why: loading a full table from one peer's updates makes a new attribute set for nearly every
 * UPDATE (84,118 sets for 89,681 UPDATEs in data/mrt's 2015 file). Decoding each into the
 * interned words the queries read (AS path, next hop, community lists: five interners, a cache
 * miss or two each) cost more than decoding the whole file; hashing and copying the bytes costs a
 * tenth of it, and most queries (one country, one AS, one address) decode only the sets of the
 * routes they read.
 *
 * A set's key is the attribute block with MP_UNREACH_NLRI left out and MP_REACH_NLRI cut before
 * its NLRI (the prefixes are not attributes of the route), with the ASN width of the block and
 * where the element took its next hop from; decoding the stored bytes again gives the same
 * AS path, origin, next hop, MED, LOCAL_PREF, communities and flags as the original block.
 * Sets interned from plain elements (live sessions, JSON) have no bytes: their decoded id is
 * known from the start.
 *
 * Sets are found again through a direct-mapped cache of the most recent set per hash bucket, not
 * an exact index: a big hash table costs a cache and TLB miss for every new set (most of a full
 * table's), the 256 KB cache stays in L2. It is lossy (a set whose bucket was taken since may be
 * stored twice, under two ids), but ids are opaque and decoded sets are interned exactly; on the
 * inputs of data/mrt it stores 0.5-5% more sets than an exact index would (a RouteViews RIB's
 * first MB: 88,985 for 87,184 distinct; RIPE's 2002 full RIB: 22,063 for 20,934).
 */
import { AttrFlag, AttrType, type PathAttributes } from '../bgp/index.js';
import { grown } from './arrays.js';

/** `decoded` of a set not decoded yet. */
export const UNDECODED = -1;
/** Largest key (an attribute block is at most 65,535 bytes, less the MP NLRI). */
const MAX_KEY = 65536 + 16;
/** Buckets of the cache of recent sets (see above), when full grown. */
const RECENT_BITS = 16;
/** Buckets a new store starts with: a small table (one update file, a test) allocates little. */
const RECENT_BITS_INITIAL = 6;
const EMPTY_KEY = new Uint8Array(0);
/**
 * Where the key of a set with MP attributes is built before it is hashed and copied in: one per
 * thread (made on first use), not per store, since `intern` finishes with it before it returns.
 */
let keyScratch = EMPTY_KEY;

/** What the stored bytes of a set need besides themselves to decode as the original did. */
export interface RawSetContext {
  /** 2 or 4: the ASN width of the block. */
  asnLength: number;
  /** The element's NextHopSource (0 NEXT_HOP attribute, 1 MP_REACH, 2 RIB entry). */
  nextHopSource: number;
}

function hashBytes(bytes: Uint8Array, from: number, length: number, seed: number): number {
  let h = 0x811c9dc5 ^ seed ^ Math.imul(length, 0x9e3779b1);
  let i = from;
  const end = from + length;
  for (; i + 4 <= end; i += 4) {
    h = Math.imul(
      h ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)),
      0x01000193,
    );
    h ^= h >>> 15;
  }
  for (; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class RawAttributeStore {
  /** Keys back to back. */
  private bytes: Uint8Array;
  private bytesUsed = 0;
  /** Set i's key is bytes[starts[i], starts[i + 1]). */
  private starts: Uint32Array;
  /** Per set: asnLength | nextHopSource << 3; 0xff for a set without bytes (from a plain element). */
  private context: Uint8Array;
  private hashes: Uint32Array;
  /** Per set: the id of its decoded attribute set in the table, or UNDECODED. */
  decoded: Int32Array;
  /** Per hash bucket: the id + 1 of the last set stored with that hash (0: none). */
  private recent = new Int32Array(1 << RECENT_BITS_INITIAL);
  private recentMask = (1 << RECENT_BITS_INITIAL) - 1;
  /** Decoded set id -> set id + 1 of the byte-less set made for it (plain elements). */
  private ofDecoded = new Int32Array(16);
  /** Sets with bytes not decoded yet. */
  pending = 0;
  count = 0;

  constructor(initialSets = 1024, initialBytes = initialSets * 64) {
    this.bytes = new Uint8Array(initialBytes);
    this.starts = new Uint32Array(initialSets + 1);
    this.context = new Uint8Array(initialSets);
    this.hashes = new Uint32Array(initialSets);
    this.decoded = new Int32Array(initialSets);
  }

  /**
   * The id of the set of `attributes` (the block the decoder has just decoded), adding it if new.
   * Allocates nothing for a set already stored.
   */
  intern(attributes: PathAttributes, nextHopSource: number): number {
    // Without MP attributes the key is the block itself: read in place, copied only when new.
    let source: Uint8Array = attributes.buf;
    let from = attributes.start;
    let length = attributes.end - from;
    if (attributes.hasMpReach || attributes.hasMpUnreach) {
      if (keyScratch.length < MAX_KEY) keyScratch = new Uint8Array(MAX_KEY);
      source = keyScratch;
      from = 0;
      length = keyOf(attributes, source);
    }
    const context = attributes.asnLength | (nextHopSource << 3);
    const hash = hashBytes(source, from, length, context);
    const bucket = hash & this.recentMask;
    const last = this.recent[bucket] - 1;
    if (
      last >= 0 &&
      this.hashes[last] === hash &&
      this.context[last] === context &&
      this.equals(last, source, from, length)
    )
      return last;
    const id = this.add(source, from, length, context, hash);
    if (id >= this.recent.length >>> 2 && this.recent.length < 1 << RECENT_BITS)
      this.growRecent(Math.min(1 << RECENT_BITS, this.recent.length * 4));
    this.recent[hash & this.recentMask] = id + 1;
    this.decoded[id] = UNDECODED;
    this.pending++;
    return id;
  }

  /** The id of a byte-less set standing for decoded set `decodedId` (plain elements). */
  internDecoded(decodedId: number): number {
    if (decodedId >= this.ofDecoded.length)
      this.ofDecoded = grown(this.ofDecoded, Math.max(decodedId + 1, this.ofDecoded.length * 2));
    const known = this.ofDecoded[decodedId];
    if (known !== 0) return known - 1;
    const id = this.add(EMPTY_KEY, 0, 0, 0xff, 0);
    this.decoded[id] = decodedId;
    this.ofDecoded[decodedId] = id + 1;
    return id;
  }

  /** Records the decoded id of set `id` (after `decodeInto`). */
  setDecoded(id: number, decodedId: number): void {
    if (this.decoded[id] === UNDECODED) this.pending--;
    this.decoded[id] = decodedId;
  }

  /**
   * Decodes the stored bytes of set `id` into `attributes` (which then reads the store's pool:
   * use it before the next `intern`) and returns the context they need.
   */
  decodeInto(id: number, attributes: PathAttributes, context: RawSetContext): void {
    const packed = this.context[id];
    context.asnLength = packed & 7;
    context.nextHopSource = packed >>> 3;
    attributes.decode(this.bytes, this.starts[id], this.starts[id + 1], context.asnLength, false);
  }

  /** Bytes the stored sets need (keys, per-set arrays at their used size, index). */
  get usedBytes(): number {
    return this.bytesUsed + this.count * 17 + this.recent.byteLength;
  }

  /** Bytes held by the typed arrays (capacity). */
  get byteLength(): number {
    return (
      this.bytes.byteLength +
      this.starts.byteLength +
      this.context.byteLength +
      this.hashes.byteLength +
      this.decoded.byteLength +
      this.recent.byteLength +
      this.ofDecoded.byteLength
    );
  }

  /**
   * A larger cache, refilled with the most recent set of each new bucket: the state it would
   * have had at that size from the start, less the lookups the smaller one missed.
   */
  private growRecent(buckets: number): void {
    this.recent = new Int32Array(buckets);
    this.recentMask = buckets - 1;
    for (let id = 0; id < this.count; id++)
      if (this.context[id] !== 0xff) this.recent[this.hashes[id] & this.recentMask] = id + 1;
  }

  /** Makes room for `sets` sets of `bytes` key bytes in all, without growing while a table loads. */
  reserve(sets: number, bytes: number): void {
    if (sets > this.recent.length >>> 2 && this.recent.length < 1 << RECENT_BITS)
      this.growRecent(1 << RECENT_BITS);
    if (sets + 1 > this.hashes.length) this.growSets(sets + 1);
    if (bytes > this.bytes.length) this.bytes = grown(this.bytes, bytes);
  }

  private equals(id: number, key: Uint8Array, from: number, length: number): boolean {
    const start = this.starts[id];
    if (this.starts[id + 1] - start !== length) return false;
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== key[from + i]) return false;
    return true;
  }

  private add(key: Uint8Array, from: number, length: number, context: number, hash: number): number {
    const id = this.count;
    if (id + 1 >= this.hashes.length) this.growSets();
    if (this.bytesUsed + length > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < this.bytesUsed + length) size *= 2;
      this.bytes = grown(this.bytes, size);
    }
    const bytes = this.bytes;
    const base = this.bytesUsed;
    for (let i = 0; i < length; i++) bytes[base + i] = key[from + i];
    this.bytesUsed = base + length;
    this.starts[id + 1] = this.bytesUsed;
    this.context[id] = context;
    this.hashes[id] = hash;
    this.count = id + 1;
    return id;
  }

  private growSets(atLeast = 0): void {
    const capacity = Math.max(this.hashes.length * 2, atLeast);
    const starts = new Uint32Array(capacity + 1);
    starts.set(this.starts.subarray(0, this.count + 1));
    this.starts = starts;
    this.context = grown(this.context, capacity);
    this.hashes = grown(this.hashes, capacity);
    this.decoded = grown(this.decoded, capacity);
  }
}

/**
 * Writes the key of the block `attributes` last decoded into `key` and returns its length: the
 * attributes as they are, but MP_UNREACH_NLRI left out and MP_REACH_NLRI cut before its NLRI
 * (its length rewritten, with the extended-length flag). Bytes after the last well-formed
 * attribute header are kept as they are, so that decoding the key meets the same problem.
 */
function keyOf(attributes: PathAttributes, key: Uint8Array): number {
  const buf = attributes.buf;
  const end = attributes.end;
  let out = 0;
  let pos = attributes.start;
  while (pos + 3 <= end) {
    const flags = buf[pos];
    const type = buf[pos + 1];
    const extended = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (extended && pos + 4 > end) break;
    const valueStart = pos + (extended ? 4 : 3);
    const valueEnd = valueStart + (extended ? (buf[pos + 2] << 8) | buf[pos + 3] : buf[pos + 2]);
    if (valueEnd > end) break;
    if (type === AttrType.MP_UNREACH_NLRI) {
      pos = valueEnd;
      continue;
    }
    // AFI (2), SAFI, next-hop length, next hop, reserved byte; then the NLRI. A first byte that is
    // not 0 is the abbreviated form of RIB entries (no AFI, no NLRI): kept whole, as is a value
    // too short to hold its own next hop.
    let cut = valueEnd;
    if (type === AttrType.MP_REACH_NLRI && valueEnd - valueStart >= 5 && buf[valueStart] === 0) {
      const nlri = valueStart + 5 + buf[valueStart + 3];
      if (nlri <= valueEnd) cut = nlri;
    }
    if (cut === valueEnd) {
      for (let i = pos; i < valueEnd; i++) key[out++] = buf[i];
    } else {
      const length = cut - valueStart;
      key[out++] = flags | AttrFlag.EXTENDED_LENGTH;
      key[out++] = type;
      key[out++] = length >>> 8;
      key[out++] = length & 0xff;
      for (let i = valueStart; i < cut; i++) key[out++] = buf[i];
    }
    pos = valueEnd;
  }
  for (let i = pos; i < end; i++) key[out++] = buf[i];
  return out;
}

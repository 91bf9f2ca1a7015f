/**
 * PrefixIndex: gives every distinct prefix (family, network, length) a dense id, for the routing
 * table. The keys sit inline in open-addressing slots (IPv4: address word, then length and id in
 * one word; IPv6: four address words, then length and id), so a lookup touches one cache line
 * and never the per-id storage.
 *
 * Why not WordInterner: loading a table is mostly new prefixes, and a general interner costs two
 * or three cache misses per new key (slot, sequence start, pool); here it is one. Keys are hashed
 * whole: a home that kept address order inside a /16 (tried, for cache locality on sorted input)
 * made clusters of hundreds of slots on a real full table (32 probes per insert on average).
 */
import { CairnError } from '../errors/index.js';
import { grown } from './arrays.js';

const EMPTY = -1;
/** Ids live in the low 26 bits of the slot's last word, the length in the top 6 (IPv4) or a separate word (IPv6). */
const ID_BITS = 26;
const ID_MASK = (1 << ID_BITS) - 1;
/** Most prefixes one index holds (67 M: far beyond any real table; a bound for hostile input). */
export const MAX_PREFIXES = ID_MASK;
const V4_STRIDE = 2;
const V6_STRIDE = 6;

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function homeV4(address: number, length: number): number {
  return mix(Math.imul(address ^ 0x27d4eb2d, 0x165667b1) ^ length);
}

function homeV6(w0: number, w1: number, w2: number, w3: number, length: number): number {
  let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0x27d4eb2d);
  h = Math.imul(h ^ (h >>> 16) ^ w3, 0x165667b1);
  return mix(h ^ length);
}

function tableSize(expected: number): number {
  let size = 16;
  while (size < expected * 2) size *= 2;
  return size;
}

export class PrefixIndex {
  /** Per id: family << 8 | length. */
  private meta: Uint16Array;
  /** Per id: the first (most significant) 32 bits of the network. */
  private word0: Uint32Array;
  /** Per id: IPv6 only, the start of its words 1..3 in `v6Words`; -1 for IPv4. */
  private v6Start: Int32Array;
  private v6Words: Uint32Array;
  private v6Used = 0;
  private v4Slots: Int32Array;
  private v4Mask: number;
  private v4Count = 0;
  private v6Slots: Int32Array;
  private v6Mask: number;
  private v6Count = 0;
  /** Prefixes indexed; ids are 0 .. count - 1. */
  count = 0;

  constructor(expectedPrefixes = 65536) {
    // Sized for the expected count, IPv6 for an eighth of it up to 1,024 (`reserve` makes more
    // room): a small index allocates little (see RoutingTable for why that matters).
    const capacity = Math.max(16, expectedPrefixes);
    this.meta = new Uint16Array(capacity);
    this.word0 = new Uint32Array(capacity);
    this.v6Start = new Int32Array(capacity);
    const v6 = Math.min(1024, Math.max(16, expectedPrefixes >>> 3));
    this.v6Words = new Uint32Array(3 * v6);
    const v4 = tableSize(expectedPrefixes);
    this.v4Slots = new Int32Array(v4 * V4_STRIDE).fill(EMPTY);
    this.v4Mask = v4 - 1;
    const v6Slots = tableSize(v6);
    this.v6Slots = new Int32Array(v6Slots * V6_STRIDE).fill(EMPTY);
    this.v6Mask = v6Slots - 1;
  }

  /** Number of ids the per-id arrays hold now (callers size their own per-prefix arrays on it). */
  get capacity(): number {
    return this.meta.length;
  }

  /**
   * Reads the home slot of every IPv4 prefix in the NLRI bytes `buf[start, end)` (with 4-byte
   * path ids before each when `addPath`), changing nothing: the slots' cache lines are then
   * loaded, all at once, before `v4` looks the prefixes up one by one (each new prefix of a
   * full table otherwise waits on its own cache and TLB miss). Stops at the first malformed
   * prefix; never throws.
   */
  touchV4(buf: Uint8Array, start: number, end: number, addPath: boolean): void {
    const slots = this.v4Slots;
    const mask = this.v4Mask;
    let sum = 0;
    for (let p = start; p < end;) {
      if (addPath) p += 4;
      if (p >= end) break;
      const length = buf[p++];
      const bytes = (length + 7) >>> 3;
      if (length > 32 || p + bytes > end) break;
      let value = bytes > 0 ? buf[p] << 24 : 0;
      if (bytes > 1) value |= buf[p + 1] << 16;
      if (bytes > 2) value |= buf[p + 2] << 8;
      if (bytes > 3) value |= buf[p + 3];
      value = length >= 32 ? value >>> 0 : length === 0 ? 0 : (value & ~(0xffffffff >>> length)) >>> 0;
      sum += slots[(homeV4(value, length) & mask) * V4_STRIDE + 1];
      p += bytes;
    }
    // Kept so that the compiler cannot drop the loads.
    this.touched = sum;
  }

  /** The sum of the last touched slots (no meaning; see touchV4). */
  touched = 0;

  /**
   * Id of the IPv4 prefix `address/length` (bits past the length must already be zero), adding
   * it when `add` is true; -1 when absent and not added.
   */
  v4(address: number, length: number, add: boolean): number {
    const slots = this.v4Slots;
    const mask = this.v4Mask;
    const signed = address | 0;
    for (let at = homeV4(address, length) & mask; ; at = (at + 1) & mask) {
      const o = at * V4_STRIDE;
      const tag = slots[o + 1];
      if (tag === EMPTY) {
        if (!add) return -1;
        const id = this.newId(4, length, address);
        slots[o] = signed;
        slots[o + 1] = (length << ID_BITS) | id;
        if (++this.v4Count * 2 > mask + 1) this.growV4();
        return id;
      }
      if (slots[o] === signed && tag >>> ID_BITS === length) return tag & ID_MASK;
    }
  }

  /** Id of the IPv6 prefix given by its four words (masked), adding it when `add` is true. */
  v6(w0: number, w1: number, w2: number, w3: number, length: number, add: boolean): number {
    const slots = this.v6Slots;
    const mask = this.v6Mask;
    const s0 = w0 | 0;
    const s1 = w1 | 0;
    const s2 = w2 | 0;
    const s3 = w3 | 0;
    for (let at = homeV6(w0, w1, w2, w3, length) & mask; ; at = (at + 1) & mask) {
      const o = at * V6_STRIDE;
      const id = slots[o + 5];
      if (id === EMPTY) {
        if (!add) return -1;
        const created = this.newId(6, length, w0);
        const start = this.v6Used;
        if (start + 3 > this.v6Words.length) this.v6Words = grown(this.v6Words, this.v6Words.length * 2);
        this.v6Words[start] = w1;
        this.v6Words[start + 1] = w2;
        this.v6Words[start + 2] = w3;
        this.v6Used = start + 3;
        this.v6Start[created] = start;
        slots[o] = s0;
        slots[o + 1] = s1;
        slots[o + 2] = s2;
        slots[o + 3] = s3;
        slots[o + 4] = length;
        slots[o + 5] = created;
        if (++this.v6Count * 2 > mask + 1) this.growV6();
        return created;
      }
      if (
        slots[o] === s0 &&
        slots[o + 1] === s1 &&
        slots[o + 2] === s2 &&
        slots[o + 3] === s3 &&
        slots[o + 4] === length
      )
        return id;
    }
  }

  family(id: number): 4 | 6 {
    return (this.meta[id] >>> 8) as 4 | 6;
  }

  length(id: number): number {
    return this.meta[id] & 0xff;
  }

  /** Word `w` (0 = most significant) of the prefix's network; IPv4 has only word 0. */
  word(id: number, w: number): number {
    if (w === 0) return this.word0[id];
    return this.v6Words[this.v6Start[id] + w - 1];
  }

  /** Bytes the stored prefixes and their index need. */
  get usedBytes(): number {
    return (
      this.count * 10 + this.v6Used * 4 + this.v4Count * 2 * V4_STRIDE * 4 + this.v6Count * 2 * V6_STRIDE * 4
    );
  }

  /** Bytes held by the typed arrays (capacity). */
  get byteLength(): number {
    return (
      this.meta.byteLength +
      this.word0.byteLength +
      this.v6Start.byteLength +
      this.v6Words.byteLength +
      this.v4Slots.byteLength +
      this.v6Slots.byteLength
    );
  }

  private newId(family: 4 | 6, length: number, word0: number): number {
    const id = this.count;
    if (id >= MAX_PREFIXES)
      throw new CairnError('ROUTING_TABLE_FULL', `more than ${MAX_PREFIXES} distinct prefixes`, {});
    if (id === this.meta.length) {
      const size = id * 2;
      this.meta = grown(this.meta, size);
      this.word0 = grown(this.word0, size);
      this.v6Start = grown(this.v6Start, size);
    }
    this.meta[id] = (family << 8) | length;
    this.word0[id] = word0;
    this.v6Start[id] = family === 4 ? -1 : 0;
    this.count = id + 1;
    return id;
  }

  /**
   * Makes room for `prefixes` prefixes, of which up to `v6` IPv6, without growing: a loader that
   * knows its input's size calls this first (each growth re-places every key).
   */
  reserve(prefixes: number, v6 = prefixes >>> 3): void {
    prefixes = Math.min(prefixes, MAX_PREFIXES);
    if (prefixes > this.meta.length) {
      this.meta = grown(this.meta, prefixes);
      this.word0 = grown(this.word0, prefixes);
      this.v6Start = grown(this.v6Start, prefixes);
    }
    if (tableSize(prefixes) > this.v4Mask + 1) this.growV4(tableSize(prefixes));
    if (tableSize(v6) > this.v6Mask + 1) this.growV6(tableSize(v6));
    if (3 * v6 > this.v6Words.length) this.v6Words = grown(this.v6Words, 3 * v6);
  }

  private growV4(atLeast = 0): void {
    const old = this.v4Slots;
    const size = Math.max((this.v4Mask + 1) * 4, atLeast);
    const slots = new Int32Array(size * V4_STRIDE).fill(EMPTY);
    const mask = size - 1;
    for (let o = 0; o < old.length; o += V4_STRIDE) {
      const tag = old[o + 1];
      if (tag === EMPTY) continue;
      let at = homeV4(old[o] >>> 0, tag >>> ID_BITS) & mask;
      while (slots[at * V4_STRIDE + 1] !== EMPTY) at = (at + 1) & mask;
      slots[at * V4_STRIDE] = old[o];
      slots[at * V4_STRIDE + 1] = tag;
    }
    this.v4Slots = slots;
    this.v4Mask = mask;
  }

  private growV6(atLeast = 0): void {
    const old = this.v6Slots;
    const size = Math.max((this.v6Mask + 1) * 4, atLeast);
    const slots = new Int32Array(size * V6_STRIDE).fill(EMPTY);
    const mask = size - 1;
    for (let o = 0; o < old.length; o += V6_STRIDE) {
      if (old[o + 5] === EMPTY) continue;
      let at = homeV6(old[o], old[o + 1], old[o + 2], old[o + 3], old[o + 4]) & mask;
      while (slots[at * V6_STRIDE + 5] !== EMPTY) at = (at + 1) & mask;
      slots.set(old.subarray(o, o + V6_STRIDE), at * V6_STRIDE);
    }
    this.v6Slots = slots;
    this.v6Mask = mask;
  }
}

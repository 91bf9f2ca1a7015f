/**
 * AS paths as stored in the table: each path is a run of 32-bit words, one header word per
 * segment (`type << 8 | count`, type as on the wire: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE,
 * 4 AS_CONFED_SET) followed by its ASNs. A missing or malformed AS_PATH is the single word
 * `NO_PATH`. Paths are read straight from the attribute bytes (no allocation) except for the rare
 * 2-byte message carrying AS4_PATH, where the RFC 6793 merge of `PathAttributes.asPath()` is used.
 */
import type { AsPathSegment, PathAttributes, SegmentKind } from '../bgp/index.js';
import type { WordInterner } from './interner.js';

/** The one-word path of a route without a usable AS_PATH. */
export const NO_PATH = 0xffffffff;

/** Wire segment types. */
export const SEGMENT_SET = 1;
export const SEGMENT_SEQUENCE = 2;
export const SEGMENT_CONFED_SEQUENCE = 3;
export const SEGMENT_CONFED_SET = 4;

const KIND_TYPES: Record<SegmentKind, number> = {
  set: SEGMENT_SET,
  sequence: SEGMENT_SEQUENCE,
  'confed-sequence': SEGMENT_CONFED_SEQUENCE,
  'confed-set': SEGMENT_CONFED_SET,
};
const TYPE_KINDS: SegmentKind[] = ['sequence', 'set', 'sequence', 'confed-sequence', 'confed-set'];

/** A growable scratch buffer of words. */
export class WordScratch {
  words = new Uint32Array(256);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  push(word: number): void {
    if (this.length === this.words.length) {
      const words = new Uint32Array(this.words.length * 2);
      words.set(this.words);
      this.words = words;
    }
    this.words[this.length++] = word;
  }
}

/** Writes the words of segments (from `AsPathSegment` objects) into `out`. */
export function encodeSegments(segments: readonly AsPathSegment[] | undefined, out: WordScratch): void {
  if (segments === undefined) {
    out.push(NO_PATH);
    return;
  }
  for (const segment of segments) {
    // Segments are at most 255 ASes on the wire; longer lists (built by hand) are split.
    for (let from = 0; from < segment.asns.length || from === 0; from += 255) {
      const asns = segment.asns.slice(from, from + 255);
      out.push((KIND_TYPES[segment.kind] << 8) | asns.length);
      for (const asn of asns) out.push(asn >>> 0);
      if (segment.asns.length === 0) break;
    }
  }
}

/** Writes the words of the AS path of `attributes` into `out`. */
export function encodeAttributesPath(attributes: PathAttributes, out: WordScratch): void {
  const start = attributes.asPathStart;
  if (start < 0) {
    out.push(NO_PATH);
    return;
  }
  if (attributes.asnLength === 2 && attributes.as4PathStart >= 0) {
    encodeSegments(attributes.asPath(), out);
    return;
  }
  const buf = attributes.buf;
  const end = attributes.asPathEnd;
  const width = attributes.asnLength;
  const mark = out.length;
  let p = start;
  while (p < end) {
    if (p + 2 > end) break;
    const type = buf[p];
    const count = buf[p + 1];
    const data = p + 2;
    p = data + count * width;
    if (type < 1 || type > 4 || p > end) {
      p = -1;
      break;
    }
    out.push((type << 8) | count);
    if (width === 4) {
      for (let i = data; i < p; i += 4)
        out.push(((buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3]) >>> 0);
    } else {
      for (let i = data; i < p; i += 2) out.push((buf[i] << 8) | buf[i + 1]);
    }
  }
  if (p !== end) {
    out.length = mark;
    out.push(NO_PATH);
  }
}

/** Decodes path words `pool[start, end)` into segments; undefined for `NO_PATH`. */
export function decodeSegments(pool: Uint32Array, start: number, end: number): AsPathSegment[] | undefined {
  if (end - start === 1 && pool[start] === NO_PATH) return undefined;
  const segments: AsPathSegment[] = [];
  let p = start;
  while (p < end) {
    const header = pool[p];
    const count = header & 0xff;
    const asns = Array.from(pool.subarray(p + 1, p + 1 + count));
    segments.push({ kind: TYPE_KINDS[header >>> 8] ?? 'sequence', asns });
    p += 1 + count;
  }
  return segments;
}

/** Origin AS(es) of path words: the last AS of the last sequence, or every AS of a final AS_SET. */
export function originsOfWords(pool: Uint32Array, start: number, end: number): number[] {
  if (end - start === 1 && pool[start] === NO_PATH) return [];
  let lastHeader = -1;
  for (let p = start; p < end; p += 1 + (pool[p] & 0xff)) {
    const type = pool[p] >>> 8;
    if ((type === SEGMENT_SEQUENCE || type === SEGMENT_SET) && (pool[p] & 0xff) > 0) lastHeader = p;
  }
  if (lastHeader < 0) return [];
  const count = pool[lastHeader] & 0xff;
  if (pool[lastHeader] >>> 8 === SEGMENT_SET)
    return Array.from(pool.subarray(lastHeader + 1, lastHeader + 1 + count));
  return [pool[lastHeader + count]];
}

/**
 * The ASes of one AS path, read without allocation: a reusable buffer that
 * `RoutingTable.readPath` fills (valid until the next read into it).
 */
export class PathHops {
  /** ASes of the path's AS_SEQUENCE segments in order, the vantage point's side first; valid in [0, length). */
  asns = new Uint32Array(64);
  length = 0;
  /** Whether the route had a usable AS_PATH. */
  present = false;
  /** Whether a non-empty AS_SET ends the path: its last sequence AS is then not the origin. */
  endsWithSet = false;

  /** The single origin AS (the last AS of a path that ends with a sequence), or -1. */
  get origin(): number {
    return this.endsWithSet || this.length === 0 ? -1 : this.asns[this.length - 1];
  }

  /** A copy of the ASes, for callers that keep them. */
  toArray(): number[] {
    return Array.from(this.asns.subarray(0, this.length));
  }
}

/** Reads path words `pool[start, end)` into `hops`. */
export function readHops(pool: Uint32Array, start: number, end: number, hops: PathHops): PathHops {
  hops.length = 0;
  hops.endsWithSet = false;
  hops.present = !(end - start === 1 && pool[start] === NO_PATH);
  if (!hops.present) return hops;
  let length = 0;
  let asns = hops.asns;
  for (let p = start; p < end;) {
    const header = pool[p];
    const n = header & 0xff;
    const type = header >>> 8;
    if (type === SEGMENT_SEQUENCE && n > 0) {
      if (length + n > asns.length) {
        const grownAsns = new Uint32Array(Math.max(asns.length * 2, length + n));
        grownAsns.set(asns.subarray(0, length));
        hops.asns = asns = grownAsns;
      }
      for (let k = 1; k <= n; k++) asns[length++] = pool[p + k];
      hops.endsWithSet = false;
    } else if (type === SEGMENT_SET && n > 0) hops.endsWithSet = true;
    p += 1 + n;
  }
  hops.length = length;
  return hops;
}

/**
 * The table's AS paths, read-only: `count` paths with ids 0 .. count - 1 (every id `pathIdOf`
 * gives; `decodeAllAttributes()` first to have every route's), each read into a reusable
 * `PathHops` or as segments. The interned words stay private to routing.
 */
export class AsPaths {
  readonly #words: WordInterner;

  constructor(words: WordInterner) {
    this.#words = words;
  }

  /** Number of paths decoded so far. */
  get count(): number {
    return this.#words.count;
  }

  /** Reads the ASes of path `pathId` into `hops` (no allocation once its buffer is large enough). */
  read(pathId: number, hops: PathHops): PathHops {
    const words = this.#words;
    return readHops(words.poolArray(), words.start(pathId), words.end(pathId), hops);
  }

  /** The segments of path `pathId` (undefined when the route had no usable AS_PATH). */
  segments(pathId: number): AsPathSegment[] | undefined {
    const words = this.#words;
    return decodeSegments(words.poolArray(), words.start(pathId), words.end(pathId));
  }

  /** Origin AS(es) of path `pathId`: the last AS of the last sequence, or every AS of a final AS_SET. */
  origins(pathId: number): number[] {
    const words = this.#words;
    return originsOfWords(words.poolArray(), words.start(pathId), words.end(pathId));
  }
}

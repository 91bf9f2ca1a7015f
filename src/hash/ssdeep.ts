/**
 * ssdeep (context-triggered piecewise hashing, CTPH), computed and compared exactly as ssdeep
 * 2.14.1 does (`fuzzy_update` / `fuzzy_digest` / `fuzzy_compare`). Written from the published
 * algorithm (Kornblum 2006, Tridgell's spamsum) and checked against the Debian `ssdeep` binary.
 *
 * The digest is `blocksize:part1:part2`: part1 has one base64 character per piece of input cut
 * where a 7-byte rolling hash hits `blocksize - 1 (mod blocksize)`; part2 is the same with twice
 * the block size. All block sizes 3·2^i are hashed at once (at most 31), and the smallest one
 * whose part1 has at least 32 characters is reported, so one pass suffices and the input can be
 * streamed.
 */

import { CairnError, ParseError } from '../errors/index.js';

const ROLLING_WINDOW = 7;
const MIN_BLOCKSIZE = 3;
const SPAMSUM_LENGTH = 64;
const NUM_BLOCKHASHES = 31;
/** FNV init 0x28021967 reduced mod 64: only the low 6 bits of the piece hash are ever used. */
const HASH_INIT = 0x27;
/** The largest input ssdeep accepts: 3·2^30·64 bytes. */
const TOTAL_SIZE_MAX = MIN_BLOCKSIZE * 2 ** (NUM_BLOCKHASHES - 1) * SPAMSUM_LENGTH;
const NEED_LASTHASH = 1;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_CODES = Uint8Array.from(B64, (ch) => ch.charCodeAt(0));
/** Character code -> base64 index, 255 for characters outside the alphabet. */
const B64_INDEX = new Uint8Array(128).fill(255);
for (let i = 0; i < 64; i++) B64_INDEX[B64_CODES[i]] = i;

/**
 * FNV-1 step (prime 0x01000193) on the low 6 bits only: `(h * prime) ^ c` mod 64 depends only on
 * `h mod 64` and `c mod 64`, so the whole piece hash is one lookup in a 64x64 table.
 */
const SUM_TABLE = new Uint8Array(64 * 64);
for (let h = 0; h < 64; h++) {
  for (let c = 0; c < 64; c++) SUM_TABLE[(h << 6) | c] = ((h * 0x13) & 63) ^ c;
}

function blockSizeAt(index: number): number {
  return MIN_BLOCKSIZE * 2 ** index;
}

/**
 * Streaming ssdeep hasher: `update()` any number of chunks, then `digest()`. The digest does not
 * depend on how the input is split. Per-byte work touches only typed arrays and numbers.
 */
export class SsdeepHasher {
  // Rolling hash (Adler-like h1/h2 over a 7-byte window, shift-xor h3).
  private readonly window = new Uint8Array(ROLLING_WINDOW);
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;
  private n = 0;
  // One block hash per block size 3·2^i.
  private readonly bhH = new Uint8Array(NUM_BLOCKHASHES);
  private readonly bhHalfH = new Uint8Array(NUM_BLOCKHASHES);
  private readonly bhDindex = new Uint8Array(NUM_BLOCKHASHES);
  private readonly bhDigest = new Uint8Array(NUM_BLOCKHASHES * SPAMSUM_LENGTH);
  private readonly bhHalfDigest = new Uint8Array(NUM_BLOCKHASHES);
  private bhStart = 0;
  private bhEnd = 1;
  private readonly bhEndLimit = NUM_BLOCKHASHES - 1;
  private totalSize = 0;
  private reduceBorder = MIN_BLOCKSIZE * SPAMSUM_LENGTH;
  private rollMask = 0;
  private flags = 0;
  private lastH = 0;

  constructor() {
    this.bhH[0] = HASH_INIT;
    this.bhHalfH[0] = HASH_INIT;
  }

  /** Feeds more input. Returns `this` so calls can be chained. */
  update(chunk: Uint8Array): this {
    if (this.totalSize + chunk.length > TOTAL_SIZE_MAX) {
      throw new CairnError('HASH_INPUT_TOO_LARGE', `ssdeep input exceeds ${TOTAL_SIZE_MAX} bytes`, {
        offset: this.totalSize,
      });
    }
    this.totalSize += chunk.length;
    const window = this.window;
    const bhH = this.bhH;
    const bhHalfH = this.bhHalfH;
    let h1 = this.h1;
    let h2 = this.h2;
    let h3 = this.h3;
    let n = this.n;
    // Copies of the block-hash range; refreshed after a trigger, the only place they change.
    let start = this.bhStart;
    let end = this.bhEnd;
    let rollMask = this.rollMask;
    let needLast = this.flags & NEED_LASTHASH;
    for (let p = 0; p < chunk.length; p++) {
      const c = chunk[p];
      h2 = h2 - h1 + ROLLING_WINDOW * c;
      h1 = h1 + c - window[n];
      window[n] = c;
      if (++n === ROLLING_WINDOW) n = 0;
      h3 = ((h3 << 5) ^ c) >>> 0;
      const c6 = c & 63;
      for (let i = start; i < end; i++) {
        bhH[i] = SUM_TABLE[(bhH[i] << 6) | c6];
        bhHalfH[i] = SUM_TABLE[(bhHalfH[i] << 6) | c6];
      }
      if (needLast) this.lastH = SUM_TABLE[(this.lastH << 6) | c6];
      // roll_sum + 1; a trigger point is where it is divisible by 3·2^i.
      const horg = (h1 + h2 + h3 + 1) >>> 0;
      if (horg === 0) continue;
      const h = (horg / MIN_BLOCKSIZE) >>> 0;
      if (h & rollMask) continue;
      if (horg % MIN_BLOCKSIZE) continue;
      this.trigger(h >>> start);
      start = this.bhStart;
      end = this.bhEnd;
      rollMask = this.rollMask;
      needLast = this.flags & NEED_LASTHASH;
    }
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    this.n = n;
    return this;
  }

  /** Emits one digest character for each block size whose reset point this byte is. */
  private trigger(hIn: number): void {
    let h = hIn;
    let i = this.bhStart;
    do {
      if (this.bhDindex[i] === 0) this.forkBlockHash();
      const d = this.bhDindex[i];
      this.bhDigest[i * SPAMSUM_LENGTH + d] = B64_CODES[this.bhH[i]];
      this.bhHalfDigest[i] = B64_CODES[this.bhHalfH[i]];
      if (d < SPAMSUM_LENGTH - 1) {
        this.bhDindex[i] = d + 1;
        this.bhH[i] = HASH_INIT;
        if (d + 1 < SPAMSUM_LENGTH / 2) {
          this.bhHalfH[i] = HASH_INIT;
          this.bhHalfDigest[i] = 0;
        }
      } else this.reduceBlockHash();
      if (h & 1) break;
      h >>>= 1;
    } while (++i < this.bhEnd);
  }

  private forkBlockHash(): void {
    const last = this.bhEnd - 1;
    if (this.bhEnd <= this.bhEndLimit) {
      const next = this.bhEnd;
      this.bhH[next] = this.bhH[last];
      this.bhHalfH[next] = this.bhHalfH[last];
      this.bhDigest[next * SPAMSUM_LENGTH] = 0;
      this.bhHalfDigest[next] = 0;
      this.bhDindex[next] = 0;
      this.bhEnd++;
    } else if (this.bhEnd === NUM_BLOCKHASHES && !(this.flags & NEED_LASTHASH)) {
      this.flags |= NEED_LASTHASH;
      this.lastH = this.bhH[last];
    }
  }

  private reduceBlockHash(): void {
    if (this.bhEnd - this.bhStart < 2) return;
    if (this.reduceBorder >= this.totalSize) return;
    if (this.bhDindex[this.bhStart + 1] < SPAMSUM_LENGTH / 2) return;
    this.bhStart++;
    this.reduceBorder *= 2;
    this.rollMask = this.rollMask * 2 + 1;
  }

  /** The digest of everything fed so far (the hasher can still be updated afterwards). */
  digest(): string {
    let bi = this.bhStart;
    const rollSum = (this.h1 + this.h2 + this.h3) >>> 0;
    while (blockSizeAt(bi) * SPAMSUM_LENGTH < this.totalSize) bi++;
    if (bi >= this.bhEnd) bi = this.bhEnd - 1;
    while (bi > this.bhStart && this.bhDindex[bi] < SPAMSUM_LENGTH / 2) bi--;

    const out: number[] = [];
    let len = this.bhDindex[bi];
    for (let k = 0; k < len; k++) out.push(this.bhDigest[bi * SPAMSUM_LENGTH + k]);
    if (rollSum !== 0) out.push(B64_CODES[this.bhH[bi]]);
    else if (len === SPAMSUM_LENGTH - 1 && this.bhDigest[bi * SPAMSUM_LENGTH + len] !== 0) {
      // The last slot holds a character only once the digest is full (63 + tail).
      out.push(this.bhDigest[bi * SPAMSUM_LENGTH + len]);
    }
    out.push(0x3a);
    if (bi < this.bhEnd - 1) {
      const b2 = bi + 1;
      len = Math.min(this.bhDindex[b2], SPAMSUM_LENGTH / 2 - 1);
      for (let k = 0; k < len; k++) out.push(this.bhDigest[b2 * SPAMSUM_LENGTH + k]);
      if (rollSum !== 0) out.push(B64_CODES[this.bhHalfH[b2]]);
      else if (this.bhHalfDigest[b2] !== 0) out.push(this.bhHalfDigest[b2]);
    } else if (rollSum !== 0) {
      out.push(B64_CODES[bi === 0 ? this.bhH[bi] : this.lastH]);
    }
    return `${blockSizeAt(bi)}:${String.fromCharCode(...out)}`;
  }
}

/** ssdeep digest of a whole buffer, identical to `ssdeep -s <file>` on the same bytes. */
export function ssdeepDigest(bytes: Uint8Array): string {
  return new SsdeepHasher().update(bytes).digest();
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** A parsed ssdeep digest, ready for repeated comparison. */
export interface SsdeepDigest {
  /** The digest text as given (without any `,"filename"` tail). */
  readonly text: string;
  /** Block size of part 1 (3·2^k); part 2 uses twice that. */
  readonly blockSize: number;
  /** log2(blockSize / 3), 0..30. */
  readonly blockIndex: number;
  /** Part 1 as written. */
  readonly part1: string;
  /** Part 2 as written. */
  readonly part2: string;
  /** Part 1 with runs longer than 3 of one character cut to 3 (what comparison uses). */
  readonly norm1: string;
  /** Part 2, likewise. */
  readonly norm2: string;
  /** Every 7-character substring of `norm1` as a 42-bit number, sorted, unique. */
  readonly grams1: Float64Array;
  /** Likewise for `norm2`. */
  readonly grams2: Float64Array;
}

/** Longest digest text accepted: 10-digit block size, two 64-character parts, two colons. */
const MAX_DIGEST_TEXT = 10 + 1 + SPAMSUM_LENGTH + 1 + SPAMSUM_LENGTH;

function bad(message: string, offset: number, field: string): ParseError {
  return new ParseError('HASH_BAD_SSDEEP', message, { offset, field });
}

/**
 * Parses `blocksize:part1:part2`. Rejects (with `ParseError` `HASH_BAD_SSDEEP` and the offset)
 * block sizes that are not 3·2^k, characters outside the base64 alphabet, control characters,
 * parts longer than 64 characters and anything longer than a digest can be.
 */
export function parseSsdeep(text: string): SsdeepDigest {
  if (typeof text !== 'string') throw bad('ssdeep digest must be a string', 0, 'digest');
  if (text.length > MAX_DIGEST_TEXT) {
    throw bad(`ssdeep digest is ${text.length} characters, longer than ${MAX_DIGEST_TEXT}`, 0, 'digest');
  }
  const colon1 = text.indexOf(':');
  if (colon1 < 0) throw bad('ssdeep digest has no ":" after the block size', 0, 'blockSize');
  if (colon1 === 0 || colon1 > 10) throw bad('ssdeep block size must be 1 to 10 digits', 0, 'blockSize');
  let blockSize = 0;
  for (let i = 0; i < colon1; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) throw bad('ssdeep block size is not a decimal number', i, 'blockSize');
    blockSize = blockSize * 10 + (code - 0x30);
  }
  if (text.charCodeAt(0) === 0x30) throw bad('ssdeep block size has a leading zero', 0, 'blockSize');
  let blockIndex = -1;
  for (let k = 0; k < NUM_BLOCKHASHES; k++) {
    if (blockSizeAt(k) === blockSize) blockIndex = k;
  }
  if (blockIndex < 0) throw bad(`ssdeep block size ${blockSize} is not 3·2^k (k = 0..30)`, 0, 'blockSize');
  const colon2 = text.indexOf(':', colon1 + 1);
  if (colon2 < 0) throw bad('ssdeep digest has no second part', text.length, 'part2');
  const part1 = text.slice(colon1 + 1, colon2);
  const part2 = text.slice(colon2 + 1);
  checkPart(part1, colon1 + 1, 'part1');
  checkPart(part2, colon2 + 1, 'part2');
  const norm1 = eliminateSequences(part1);
  const norm2 = eliminateSequences(part2);
  return {
    text,
    blockSize,
    blockIndex,
    part1,
    part2,
    norm1,
    norm2,
    grams1: sevenGrams(norm1),
    grams2: sevenGrams(norm2),
  };
}

function checkPart(part: string, offset: number, field: string): void {
  if (part.length > SPAMSUM_LENGTH) {
    throw bad(`ssdeep ${field} has ${part.length} characters, more than ${SPAMSUM_LENGTH}`, offset, field);
  }
  for (let i = 0; i < part.length; i++) {
    const code = part.charCodeAt(i);
    if (code >= 128 || B64_INDEX[code] === 255) {
      const shown = code < 0x20 || code === 0x7f ? `control character 0x${code.toString(16)}` : 'character';
      throw bad(`ssdeep ${field} has a ${shown} outside the base64 alphabet`, offset + i, field);
    }
  }
}

/**
 * Parses the ssdeep file format (`ssdeep,1.1--blocksize:hash:hash,filename` header, then
 * `digest,"name"` lines), as `ssdeep -l` writes it. Errors carry the 1-based line.
 */
export function parseSsdeepFile(text: string, file?: string): Array<{ name: string; digest: SsdeepDigest }> {
  const lines = text.split(/\r?\n/);
  const out: Array<{ name: string; digest: SsdeepDigest }> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '' || (i === 0 && line.startsWith('ssdeep,'))) continue;
    const comma = line.indexOf(',');
    const digestText = comma < 0 ? line : line.slice(0, comma);
    let name = comma < 0 ? '' : line.slice(comma + 1);
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1);
    try {
      out.push({ name, digest: parseSsdeep(digestText) });
    } catch (err) {
      if (err instanceof ParseError) {
        throw new ParseError(err.code, err.message, { ...err.location, file, line: i + 1 });
      }
      throw err;
    }
  }
  return out;
}

/** Cuts every run of one character longer than 3 down to 3, as ssdeep does before comparing. */
function eliminateSequences(s: string): string {
  if (s.length <= 3) return s;
  let out = s.slice(0, 3);
  for (let i = 3; i < s.length; i++) {
    const ch = s[i];
    if (ch !== s[i - 1] || ch !== s[i - 2] || ch !== s[i - 3]) out += ch;
  }
  return out;
}

/** Every 7-character window of a base64 string as an exact 42-bit integer, sorted and unique. */
function sevenGrams(s: string): Float64Array {
  if (s.length < ROLLING_WINDOW) return new Float64Array(0);
  const grams = new Float64Array(s.length - ROLLING_WINDOW + 1);
  for (let i = 0; i < grams.length; i++) {
    let g = 0;
    for (let k = 0; k < ROLLING_WINDOW; k++) g = g * 64 + B64_INDEX[s.charCodeAt(i + k)];
    grams[i] = g;
  }
  grams.sort();
  let u = 0;
  for (let i = 0; i < grams.length; i++) if (i === 0 || grams[i] !== grams[u - 1]) grams[u++] = grams[i];
  return grams.subarray(0, u);
}

// ---------------------------------------------------------------------------------------------
// Comparison

function shareGram(a: Float64Array, b: Float64Array): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) return true;
    if (a[i] < b[j]) i++;
    else j++;
  }
  return false;
}

// Per-character position masks of the first string, 64 bits as two 32-bit halves.
const maskLo = new Uint32Array(128);
const maskHi = new Uint32Array(128);

/**
 * Insert/delete edit distance (ssdeep's `edit_distn` costs: insert 1, delete 1, replace 2), i.e.
 * `|a| + |b| - 2·LCS(a, b)`, with the bit-parallel LCS of Allison and Dix over 64 bits.
 */
function editDistance(a: string, b: string): number {
  for (let i = 0; i < a.length; i++) {
    const code = a.charCodeAt(i);
    if (i < 32) maskLo[code] |= 1 << i;
    else maskHi[code] |= 1 << (i - 32);
  }
  // V starts as all ones over |a| bits; a zero bit marks one more LCS character.
  let vLo = 0xffffffff;
  let vHi = 0xffffffff;
  for (let j = 0; j < b.length; j++) {
    const code = b.charCodeAt(j);
    const uLo = (vLo & maskLo[code]) >>> 0;
    const uHi = (vHi & maskHi[code]) >>> 0;
    // V' = (V + U) | (V - U); U is a subset of V, so V - U = V & ~U (no borrow).
    const sumLo = vLo + uLo;
    const carry = sumLo > 0xffffffff ? 1 : 0;
    const sumHi = (vHi + uHi + carry) >>> 0;
    vLo = ((sumLo >>> 0) | (vLo & ~uLo)) >>> 0;
    vHi = (sumHi | (vHi & ~uHi)) >>> 0;
  }
  for (let i = 0; i < a.length; i++) {
    const code = a.charCodeAt(i);
    maskLo[code] = 0;
    maskHi[code] = 0;
  }
  const lcs = popcount(~vLo & lowMask(a.length)) + popcount(~vHi & lowMask(a.length - 32));
  return a.length + b.length - 2 * lcs;
}

function lowMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (2 ** bits - 1) >>> 0;
}

function popcount(x0: number): number {
  let x = x0 >>> 0;
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function scoreStrings(s1: string, g1: Float64Array, s2: string, g2: Float64Array, blockSize: number): number {
  if (s1.length < ROLLING_WINDOW || s2.length < ROLLING_WINDOW) return 0;
  if (!shareGram(g1, g2)) return 0;
  let score = editDistance(s1, s2);
  score = Math.floor((score * SPAMSUM_LENGTH) / (s1.length + s2.length));
  score = Math.floor((100 * score) / SPAMSUM_LENGTH);
  score = 100 - score;
  // Small block sizes: do not exaggerate matches of short inputs. (99 + 7) / 7 * 3 = 45.
  if (blockSize >= Math.floor((99 + ROLLING_WINDOW) / ROLLING_WINDOW) * MIN_BLOCKSIZE) return score;
  const cap = Math.floor(blockSize / MIN_BLOCKSIZE) * Math.min(s1.length, s2.length);
  return score > cap ? cap : score;
}

/**
 * Match score 0..100 of two parsed digests, as `fuzzy_compare` computes it: 0 unless the block
 * sizes are equal or differ by a factor of 2 and the compared parts share a 7-character substring.
 */
export function ssdeepCompareParsed(a: SsdeepDigest, b: SsdeepDigest): number {
  const bs1 = a.blockSize;
  const bs2 = b.blockSize;
  if (bs1 !== bs2 && bs1 * 2 !== bs2 && bs2 * 2 !== bs1) return 0;
  if (bs1 === bs2 && a.norm1 === b.norm1 && a.norm2 === b.norm2) return 100;
  if (bs1 === bs2) {
    const score1 = scoreStrings(a.norm1, a.grams1, b.norm1, b.grams1, bs1);
    const score2 = scoreStrings(a.norm2, a.grams2, b.norm2, b.grams2, bs1 * 2);
    return Math.max(score1, score2);
  }
  if (bs1 * 2 === bs2) return scoreStrings(b.norm1, b.grams1, a.norm2, a.grams2, bs2);
  return scoreStrings(a.norm1, a.grams1, b.norm2, b.grams2, bs1);
}

/** Match score 0..100 of two ssdeep digests (text or parsed), identical to `ssdeep -a -k`. */
export function ssdeepCompare(a: string | SsdeepDigest, b: string | SsdeepDigest): number {
  return ssdeepCompareParsed(
    typeof a === 'string' ? parseSsdeep(a) : a,
    typeof b === 'string' ? parseSsdeep(b) : b,
  );
}

/**
 * TLSH (Trend Micro locality-sensitive hash), default variant: 128 buckets, 1-byte checksum,
 * sliding window of 5, printed with the `T1` version prefix as TLSH 4.x does. Digest and distance
 * follow the reference implementation (trendmicro/tlsh, Apache-2.0 OR BSD-3-Clause) bit for bit
 * and are checked against its expected-output files (data/fuzzy/tlsh/exp).
 *
 * A digest is 35 bytes: checksum, length class (L), the two quartile ratios (Q1, Q2) and 32
 * bytes of body, 2 bits per bucket saying in which quartile the bucket count falls.
 */

import { CairnError, ParseError } from '../errors/index.js';
import { KERNEL_INPUT, KERNEL_SLICE, tlshKernel } from './tlsh-kernel.js';

/** Below this many bytes in one update, copying the state to the kernel and back costs more than it saves. */
const KERNEL_MIN_BYTES = 512;

/** Smallest input the reference hashes (TLSH 4.x); 256 in conservative mode and in TLSH < 3.5. */
export const TLSH_MIN_LENGTH = 50;
export const TLSH_MIN_CONSERVATIVE_LENGTH = 256;

/** Pearson's sample permutation table, as in the reference. */
// prettier-ignore
const V_TABLE = Uint8Array.from([
  1, 87, 49, 12, 176, 178, 102, 166, 121, 193, 6, 84, 249, 230, 44, 163, 14, 197, 213, 181, 161, 85, 218, 80, 64, 239,
  24, 226, 236, 142, 38, 200, 110, 177, 104, 103, 141, 253, 255, 50, 77, 101, 81, 18, 45, 96, 31, 222, 25, 107, 190, 70,
  86, 237, 240, 34, 72, 242, 20, 214, 244, 227, 149, 235, 97, 234, 57, 22, 60, 250, 82, 175, 208, 5, 127, 199, 111, 62,
  135, 248, 174, 169, 211, 58, 66, 154, 106, 195, 245, 171, 17, 187, 182, 179, 0, 243, 132, 56, 148, 75, 128, 133, 158,
  100, 130, 126, 91, 13, 153, 246, 216, 219, 119, 68, 223, 78, 83, 88, 201, 99, 122, 11, 92, 32, 136, 114, 52, 10, 138,
  30, 48, 183, 156, 35, 61, 26, 143, 74, 251, 94, 129, 162, 63, 152, 170, 7, 115, 167, 241, 206, 3, 150, 55, 59, 151,
  220, 90, 53, 23, 131, 125, 173, 15, 238, 79, 95, 89, 16, 105, 137, 225, 224, 217, 160, 37, 123, 118, 73, 2, 157, 46,
  116, 9, 145, 134, 228, 207, 212, 202, 215, 69, 229, 27, 188, 67, 124, 168, 252, 42, 4, 29, 108, 21, 247, 19, 205, 39,
  203, 233, 40, 186, 147, 198, 192, 155, 33, 164, 191, 98, 204, 165, 180, 117, 76, 140, 36, 210, 172, 41, 54, 159, 8,
  185, 232, 113, 196, 231, 47, 146, 120, 51, 65, 28, 144, 254, 221, 93, 189, 194, 139, 112, 43, 71, 109, 184, 209,
]);

/**
 * Upper bounds of the length classes: the L byte is the first index whose bound is >= the input
 * length. Same table as the reference's `topval` (log base 1.5, then 1.3, then 1.1 of the length).
 */
// prettier-ignore
const TOPVAL = [
  1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 194, 291, 437, 656, 854, 1110, 1443, 1876, 2439, 3171, 3475, 3823, 4205,
  4626, 5088, 5597, 6157, 6772, 7450, 8195, 9014, 9916, 10907, 11998, 13198, 14518, 15970, 17567, 19323, 21256, 23382,
  25720, 28292, 31121, 34233, 37656, 41422, 45564, 50121, 55133, 60646, 66711, 73382, 80721, 88793, 97672, 107439,
  118183, 130002, 143002, 157302, 173032, 190335, 209369, 230306, 253337, 278670, 306538, 337191, 370911, 408002,
  448802, 493682, 543050, 597356, 657091, 722800, 795081, 874589, 962048, 1058252, 1164078, 1280486, 1408534, 1549388,
  1704327, 1874759, 2062236, 2268459, 2495305, 2744836, 3019320, 3321252, 3653374, 4018711, 4420582, 4862641, 5348905,
  5883796, 6472176, 7119394, 7831333, 8614467, 9475909, 10423501, 11465851, 12612437, 13873681, 15261050, 16787154,
  18465870, 20312458, 22343706, 24578077, 27035886, 29739474, 32713425, 35984770, 39583245, 43541573, 47895730,
  52685306, 57953837, 63749221, 70124148, 77136564, 84850228, 93335252, 102668779, 112935659, 124229227, 136652151,
  150317384, 165349128, 181884040, 200072456, 220079703, 242087671, 266296456, 292926096, 322218735, 354440623,
  389884688, 428873168, 471760495, 518936559, 570830240, 627913311, 690704607, 759775136, 835752671, 919327967,
  1011260767, 1112386880, 1223623232, 1345985727, 1480584256, 1628642751, 1791507135, 1970657856, 2167723648,
  2384496256, 2622945920, 2885240448, 3173764736, 3491141248, 3840255616, 4224281216,
];
/** Largest input the length classes cover. */
export const TLSH_MAX_LENGTH = TOPVAL[TOPVAL.length - 1];

function lengthClass(len: number): number {
  let lo = 0;
  let hi = TOPVAL.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (TOPVAL[mid] >= len) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Distance contribution of one body byte pair: 4 bucket codes of 2 bits, each contributing
 * |a - b|, except a difference of 3 (lowest vs highest quartile) which counts 6. Made on first
 * use, as `lanesDiff`: a thread that only hashes (each of `cairn intel sample`'s) never needs it.
 */
let bitPairsDiff: Uint8Array | undefined;

function bitPairsDiffTable(): Uint8Array {
  if (bitPairsDiff !== undefined) return bitPairsDiff;
  const table = new Uint8Array(256 * 256);
  for (let a = 0; a < 256; a++) {
    for (let b = 0; b < 256; b++) {
      let d = 0;
      for (let k = 0; k < 8; k += 2) {
        const x = Math.abs(((a >> k) & 3) - ((b >> k) & 3));
        d += x === 3 ? 6 : x;
      }
      table[(a << 8) | b] = d;
    }
  }
  return (bitPairsDiff = table);
}

/** Why no digest was produced. */
export type TlshRejection = 'TOO_SHORT' | 'TOO_LONG' | 'TOO_UNIFORM';

/** Build-time variants of the reference (CMake TLSH_BUCKETS_128/256, TLSH_CHECKSUM_1B/3B). */
export interface TlshVariant {
  /** Effective buckets: 128 (default) or 256. */
  buckets?: 128 | 256;
  /** Checksum bytes: 1 (default) or 3. */
  checksumBytes?: 1 | 3;
}

export interface TlshOptions extends TlshVariant {
  /** Require 256 bytes, as the reference's `-conservative` option and TLSH < 3.5 (default false). */
  conservative?: boolean;
  /** Print the `T1` version prefix (default true); false gives the pre-4.0 form. */
  versionPrefix?: boolean;
}

export type TlshResult =
  | { readonly digest: string; readonly reason?: undefined; readonly message?: undefined }
  | { readonly digest: undefined; readonly reason: TlshRejection; readonly message: string };

/**
 * How many of `counts` are not zero. This loop and `bodyCodes` are apart from `result`: run once
 * per input, that one then stays in the baseline tier (a TurboFan compile of all it holds costs
 * more than it saves in a thread that hashes a few thousand files); the loops are what earn one.
 */
function nonzeroCount(counts: Uint32Array): number {
  let nonzero = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) nonzero++;
  return nonzero;
}

/** The digest's body: per bucket, 2 bits for its quartile (above q3, q2, q1 or none), 4 a byte. */
function bodyCodes(counts: Uint32Array, codeSize: number, q1: number, q2: number, q3: number): Uint8Array {
  const body = new Uint8Array(codeSize);
  for (let i = 0; i < codeSize; i++) {
    let h = 0;
    for (let j = 0; j < 4; j++) {
      const k = counts[4 * i + j];
      if (q3 < k) h += 3 << (j * 2);
      else if (q2 < k) h += 2 << (j * 2);
      else if (q1 < k) h += 1 << (j * 2);
    }
    body[i] = h;
  }
  return body;
}

/**
 * Streaming TLSH hasher. The bucket counting loop keeps the last 4 bytes in locals and only
 * touches a preallocated `Uint32Array`, so it allocates nothing per byte.
 */
export class TlshHasher {
  private readonly buckets = new Uint32Array(256);
  // Last four bytes seen, a1 the most recent.
  private a1 = 0;
  private a2 = 0;
  private a3 = 0;
  private a4 = 0;
  private checksum = 0;
  // Bytes 2 and 3 of the 3-byte checksum, kept alongside so one pass serves every variant.
  private checksum2 = 0;
  private checksum3 = 0;
  private length = 0;

  /**
   * `oneByteChecksum`: the caller will only ask for the default 1-byte checksum, so bytes 2 and 3
   * are not kept (a third fewer table lookups per byte); `result({ checksumBytes: 3 })` then throws.
   */
  constructor(private readonly options: { oneByteChecksum?: boolean } = {}) {}

  update(chunk: Uint8Array): this {
    const v = V_TABLE;
    const buckets = this.buckets;
    let a1 = this.a1;
    let a2 = this.a2;
    let a3 = this.a3;
    let a4 = this.a4;
    let checksum = this.checksum;
    let checksum2 = this.checksum2;
    let checksum3 = this.checksum3;
    let p = 0;
    // The first 4 bytes only fill the window.
    while (this.length + p < 4 && p < chunk.length) {
      a4 = a3;
      a3 = a2;
      a2 = a1;
      a1 = chunk[p++];
    }
    // Long runs go to the WebAssembly kernel (same loop, no bounds checks); short ones stay here.
    const kernel =
      this.options.oneByteChecksum === true && chunk.length - p >= KERNEL_MIN_BYTES
        ? tlshKernel(V_TABLE)
        : undefined;
    if (kernel !== undefined) {
      const state = kernel.state;
      kernel.counts.set(buckets);
      state[0] = a1;
      state[1] = a2;
      state[2] = a3;
      state[3] = a4;
      state[4] = checksum;
      while (p < chunk.length) {
        const n = Math.min(KERNEL_SLICE, chunk.length - p);
        kernel.bytes.set(chunk.subarray(p, p + n), KERNEL_INPUT);
        kernel.run(KERNEL_INPUT, KERNEL_INPUT + n);
        p += n;
      }
      buckets.set(kernel.counts);
      a1 = state[0];
      a2 = state[1];
      a3 = state[2];
      a4 = state[3];
      checksum = state[4];
    }
    if (this.options.oneByteChecksum === true) {
      for (; p < chunk.length; p++) {
        const a0 = chunk[p];
        checksum = v[v[v[1 ^ a0] ^ a1] ^ checksum];
        buckets[v[v[v[49 ^ a0] ^ a1] ^ a2]]++;
        buckets[v[v[v[12 ^ a0] ^ a1] ^ a3]]++;
        buckets[v[v[v[178 ^ a0] ^ a2] ^ a3]]++;
        buckets[v[v[v[166 ^ a0] ^ a2] ^ a4]]++;
        buckets[v[v[v[84 ^ a0] ^ a1] ^ a4]]++;
        buckets[v[v[v[230 ^ a0] ^ a3] ^ a4]]++;
        a4 = a3;
        a3 = a2;
        a2 = a1;
        a1 = a0;
      }
    }
    for (; p < chunk.length; p++) {
      const a0 = chunk[p];
      // b_mapping(salt, x, y, z) = v[v[v[v[salt] ^ x] ^ y] ^ z]; v[0] = 1, v[2] = 49, v[3] = 12,
      // v[5] = 178, v[7] = 166, v[11] = 84, v[13] = 230.
      checksum = v[v[v[1 ^ a0] ^ a1] ^ checksum];
      checksum2 = v[v[v[v[checksum] ^ a0] ^ a1] ^ checksum2];
      checksum3 = v[v[v[v[checksum2] ^ a0] ^ a1] ^ checksum3];
      buckets[v[v[v[49 ^ a0] ^ a1] ^ a2]]++;
      buckets[v[v[v[12 ^ a0] ^ a1] ^ a3]]++;
      buckets[v[v[v[178 ^ a0] ^ a2] ^ a3]]++;
      buckets[v[v[v[166 ^ a0] ^ a2] ^ a4]]++;
      buckets[v[v[v[84 ^ a0] ^ a1] ^ a4]]++;
      buckets[v[v[v[230 ^ a0] ^ a3] ^ a4]]++;
      a4 = a3;
      a3 = a2;
      a2 = a1;
      a1 = a0;
    }
    this.a1 = a1;
    this.a2 = a2;
    this.a3 = a3;
    this.a4 = a4;
    this.checksum = checksum;
    this.checksum2 = checksum2;
    this.checksum3 = checksum3;
    this.length += chunk.length;
    return this;
  }

  /** The digest, or why there is none (too short, too long, or too few distinct trigrams). */
  result(options: TlshOptions = {}): TlshResult {
    const effBuckets = options.buckets ?? 128;
    const codeSize = effBuckets / 4;
    const min = options.conservative ? TLSH_MIN_CONSERVATIVE_LENGTH : TLSH_MIN_LENGTH;
    if (this.length < min) {
      return {
        digest: undefined,
        reason: 'TOO_SHORT',
        message: `TLSH needs at least ${min} bytes, got ${this.length}`,
      };
    }
    if (this.length > TLSH_MAX_LENGTH) {
      return {
        digest: undefined,
        reason: 'TOO_LONG',
        message: `TLSH length classes end at ${TLSH_MAX_LENGTH} bytes, got ${this.length}`,
      };
    }
    const counts = this.buckets.subarray(0, effBuckets);
    const nonzero = nonzeroCount(counts);
    const sorted = counts.slice().sort();
    const q1 = sorted[effBuckets / 4 - 1];
    const q2 = sorted[effBuckets / 2 - 1];
    const q3 = sorted[effBuckets - effBuckets / 4 - 1];
    if (q3 === 0 || nonzero <= effBuckets / 2) {
      return {
        digest: undefined,
        reason: 'TOO_UNIFORM',
        message: `TLSH needs more than half of the ${effBuckets} buckets non-empty, got ${nonzero}`,
      };
    }
    const body = bodyCodes(counts, codeSize, q1, q2, q3);
    // The reference divides in single precision: (float)(q * 100) / (float)q3, truncated.
    const q1ratio = Math.trunc(Math.fround(Math.fround(q1 * 100) / Math.fround(q3))) % 16;
    const q2ratio = Math.trunc(Math.fround(Math.fround(q2 * 100) / Math.fround(q3))) % 16;
    if (options.checksumBytes === 3 && this.options.oneByteChecksum === true)
      throw new RangeError('this TlshHasher keeps a 1-byte checksum only');
    const checksum =
      options.checksumBytes === 3
        ? Uint8Array.of(this.checksum, this.checksum2, this.checksum3)
        : Uint8Array.of(this.checksum);
    const value: TlshDigestValue = { checksum, lValue: lengthClass(this.length), q1ratio, q2ratio, body };
    return { digest: formatTlsh(value, options.versionPrefix ?? true) };
  }

  /** The digest, or undefined when the input cannot be hashed (see `result()` for why). */
  digest(options: TlshOptions = {}): string | undefined {
    return this.result(options).digest;
  }
}

/** TLSH digest of a buffer (`T1…`, 72 characters), or undefined when the reference gives none. */
export function tlshDigest(bytes: Uint8Array, options: TlshOptions = {}): string | undefined {
  return new TlshHasher().update(bytes).digest(options);
}

/** Like `tlshDigest`, but says why there is no digest. */
export function tlshResult(bytes: Uint8Array, options: TlshOptions = {}): TlshResult {
  return new TlshHasher().update(bytes).result(options);
}

// ---------------------------------------------------------------------------------------------
// Digest values

/** The fields of a TLSH digest, in the reference's internal (un-swapped) form. */
export interface TlshDigestValue {
  /** 1 byte (default variant) or 3. */
  readonly checksum: Uint8Array;
  /** Length class 0..255. */
  readonly lValue: number;
  /** (q1 · 100 / q3) mod 16. */
  readonly q1ratio: number;
  /** (q2 · 100 / q3) mod 16. */
  readonly q2ratio: number;
  /** 32 body bytes (64 for 256 buckets), `body[i]` holding buckets 4i..4i+3, 2 bits each. */
  readonly body: Uint8Array;
}

const HEX = '0123456789ABCDEF';

function hexByte(b: number): string {
  return HEX[b >> 4] + HEX[b & 15];
}

function swapNibbles(b: number): number {
  return ((b & 0x0f) << 4) | (b >> 4);
}

/** Text form: checksum, L and Q bytes with their nibbles swapped, then the body last byte first. */
export function formatTlsh(value: TlshDigestValue, versionPrefix = true): string {
  let s = versionPrefix ? 'T1' : '';
  for (const c of value.checksum) s += hexByte(swapNibbles(c));
  s += hexByte(swapNibbles(value.lValue));
  s += hexByte(swapNibbles(value.q1ratio | (value.q2ratio << 4)));
  for (let i = value.body.length - 1; i >= 0; i--) s += hexByte(value.body[i]);
  return s;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

function badTlsh(message: string, offset: number): ParseError {
  return new ParseError('HASH_BAD_TLSH', message, { offset, field: 'digest' });
}

/** Hex digits (without `T1`) for each variant: (checksum + L + Q + body) bytes x 2. */
const HEX_LENGTHS = new Map<number, { checksumBytes: number; codeSize: number }>([
  [70, { checksumBytes: 1, codeSize: 32 }],
  [74, { checksumBytes: 3, codeSize: 32 }],
  [134, { checksumBytes: 1, codeSize: 64 }],
  [138, { checksumBytes: 3, codeSize: 64 }],
]);

/**
 * Parses a TLSH digest: `T1` + hex (TLSH 4.x) or the hex alone (older tools), upper or lower
 * case. The length gives the variant: 70 hex digits for the default 128 buckets / 1-byte
 * checksum, 74 for 3-byte checksums, 134 and 138 for 256 buckets. Anything else, including the
 * `TNULL` that tools print for inputs they cannot hash, is a `ParseError` `HASH_BAD_TLSH` with
 * the offset of the first bad character.
 */
export function parseTlsh(text: string): TlshDigestValue {
  if (typeof text !== 'string') throw badTlsh('TLSH digest must be a string', 0);
  if (text === 'TNULL') throw badTlsh('TNULL: the tool produced no TLSH digest for that input', 0);
  let start = 0;
  let layout = HEX_LENGTHS.get(text.length);
  if (layout === undefined) {
    layout = HEX_LENGTHS.get(text.length - 2);
    if (layout === undefined) {
      throw badTlsh(`TLSH digest has ${text.length} characters; expected "T1" + 70 hex digits, or 70`, 0);
    }
    if (text[0] !== 'T' || text[1] !== '1')
      throw badTlsh('TLSH digest must start with "T1" or a hex digit', 0);
    start = 2;
  }
  const raw = new Uint8Array((text.length - start) / 2);
  for (let i = 0; i < raw.length; i++) {
    const hi = hexValue(text.charCodeAt(start + 2 * i));
    const lo = hexValue(text.charCodeAt(start + 2 * i + 1));
    if (hi < 0 || lo < 0)
      throw badTlsh('TLSH digest has a non-hex character', start + 2 * i + (hi < 0 ? 0 : 1));
    raw[i] = (hi << 4) | lo;
  }
  const { checksumBytes, codeSize } = layout;
  const checksum = new Uint8Array(checksumBytes);
  for (let k = 0; k < checksumBytes; k++) checksum[k] = swapNibbles(raw[k]);
  const q = swapNibbles(raw[checksumBytes + 1]);
  const lValue = swapNibbles(raw[checksumBytes]);
  // The packed form (see ParsedTlsh) and the body share one buffer.
  const packed = new Int32Array(PACKED_BODY + codeSize / 4);
  const body = new Uint8Array(packed.buffer, PACKED_BODY * 4, codeSize);
  const bodyStart = checksumBytes + 2;
  for (let i = 0; i < codeSize; i++) body[i] = raw[bodyStart + codeSize - 1 - i];
  packed[0] = lValue | ((q & 15) << 8) | ((q >> 4) << 12) | (checksumBytes << 16);
  for (let k = 0; k < checksumBytes; k++) packed[1] |= checksum[k] << (8 * k);
  return new ParsedTlsh(checksum, lValue, q & 15, q >> 4, body, packed);
}

/** Index of the first body word in the packed form. */
const PACKED_BODY = 2;

/**
 * What `parseTlsh` returns: the plain `TlshDigestValue` fields plus a private packed form
 * (invisible to callers and to structural equality) for the distance: word 0 holds L (bits 0-7),
 * Q1 (8-11), Q2 (12-15) and the checksum length (16-17), word 1 the checksum bytes, then the body
 * as 32-bit words of 16 buckets.
 */
class ParsedTlsh implements TlshDigestValue {
  readonly #packed: Int32Array;
  constructor(
    readonly checksum: Uint8Array,
    readonly lValue: number,
    readonly q1ratio: number,
    readonly q2ratio: number,
    readonly body: Uint8Array,
    packed: Int32Array,
  ) {
    this.#packed = packed;
  }

  /** The packed form of a value made by `parseTlsh`, undefined for any other object. */
  static packedOf(value: TlshDigestValue): Int32Array | undefined {
    return #packed in value ? value.#packed : undefined;
  }
}

/** tlshLengthTerm and tlshRatioTerm by (a - b) mod 256 and mod 16. */
const LENGTH_TERM = Uint16Array.from({ length: 256 }, (_, r) => tlshLengthTerm(r, 0));
const RATIO_TERM = Uint8Array.from({ length: 16 }, (_, r) => tlshRatioTerm(r, 0));

/** Distance of two packed forms of the same variant (see ParsedTlsh). */
function packedDistance(a: Int32Array, b: Int32Array, includeLength: boolean): number {
  const ha = a[0];
  const hb = b[0];
  let diff = includeLength ? LENGTH_TERM[(ha - hb) & 255] : 0;
  diff += RATIO_TERM[((ha >> 8) - (hb >> 8)) & 15] + RATIO_TERM[((ha >> 12) - (hb >> 12)) & 15];
  if (a[1] !== b[1]) diff += 1;
  return diff + bodyDistanceWords(a, b, PACKED_BODY);
}

/**
 * Sum over the 8 two-bit lanes of a 16-bit value of g(lane), g = 0, 1, 2, 6: the distance of 8
 * buckets once each lane holds |a - b| with 3 standing for the pair 0 vs 3 (see bodyDistanceWords).
 * Made on first use (64 Ki entries a thread that only hashes never needs).
 */
let lanesDiff: Uint8Array | undefined;

function lanesDiffTable(): Uint8Array {
  if (lanesDiff !== undefined) return lanesDiff;
  const table = new Uint8Array(1 << 16);
  for (let v = 0; v < 1 << 16; v++) {
    let d = 0;
    for (let k = 0; k < 16; k += 2) {
      const lane = (v >> k) & 3;
      d += lane === 3 ? 6 : lane;
    }
    table[v] = d;
  }
  return (lanesDiff = table);
}

/**
 * Body distance of two digests given as 32-bit words (16 buckets of 2 bits each) from word `from`
 * on, equal to the sum of `bitPairsDiffTable()` over their bytes. Per 2-bit lane, `a ^ b` already is
 * |a - b| except where it reads 3: there a is 1 or 2 (difference 1: clear the high bit) or 0 or 3
 * (difference 3, which counts 6: leave 3, `lanesDiffTable()` maps it to 6). The two cases are told apart
 * by whether the lane of `a` has unequal bits.
 */
function bodyDistanceWords(a: Int32Array, b: Int32Array, from: number): number {
  const lanes = lanesDiffTable();
  let total = 0;
  for (let k = from; k < a.length; k++) {
    const wa = a[k];
    const x = wa ^ b[k];
    const oneTwo = x & (x >>> 1) & (wa ^ (wa >>> 1)) & 0x55555555;
    const y = x ^ (oneTwo << 1);
    total += lanes[y & 0xffff] + lanes[y >>> 16];
  }
  return total;
}

function modDiff(x: number, y: number, range: number): number {
  const d = x > y ? x - y : y - x;
  return d < range - d ? d : range - d;
}

/** Distance of the length classes (0 if equal, 1 if adjacent, else 12 per class). */
export function tlshLengthTerm(a: number, b: number): number {
  const d = modDiff(a, b, 256);
  return d <= 1 ? d : d * 12;
}

/** Distance of one quartile ratio (0 or 1 if close, else 12 per step beyond the first). */
export function tlshRatioTerm(a: number, b: number): number {
  const d = modDiff(a, b, 16);
  return d <= 1 ? d : (d - 1) * 12;
}

/**
 * Body distance of `count` bytes of `a` from `aOffset` and of `b` from `bOffset` (a partial sum of
 * the body term, so a lower bound of it).
 */
export function bodyDistanceAt(
  a: Uint8Array,
  aOffset: number,
  b: Uint8Array,
  bOffset: number,
  count: number,
): number {
  const pairs = bitPairsDiffTable();
  let d = 0;
  for (let i = 0; i < count; i++) d += pairs[(a[aOffset + i] << 8) | b[bOffset + i]];
  return d;
}

export interface TlshDistanceOptions {
  /** Count the difference of the length classes (default true, like `tlsh` without `-xlen`). */
  includeLength?: boolean;
}

/** Distance of two parsed digests, as the reference's `totalDiff`. */
export function tlshDistanceParsed(
  a: TlshDigestValue,
  b: TlshDigestValue,
  options?: TlshDistanceOptions,
): number {
  const includeLength = options === undefined || options.includeLength !== false;
  const pa = ParsedTlsh.packedOf(a);
  const pb = ParsedTlsh.packedOf(b);
  // Same variant: same body words and same checksum length (bits 16-17 of word 0).
  if (pa !== undefined && pb !== undefined && pa.length === pb.length && (pa[0] ^ pb[0]) >>> 16 === 0) {
    return packedDistance(pa, pb, includeLength);
  }
  const ca = a.checksum;
  const cb = b.checksum;
  if (a.body.length !== b.body.length || ca.length !== cb.length) {
    throw new CairnError(
      'HASH_TLSH_VARIANT_MISMATCH',
      `cannot compare TLSH digests of different variants (${variantName(a)} vs ${variantName(b)})`,
      { field: 'digest' },
    );
  }
  let diff = includeLength ? tlshLengthTerm(a.lValue, b.lValue) : 0;
  diff += tlshRatioTerm(a.q1ratio, b.q1ratio);
  diff += tlshRatioTerm(a.q2ratio, b.q2ratio);
  for (let k = 0; k < ca.length; k++) {
    if (ca[k] !== cb[k]) {
      diff += 1;
      break;
    }
  }
  return diff + bodyDistanceAt(a.body, 0, b.body, 0, a.body.length);
}

/** `128.1`, `128.3`, `256.1` or `256.3`: buckets and checksum bytes, as the reference names builds. */
export function variantName(value: TlshDigestValue): string {
  return `${value.body.length * 4}.${value.checksum.length}`;
}

/**
 * TLSH distance of two digests (text in either form, or parsed): 0 for identical, larger for more
 * different, unbounded above. Not a metric: the triangle inequality does not hold.
 */
export function tlshDistance(
  a: string | TlshDigestValue,
  b: string | TlshDigestValue,
  options: TlshDistanceOptions = {},
): number {
  return tlshDistanceParsed(
    typeof a === 'string' ? parseTlsh(a) : a,
    typeof b === 'string' ? parseTlsh(b) : b,
    options,
  );
}

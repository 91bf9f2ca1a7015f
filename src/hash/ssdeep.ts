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
import * as kernelLayout from './ssdeep-kernel.js';
import { ssdeepKernel, type SsdeepKernel } from './ssdeep-kernel.js';

// The kernel's layout as module-local constants, read once: the hot loops then see constants under
// any module loader (a test runner's transform turns each use of an imported binding into a
// property read, which made these loops several times slower under vitest).
const {
  FNV_PRIME_LOW,
  FORK,
  REDUCE,
  SLOT_FORK_REDUCE,
  INV3,
  KERNEL_INPUT,
  KERNEL_LEVELS,
  KERNEL_SLICE,
  PAIR_MASK,
  PAIR_ONE,
  ROLLING_WINDOW,
  SLOT_H1,
  SLOT_H2,
  SLOT_H3,
  SLOT_LEVEL,
  SLOT_LIVE,
  SLOT_PAIRS,
  SLOT_Q,
  SLOT_START,
  THIRD_OF_2_32,
} = kernelLayout;

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
 * `h mod 64` and `c mod 64`, and `0x01000193 mod 64 = 0x13`. A block hash keeps its piece hash `h`
 * and its half-length twin `halfh` in one 32-bit word, `h << 16 | halfh`: one multiplication by
 * 0x13 steps both (a field times 0x13 stays below 2^11, so the fields never carry into each other),
 * a mask keeps their low 6 bits and one xor with `c6 · 0x10001` adds the byte to both.
 */
const PAIR_INIT = HASH_INIT * PAIR_ONE;
// INV3: 0xAAAAAAAB, the inverse of 3 mod 2^32, as int32: `x · INV3` is x / 3 exactly when 3 divides x.
/**
 * Most block hashes the scan loops keep in local variables: about 7 are live when hashing a stream
 * of unknown length, 2 to 5 once the length is declared (`setTotalLength`).
 */
const LOCAL_LEVELS = 8;
/** Below this many bytes in one update, the JavaScript loops run rather than the WebAssembly kernel. */
const KERNEL_MIN_BYTES = 256;

/** Steps the block hashes `from..to-1` past the ones kept in locals (rarely any). */
function stepLevels(pair: Int32Array, from: number, to: number, c2: number): void {
  for (let i = from; i < to; i++) pair[i] = (Math.imul(pair[i], FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
}

function blockSizeAt(index: number): number {
  return MIN_BLOCKSIZE * 2 ** index;
}

/**
 * Streaming ssdeep hasher: `update()` any number of chunks, then `digest()`. The digest does not
 * depend on how the input is split. Per-byte work touches only typed arrays and local numbers.
 */
export class SsdeepHasher {
  // Rolling hash (Adler-like h1/h2 over a 7-byte window, shift-xor h3, kept as int32); `window`
  // holds the last 7 bytes, oldest first (zeros at the start).
  private readonly window = new Uint8Array(ROLLING_WINDOW);
  private readonly joined = new Uint8Array(2 * ROLLING_WINDOW);
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;
  // One block hash per block size 3·2^i: `h << 16 | halfh` (see PAIR_MASK). LOCAL_LEVELS spare
  // slots past the last level, because the scan loops write their local copies back unconditionally.
  private readonly bhPair = new Int32Array(NUM_BLOCKHASHES + LOCAL_LEVELS);
  private readonly bhDindex = new Uint8Array(NUM_BLOCKHASHES);
  private readonly bhDigest = new Uint8Array(NUM_BLOCKHASHES * SPAMSUM_LENGTH);
  private readonly bhHalfDigest = new Uint8Array(NUM_BLOCKHASHES);
  private bhStart = 0;
  private bhEnd = 1;
  /** Forks stop once bhEnd passes this (lowered by setTotalLength). */
  private bhEndLimit = NUM_BLOCKHASHES - 1;
  private totalSize = 0;
  /** The declared total length, -1 when not declared. */
  private fixedSize = -1;
  private reduceBorder = MIN_BLOCKSIZE * SPAMSUM_LENGTH;
  private rollMask = 0;
  private flags = 0;
  private lastH = 0;

  constructor() {
    this.bhPair[0] = PAIR_INIT;
  }

  /**
   * Declares the total input length in advance, as ssdeep's `fuzzy_set_total_input_length` (and
   * `ssdeep` itself, for files) does: block sizes that cannot be reported for that length are
   * then not tracked, which makes hashing faster. The digest is the same. Call before `update`;
   * feeding more or less than `length` bytes is a `CairnError` `HASH_LENGTH_MISMATCH`.
   */
  setTotalLength(length: number): this {
    if (!Number.isInteger(length) || length < 0) {
      throw new CairnError('HASH_BAD_LENGTH', `ssdeep input length ${length} is not a byte count`, {
        field: 'length',
      });
    }
    if (length > TOTAL_SIZE_MAX) {
      throw new CairnError(
        'HASH_INPUT_TOO_LARGE',
        `ssdeep input length ${length} exceeds ${TOTAL_SIZE_MAX}`,
        {
          field: 'length',
        },
      );
    }
    if (this.fixedSize >= 0 && this.fixedSize !== length) {
      throw new CairnError(
        'HASH_LENGTH_MISMATCH',
        `ssdeep total length already set to ${this.fixedSize}, not ${length}`,
        { field: 'length' },
      );
    }
    this.fixedSize = length;
    let bi = 0;
    while (blockSizeAt(bi) * SPAMSUM_LENGTH < length && bi < NUM_BLOCKHASHES - 2) bi++;
    this.bhEndLimit = bi + 1;
    return this;
  }

  /** Feeds more input. Returns `this` so calls can be chained. */
  update(input: Uint8Array): this {
    // A plain Uint8Array view (Buffers and other subclasses have other maps), so that the scan
    // loops only ever see one kind of array and stay monomorphic.
    const chunk = new Uint8Array(input.buffer, input.byteOffset, input.length);
    const len = chunk.length;
    if (this.totalSize + len > (this.fixedSize >= 0 ? this.fixedSize : TOTAL_SIZE_MAX)) {
      throw new CairnError(
        this.fixedSize >= 0 ? 'HASH_LENGTH_MISMATCH' : 'HASH_INPUT_TOO_LARGE',
        `ssdeep input exceeds ${this.fixedSize >= 0 ? this.fixedSize : TOTAL_SIZE_MAX} bytes`,
        { offset: this.totalSize },
      );
    }
    this.totalSize += len;
    const kernel = len >= KERNEL_MIN_BYTES ? ssdeepKernel() : undefined;
    if (kernel !== undefined) this.scanInKernel(kernel, chunk);
    else {
      // The first 7 bytes run over the saved window followed by them, so that the byte leaving
      // the rolling window is always at p - 7 of the buffer being scanned.
      const head = len < ROLLING_WINDOW ? len : ROLLING_WINDOW;
      const joined = this.joined;
      joined.set(this.window, 0);
      for (let k = 0; k < head; k++) joined[ROLLING_WINDOW + k] = chunk[k];
      this.scanAll(joined, ROLLING_WINDOW, ROLLING_WINDOW + head);
      this.scanAll(chunk, head, len);
      if (len < ROLLING_WINDOW) {
        this.window.set(joined.subarray(head, head + ROLLING_WINDOW));
        return this;
      }
    }
    this.window.set(chunk.subarray(len - ROLLING_WINDOW));
    return this;
  }

  /** Hashes buf[from..len-1]; buf[from - 7..from - 1] are the 7 bytes before. */
  private scanAll(buf: Uint8Array, from: number, len: number): void {
    let p = from;
    while (p < len) p = this.scanStep(buf, p, len);
  }

  /** Hashes buf[p..] up to the next trigger point (included) or len; returns the position after. */
  private scanStep(buf: Uint8Array, p: number, len: number): number {
    const live = this.bhEnd - this.bhStart;
    return live <= 3
      ? this.scan3(buf, p, len)
      : live <= 5
        ? this.scan5(buf, p, len)
        : this.scan8(buf, p, len);
  }

  /**
   * The whole chunk (at least KERNEL_MIN_BYTES) through the kernel, in slices of KERNEL_SLICE:
   * the state goes in, the kernel runs to the end of the slice, emitting the digest characters
   * of the trigger points on the way, and the state comes back. A trigger point that forks or
   * reduces a block hash is finished here (the digest state comes out of the kernel for it, and
   * goes back in before the next run). More live block hashes than the kernel keeps, or the last
   * one's running hash (only for inputs of many GiB), take the JavaScript loops instead.
   */
  private scanInKernel(kernel: SsdeepKernel, chunk: Uint8Array): void {
    const { bytes, state, run, widths } = kernel;
    const pair = this.bhPair;
    // Whether the kernel's memory holds the digest state (then this hasher's arrays are stale).
    let inKernel = false;
    for (let p = 0; p < chunk.length; p += KERNEL_SLICE) {
      const n = Math.min(KERNEL_SLICE, chunk.length - p);
      if (p === 0) {
        bytes.set(this.window, KERNEL_INPUT - ROLLING_WINDOW);
        bytes.set(chunk.subarray(0, n), KERNEL_INPUT);
      } else bytes.set(chunk.subarray(p - ROLLING_WINDOW, p + n), KERNEL_INPUT - ROLLING_WINDOW);
      const end = KERNEL_INPUT + n;
      let a = KERNEL_INPUT;
      while (a < end) {
        const start = this.bhStart;
        const live = this.bhEnd - start;
        if (live > KERNEL_LEVELS || (this.flags & NEED_LASTHASH) !== 0) {
          if (inKernel) inKernel = this.digestFromKernel(kernel);
          a = this.scanStep(bytes, a, end);
          continue;
        }
        if (!inKernel) inKernel = this.digestToKernel(kernel);
        let width = 0;
        while (widths[width] < live) width++;
        const levels = widths[width];
        state[SLOT_H1] = this.h1;
        state[SLOT_H2] = this.h2;
        state[SLOT_H3] = this.h3;
        state[SLOT_START] = start;
        state[SLOT_LIVE] = live;
        state[SLOT_FORK_REDUCE] =
          (this.bhEnd <= this.bhEndLimit || this.bhEnd === NUM_BLOCKHASHES ? FORK : 0) |
          (live >= 2 && this.reduceBorder < (this.fixedSize >= 0 ? this.fixedSize : this.totalSize)
            ? REDUCE
            : 0);
        for (let i = 0; i < levels; i++) state[SLOT_PAIRS + i] = pair[start + i];
        a = run[width](a, end);
        this.h1 = state[SLOT_H1];
        this.h2 = state[SLOT_H2];
        this.h3 = state[SLOT_H3];
        for (let i = 0; i < levels; i++) pair[start + i] = state[SLOT_PAIRS + i];
        const level = state[SLOT_LEVEL];
        if (level !== 0) {
          inKernel = this.digestFromKernel(kernel);
          this.trigger(state[SLOT_Q], start + level - 1);
        }
      }
    }
    if (inKernel) this.digestFromKernel(kernel);
  }

  /** Copies the digest state into the kernel's memory; returns true. */
  private digestToKernel(kernel: SsdeepKernel): boolean {
    kernel.dindex.set(this.bhDindex);
    kernel.half.set(this.bhHalfDigest);
    kernel.digest.set(this.bhDigest);
    return true;
  }

  /** Copies the digest state back from the kernel's memory; returns false. */
  private digestFromKernel(kernel: SsdeepKernel): boolean {
    this.bhDindex.set(kernel.dindex);
    this.bhHalfDigest.set(kernel.half);
    this.bhDigest.set(kernel.digest);
    return false;
  }

  // scanK hashes chunk[p0..len-1] up to and including the next trigger point (handled before
  // returning) and returns the position after it, or len; the byte leaving the rolling window is
  // chunk[p - 7]. It keeps K block hashes from bhStart in locals (the variants differ only in K;
  // scanAll picks the smallest that holds the live ones: fewer locals, fewer multiplies per byte).
  // Locals past bhEnd are scratch, overwritten when that level is forked; levels beyond 8 are
  // stepped in memory. Per byte: the rolling hash (h1, h2 over a 7-byte window, h3
  // shift-xor as int32), one multiply per block hash, and the trigger test: horg = roll_sum + 1
  // (mod 2^32) must be a non-zero multiple of 3 with (horg / 3) & rollMask = 0. q = horg · 3^-1
  // (mod 2^32) is horg / 3 exactly when 3 divides horg and above 2^32 / 3 otherwise.

  private scan3(chunk: Uint8Array, p0: number, len: number): number {
    const pair = this.bhPair;
    const start = this.bhStart;
    const rollMask = this.rollMask;
    const needLast = this.flags & NEED_LASTHASH;
    let h1 = this.h1;
    let h2 = this.h2;
    let h3 = this.h3;
    let s0 = pair[start];
    let s1 = pair[start + 1];
    let s2 = pair[start + 2];
    for (let p = p0; p < len; p++) {
      const c = chunk[p];
      const out = chunk[p - ROLLING_WINDOW];
      h2 = h2 - h1 + ROLLING_WINDOW * c;
      h1 = h1 + c - out;
      h3 = (h3 << 5) ^ c;
      const c2 = (c & 63) * PAIR_ONE;
      s0 = (Math.imul(s0, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s1 = (Math.imul(s1, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s2 = (Math.imul(s2, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      if (needLast) this.lastH = ((this.lastH * FNV_PRIME_LOW) & 63) ^ (c & 63);
      const horg = (h1 + h2 + h3 + 1) | 0;
      const q = Math.imul(horg, INV3);
      if ((q & rollMask) !== 0 || q < 0 || q > THIRD_OF_2_32 || horg === 0) continue;
      pair[start] = s0;
      pair[start + 1] = s1;
      pair[start + 2] = s2;
      this.h1 = h1;
      this.h2 = h2;
      this.h3 = h3;
      this.trigger(q >>> start);
      return p + 1;
    }
    pair[start] = s0;
    pair[start + 1] = s1;
    pair[start + 2] = s2;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    return len;
  }

  private scan5(chunk: Uint8Array, p0: number, len: number): number {
    const pair = this.bhPair;
    const start = this.bhStart;
    const rollMask = this.rollMask;
    const needLast = this.flags & NEED_LASTHASH;
    let h1 = this.h1;
    let h2 = this.h2;
    let h3 = this.h3;
    let s0 = pair[start];
    let s1 = pair[start + 1];
    let s2 = pair[start + 2];
    let s3 = pair[start + 3];
    let s4 = pair[start + 4];
    for (let p = p0; p < len; p++) {
      const c = chunk[p];
      const out = chunk[p - ROLLING_WINDOW];
      h2 = h2 - h1 + ROLLING_WINDOW * c;
      h1 = h1 + c - out;
      h3 = (h3 << 5) ^ c;
      const c2 = (c & 63) * PAIR_ONE;
      s0 = (Math.imul(s0, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s1 = (Math.imul(s1, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s2 = (Math.imul(s2, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s3 = (Math.imul(s3, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s4 = (Math.imul(s4, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      if (needLast) this.lastH = ((this.lastH * FNV_PRIME_LOW) & 63) ^ (c & 63);
      const horg = (h1 + h2 + h3 + 1) | 0;
      const q = Math.imul(horg, INV3);
      if ((q & rollMask) !== 0 || q < 0 || q > THIRD_OF_2_32 || horg === 0) continue;
      pair[start] = s0;
      pair[start + 1] = s1;
      pair[start + 2] = s2;
      pair[start + 3] = s3;
      pair[start + 4] = s4;
      this.h1 = h1;
      this.h2 = h2;
      this.h3 = h3;
      this.trigger(q >>> start);
      return p + 1;
    }
    pair[start] = s0;
    pair[start + 1] = s1;
    pair[start + 2] = s2;
    pair[start + 3] = s3;
    pair[start + 4] = s4;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    return len;
  }

  private scan8(chunk: Uint8Array, p0: number, len: number): number {
    const pair = this.bhPair;
    const start = this.bhStart;
    const end = this.bhEnd;
    const rollMask = this.rollMask;
    const needLast = this.flags & NEED_LASTHASH;
    let h1 = this.h1;
    let h2 = this.h2;
    let h3 = this.h3;
    let s0 = pair[start];
    let s1 = pair[start + 1];
    let s2 = pair[start + 2];
    let s3 = pair[start + 3];
    let s4 = pair[start + 4];
    let s5 = pair[start + 5];
    let s6 = pair[start + 6];
    let s7 = pair[start + 7];
    for (let p = p0; p < len; p++) {
      const c = chunk[p];
      const out = chunk[p - ROLLING_WINDOW];
      h2 = h2 - h1 + ROLLING_WINDOW * c;
      h1 = h1 + c - out;
      h3 = (h3 << 5) ^ c;
      const c2 = (c & 63) * PAIR_ONE;
      s0 = (Math.imul(s0, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s1 = (Math.imul(s1, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s2 = (Math.imul(s2, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s3 = (Math.imul(s3, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s4 = (Math.imul(s4, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s5 = (Math.imul(s5, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s6 = (Math.imul(s6, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      s7 = (Math.imul(s7, FNV_PRIME_LOW) & PAIR_MASK) ^ c2;
      if (end - start > LOCAL_LEVELS) stepLevels(pair, start + LOCAL_LEVELS, end, c2);
      if (needLast) this.lastH = ((this.lastH * FNV_PRIME_LOW) & 63) ^ (c & 63);
      const horg = (h1 + h2 + h3 + 1) | 0;
      const q = Math.imul(horg, INV3);
      if ((q & rollMask) !== 0 || q < 0 || q > THIRD_OF_2_32 || horg === 0) continue;
      pair[start] = s0;
      pair[start + 1] = s1;
      pair[start + 2] = s2;
      pair[start + 3] = s3;
      pair[start + 4] = s4;
      pair[start + 5] = s5;
      pair[start + 6] = s6;
      pair[start + 7] = s7;
      this.h1 = h1;
      this.h2 = h2;
      this.h3 = h3;
      this.trigger(q >>> start);
      return p + 1;
    }
    pair[start] = s0;
    pair[start + 1] = s1;
    pair[start + 2] = s2;
    pair[start + 3] = s3;
    pair[start + 4] = s4;
    pair[start + 5] = s5;
    pair[start + 6] = s6;
    pair[start + 7] = s7;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    return len;
  }

  /**
   * Emits one digest character for each block size whose reset point this byte is, from block
   * hash `from` on (`hIn`: the trigger's `q` shifted right by `from`).
   */
  private trigger(hIn: number, from = this.bhStart): void {
    let h = hIn;
    let i = from;
    do {
      if (this.bhDindex[i] === 0) this.forkBlockHash();
      const d = this.bhDindex[i];
      const pair = this.bhPair[i];
      this.bhDigest[i * SPAMSUM_LENGTH + d] = B64_CODES[pair >>> 16];
      this.bhHalfDigest[i] = B64_CODES[pair & 63];
      if (d < SPAMSUM_LENGTH - 1) {
        this.bhDindex[i] = d + 1;
        if (d + 1 < SPAMSUM_LENGTH / 2) {
          this.bhPair[i] = PAIR_INIT;
          this.bhHalfDigest[i] = 0;
        } else this.bhPair[i] = (HASH_INIT << 16) | (pair & 63);
      } else this.reduceBlockHash();
      if (h & 1) break;
      h >>>= 1;
    } while (++i < this.bhEnd);
  }

  private forkBlockHash(): void {
    const last = this.bhEnd - 1;
    if (this.bhEnd <= this.bhEndLimit) {
      const next = this.bhEnd;
      this.bhPair[next] = this.bhPair[last];
      this.bhDigest[next * SPAMSUM_LENGTH] = 0;
      this.bhHalfDigest[next] = 0;
      this.bhDindex[next] = 0;
      this.bhEnd++;
    } else if (this.bhEnd === NUM_BLOCKHASHES && !(this.flags & NEED_LASTHASH)) {
      this.flags |= NEED_LASTHASH;
      this.lastH = this.bhPair[last] >>> 16;
    }
  }

  private reduceBlockHash(): void {
    if (this.bhEnd - this.bhStart < 2) return;
    if (this.reduceBorder >= (this.fixedSize >= 0 ? this.fixedSize : this.totalSize)) return;
    if (this.bhDindex[this.bhStart + 1] < SPAMSUM_LENGTH / 2) return;
    this.bhStart++;
    this.reduceBorder *= 2;
    this.rollMask = this.rollMask * 2 + 1;
  }

  /** The digest of everything fed so far (the hasher can still be updated afterwards). */
  digest(): string {
    if (this.fixedSize >= 0 && this.totalSize !== this.fixedSize) {
      throw new CairnError(
        'HASH_LENGTH_MISMATCH',
        `ssdeep input is ${this.totalSize} bytes, but ${this.fixedSize} were declared`,
        { offset: this.totalSize },
      );
    }
    let bi = this.bhStart;
    const rollSum = (this.h1 + this.h2 + this.h3) | 0;
    while (blockSizeAt(bi) * SPAMSUM_LENGTH < this.totalSize) bi++;
    bi = Math.min(bi, this.bhEnd - 1);
    while (bi > this.bhStart && this.bhDindex[bi] < SPAMSUM_LENGTH / 2) bi--;

    const out: number[] = [];
    let len = this.bhDindex[bi];
    for (let k = 0; k < len; k++) out.push(this.bhDigest[bi * SPAMSUM_LENGTH + k]);
    // The character after the digest's: the rolling hash's, or when the input ends in a run that
    // leaves the rolling sum 0, the one the last slot holds once the digest is full (63 + tail),
    // if any. Chosen by value and pushed at one place: the code a branch that only some files
    // take (zero-padded PE files) would hold is compiled as a bailout, thrown away when one comes.
    const lastSlot = this.bhDigest[bi * SPAMSUM_LENGTH + len];
    const fullTail = len === SPAMSUM_LENGTH - 1 ? lastSlot : 0;
    const tail = rollSum !== 0 ? B64_CODES[this.bhPair[bi] >>> 16] : fullTail;
    if (tail !== 0) out.push(tail);
    out.push(0x3a);
    if (bi < this.bhEnd - 1) {
      const b2 = bi + 1;
      len = Math.min(this.bhDindex[b2], SPAMSUM_LENGTH / 2 - 1);
      for (let k = 0; k < len; k++) out.push(this.bhDigest[b2 * SPAMSUM_LENGTH + k]);
      const half = this.bhHalfDigest[b2];
      const tail2 = rollSum !== 0 ? B64_CODES[this.bhPair[b2] & 63] : half;
      if (tail2 !== 0) out.push(tail2);
    } else if (rollSum !== 0) {
      out.push(B64_CODES[bi === 0 ? this.bhPair[bi] >>> 16 : this.lastH]);
    }
    return `${blockSizeAt(bi)}:${String.fromCharCode(...out)}`;
  }
}

/** ssdeep digest of a whole buffer, identical to `ssdeep -s <file>` on the same bytes. */
export function ssdeepDigest(bytes: Uint8Array): string {
  return new SsdeepHasher().setTotalLength(bytes.length).update(bytes).digest();
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
  return new ParsedSsdeep(
    text,
    blockSize,
    blockIndex,
    part1,
    part2,
    norm1,
    norm2,
    sevenGrams(norm1),
    sevenGrams(norm2),
  );
}

/** log2 of the bits in each part's 7-gram filter (see `loadFilter`). */
const FILTER_BITS_LOG = 14;
const FILTER_WORDS = 1 << (FILTER_BITS_LOG - 5);

/** The filter key of a 7-gram: a FILTER_BITS_LOG-bit hash of its 42-bit value. */
function gramKey(gram: number): number {
  const hi = Math.floor(gram / 2 ** 21);
  const lo = gram - hi * 2 ** 21;
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca77) >>> (32 - FILTER_BITS_LOG);
}

/**
 * What `parseSsdeep` returns: the `SsdeepDigest` fields plus, privately (invisible to callers and
 * to structural equality), the filter key of each 7-gram, `grams1` then `grams2`.
 */
class ParsedSsdeep implements SsdeepDigest {
  readonly #keys: Uint16Array;
  constructor(
    readonly text: string,
    readonly blockSize: number,
    readonly blockIndex: number,
    readonly part1: string,
    readonly part2: string,
    readonly norm1: string,
    readonly norm2: string,
    readonly grams1: Float64Array,
    readonly grams2: Float64Array,
  ) {
    const keys = new Uint16Array(grams1.length + grams2.length);
    for (let i = 0; i < grams1.length; i++) keys[i] = gramKey(grams1[i]);
    for (let i = 0; i < grams2.length; i++) keys[grams1.length + i] = gramKey(grams2[i]);
    this.#keys = keys;
  }

  /** The filter keys of a digest made by `parseSsdeep`, undefined for any other object. */
  static keysOf(d: SsdeepDigest): Uint16Array | undefined {
    return #keys in d ? d.#keys : undefined;
  }
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

/** Whether the sorted `grams` hold `gram` (binary search). */
function hasGram(grams: Float64Array, gram: number): boolean {
  let lo = 0;
  let hi = grams.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const g = grams[mid];
    if (g === gram) return true;
    if (g < gram) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/**
 * One bitmap of 2^FILTER_BITS_LOG bits per part (part 1, then part 2) with the keys of one
 * digest's 7-grams set: the digest of the last `loadFilter` call. All-pairs loops and index scans
 * compare one digest against many, so the bitmap is rebuilt (and the previous one's bits cleared,
 * key by key) only when the first argument changes.
 */
const filterBits = new Int32Array(2 * FILTER_WORDS);
let filterOwner: ParsedSsdeep | undefined;
let filterOwnerKeys: Uint16Array | undefined;

function loadFilter(d: SsdeepDigest, keys: Uint16Array): void {
  if (filterOwner === d) return;
  const bits = filterBits;
  if (filterOwnerKeys !== undefined && filterOwner !== undefined) {
    const old = filterOwnerKeys;
    const split = filterOwner.grams1.length;
    for (let k = 0; k < old.length; k++) bits[(k < split ? 0 : FILTER_WORDS) + (old[k] >>> 5)] = 0;
  }
  const split = d.grams1.length;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    bits[(k < split ? 0 : FILTER_WORDS) + (key >>> 5)] |= 1 << (key & 31);
  }
  filterOwner = d as ParsedSsdeep;
  filterOwnerKeys = keys;
}

/**
 * Whether part `aPart` of `a` and part `bPart` of `b` share a 7-gram (ssdeep's
 * `has_common_substring`). For parsed digests each 7-gram of `b` is looked up in `a`'s bitmap and
 * only the rare hits are confirmed by a binary search; other objects take a sorted merge.
 */
function shareGramOf(a: SsdeepDigest, aPart: 1 | 2, b: SsdeepDigest, bPart: 1 | 2): boolean {
  const aGrams = aPart === 1 ? a.grams1 : a.grams2;
  const bGrams = bPart === 1 ? b.grams1 : b.grams2;
  const aKeys = ParsedSsdeep.keysOf(a);
  const bKeys = ParsedSsdeep.keysOf(b);
  if (aKeys === undefined || bKeys === undefined) return shareGram(aGrams, bGrams);
  loadFilter(a, aKeys);
  const bits = filterBits;
  const base = aPart === 1 ? 0 : FILTER_WORDS;
  const from = bPart === 1 ? 0 : b.grams1.length;
  for (let k = 0; k < bGrams.length; k++) {
    const key = bKeys[from + k];
    if ((bits[base + (key >>> 5)] & (1 << (key & 31))) !== 0 && hasGram(aGrams, bGrams[k])) return true;
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

/** ssdeep's `score_strings` once the two parts are known to share a 7-gram. */
function scoreStrings(s1: string, s2: string, blockSize: number): number {
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
 * Score of part `aPart` of `a` against part `bPart` of `b` at `blockSize`: 0 unless both have at
 * least 7 characters and share a 7-character substring.
 */
function scoreParts(a: SsdeepDigest, aPart: 1 | 2, b: SsdeepDigest, bPart: 1 | 2, blockSize: number): number {
  const s1 = aPart === 1 ? a.norm1 : a.norm2;
  const s2 = bPart === 1 ? b.norm1 : b.norm2;
  if (s1.length < ROLLING_WINDOW || s2.length < ROLLING_WINDOW) return 0;
  if (!shareGramOf(a, aPart, b, bPart)) return 0;
  return scoreStrings(s1, s2, blockSize);
}

/**
 * Match score 0..100 of two parsed digests, as `fuzzy_compare` computes it: 0 unless the block
 * sizes are equal or differ by a factor of 2 and the compared parts share a 7-character substring.
 */
export function ssdeepCompareParsed(a: SsdeepDigest, b: SsdeepDigest): number {
  const bs1 = a.blockSize;
  const bs2 = b.blockSize;
  if (bs1 === bs2) {
    if (a.norm1 === b.norm1 && a.norm2 === b.norm2) return 100;
    const score1 = scoreParts(a, 1, b, 1, bs1);
    const score2 = scoreParts(a, 2, b, 2, bs1 * 2);
    return score1 > score2 ? score1 : score2;
  }
  if (bs1 * 2 === bs2) return scoreParts(a, 2, b, 1, bs2);
  if (bs2 * 2 === bs1) return scoreParts(a, 1, b, 2, bs1);
  return 0;
}

/** Match score 0..100 of two ssdeep digests (text or parsed), identical to `ssdeep -a -k`. */
export function ssdeepCompare(a: string | SsdeepDigest, b: string | SsdeepDigest): number {
  return ssdeepCompareParsed(
    typeof a === 'string' ? parseSsdeep(a) : a,
    typeof b === 'string' ? parseSsdeep(b) : b,
  );
}

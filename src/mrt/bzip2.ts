/**
 * A streaming bzip2 decoder in TypeScript, used when no native decompressor (lbzip2, bzip2) is on
 * the machine, and to recover the exact decodable prefix when a native tool fails.
 *
 * Written here rather than taken from unbzip2-stream because that package (1.4.3) reports a
 * truncated stream as `TypeError: Cannot read properties of undefined` instead of a typed error,
 * and decodes about three times slower than this one.
 *
 * Properties the byte source relies on:
 * - each block is delivered only after its CRC has been checked, so a damaged block never reaches
 *   the caller (native tools write a damaged block's bytes before they notice the CRC mismatch);
 * - input is buffered only as far as one block can reach (a bzip2 block is at most ~2.3 MB
 *   compressed), so memory stays flat whatever the file size;
 * - an incomplete final block raises MRT_TRUNCATED_STREAM, bad data MRT_CORRUPT_STREAM, both after
 *   every complete block has been returned, with `location.offset` = decompressed bytes so far;
 * - concatenated streams (pbzip2, `cat a.bz2 b.bz2`) decode as one; bytes after the last stream
 *   that are not another stream are reported as MRT_CORRUPT_STREAM.
 *
 * Randomised blocks (written only by bzip2 0.9.0 and older, before 1999) are reported as
 * MRT_CORRUPT_STREAM rather than decoded.
 *
 * @example
 * const decoder = new Bzip2Decoder('rib.bz2');
 * decoder.push(compressedChunk);            // as input arrives
 * decoder.end();                            // after the last chunk
 * for (let out = decoder.next(); out !== undefined; out = decoder.next()) {
 *   if (out === null) break;                // needs more input: push more, then call next() again
 *   consume(out);
 * }
 */

import { CairnError } from '../errors/index.js';

const BLOCK_MAGIC_HI = 0x314159;
const BLOCK_MAGIC_LO = 0x265359;
const EOS_MAGIC_HI = 0x177245;
const EOS_MAGIC_LO = 0x385090;
const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;
const MAX_SELECTORS = 32767;
const GROUP_SIZE = 50;
const LOOKUP_BITS = 10;
const LOOKUP_SIZE = 1 << LOOKUP_BITS;

/**
 * Compressed bytes one block can span: 900,001 symbols of at most 20 bits, 32,767 selectors of at
 * most 6 bits, six code-length tables of 258 lengths at most 39 bits each, and the headers: about
 * 2.29 MB. A block is decoded only once this much input is buffered (or the input has ended), so
 * decoding never has to stop in the middle of a block.
 */
const BLOCK_LOOKAHEAD = 2_400_000;

/** CRC-32 as bzip2 computes it: polynomial 0x04c11db7, most significant bit first. */
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c;
  }
  return table;
})();

/**
 * bzip2's block CRC over `bytes` at each step, from `crc` (start with -1): calls `atMatch` with
 * the index after each byte where the finished CRC (~crc) equals `wanted`, until it returns false.
 * Returns the running CRC. Used to find where each block's output ends in a native tool's output.
 */
export function scanBzip2Crc(
  bytes: Uint8Array,
  crc: number,
  wanted: number,
  atMatch: (end: number) => number | undefined,
): { crc: number; wanted: number | undefined } {
  let target: number | undefined = wanted;
  for (let i = 0; i < bytes.length; i++) {
    crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]) & 0xff];
    if (~crc >>> 0 === target) {
      target = atMatch(i + 1);
      if (target === undefined) return { crc, wanted: undefined };
      crc = -1;
    }
  }
  return { crc, wanted: target };
}

/**
 * Where a decoder starts in the middle of a file, at a block marker: the decoder then is as one
 * that decoded everything before it (see Bzip2Decoder's `resume` option).
 */
export interface Bzip2Resume {
  /** Decompressed bytes before the block. */
  output: number;
  /** Absolute compressed bit of the block's 48-bit magic; input is pushed from its byte. */
  bit: number;
  /** The stream's level digit (0x31..0x39, "1".."9"). */
  level: number;
  /** The stream's combined CRC of the blocks before this one. */
  combinedCrc: number;
  /** Block and end-of-stream markers met before it in the file (damage reports count them). */
  markersBefore: number;
}

/** Thrown inside block decoding when the buffer ran out before the input ended; never escapes. */
class NeedMoreInput extends Error {}

export class Bzip2Decoder {
  /** Compressed input not yet consumed lives in `input[pos, inputEnd)`; bits before `pos` are in `bitBuf`. */
  private input: Uint8Array = new Uint8Array(0);
  private inputEnd = 0;
  private pos = 0;
  private bitBuf = 0;
  private bitCount = 0;
  /** Compressed bytes dropped from the front of `input` so far (for messages). */
  private inputBase = 0;
  private ended = false;
  private lookahead = BLOCK_LOOKAHEAD;

  /** 'header': expecting "BZh1".."BZh9" (or the end); 'block': expecting a block or end-of-stream marker. */
  private state: 'header' | 'block' | 'done' = 'header';
  private blockSizeMax = 0;
  private combinedCrc = 0;
  private streamCount = 0;
  private failure: CairnError | undefined;

  /** Decompressed bytes returned so far. */
  bytesOut = 0;

  // Per-block work areas, allocated once.
  private tt: Uint32Array = new Uint32Array(0);
  private out: Uint8Array = new Uint8Array(0);
  private readonly selectors = new Uint8Array(MAX_SELECTORS);
  private readonly lengths = new Uint8Array(MAX_GROUPS * MAX_ALPHA);
  private readonly lookup = new Uint16Array(MAX_GROUPS * LOOKUP_SIZE); // (symbol << 5) | length, 0 = long code
  private readonly limit = new Int32Array(MAX_GROUPS * (MAX_CODE_LEN + 2));
  private readonly base = new Int32Array(MAX_GROUPS * (MAX_CODE_LEN + 2));
  private readonly perm = new Uint16Array(MAX_GROUPS * MAX_ALPHA);
  private readonly minLens = new Uint8Array(MAX_GROUPS);
  private readonly seqToUnseq = new Uint8Array(256);
  private readonly mtf = new Uint8Array(256);
  private readonly unzftab = new Int32Array(256);
  private readonly cftab = new Int32Array(257);

  /**
   * @param name file name for error locations
   * @param options.lookahead compressed bytes buffered before a block is decoded (tests lower it
   *   to exercise the path that rewinds a block when the input runs out)
   * @param options.start where this input begins in a larger stream: decompressed bytes before it
   *   (counted in `bytesOut` and error offsets) and compressed bytes before it (in messages)
   */
  constructor(
    readonly name: string = '<bzip2>',
    options: {
      lookahead?: number;
      start?: { output: number; input: number };
      recover?: boolean;
      resume?: Bzip2Resume;
    } = {},
  ) {
    this.lookahead = this.baseLookahead = options.lookahead ?? BLOCK_LOOKAHEAD;
    this.recover = options.recover ?? false;
    this.bytesOut = options.start?.output ?? 0;
    this.inputBase = options.start?.input ?? 0;
    const resume = options.resume;
    if (resume !== undefined) {
      this.bytesOut = resume.output;
      this.inputBase = resume.bit >>> 3;
      this.skipBits = resume.bit & 7;
      this.state = 'block';
      this.blockSizeMax = (resume.level - 0x30) * 100_000;
      this.combinedCrc = resume.combinedCrc;
      this.streamCount = 1;
      this.blockIndex = resume.markersBefore;
    }
  }
  /** Bits of the first input byte before the resume point (`resume` option), still to skip. */
  private skipBits = 0;
  private readonly baseLookahead: number;
  /**
   * Skip a damaged block (bad CRC, bad tables) and go on at the next block marker, as
   * bzip2recover does: blocks start at a 48-bit magic on any bit boundary. Off: the first damaged
   * block ends the stream.
   */
  private readonly recover: boolean;
  /** Blocks met so far in the file (damaged ones included), for locating a damaged one. */
  private blockIndex = 0;
  /** A block of the current stream was skipped: its combined CRC cannot be checked. */
  private streamDamaged = false;
  /** Absolute compressed bit where the search for the next block marker goes on (-1: none). */
  private resyncBit = -1;
  private resyncProblem: CairnError | undefined;
  private readonly damage: CairnError[] = [];

  /** The damaged blocks skipped since the last call (recover mode), in order. */
  takeDamage(): CairnError[] {
    return this.damage.splice(0);
  }

  /** Compressed bytes consumed by decoding so far. */
  get compressedBytesConsumed(): number {
    return this.inputBase + this.pos - (this.bitCount >> 3);
  }

  /** Appends compressed input. The bytes are copied; the caller may reuse its buffer. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('Bzip2Decoder.push after end');
    const live = this.inputEnd - this.pos;
    if (this.inputEnd + chunk.length > this.input.length) {
      const needed = live + chunk.length;
      if (needed > this.input.length || this.pos < this.input.length / 2) {
        const grown = new Uint8Array(Math.max(needed, this.input.length * 2, 1 << 16));
        grown.set(this.input.subarray(this.pos, this.inputEnd));
        this.input = grown;
      } else {
        this.input.copyWithin(0, this.pos, this.inputEnd);
      }
      this.inputBase += this.pos;
      this.inputEnd = live;
      this.pos = 0;
    }
    this.input.set(chunk, this.inputEnd);
    this.inputEnd += chunk.length;
  }

  /** Declares that no more input follows. */
  end(): void {
    this.ended = true;
  }

  /**
   * Decodes the next block. Returns its bytes (a new array owned by the caller), `null`
   * when more input must be pushed first, or `undefined` at the end of the data. Throws CairnError
   * MRT_TRUNCATED_STREAM or MRT_CORRUPT_STREAM, and again on every later call.
   */
  next(): Uint8Array | null | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      for (;;) {
        if (this.state === 'done') return undefined;
        if (!this.ended && this.inputEnd - this.pos < this.lookahead) return null;
        if (this.skipBits > 0) {
          this.bits(this.skipBits);
          this.skipBits = 0;
        }
        if (this.resyncBit >= 0 && !this.resync()) return null;
        const savedPos = this.pos;
        const savedBitBuf = this.bitBuf;
        const savedBitCount = this.bitCount;
        try {
          if (this.state === 'header') {
            if (!this.readStreamHeader()) return undefined;
            continue;
          }
          this.blockIndex++;
          let block: Uint8Array | undefined;
          try {
            block = this.readBlock();
          } catch (error) {
            if (!this.recover || !(error instanceof CairnError) || error.code !== 'MRT_CORRUPT_STREAM')
              throw error;
            // Search for the next block marker from the bit after this block's start.
            const startBit = (this.inputBase + savedPos) * 8 - savedBitCount;
            this.resyncBit = startBit + 1;
            this.resyncProblem = new CairnError(
              'MRT_CORRUPT_STREAM',
              `bzip2 block ${this.blockIndex} at compressed bit ${startBit} (byte ${Math.floor(startBit / 8)}) is damaged (${error.message.replace(/^bzip2: /, '')}): skipped`,
              { file: this.name, offset: this.bytesOut, field: `bzip2 block ${this.blockIndex}` },
            );
            continue;
          }
          if (block === undefined) continue; // end-of-stream marker: next stream or the end
          this.lookahead = this.baseLookahead;
          this.bytesOut += block.length;
          return block;
        } catch (error) {
          if (!(error instanceof NeedMoreInput)) throw error;
          // Only reachable if a block is longer than BLOCK_LOOKAHEAD (which valid blocks are not):
          // rewind, wait for more input, retry.
          this.pos = savedPos;
          this.bitBuf = savedBitBuf;
          this.bitCount = savedBitCount;
          this.lookahead *= 2;
          return null;
        }
      }
    } catch (error) {
      if (error instanceof CairnError) this.failure = error;
      throw error;
    }
  }

  /**
   * Looks for the next block or end-of-stream marker at or after `resyncBit`; on finding one,
   * moves there and records the damaged block. Returns false when more input is needed; throws
   * the damaged block's error when the input ends without another marker.
   */
  private resync(): boolean {
    const problem = this.resyncProblem as CairnError;
    const input = this.input;
    const endBit = this.inputEnd * 8;
    let bit = this.resyncBit - this.inputBase * 8;
    // A 48-bit window, as two 24-bit halves, filled from the search start.
    let hi = 0;
    let lo = 0;
    let filled = 0;
    for (; bit < endBit; bit++) {
      const b = (input[bit >> 3] >> (7 - (bit & 7))) & 1;
      hi = ((hi << 1) | (lo >>> 23)) & 0xffffff;
      lo = ((lo << 1) | b) & 0xffffff;
      if (++filled < 48) continue;
      const isBlock = hi === BLOCK_MAGIC_HI && lo === BLOCK_MAGIC_LO;
      if (isBlock || (hi === EOS_MAGIC_HI && lo === EOS_MAGIC_LO)) {
        const at = bit - 47;
        this.pos = at >> 3;
        this.bitBuf = 0;
        this.bitCount = 0;
        if ((at & 7) !== 0) this.bits(at & 7);
        this.resyncBit = -1;
        this.resyncProblem = undefined;
        this.streamDamaged = true;
        this.damage.push(
          new CairnError(
            problem.code,
            `${problem.message}; decoding goes on at compressed bit ${this.inputBase * 8 + at}`,
            problem.location,
          ),
        );
        return true;
      }
    }
    if (!this.ended) {
      // Search again from the last 47 bits once more input is here.
      const from = Math.max(this.resyncBit - this.inputBase * 8, endBit - 47);
      this.resyncBit = this.inputBase * 8 + from;
      // Keep the bytes still to search when push() compacts the input.
      this.pos = from >> 3;
      this.bitCount = 0;
      return false;
    }
    this.resyncBit = -1;
    throw new CairnError(problem.code, `${problem.message}; no intact block follows it`, problem.location);
  }

  /** True when decoding has used bits beyond the end of the input (read as zeros). */
  private overrun(): boolean {
    return (this.pos - this.inputEnd) * 8 > this.bitCount;
  }

  private truncated(where: string): never {
    throw new CairnError(
      'MRT_TRUNCATED_STREAM',
      `bzip2 stream ends ${where} (after ${this.inputBase + this.inputEnd} compressed bytes)`,
      { file: this.name, offset: this.bytesOut },
    );
  }

  private fail(message: string): never {
    // Running past the end of the input explains any inconsistency found afterwards.
    if (this.overrun()) this.truncated('inside a block');
    throw new CairnError(
      'MRT_CORRUPT_STREAM',
      `bzip2: ${message} (near compressed byte ${this.compressedBytesConsumed})`,
      { file: this.name, offset: this.bytesOut },
    );
  }

  /** Reads n <= 24 bits. Past the end of the input it reads zeros and leaves `pos > inputEnd`. */
  private bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.inputEnd && !this.ended) throw new NeedMoreInput();
      const byte = this.pos < this.inputEnd ? this.input[this.pos] : 0;
      this.pos++;
      this.bitBuf = ((this.bitBuf << 8) | byte) >>> 0;
      this.bitCount += 8;
    }
    this.bitCount -= n;
    return (this.bitBuf >>> this.bitCount) & ((1 << n) - 1);
  }

  /** At a stream boundary: returns false at a clean end of input, throws on anything but "BZh1".."BZh9". */
  private readStreamHeader(): boolean {
    // Stream headers start on a byte boundary.
    this.bitCount -= this.bitCount & 7;
    const remaining = this.inputEnd - this.pos + (this.bitCount >> 3);
    if (remaining === 0 && this.streamCount > 0) {
      this.state = 'done';
      return false;
    }
    if (remaining < 4) {
      if (!this.ended) throw new NeedMoreInput();
      const head = this.peekBytes(remaining);
      if (this.streamCount === 0 || isPrefixOfHeader(head)) this.truncated('inside the stream header');
      this.fail(`${remaining} bytes of trailing data after the end of the bzip2 stream`);
    }
    const head = this.peekBytes(4);
    if (head[0] !== 0x42 || head[1] !== 0x5a || head[2] !== 0x68 || head[3] < 0x31 || head[3] > 0x39) {
      if (this.streamCount === 0) this.fail('not a bzip2 stream (bad magic)');
      this.fail(`${remaining} bytes of trailing data after the end of the bzip2 stream`);
    }
    this.bits(16);
    this.bits(16);
    this.blockSizeMax = (head[3] - 0x30) * 100_000;
    this.combinedCrc = 0;
    this.streamCount++;
    this.state = 'block';
    return true;
  }

  private peekBytes(n: number): number[] {
    const result: number[] = [];
    let bitCount = this.bitCount;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      if (bitCount >= 8) {
        bitCount -= 8;
        result.push((this.bitBuf >>> bitCount) & 0xff);
      } else {
        result.push(this.input[pos++]);
      }
    }
    return result;
  }

  /** Decodes one block; returns undefined (and moves to the next stream) at the end-of-stream marker. */
  private readBlock(): Uint8Array | undefined {
    const magicHi = this.bits(24);
    const magicLo = this.bits(24);
    if (magicHi === EOS_MAGIC_HI && magicLo === EOS_MAGIC_LO) {
      const storedCombined = ((this.bits(16) << 16) | this.bits(16)) >>> 0;
      if (this.overrun()) this.truncated('inside the end-of-stream marker');
      if (!this.streamDamaged && storedCombined !== this.combinedCrc >>> 0) {
        this.fail(
          `stream CRC mismatch (stored ${hex(storedCombined)}, computed ${hex(this.combinedCrc >>> 0)})`,
        );
      }
      this.state = 'header';
      this.streamDamaged = false;
      return undefined;
    }
    if (magicHi !== BLOCK_MAGIC_HI || magicLo !== BLOCK_MAGIC_LO) this.fail('bad block header magic');
    const storedCrc = ((this.bits(16) << 16) | this.bits(16)) >>> 0;
    if (this.bits(1) !== 0) this.fail('randomised block (bzip2 0.9.0 or older) is not supported');
    const origPtr = this.bits(24);

    // Symbol map: which byte values occur in the block.
    const seqToUnseq = this.seqToUnseq;
    let inUse = 0;
    const used16 = this.bits(16);
    for (let i = 0; i < 16; i++) {
      if ((used16 & (0x8000 >>> i)) === 0) continue;
      const used = this.bits(16);
      for (let j = 0; j < 16; j++) if (used & (0x8000 >>> j)) seqToUnseq[inUse++] = i * 16 + j;
    }
    if (inUse === 0) this.fail('block uses no symbols');
    const alphaSize = inUse + 2;

    const nGroups = this.bits(3);
    if (nGroups < 2 || nGroups > MAX_GROUPS) this.fail(`bad number of Huffman tables (${nGroups})`);
    const nSelectors = this.bits(15);
    if (nSelectors < 1) this.fail('no selectors');
    const selectors = this.selectors;
    const mtfGroups = [0, 1, 2, 3, 4, 5];
    for (let i = 0; i < nSelectors; i++) {
      let j = 0;
      while (this.bits(1) === 1) {
        j++;
        if (j >= nGroups) this.fail('bad selector');
      }
      const v = mtfGroups[j];
      for (let k = j; k > 0; k--) mtfGroups[k] = mtfGroups[k - 1];
      mtfGroups[0] = v;
      selectors[i] = v;
    }

    // Code lengths, delta coded, then the decoding tables.
    const lengths = this.lengths;
    for (let t = 0; t < nGroups; t++) {
      let curr = this.bits(5);
      for (let i = 0; i < alphaSize; i++) {
        for (;;) {
          if (curr < 1 || curr > MAX_CODE_LEN) this.fail('bad Huffman code length');
          if (this.bits(1) === 0) break;
          curr += this.bits(1) === 0 ? 1 : -1;
        }
        lengths[t * MAX_ALPHA + i] = curr;
      }
      this.buildTable(t, alphaSize);
    }

    const nblock = this.readSymbols(nSelectors, alphaSize, inUse);
    if (this.overrun()) this.truncated('inside a block');
    if (origPtr >= nblock) this.fail(`origin pointer ${origPtr} outside block of ${nblock} bytes`);

    const out = this.inverseBwt(nblock, origPtr);
    const crc = this.blockCrc;
    if (crc !== storedCrc) this.fail(`block CRC mismatch (stored ${hex(storedCrc)}, computed ${hex(crc)})`);
    this.combinedCrc = (((this.combinedCrc << 1) | (this.combinedCrc >>> 31)) ^ crc) >>> 0;
    return out;
  }

  /**
   * Canonical Huffman tables for group t: a 10-bit direct lookup for short codes, and
   * limit/base/perm (as libbz2 has them) for the longer ones.
   */
  private buildTable(t: number, alphaSize: number): void {
    const lengths = this.lengths;
    const lo = t * MAX_ALPHA;
    let minLen = 32;
    let maxLen = 0;
    for (let i = 0; i < alphaSize; i++) {
      const len = lengths[lo + i];
      if (len > maxLen) maxLen = len;
      if (len < minLen) minLen = len;
    }
    const lb = t * (MAX_CODE_LEN + 2);
    const limit = this.limit;
    const base = this.base;
    const perm = this.perm;
    let pp = t * MAX_ALPHA;
    const permStart = pp;
    for (let len = minLen; len <= maxLen; len++) {
      for (let i = 0; i < alphaSize; i++) if (lengths[lo + i] === len) perm[pp++] = i;
    }
    // code = first code of this length; limit = last code of this length; base maps code -> perm index.
    let code = 0;
    let index = 0;
    for (let len = 1; len <= MAX_CODE_LEN; len++) {
      let count = 0;
      if (len >= minLen && len <= maxLen)
        for (let i = 0; i < alphaSize; i++) if (lengths[lo + i] === len) count++;
      base[lb + len] = index - code;
      limit[lb + len] = code + count - 1;
      index += count;
      code = (code + count) << 1;
    }
    limit[lb + MAX_CODE_LEN + 1] = 0x7fffffff; // sentinel: longer codes never match
    this.minLens[t] = minLen;

    const lookup = this.lookup;
    const lk = t * LOOKUP_SIZE;
    lookup.fill(0, lk, lk + LOOKUP_SIZE);
    code = 0;
    index = 0;
    for (let len = 1; len <= LOOKUP_BITS; len++) {
      for (let i = 0; i < alphaSize; i++) {
        if (lengths[lo + i] !== len) continue;
        // Codes beyond the code space (an over-subscribed table) cannot be represented; the slow
        // path rejects them.
        const first = code << (LOOKUP_BITS - len);
        const last = (code + 1) << (LOOKUP_BITS - len);
        if (last <= LOOKUP_SIZE) lookup.fill((perm[permStart + index] << 5) | len, lk + first, lk + last);
        code++;
        index++;
      }
      code <<= 1;
    }
  }

  private blockCrc = 0;

  /** Huffman + RUNA/RUNB + move-to-front decoding into tt; returns the block length. */
  private readSymbols(nSelectors: number, alphaSize: number, inUse: number): number {
    let tt = this.tt;
    const max = this.blockSizeMax;
    const mtf = this.mtf;
    const seqToUnseq = this.seqToUnseq;
    const unzftab = this.unzftab;
    const lookup = this.lookup;
    const limit = this.limit;
    const base = this.base;
    const perm = this.perm;
    const selectors = this.selectors;
    const input = this.input;
    const inputEnd = this.inputEnd;
    const ended = this.ended;
    for (let i = 0; i < 256; i++) mtf[i] = i;
    unzftab.fill(0);
    const eob = alphaSize - 1;

    let pos = this.pos;
    let bitBuf = this.bitBuf;
    let bitCount = this.bitCount;
    let nblock = 0;
    let groupNo = -1;
    let groupPos = 0;
    let lk = 0;
    let lb = 0;
    let pb = 0;
    let minLen = 0;
    let runLength = 0;
    let runWeight = 1;

    for (;;) {
      if (groupPos === 0) {
        groupNo++;
        if (groupNo >= nSelectors) {
          this.pos = pos;
          this.bitCount = bitCount;
          this.fail('more symbols than selectors');
        }
        groupPos = GROUP_SIZE;
        const t = selectors[groupNo];
        lk = t * LOOKUP_SIZE;
        lb = t * (MAX_CODE_LEN + 2);
        pb = t * MAX_ALPHA;
        minLen = this.minLens[t];
      }
      groupPos--;

      // Keep at least 24 bits in the buffer (bitBuf holds at most 31).
      while (bitCount < 24) {
        let byte = 0;
        if (pos < inputEnd) byte = input[pos];
        else if (!ended) throw new NeedMoreInput();
        pos++;
        bitBuf = ((bitBuf << 8) | byte) >>> 0;
        bitCount += 8;
      }
      let sym: number;
      const entry = lookup[lk + ((bitBuf >>> (bitCount - LOOKUP_BITS)) & (LOOKUP_SIZE - 1))];
      if (entry !== 0) {
        bitCount -= entry & 31;
        sym = entry >>> 5;
      } else {
        // Long code: extend one bit at a time from the shortest length, as libbz2 does.
        let len = minLen;
        let code = (bitBuf >>> (bitCount - len)) & ((1 << len) - 1);
        while (code > limit[lb + len]) {
          len++;
          if (len > MAX_CODE_LEN) {
            this.pos = pos;
            this.bitCount = bitCount;
            this.fail('bad Huffman code');
          }
          code = (bitBuf >>> (bitCount - len)) & ((1 << len) - 1);
        }
        const index = code + base[lb + len];
        if (index < 0 || index >= alphaSize) {
          this.pos = pos;
          this.bitCount = bitCount;
          this.fail('bad Huffman code');
        }
        bitCount -= len;
        sym = perm[pb + index];
      }
      bitBuf &= (1 << bitCount) - 1;

      if (sym <= 1) {
        // RUNA (0) adds 1 x weight, RUNB (1) adds 2 x weight; the weight doubles each time.
        runLength += runWeight << sym;
        runWeight <<= 1;
        if (runLength > max) {
          this.pos = pos;
          this.bitCount = bitCount;
          this.fail('run longer than the block');
        }
        continue;
      }
      if (runLength > 0) {
        const uc = seqToUnseq[mtf[0]];
        if (nblock + runLength > tt.length) {
          if (nblock + runLength > max) {
            this.pos = pos;
            this.bitCount = bitCount;
            this.fail('block longer than its declared size');
          }
          tt = this.growTt(nblock, nblock + runLength);
        }
        unzftab[uc] += runLength;
        tt.fill(uc, nblock, nblock + runLength);
        nblock += runLength;
        runLength = 0;
        runWeight = 1;
      }
      if (sym === eob) break;
      const index = sym - 1;
      if (index >= inUse) {
        this.pos = pos;
        this.bitCount = bitCount;
        this.fail('move-to-front index out of range');
      }
      const v = mtf[index];
      if (index < 16) {
        for (let k = index; k > 0; k--) mtf[k] = mtf[k - 1];
      } else {
        mtf.copyWithin(1, 0, index);
      }
      mtf[0] = v;
      if (nblock >= tt.length) {
        if (nblock >= max) {
          this.pos = pos;
          this.bitCount = bitCount;
          this.fail('block longer than its declared size');
        }
        tt = this.growTt(nblock, nblock + 1);
      }
      const uc = seqToUnseq[v];
      unzftab[uc]++;
      tt[nblock++] = uc;
    }
    this.pos = pos;
    this.bitBuf = bitBuf;
    this.bitCount = bitCount;
    return nblock;
  }

  /** Inverse Burrows-Wheeler transform, undoing the initial run-length coding, with the block CRC. */
  private inverseBwt(nblock: number, origPtr: number): Uint8Array {
    const tt = this.tt;
    const cftab = this.cftab;
    const unzftab = this.unzftab;
    cftab[0] = 0;
    for (let i = 0; i < 256; i++) cftab[i + 1] = cftab[i] + unzftab[i];
    for (let i = 0; i < nblock; i++) {
      const uc = tt[i] & 0xff;
      tt[cftab[uc]] |= i << 8;
      cftab[uc]++;
    }

    let out: Uint8Array = this.out;
    if (out.length < nblock + 256) out = this.out = new Uint8Array(Math.max(nblock + (nblock >> 2), 1 << 12));
    let outLen = 0;
    let crc = -1;
    let tPos = tt[origPtr] >>> 8;
    let last = -1;
    let run = 0;
    for (let i = 0; i < nblock; i++) {
      tPos = tt[tPos];
      const b = tPos & 0xff;
      tPos >>>= 8;
      if (run === 4) {
        // b is a repeat count for the byte seen four times.
        if (outLen + b > out.length) out = this.growOut(outLen, b);
        for (let k = 0; k < b; k++) {
          out[outLen++] = last;
          crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ last) & 0xff];
        }
        run = 0;
        last = -1;
        continue;
      }
      if (b === last) run++;
      else {
        run = 1;
        last = b;
      }
      if (outLen >= out.length) out = this.growOut(outLen, 1);
      out[outLen++] = b;
      crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff];
    }
    this.blockCrc = ~crc >>> 0;
    return out.slice(0, outLen);
  }

  /** tt grows with the blocks seen (small files never pay for a 900k-entry table). */
  private growTt(used: number, needed: number): Uint32Array {
    const grown = new Uint32Array(Math.min(Math.max(needed, this.tt.length * 2, 1 << 16), this.blockSizeMax));
    grown.set(this.tt.subarray(0, used));
    this.tt = grown;
    return grown;
  }

  private growOut(used: number, extra: number): Uint8Array {
    const grown = new Uint8Array(Math.max((used + extra) * 2, this.out.length * 2));
    grown.set(this.out.subarray(0, used));
    this.out = grown;
    return grown;
  }
}

function isPrefixOfHeader(head: number[]): boolean {
  const magic = [0x42, 0x5a, 0x68];
  return head.every((b, i) => (i < 3 ? b === magic[i] : b >= 0x31 && b <= 0x39));
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

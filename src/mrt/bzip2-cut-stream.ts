/**
 * Makes a cut bzip2 stream (a download that stopped, "the first MB of a RIB") decodable by the
 * native tools, which otherwise fail at the cut and deliver fewer bytes than the stream holds:
 * the compressed bytes are passed through up to the last block or end-of-stream marker seen, and
 * when the input ends there without an end-of-stream marker, the cut block is replaced by a
 * rebuilt end-of-stream marker whose combined CRC is computed from the stored CRCs of the blocks
 * before it (bzip2's combined CRC is rotl(crc, 1) ^ blockCrc over the blocks of a stream). The
 * cut block itself is returned as a stream of its own ("BZh" + level + the block's bits, shifted
 * to the byte boundary) for the TypeScript decoder, which delivers it if it turns out complete
 * (only the end-of-stream magic was cut) and reports the stream as truncated otherwise. A cut
 * inside the combined CRC after a whole end-of-stream magic gets the same rebuilt marker in place
 * of the cut one: every block is complete, and the stream ends truncated after them.
 *
 * Markers are 48-bit magics at any bit position, so one could appear by chance inside compressed
 * data (about 2^-45 per byte). A chance marker only makes the rebuilt stream fail its CRC check in
 * the native tool, and the byte source then decodes the original bytes with the TypeScript
 * decoder: slower, never wrong.
 *
 * At most one block (bzip2 blocks span at most ~2.3 MB compressed) plus one input chunk is held;
 * data that would need more is not a bzip2 stream, and is passed on as it is.
 */

/**
 * Compressed bytes one block can span (see BLOCK_LOOKAHEAD in bzip2.ts): held bytes beyond this
 * cannot be one block, so the data is passed on as it is (memory stays flat on hostile input).
 */
const MAX_HELD_BYTES = 2_400_000;

const BLOCK_MAGIC = 0x314159265359;
const EOS_MAGIC = 0x177245385090;

/** For each magic and bit shift s (0..7): 4 bytes fully fixed by the magic at bytes 1..4 of its window. */
interface Needle {
  magic: number;
  shift: number;
  bytes: Buffer;
}

/** Bytes 1..4 of the 7-byte window that holds the 48-bit magic starting at bit `shift` of byte 0. */
function needleFor(magic: number, shift: number): Needle {
  const window = BigInt(magic) << BigInt(8 - shift); // 56 bits: s unknown bits, magic, 8 - s unknown
  const bytes = Buffer.alloc(4);
  for (let k = 1; k <= 4; k++) bytes[k - 1] = Number((window >> BigInt(8 * (6 - k))) & 0xffn);
  return { magic, shift, bytes };
}

const NEEDLES: readonly Needle[] = [BLOCK_MAGIC, EOS_MAGIC].flatMap((magic) =>
  Array.from({ length: 8 }, (_, shift) => needleFor(magic, shift)),
);

/** `n` (<= 32) bits at bit position `bit` of `bytes` (most significant first), zeros past the end. */
function readBits(bytes: Uint8Array, bit: number, n: number): number {
  let value = 0;
  for (let i = 0; i < n;) {
    const at = bit + i;
    const byte = at >>> 3 < bytes.length ? bytes[at >>> 3] : 0;
    const offset = at & 7;
    const take = Math.min(8 - offset, n - i);
    value = value * (1 << take) + ((byte >>> (8 - offset - take)) & ((1 << take) - 1));
    i += take;
  }
  return value;
}

function readBits48(bytes: Uint8Array, bit: number): number {
  return readBits(bytes, bit, 24) * 0x1000000 + readBits(bytes, bit + 24, 24);
}

interface Marker {
  /** Absolute bit position of the magic in the input. */
  bit: number;
  kind: 'block' | 'end';
}

/** What to do once the input has ended (see CutStreamRepair.finish). */
export interface CutStreamEnd {
  /** Bytes to write to the native tool before closing its input. */
  bytes: Buffer[];
  /**
   * Set when the end was rebuilt: the cut block as a stream of its own, for the TypeScript
   * decoder, and the input size (for its messages).
   */
  cutBlock?: { stream: Uint8Array; inputSize: number };
  /**
   * Set when the input ends inside the combined CRC of an end-of-stream marker whose magic is
   * whole: every block is complete, the marker was rebuilt, and the stream ends there truncated.
   */
  cutInEnd?: { inputSize: number };
}

/**
 * A block found whole in the input (the next marker followed it): where it starts and what the
 * decoder's state is there, and its stored CRC (see nativeRestart in byte-source.ts).
 */
export interface CompleteBlock {
  bit: number;
  crc: number;
  level: number;
  combinedCrc: number;
  markersBefore: number;
}

export class CutStreamRepair {
  /** The blocks found whole, in order, until the data turned out irregular. */
  readonly completeBlocks: CompleteBlock[] = [];
  /** Markers moved past so far. */
  private markers = 0;
  /** Input bytes not yet passed on, from absolute offset `heldStart`. */
  private held: Uint8Array = new Uint8Array(0);
  private heldLength = 0;
  private heldStart = 0;
  /** Markers are searched from this absolute bit on (earlier ones were searched already). */
  private searchFrom = 32;
  private last: Marker | undefined;
  private streamCrc = 0;
  /** Level digit ("1".."9") of the stream the last marker is in. */
  private level = 0;
  /** Set when the data does not look like well-formed streams: it is then passed on as it is. */
  private irregular = false;

  /** Takes a chunk of input; returns the bytes that can be passed on now. */
  add(chunk: Uint8Array): Buffer[] {
    if (this.irregular) return [Buffer.from(chunk)];
    this.append(chunk);
    if (this.heldStart === 0 && this.level === 0 && this.heldLength >= 4) this.level = this.held[3];
    for (const marker of this.search()) if (!this.irregular) this.advance(marker);
    if (this.heldLength > MAX_HELD_BYTES) this.irregular = true;
    if (this.irregular) return this.releaseAll();
    // Pass on everything before the byte that holds the last marker.
    return this.last === undefined ? [] : this.release(this.last.bit >>> 3);
  }

  /** Called once after the last chunk. */
  finish(): CutStreamEnd {
    const last = this.last;
    const held = this.held.subarray(0, this.heldLength);
    if (this.irregular || last === undefined || bzip2EndsComplete(held)) return { bytes: this.releaseAll() };
    // The input ends inside the block that starts at `last`, or inside the end-of-stream marker at
    // `last`: end the stream before it with a marker of its own.
    const localBit = last.bit - this.heldStart * 8;
    if (last.kind === 'end') {
      // Whole bits after the marker's 80 are data after the stream, not a cut: passed on as such.
      if (held.length * 8 - localBit >= 80) return { bytes: this.releaseAll() };
      const inputSize = this.heldStart + held.length;
      const bytes = [Buffer.from(held.subarray(0, localBit >>> 3)), this.endOfStream(held, localBit)];
      this.heldLength = 0;
      return { bytes, cutInEnd: { inputSize } };
    }
    const before = Buffer.from(held.subarray(0, localBit >>> 3));
    const ending = this.endOfStream(held, localBit);
    const stream = shiftedStream(held, localBit, this.level);
    this.heldLength = 0;
    return {
      bytes: [before, ending],
      cutBlock: { stream, inputSize: this.heldStart + held.length },
    };
  }

  /**
   * An end-of-stream marker at bit `localBit` of `held` (the bits of its first byte before it
   * kept), with the combined CRC of the stream's blocks before it.
   */
  private endOfStream(held: Uint8Array, localBit: number): Buffer {
    const keepBits = localBit & 7;
    const ending = Buffer.alloc(1 + 10 + 1);
    if (keepBits > 0) ending[0] = held[localBit >>> 3] & (0xff << (8 - keepBits));
    let bitAt = keepBits;
    const put = (value: number, n: number): void => {
      for (let i = n - 1; i >= 0; i--, bitAt++) {
        if (Math.floor(value / 2 ** i) % 2 === 1) ending[bitAt >>> 3] |= 0x80 >>> (bitAt & 7);
      }
    };
    put(EOS_MAGIC, 48);
    put(this.streamCrc >>> 0, 32);
    return ending.subarray(0, (bitAt + 7) >>> 3);
  }

  private append(chunk: Uint8Array): void {
    const needed = this.heldLength + chunk.length;
    if (needed > this.held.length) {
      const grown = new Uint8Array(Math.max(needed, this.held.length * 2, 1 << 16));
      grown.set(this.held.subarray(0, this.heldLength));
      this.held = grown;
    }
    this.held.set(chunk, this.heldLength);
    this.heldLength = needed;
  }

  /** New markers, in order, whose 48 bits are all in the held bytes. */
  private search(): Marker[] {
    const held = Buffer.from(this.held.buffer, this.held.byteOffset, this.heldLength);
    const base = this.heldStart * 8;
    const end = this.heldLength * 8 - 48; // last bit a whole magic can start at
    const from = this.searchFrom - base;
    if (end < from) return [];
    const found: Marker[] = [];
    for (const needle of NEEDLES) {
      // The needle sits one byte after the window's start.
      for (let at = held.indexOf(needle.bytes, Math.max(1, (from >>> 3) + 1)); at >= 0;) {
        const bit = (at - 1) * 8 + needle.shift;
        if (bit > end) break;
        if (bit >= from && readBits48(held, bit) === needle.magic) {
          found.push({ bit: base + bit, kind: needle.magic === BLOCK_MAGIC ? 'block' : 'end' });
        }
        at = held.indexOf(needle.bytes, at + 1);
      }
    }
    // A magic at bit 0 of the held bytes has no byte before its needle: only the first stream's
    // first block can sit there unseen, and it is found from the 4-byte header onwards.
    this.searchFrom = base + end + 1;
    return found.sort((a, b) => a.bit - b.bit);
  }

  /** Moves past the marker before `next` (whose block or stream is now known complete). */
  private advance(next: Marker): void {
    const last = this.last;
    const held = this.held;
    const local = (bit: number): number => bit - this.heldStart * 8;
    if (last === undefined) {
      // The first marker must follow the first stream's "BZh" + level.
      if (next.bit !== 32) this.irregular = true;
    } else if (last.kind === 'block') {
      if (next.bit - last.bit < 80) {
        this.irregular = true; // overlapping magics: not a real block
        return;
      }
      const crc = readBits(held, local(last.bit) + 48, 32);
      this.completeBlocks.push({
        bit: last.bit,
        crc,
        level: this.level,
        combinedCrc: this.streamCrc,
        markersBefore: this.markers - 1,
      });
      this.streamCrc = (((this.streamCrc << 1) | (this.streamCrc >>> 31)) ^ crc) >>> 0;
    } else {
      // After an end-of-stream marker: the next stream's header, byte-aligned, then a block.
      const headerBit = next.bit - 32;
      const streamEnd = Math.ceil((last.bit + 80) / 8) * 8;
      const header = local(headerBit) >>> 3;
      if (
        next.kind !== 'block' ||
        headerBit !== streamEnd ||
        held[header] !== 0x42 ||
        held[header + 1] !== 0x5a ||
        held[header + 2] !== 0x68 ||
        held[header + 3] < 0x31 ||
        held[header + 3] > 0x39
      ) {
        this.irregular = true;
        return;
      }
      this.level = held[header + 3];
      this.streamCrc = 0;
    }
    this.last = next;
    this.markers++;
  }

  /** Passes on the held bytes before absolute offset `upTo`. */
  private release(upTo: number): Buffer[] {
    const count = upTo - this.heldStart;
    if (count <= 0) return [];
    const out = Buffer.from(this.held.subarray(0, count));
    this.held.copyWithin(0, count, this.heldLength);
    this.heldLength -= count;
    this.heldStart = upTo;
    return [out];
  }

  private releaseAll(): Buffer[] {
    return this.release(this.heldStart + this.heldLength);
  }
}

/**
 * True when `bytes[0, end)` ends as a complete bzip2 stream does: the end-of-stream magic and the
 * 32-bit combined CRC, then at most 7 padding bits to the byte boundary. The magic is not
 * byte-aligned, so each padding width is tried; a stream cut anywhere else ends so only by chance
 * (2^-48 per width).
 */
export function bzip2EndsComplete(bytes: Uint8Array, end = bytes.length): boolean {
  const bits = end * 8;
  for (let pad = 0; pad < 8; pad++) {
    const start = bits - pad - 80;
    if (start < 0) return false;
    if (readBits48(bytes, start) === EOS_MAGIC) return true;
  }
  return false;
}

/** "BZh" + level, then the bits of `bytes` from bit `from` on, moved to start at bit 32. */
function shiftedStream(bytes: Uint8Array, from: number, level: number): Uint8Array {
  const bits = bytes.length * 8 - from;
  const out = new Uint8Array(4 + Math.ceil(bits / 8));
  out[0] = 0x42;
  out[1] = 0x5a;
  out[2] = 0x68;
  out[3] = level;
  const first = from >>> 3;
  const shift = from & 7;
  for (let i = 0; i < out.length - 4; i++) {
    const a = bytes[first + i];
    const b = first + i + 1 < bytes.length ? bytes[first + i + 1] : 0;
    out[4 + i] = shift === 0 ? a : ((a << shift) | (b >>> (8 - shift))) & 0xff;
  }
  return out;
}

/**
 * MD5 of many buffers, four at a time side by side in the lanes of WebAssembly SIMD vectors
 * (i32x4), as a small module written out byte by byte here (no toolchain, no copied code). One
 * message's MD5 is 64 dependent steps per 64-byte block, so a single-message implementation is
 * bound by their latency (node:crypto's OpenSSL: ~720 MiB/s on this project's machine, the
 * largest part of `intel sample`'s hashing); four messages go through the same steps at once for
 * about the cost of one (2.0 GiB/s here: bench/RESULTS-sample.md).
 *
 * Each lane reads its message from its own region of the module's memory: a message is copied in
 * a region at a time (a region is 1 MiB of whole blocks, the last piece followed by MD5's padding
 * and length), the kernel runs the four lanes for as many blocks as the emptiest one holds, and a
 * lane whose message is done takes the next one, so messages of any sizes keep the lanes busy.
 *
 * @example
 * const lanes = md5Lanes(); // undefined where WebAssembly SIMD is not available
 * const hex = lanes?.digests([a, b, c]); // ['9e107d9d372bb6826bd81d3542a419d6', ...]
 */

import {
  BLOCK,
  BR,
  BR_IF,
  END,
  I32_ADD,
  I32_EQZ,
  I32_SUB,
  I32X4_ADD,
  I32X4_SHL,
  I32X4_SHR_U,
  LOOP,
  V128_BITSELECT,
  V128_NOT,
  V128_OR,
  V128_XOR,
  VOID,
  constant,
  get,
  instantiate,
  load32,
  load32Lane,
  load32Zero,
  loadV128,
  set,
  store32,
  storeV128,
  v128Const32,
  wasmModule,
} from './wasm.js';

const LANES = 4;
/** The four state vectors (a, b, c, d; lane l of each is message l's) at 0, the lanes' pointers after. */
const STATE = 0;
const POINTERS = 64;
/** Bytes of message a region holds at most (whole blocks); the padding fits in the slack after it. */
const REGION = 1 << 20;
const REGION_SLACK = 1024;
const REGIONS = 1024;
const PAGES = Math.ceil((REGIONS + LANES * (REGION + REGION_SLACK)) / 65536);

// Locals: the block count (parameter), the four pointers; then v128: the state (a, b, c, d, renamed
// from step to step), its value before the block, and the block's sixteen words.
const COUNT = 0;
const POINTER = [1, 2, 3, 4];
const FIRST_VECTOR = 5;
const WORKING = [0, 1, 2, 3].map((k) => FIRST_VECTOR + k);
const SAVED = [0, 1, 2, 3].map((k) => FIRST_VECTOR + 4 + k);
const WORDS = Array.from({ length: 16 }, (_, k) => FIRST_VECTOR + 8 + k);

/** MD5's sine constants and per-round rotations (RFC 1321 3.4). */
const SINES = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);
const ROTATIONS = [
  [7, 12, 17, 22],
  [5, 9, 14, 20],
  [4, 11, 16, 23],
  [6, 10, 15, 21],
];
const INITIAL = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

/** The message word step i reads. */
function wordOf(i: number): number {
  const round = i >> 4;
  if (round === 0) return i;
  if (round === 1) return (5 * i + 1) % 16;
  if (round === 2) return (3 * i + 5) % 16;
  return (7 * i) % 16;
}

/** The round function of step i on (b, c, d), all four lanes at once. */
function roundFunction(i: number, b: number, c: number, d: number): number[] {
  switch (i >> 4) {
    case 0: // (b & c) | (~b & d)
      return [...get(c), ...get(d), ...get(b), ...V128_BITSELECT];
    case 1: // (b & d) | (c & ~d)
      return [...get(b), ...get(c), ...get(d), ...V128_BITSELECT];
    case 2:
      return [...get(b), ...get(c), ...V128_XOR, ...get(d), ...V128_XOR];
    default: // c ^ (b | ~d)
      return [...get(c), ...get(b), ...get(d), ...V128_NOT, ...V128_OR, ...V128_XOR];
  }
}

function kernelBody(): number[] {
  const block: number[] = [...get(COUNT), I32_EQZ, BR_IF, 1];
  // Word w of each lane's block into lane l of WORDS[w].
  for (let w = 0; w < 16; w++) {
    block.push(...get(POINTER[0]!), ...load32Zero(4 * w));
    for (let lane = 1; lane < LANES; lane++) {
      block.push(...set(WORDS[w]!), ...get(POINTER[lane]!), ...get(WORDS[w]!), ...load32Lane(4 * w, lane));
    }
    block.push(...set(WORDS[w]!));
  }
  WORKING.forEach((local, k) => block.push(...get(local), ...set(SAVED[k]!)));
  let [a, b, c, d] = WORKING as [number, number, number, number];
  for (let i = 0; i < 64; i++) {
    const shift = ROTATIONS[i >> 4]![i % 4]!;
    // a = b + rotl(a + (word + sine) + f(b, c, d), shift); then (a, b, c, d) = (d, a, b, c).
    block.push(
      ...get(WORDS[wordOf(i)]!),
      ...v128Const32([SINES[i]!, SINES[i]!, SINES[i]!, SINES[i]!]),
      ...I32X4_ADD,
      ...get(a),
      ...I32X4_ADD,
      ...roundFunction(i, b, c, d),
      ...I32X4_ADD,
      ...set(a),
      ...get(a),
      ...constant(shift),
      ...I32X4_SHL,
      ...get(a),
      ...constant(32 - shift),
      ...I32X4_SHR_U,
      ...V128_OR,
      ...get(b),
      ...I32X4_ADD,
      ...set(a),
    );
    [a, b, c, d] = [d, a, b, c];
  }
  // After 64 steps the names are back in place: add the block's input state.
  WORKING.forEach((local, k) => block.push(...get(local), ...get(SAVED[k]!), ...I32X4_ADD, ...set(local)));
  for (const pointer of POINTER) block.push(...get(pointer), ...constant(64), I32_ADD, ...set(pointer));
  block.push(...get(COUNT), ...constant(1), I32_SUB, ...set(COUNT), BR, 0);
  return [
    ...WORKING.flatMap((local, k) => [...constant(0), ...loadV128(STATE + 16 * k), ...set(local)]),
    ...POINTER.flatMap((local, k) => [...constant(0), ...load32(POINTERS + 4 * k), ...set(local)]),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...block,
    END,
    END,
    ...WORKING.flatMap((local, k) => [...constant(0), ...get(local), ...storeV128(STATE + 16 * k)]),
    ...POINTER.flatMap((local, k) => [...constant(0), ...get(local), ...store32(POINTERS + 4 * k)]),
    END,
  ];
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** What one lane is hashing. */
interface Lane {
  /** The message's position in the list, -1 for an idle lane. */
  index: number;
  message: Uint8Array;
  /** Bytes of the message copied into the region so far. */
  copied: number;
  /** Blocks in the region not hashed yet. */
  blocks: number;
  /** The region holds the message's end and padding. */
  last: boolean;
}

/** Four-lane MD5 over one module instance (one per thread). */
export class Md5Lanes {
  private readonly bytes: Uint8Array;
  private readonly state: Uint32Array;
  private readonly pointers: Uint32Array;
  private readonly view: DataView;

  constructor(
    memory: ArrayBuffer,
    private readonly run: (blocks: number) => void,
  ) {
    this.bytes = new Uint8Array(memory);
    this.state = new Uint32Array(memory, STATE, 4 * LANES);
    this.pointers = new Uint32Array(memory, POINTERS, LANES);
    this.view = new DataView(memory);
  }

  /** The MD5 of each message, as lower-case hex, in the order given. */
  digests(messages: readonly Uint8Array[]): string[] {
    const out = new Array<string>(messages.length);
    const lanes: Lane[] = [];
    let next = 0;
    for (let l = 0; l < LANES; l++) {
      lanes.push({ index: -1, message: new Uint8Array(0), copied: 0, blocks: 0, last: false });
      this.pointers[l] = this.region(l);
      if (next < messages.length) this.start(l, lanes[l]!, messages[next]!, next++);
    }
    for (;;) {
      let blocks = Infinity;
      for (const lane of lanes) if (lane.index >= 0 && lane.blocks < blocks) blocks = lane.blocks;
      if (blocks === Infinity) return out;
      this.run(blocks);
      for (let l = 0; l < LANES; l++) {
        const lane = lanes[l]!;
        if (lane.index < 0) {
          // An idle lane reads its region again (its state is not looked at).
          this.pointers[l] = this.region(l);
          continue;
        }
        lane.blocks -= blocks;
        if (lane.blocks > 0) continue;
        if (!lane.last) {
          this.fill(l, lane);
          continue;
        }
        out[lane.index] = this.digest(l);
        lane.index = -1;
        this.pointers[l] = this.region(l);
        if (next < messages.length) this.start(l, lane, messages[next]!, next++);
      }
    }
  }

  private region(l: number): number {
    return REGIONS + l * (REGION + REGION_SLACK);
  }

  private start(l: number, lane: Lane, message: Uint8Array, index: number): void {
    lane.index = index;
    lane.message = message;
    lane.copied = 0;
    for (let k = 0; k < 4; k++) this.state[4 * k + l] = INITIAL[k]!;
    this.fill(l, lane);
  }

  /** Copies the lane's next piece into its region, with the padding after the message's end. */
  private fill(l: number, lane: Lane): void {
    const at = this.region(l);
    const rest = lane.message.length - lane.copied;
    this.pointers[l] = at;
    if (rest >= REGION) {
      this.bytes.set(lane.message.subarray(lane.copied, lane.copied + REGION), at);
      lane.copied += REGION;
      lane.blocks = REGION / 64;
      lane.last = false;
      return;
    }
    this.bytes.set(lane.message.subarray(lane.copied), at);
    lane.copied = lane.message.length;
    // 0x80, zeros, then the message's length in bits (64-bit little-endian): whole blocks.
    const padded = (rest + 9 + 63) & ~63;
    this.bytes.fill(0, at + rest, at + padded);
    this.bytes[at + rest] = 0x80;
    const length = lane.message.length;
    this.view.setUint32(at + padded - 8, (length * 8) >>> 0, true);
    this.view.setUint32(at + padded - 4, Math.floor(length / 2 ** 29), true);
    lane.blocks = padded / 64;
    lane.last = true;
  }

  private digest(l: number): string {
    let hex = '';
    for (let k = 0; k < 4; k++) {
      const word = this.state[4 * k + l]!;
      hex += HEX[word & 0xff]! + HEX[(word >>> 8) & 0xff]! + HEX[(word >>> 16) & 0xff]! + HEX[word >>> 24]!;
    }
    return hex;
  }
}

let lanes: Md5Lanes | null | undefined;

/** The thread's four-lane MD5, made on first use; undefined where WebAssembly SIMD is not available. */
export function md5Lanes(): Md5Lanes | undefined {
  if (lanes === undefined) {
    const exports = instantiate(
      wasmModule(PAGES, [
        { name: 'run', params: 1, result: false, locals: 4, vectors: 24, body: kernelBody() },
      ]),
    );
    lanes =
      exports === undefined
        ? null
        : new Md5Lanes(
            (exports.memory as { buffer: ArrayBuffer }).buffer,
            exports.run as (blocks: number) => void,
          );
  }
  return lanes ?? undefined;
}

/**
 * ssdeep's per-byte loop (the rolling hash, one FNV step per live block hash, the trigger test)
 * and the common case of its trigger points as WebAssembly functions written out byte by byte
 * here (no toolchain, no copied code). Each runs over the input from `p` to `stop` with the
 * rolling hash and the live block hashes in locals; at a trigger point it emits the digest
 * characters itself (into the digest state in its memory) unless a block hash is to be forked
 * or reduced (a few times per input): then it returns there, and `SsdeepHasher` finishes that
 * trigger point in JavaScript and calls again.
 *
 * Two kinds of kernel, each a module of functions of several widths (the widest, 16, for the
 * first bytes of an input while more than 8 block hashes are live): `vector` keeps the block
 * hashes four to a v128 local (WebAssembly SIMD: one i16x8 multiply and one xor per four block
 * hashes and byte) in functions of 4, 8 and 16; `scalar`, for engines that do not accept SIMD,
 * keeps them in i32 locals in functions of 3, 5, 8 and 16. Both hash 8 bytes a round.
 *
 * Memory layout (one instance per kind and thread, made on first use): the state at 0 (i32
 * slots, see the `SLOT_` constants; the block hashes from slot SLOT_PAIRS, the first live one
 * first), constant vectors at PRIME_AT and MASK_AT, the trigger test's constants at DIVISORS_AT,
 * the base64 alphabet at B64_AT, the digest state of the 31 block hashes (characters so far,
 * the half-digest character, the digest) at DINDEX_AT, HALF_AT and DIGEST_AT, the input at
 * KERNEL_INPUT with the 7 bytes before it just below (the bytes leaving the rolling window are
 * read from there), up to KERNEL_SLICE bytes per call.
 *
 * @example
 * const k = ssdeepKernel();
 * k.state.set([h1, h2, h3, 0, 0, start, live], 0); k.state.set(pairs, SLOT_PAIRS);
 * k.state[SLOT_FORK_REDUCE] = FORK | REDUCE;
 * k.dindex.set(dindex); k.half.set(half); k.digest.set(digest);
 * k.bytes.set(window7, KERNEL_INPUT - 7); k.bytes.set(chunk, KERNEL_INPUT);
 * const width = k.widths.findIndex((w) => w >= live);
 * const next = k.run[width](KERNEL_INPUT, KERNEL_INPUT + chunk.length);
 * if (k.state[SLOT_LEVEL] !== 0) ... // a trigger point at next - 1 to finish from that level
 */

import {
  BLOCK,
  BR,
  BR_IF,
  ELSE,
  END,
  I32_ADD,
  I32_AND,
  I32_EQ,
  I32_EQZ,
  I32_GE_U,
  I32_GT_U,
  I32_LT_U,
  I32_MUL,
  I32_OR,
  I32_SHL,
  I32_SHR_U,
  I32_SUB,
  I32_XOR,
  I16X8_MUL,
  I64_CONST,
  I64_EXTEND_I32_U,
  I64_LT_U,
  I64_MUL,
  I64_SUB,
  IF,
  LOOP,
  V128_AND,
  V128_XOR,
  VOID,
  addTo,
  constant,
  get,
  instantiate,
  load32,
  load64,
  load8,
  load8Splat,
  loadV128,
  set,
  loadLocals,
  store32,
  store8,
  storeLocals,
  storeV128,
  wasmModule,
} from './wasm.js';

export const SLOT_H1 = 0;
export const SLOT_H2 = 1;
export const SLOT_H3 = 2;
// Slot 3 is unused (it held the roll mask; the trigger test now takes its constants by level).
/**
 * Set by a run that returns at a trigger point (SLOT_LEVEL not 0): `(roll sum + 1) · 3^-1 (mod
 * 2^32)` there, shifted right by the index of the level to go on from (ssdeep.ts's `trigger`).
 */
export const SLOT_Q = 4;
/** The index of the first live block hash (its level, 0 to 30). */
export const SLOT_START = 5;
/** How many block hashes are live (at most the function's width). */
export const SLOT_LIVE = 6;
/**
 * Set by each run: 0 when it stopped at `stop`; otherwise 1 + the live block hash (counted from
 * the first live one) at which the trigger point before the returned address is to go on in
 * JavaScript (the ones before it have their characters).
 */
export const SLOT_LEVEL = 7;
export const SLOT_PAIRS = 8;
/** Block hashes the widest function keeps in locals. */
export const KERNEL_LEVELS = 16;
/**
 * What a trigger point may do that the kernel leaves to JavaScript: FORK, a new block hash after
 * the last (`forkBlockHash` would add one); REDUCE, dropping the first (`reduceBlockHash`'s size
 * test passes: it then depends only on the second's length, which the kernel reads).
 */
export const SLOT_FORK_REDUCE = SLOT_PAIRS + KERNEL_LEVELS;
export const FORK = 1;
export const REDUCE = 2;
/** The kernel's own: the position and the stop, kept across a trigger point. */
const SLOT_AT = SLOT_FORK_REDUCE + 1;
const SLOT_STOP = SLOT_AT + 1;
const STATE_SLOTS = SLOT_STOP + 1;
/** Block hashes in the digest state (ssdeep's NUM_BLOCKHASHES), each of SPAMSUM_LENGTH characters. */
export const KERNEL_BLOCKHASHES = 31;
const SPAMSUM_LENGTH = 64;
/** Constant vectors: 0x13 and 63 in each i16 lane. */
const PRIME_AT = 128;
const MASK_AT = PRIME_AT + 16;
/** Per level i, the trigger test's multiplier and bound (u64, see `byteStep`). */
const DIVISORS_AT = 512;
const B64_AT = 1024;
const DINDEX_AT = B64_AT + 64;
const HALF_AT = DINDEX_AT + 32;
const DIGEST_AT = 2048;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** A block hash's value after a character while its digest is shorter than half (see ssdeep.ts). */
const PAIR_INIT = 0x00270027;
/** After a character past half: the piece hash restarts, the half-length one goes on. */
const PIECE_INIT = 0x00270000;

export const KERNEL_INPUT = 65536;
/** Bytes of input per call (the memory holds one slice: 16 pages after the first). */
export const KERNEL_SLICE = 1 << 20;
const PAGES = 1 + KERNEL_SLICE / 65536;

export interface SsdeepKernel {
  /** The whole memory as bytes. */
  bytes: Uint8Array;
  /** The state slots (SLOT_*), as i32. */
  state: Int32Array;
  /** Per block hash: how many digest characters it has (ssdeep's `dindex`). */
  dindex: Uint8Array;
  /** Per block hash: its half-length digest's last character, or 0. */
  half: Uint8Array;
  /** The digests, SPAMSUM_LENGTH bytes per block hash. */
  digest: Uint8Array;
  /** Which functions: block hashes in v128 lanes or in i32 locals. */
  kind: SsdeepKernelKind;
  /** How many block hashes each function of `run` keeps, narrowest first (the last is KERNEL_LEVELS). */
  widths: readonly number[];
  /**
   * For `widths[i]` block hashes: hashes the bytes from `p` (an address) up to the next trigger
   * point, included, or to `stop`, and returns the address after the last byte hashed.
   */
  run: Array<(p: number, stop: number) => number>;
}

// The per-byte constants, shared with ssdeep.ts's JavaScript loops (explained there).
export const ROLLING_WINDOW = 7;
export const FNV_PRIME_LOW = 0x13;
export const PAIR_MASK = 0x003f003f;
export const PAIR_ONE = 0x00010001;
export const INV3 = -0x55555555;
export const THIRD_OF_2_32 = 0x55555555;

// Locals: the two parameters, then the rolling hash, the byte, the trigger's q, level and digest
// index, the block hashes (scalar functions); then the i64 and v128 ones (see `layout`).
const P = 0;
const STOP = 1;
const H1 = 2;
const H2 = 3;
const H3 = 4;
const C = 5;
const Q = 6;
const C2 = 7;
const I = 8;
const D = 9;
const S0 = 10;

const slot = (k: number): number => 4 * k;
/** `count` consecutive numbers from `first`. */
const range = (count: number, first: number): number[] => Array.from({ length: count }, (_, k) => first + k);

/** Block hash k in the state (where a trigger point reads and sets it). */
const readPair = (k: number): number[] => [...constant(0), ...load32(slot(SLOT_PAIRS + k))];
const writePair = (k: number, value: readonly number[]): number[] => [
  ...constant(0),
  ...value,
  ...store32(slot(SLOT_PAIRS + k)),
];
const storeSlot = (k: number, value: readonly number[]): number[] => [
  ...constant(0),
  ...value,
  ...store32(slot(k)),
];

/**
 * At a trigger point (Q holding its `q >>> start`, I the first live level, the block hashes in
 * the state): block hash k of the trigger's chain gets its digest character as
 * `SsdeepHasher.trigger` gives it, unless that forks or reduces a block hash: then the run
 * returns with SLOT_LEVEL = k + 1 and SLOT_Q = Q, and `trigger` goes on from there. Inside the
 * trigger's BLOCK: 0 is that block, 3 the function's outer one (4 in the fork or reduce test).
 */
function triggerLevel(k: number): number[] {
  // 1 when the state's SLOT_FORK_REDUCE has `flag`, else 0.
  const flag = (f: number): number[] => [
    ...constant(0),
    ...load32(slot(SLOT_FORK_REDUCE)),
    ...constant(f),
    I32_AND,
    I32_EQZ,
    I32_EQZ,
  ];
  const lowBits = [...readPair(k), ...constant(63), I32_AND];
  const counted = [...get(I), ...get(D), ...constant(1), I32_ADD, ...store8(DINDEX_AT)];
  return [
    // Past the live block hashes: done.
    ...(k > 0 ? [...constant(k), ...constant(0), ...load32(slot(SLOT_LIVE)), I32_GE_U, BR_IF, 0] : []),
    ...get(I),
    ...load8(DINDEX_AT),
    ...set(D),
    // Return if it forks (no character yet, FORK set) or reduces (full, REDUCE set and the next
    // block hash past half); neither when 0 < d < 63, the usual case, tested first.
    ...get(D),
    ...constant(1),
    I32_SUB,
    ...constant(SPAMSUM_LENGTH - 2),
    I32_GE_U,
    IF,
    VOID,
    ...get(D),
    I32_EQZ,
    ...flag(FORK),
    I32_AND,
    ...get(D),
    ...constant(SPAMSUM_LENGTH - 1),
    I32_EQ,
    ...flag(REDUCE),
    I32_AND,
    ...constant(0),
    ...load32(slot(SLOT_START)),
    ...load8(DINDEX_AT + 1),
    ...constant(SPAMSUM_LENGTH / 2 - 1),
    I32_GT_U,
    I32_AND,
    I32_OR,
    IF,
    VOID,
    ...storeSlot(SLOT_LEVEL, constant(k + 1)),
    ...storeSlot(SLOT_Q, get(Q)),
    BR,
    4,
    END,
    END,
    // digest[i][d] = B64[h]
    ...get(I),
    ...constant(6),
    I32_SHL,
    ...get(D),
    I32_ADD,
    ...readPair(k),
    ...constant(16),
    I32_SHR_U,
    ...load8(B64_AT),
    ...store8(DIGEST_AT),
    // Shorter than half: both hashes restart, no half character; else the half character is
    // kept and, unless the digest is full (its last character is then replaced each time), the
    // piece hash restarts; dindex[i] = d + 1 unless full.
    ...get(D),
    ...constant(SPAMSUM_LENGTH / 2 - 1),
    I32_LT_U,
    IF,
    VOID,
    ...get(I),
    ...constant(0),
    ...store8(HALF_AT),
    ...writePair(k, constant(PAIR_INIT)),
    ...counted,
    ELSE,
    ...get(I),
    ...lowBits,
    ...load8(B64_AT),
    ...store8(HALF_AT),
    ...get(D),
    ...constant(SPAMSUM_LENGTH - 1),
    I32_LT_U,
    IF,
    VOID,
    ...writePair(k, [...lowBits, ...constant(PIECE_INIT), I32_OR]),
    ...counted,
    END,
    END,
    // The next block size takes part only when this bit of q is 0.
    ...get(Q),
    ...constant(1),
    I32_AND,
    BR_IF,
    0,
    ...get(Q),
    ...constant(1),
    I32_SHR_U,
    ...set(Q),
    ...get(I),
    ...constant(1),
    I32_ADD,
    ...set(I),
  ];
}

/**
 * A function's locals past the i32 ones: the trigger test's multiplier and bound (i64, see
 * `byteStep`), and for a vector function 0x13 in each i16 lane, the byte in each, then the block
 * hashes, four per vector. `pairs` is the first block hash's local (an i32 one for the scalar
 * functions).
 */
interface Layout {
  levels: number;
  vectors: boolean;
  multiplier: number;
  bound: number;
  prime: number;
  byte: number;
  pairs: number;
}

function layout(levels: number, vectors: boolean): Layout {
  const wide = vectors ? S0 : S0 + levels;
  return {
    levels,
    vectors,
    multiplier: wide,
    bound: wide + 1,
    prime: wide + 2,
    byte: wide + 3,
    pairs: vectors ? wide + 4 : S0,
  };
}

/**
 * The block hashes between the state and the function's locals. In a vector function each i16
 * lane holds one hash of a pair and its product needs no mask: only the low 6 bits of a lane are
 * ever read and they depend only on the low 6 bits of the factors (the byte, in both halves of
 * each lane, touches only the high ones); the state gets the low 6 bits.
 */
function pairsIn({ levels, vectors, pairs }: Layout): number[] {
  if (!vectors) return loadLocals(range(levels, pairs), (k) => slot(SLOT_PAIRS + k));
  return range(levels / 4, pairs).flatMap((v, j) => [
    ...constant(0),
    ...loadV128(slot(SLOT_PAIRS + 4 * j)),
    ...set(v),
  ]);
}

function pairsOut({ levels, vectors, pairs }: Layout): number[] {
  if (!vectors) return storeLocals(range(levels, pairs), (k) => slot(SLOT_PAIRS + k));
  return range(levels / 4, pairs).flatMap((v, j) => [
    ...constant(0),
    ...get(v),
    ...constant(0),
    ...loadV128(MASK_AT),
    ...V128_AND,
    ...storeV128(slot(SLOT_PAIRS + 4 * j)),
  ]);
}

/** The block hash step for byte C at P + j: s = ((s · 0x13) & PAIR_MASK) ^ (c & 63) · PAIR_ONE. */
function pairsStep({ levels, vectors, pairs, prime, byte }: Layout, j: number): number[] {
  if (vectors) {
    return [
      ...get(P),
      ...load8Splat(j),
      ...set(byte),
      ...range(levels / 4, pairs).flatMap((v) => [
        ...get(v),
        ...get(prime),
        ...I16X8_MUL,
        ...get(byte),
        ...V128_XOR,
        ...set(v),
      ]),
    ];
  }
  return [
    ...get(C),
    ...constant(63),
    I32_AND,
    ...constant(PAIR_ONE),
    I32_MUL,
    ...set(C2),
    ...range(levels, pairs).flatMap((s) => [
      ...get(s),
      ...constant(FNV_PRIME_LOW),
      I32_MUL,
      ...constant(PAIR_MASK),
      I32_AND,
      ...get(C2),
      I32_XOR,
      ...set(s),
    ]),
  ];
}

/**
 * The loop's state from memory: the rolling hash, the trigger test's multiplier and bound for
 * the first live level, the block hashes, and the position and stop. The trigger points read it
 * from there again after their work (and store it before), so that nothing the loop keeps in
 * registers is live across them: a value live there was spilled to the stack at each of its
 * definitions, in the loop.
 */
function loopStateIn(at: Layout, position: boolean): number[] {
  const from = (local: number, k: number): number[] => [...constant(0), ...load32(slot(k)), ...set(local)];
  const divisor = (offset: number, local: number): number[] => [
    ...constant(0),
    ...load32(slot(SLOT_START)),
    ...constant(4),
    I32_SHL,
    ...load64(DIVISORS_AT + offset),
    ...set(local),
  ];
  return [
    ...from(H1, SLOT_H1),
    ...from(H2, SLOT_H2),
    ...from(H3, SLOT_H3),
    ...divisor(0, at.multiplier),
    ...divisor(8, at.bound),
    ...(position ? [...from(P, SLOT_AT), ...from(STOP, SLOT_STOP)] : []),
    ...pairsIn(at),
    ...(at.vectors ? [...constant(0), ...loadV128(PRIME_AT), ...set(at.prime)] : []),
  ];
}

function loopStateOut(at: Layout): number[] {
  return [
    ...storeSlot(SLOT_H1, get(H1)),
    ...storeSlot(SLOT_H2, get(H2)),
    ...storeSlot(SLOT_H3, get(H3)),
    ...storeSlot(SLOT_AT, get(P)),
    ...pairsOut(at),
  ];
}

/** horg = h1 + h2 + h3 + 1, ssdeep's roll sum + 1 (mod 2^32). */
const horg = [...get(H1), ...get(H2), I32_ADD, ...get(H3), I32_ADD, ...constant(1), I32_ADD];

/**
 * The byte at P + j: the rolling hash and the block hashes step; leaves 1 on the stack when it
 * is a trigger point of the first live level, i.e. ssdeep's roll sum = -1 (mod 3 · 2^start): a
 * non-zero horg that 3 · 2^start divides. With M = ceil(2^64 / (3 · 2^start)) (`divisors`),
 * horg · M (mod 2^64) is below M exactly when 3 · 2^start divides horg (horg < 2^32, and
 * 3 · 2^start · M exceeds 2^64 by at most 2^(start + 1)), and 0 only for horg = 0: so the test
 * is horg · M - 1 < M - 1 (unsigned).
 */
function byteStep(at: Layout, j: number): number[] {
  return [
    ...get(P),
    ...load8(j),
    ...set(C),
    // h2 = h2 - h1 + 7c; h1 = h1 + c - (the byte 7 back); h3 = (h3 << 5) ^ c
    ...get(H2),
    ...get(H1),
    I32_SUB,
    ...get(C),
    ...constant(ROLLING_WINDOW),
    I32_MUL,
    I32_ADD,
    ...set(H2),
    ...get(H1),
    ...get(C),
    I32_ADD,
    ...get(P),
    ...constant(ROLLING_WINDOW),
    I32_SUB,
    ...load8(j),
    I32_SUB,
    ...set(H1),
    ...get(H3),
    ...constant(5),
    I32_SHL,
    ...get(C),
    I32_XOR,
    ...set(H3),
    ...pairsStep(at, j),
    ...horg,
    I64_EXTEND_I32_U,
    ...get(at.multiplier),
    I64_MUL,
    I64_CONST,
    1,
    I64_SUB,
    ...get(at.bound),
    I64_LT_U,
  ];
}

/** Bytes per round of the loop: one stack check, one stop test and one add to P for them all. */
const UNROLL = 8;

/**
 * The function keeping `levels` block hashes: in i32 locals (scalar), or four to a v128 local
 * (`vectors`; `levels` a multiple of 4). The loop hashes UNROLL bytes a round, one at a time
 * while fewer are left; a trigger point leaves the round with P after its byte. Returns the
 * position after the last byte hashed (from SLOT_AT: the position is not kept in a register
 * across a trigger point).
 */
function scanFunction(levels: number, vectors: boolean): number[] {
  const at = layout(levels, vectors);
  return [
    ...storeSlot(SLOT_STOP, get(STOP)),
    ...loopStateIn(at, false),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    BLOCK,
    VOID,
    // Fewer than UNROLL bytes left: at stop, no trigger point left to finish; else one byte.
    ...get(STOP),
    ...get(P),
    I32_SUB,
    ...constant(UNROLL),
    I32_LT_U,
    IF,
    VOID,
    ...get(P),
    ...get(STOP),
    I32_GE_U,
    IF,
    VOID,
    ...loopStateOut(at),
    ...storeSlot(SLOT_LEVEL, constant(0)),
    BR,
    4,
    END,
    ...byteStep(at, 0),
    ...addTo(P, 1),
    BR_IF,
    1,
    BR,
    2,
    END,
    ...range(UNROLL, 0).flatMap((j) => [...byteStep(at, j), IF, VOID, ...addTo(P, j + 1), BR, 1, END]),
    ...addTo(P, UNROLL),
    BR,
    1,
    END,
    // A trigger point before P: the chain of block hashes from the first live one (its level and
    // the number of live ones are read from the state here), q = horg · 3^-1.
    ...loopStateOut(at),
    ...horg,
    ...constant(INV3),
    I32_MUL,
    ...set(Q),
    ...constant(0),
    ...load32(slot(SLOT_START)),
    ...set(I),
    ...get(Q),
    ...get(I),
    I32_SHR_U,
    ...set(Q),
    BLOCK,
    VOID,
    ...range(levels, 0).flatMap(triggerLevel),
    END,
    ...loopStateIn(at, true),
    BR,
    0,
    END,
    END,
    ...constant(0),
    ...load32(slot(SLOT_AT)),
    END,
  ];
}

/** The functions of each kind of kernel: width (block hashes kept) and whether in vectors. */
const KERNEL_FUNCTIONS = {
  vector: [4, 8, 16].map((levels) => ({ levels, vectors: true })),
  scalar: [3, 5, 8, 16].map((levels) => ({ levels, vectors: false })),
} as const;

export type SsdeepKernelKind = keyof typeof KERNEL_FUNCTIONS;

function kernelModule(kind: SsdeepKernelKind): Uint8Array {
  return wasmModule(
    PAGES,
    KERNEL_FUNCTIONS[kind].map(({ levels, vectors }) => ({
      name: `scan${levels}`,
      params: 2,
      result: true,
      locals: layout(levels, vectors).multiplier - 2,
      wide: 2,
      vectors: vectors ? 2 + levels / 4 : 0,
      body: scanFunction(levels, vectors),
    })),
  );
}

/**
 * Per level i: ceil(2^64 / (3 · 2^i)), the multiplier of the trigger test (`byteStep`).
 */
export function divisors(): bigint[] {
  return Array.from({ length: KERNEL_BLOCKHASHES }, (_, i) => {
    const d = 3n << BigInt(i);
    return ((1n << 64n) + d - 1n) / d;
  });
}

const kernels: Partial<Record<SsdeepKernelKind, SsdeepKernel | null>> = {};
let preferred: SsdeepKernelKind | undefined;

/**
 * The thread's kernel of that kind (its own memory), made on first use; undefined where the
 * engine has no WebAssembly or does not accept the module (no SIMD, for `vector`).
 */
export function ssdeepKernelOf(kind: SsdeepKernelKind): SsdeepKernel | undefined {
  let kernel = kernels[kind];
  if (kernel === undefined) {
    kernel = null;
    const exports = instantiate(kernelModule(kind));
    if (exports !== undefined) {
      const buffer = (exports.memory as { buffer: ArrayBuffer }).buffer;
      const bytes = new Uint8Array(buffer);
      for (let i = 0; i < 64; i++) bytes[B64_AT + i] = B64.charCodeAt(i);
      new Uint16Array(buffer, PRIME_AT, 8).fill(FNV_PRIME_LOW);
      new Uint16Array(buffer, MASK_AT, 8).fill(63);
      new BigUint64Array(buffer, DIVISORS_AT, 2 * KERNEL_BLOCKHASHES).set(
        divisors().flatMap((m) => [m, m - 1n]),
      );
      const functions = KERNEL_FUNCTIONS[kind];
      kernel = {
        bytes,
        state: new Int32Array(buffer, 0, STATE_SLOTS),
        dindex: new Uint8Array(buffer, DINDEX_AT, KERNEL_BLOCKHASHES),
        half: new Uint8Array(buffer, HALF_AT, KERNEL_BLOCKHASHES),
        digest: new Uint8Array(buffer, DIGEST_AT, KERNEL_BLOCKHASHES * SPAMSUM_LENGTH),
        kind,
        widths: functions.map((f) => f.levels),
        run: functions.map(({ levels }) => exports[`scan${levels}`] as (p: number, stop: number) => number),
      };
    }
    kernels[kind] = kernel;
  }
  return kernel ?? undefined;
}

/**
 * The kernel `SsdeepHasher` runs: the vector one, or the scalar one where SIMD is not accepted;
 * undefined where WebAssembly is not available (the JavaScript loops run).
 */
export function ssdeepKernel(): SsdeepKernel | undefined {
  return preferred !== undefined
    ? ssdeepKernelOf(preferred)
    : (ssdeepKernelOf('vector') ?? ssdeepKernelOf('scalar'));
}

/** Makes `ssdeepKernel` return that kind from now on (undefined: the default); tests run each. */
export function preferSsdeepKernel(kind: SsdeepKernelKind | undefined): void {
  preferred = kind;
}

/**
 * ssdeep's per-byte loop (the rolling hash, one FNV step per live block hash, the trigger test)
 * as WebAssembly functions written out byte by byte here (no toolchain, no copied code). Each
 * runs over the input from `p` until the next trigger point or `stop`, with the rolling hash and
 * the live block hashes in locals, and returns there: `SsdeepHasher` then emits the digest
 * characters in JavaScript (a few hundred times per file) and calls again. There are three
 * functions, keeping 3, 5 or 8 block hashes, as the JavaScript loops do (ssdeep.ts).
 *
 * Memory layout (one instance per thread, made on first use): the state at 0 (i32 slots, see
 * the `SLOT_` constants; the block hashes from slot SLOT_PAIRS, the first live one first), the
 * input at KERNEL_INPUT with the 7 bytes before it just below (the bytes leaving the rolling
 * window are read from there), up to KERNEL_SLICE bytes per call.
 *
 * @example
 * const k = ssdeepKernel();
 * k.state.set([h1, h2, h3, rollMask], 0); k.state.set(pairs, SLOT_PAIRS);
 * k.bytes.set(window7, KERNEL_INPUT - 7); k.bytes.set(chunk, KERNEL_INPUT);
 * const next = k.run[2](KERNEL_INPUT, KERNEL_INPUT + chunk.length); // 8 block hashes
 * if (k.state[SLOT_Q] !== 0) ... // a trigger point at next - 1
 */

import {
  BLOCK,
  BR,
  BR_IF,
  END,
  I32_ADD,
  I32_AND,
  I32_EQZ,
  I32_GE_U,
  I32_GT_U,
  I32_MUL,
  I32_OR,
  I32_SHL,
  I32_SUB,
  I32_XOR,
  IF,
  LOOP,
  VOID,
  constant,
  get,
  instantiate,
  load8,
  set,
  loadLocals,
  store32,
  storeLocals,
  wasmModule,
} from './wasm.js';

export const SLOT_H1 = 0;
export const SLOT_H2 = 1;
export const SLOT_H3 = 2;
/** The trigger test's mask (ssdeep's roll mask for the first live block size). */
export const SLOT_ROLL_MASK = 3;
/** Set by each run: `(roll sum + 1) · 3^-1 (mod 2^32)` at the trigger point, 0 when none was reached. */
export const SLOT_Q = 4;
export const SLOT_PAIRS = 8;
/** Block hashes the widest function keeps in locals. */
export const KERNEL_LEVELS = 8;
const STATE_SLOTS = SLOT_PAIRS + KERNEL_LEVELS;

export const KERNEL_INPUT = 65536;
/** Bytes of input per call (the memory holds one slice: 16 pages after the first). */
export const KERNEL_SLICE = 1 << 20;
const PAGES = 1 + KERNEL_SLICE / 65536;

/** The widths of the three functions, in the order of `run`. */
export const KERNEL_WIDTHS = [3, 5, 8] as const;

export interface SsdeepKernel {
  /** The whole memory as bytes. */
  bytes: Uint8Array;
  /** The state slots (SLOT_*), as i32. */
  state: Int32Array;
  /**
   * For 3, 5 and 8 block hashes: hashes the bytes from `p` (an address) up to the next trigger
   * point, included, or to `stop`, and returns the address after the last byte hashed.
   */
  run: [
    (p: number, stop: number) => number,
    (p: number, stop: number) => number,
    (p: number, stop: number) => number,
  ];
}

// The per-byte constants, shared with ssdeep.ts's JavaScript loops (explained there).
export const ROLLING_WINDOW = 7;
export const FNV_PRIME_LOW = 0x13;
export const PAIR_MASK = 0x003f003f;
export const PAIR_ONE = 0x00010001;
export const INV3 = -0x55555555;
export const THIRD_OF_2_32 = 0x55555555;

// Locals: the two parameters, then the rolling hash, the byte, scratch values and the block hashes.
const P = 0;
const STOP = 1;
const H1 = 2;
const H2 = 3;
const H3 = 4;
const C = 5;
const HORG = 6;
const Q = 7;
const C2 = 8;
const MASK = 9;
const S0 = 10;

const slot = (k: number): number => 4 * k;

/** The function keeping `levels` block hashes in locals. */
function scanFunction(levels: number): number[] {
  const pairs = Array.from({ length: levels }, (_, k) => k);
  const locals = pairs.map((k) => S0 + k);
  return [
    ...loadLocals([H1, H2, H3, MASK], slot),
    ...loadLocals(locals, (k) => slot(SLOT_PAIRS + k)),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    // At stop: no trigger point reached.
    ...get(P),
    ...get(STOP),
    I32_GE_U,
    IF,
    VOID,
    ...constant(0),
    ...set(Q),
    BR,
    2,
    END,
    ...get(P),
    ...load8(),
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
    ...load8(),
    I32_SUB,
    ...set(H1),
    ...get(H3),
    ...constant(5),
    I32_SHL,
    ...get(C),
    I32_XOR,
    ...set(H3),
    // Every block hash: s = ((s · 0x13) & PAIR_MASK) ^ (c & 63) · PAIR_ONE
    ...get(C),
    ...constant(63),
    I32_AND,
    ...constant(PAIR_ONE),
    I32_MUL,
    ...set(C2),
    ...pairs.flatMap((k) => [
      ...get(S0 + k),
      ...constant(FNV_PRIME_LOW),
      I32_MUL,
      ...constant(PAIR_MASK),
      I32_AND,
      ...get(C2),
      I32_XOR,
      ...set(S0 + k),
    ]),
    // horg = h1 + h2 + h3 + 1; q = horg · 3^-1
    ...get(H1),
    ...get(H2),
    I32_ADD,
    ...get(H3),
    I32_ADD,
    ...constant(1),
    I32_ADD,
    ...set(HORG),
    ...get(HORG),
    ...constant(INV3),
    I32_MUL,
    ...set(Q),
    ...get(P),
    ...constant(1),
    I32_ADD,
    ...set(P),
    // Go on unless q & mask = 0, q <= 2^32 / 3 (unsigned: 3 divides horg) and horg != 0.
    ...get(Q),
    ...get(MASK),
    I32_AND,
    ...get(Q),
    ...constant(THIRD_OF_2_32),
    I32_GT_U,
    I32_OR,
    ...get(HORG),
    I32_EQZ,
    I32_OR,
    BR_IF,
    0,
    END,
    END,
    ...storeLocals([H1, H2, H3], slot),
    ...constant(0),
    ...get(Q),
    ...store32(slot(SLOT_Q)),
    ...storeLocals(locals, (k) => slot(SLOT_PAIRS + k)),
    ...get(P),
    END,
  ];
}

function kernelModule(): Uint8Array {
  return wasmModule(
    PAGES,
    KERNEL_WIDTHS.map((levels) => ({
      name: `scan${levels}`,
      params: 2,
      result: true,
      locals: S0 - 2 + levels,
      body: scanFunction(levels),
    })),
  );
}

let kernel: SsdeepKernel | undefined | null;

/** The thread's kernel; undefined where WebAssembly is not available (the JavaScript loops run). */
export function ssdeepKernel(): SsdeepKernel | undefined {
  if (kernel === undefined) {
    kernel = null;
    const exports = instantiate(kernelModule());
    if (exports !== undefined) {
      const buffer = (exports.memory as { buffer: ArrayBuffer }).buffer;
      kernel = {
        bytes: new Uint8Array(buffer),
        state: new Int32Array(buffer, 0, STATE_SLOTS),
        run: KERNEL_WIDTHS.map((levels) => exports[`scan${levels}`]) as SsdeepKernel['run'],
      };
    }
  }
  return kernel ?? undefined;
}

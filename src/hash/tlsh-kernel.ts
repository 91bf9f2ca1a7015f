/**
 * TLSH's bucket counting loop (1-byte checksum variant) as a small WebAssembly function, built
 * here byte by byte (no toolchain, no copied code). It does what `TlshHasher.update` does in
 * JavaScript, without a bounds check per table lookup: about 1.6 times as fast on this project's
 * bench files (bench/RESULTS-sample.md). The caller copies its state in and out around each run.
 *
 * Memory layout (one instance per thread, made on first use): the Pearson table at 0, the 256
 * bucket counts (u32) at BUCKETS, the window and checksum (a1, a2, a3, a4, checksum; i32) at
 * STATE, the Pearson table as u32 offsets at V4 and the seven chains' first steps at FIRST (see
 * there), the input slice at INPUT (up to SLICE bytes).
 *
 * @example
 * const k = tlshKernel(V_TABLE);
 * k.counts.set(buckets); k.state.set([a1, a2, a3, a4, checksum]);
 * k.bytes.set(chunk, INPUT); k.run(INPUT, INPUT + chunk.length);
 */

import {
  BLOCK,
  BR,
  BR_IF,
  END,
  I32_ADD,
  I32_GE_U,
  I32_SHL,
  I32_SHR_U,
  I32_XOR,
  LOOP,
  VOID,
  constant,
  get,
  instantiate,
  load32,
  load8 as load8At,
  loadLocals,
  set,
  store32,
  storeLocals,
  wasmModule,
} from './wasm.js';

const BUCKETS = 256;
const STATE = 1280;
export const KERNEL_INPUT = 65536;
/** Bytes of input per run (the memory holds one slice: 16 pages of input after the first). */
export const KERNEL_SLICE = 1 << 20;

export interface TlshKernel {
  /** The whole memory as bytes (the input goes at KERNEL_INPUT). */
  bytes: Uint8Array;
  /** The 256 bucket counts. */
  counts: Uint32Array;
  /** a1, a2, a3, a4 (the last four bytes, a1 the most recent) and the checksum. */
  state: Int32Array;
  /** Counts the bytes from `start` to `end` (addresses in the memory). */
  run(start: number, end: number): void;
}

// Locals: the two parameters, then the byte read, the window, the checksum and a scratch.
const P = 0;
const STOP = 1;
const A0 = 2;
const A1 = 3;
const A2 = 4;
const A3 = 5;
const A4 = 6;
const CHECKSUM = 7;
const SCRATCH = 8;

/**
 * In the loop every byte of the window, the checksum and each chain's values are held four
 * times over (x << 2), the offset of a u32: the Pearson table is read from its copy V4 (v[i] << 2
 * at 4 i), and a chain's last value is then the offset of its bucket's count with no shift.
 *
 * The first step of each Pearson chain, v[salt ^ a0], depends only on the newest byte a0: chain
 * k reads it from its own table at FIRST + 1024 k (v[salt ^ a0] << 2 at 4 a0: one load with a
 * constant offset instead of an xor and a load), in this order of salts (v[salt] of the
 * reference's b_mapping, as in TlshHasher.update): the checksum's, then the six bucket triplets'.
 */
const SALTS = [1, 49, 12, 178, 166, 84, 230];
const V4 = 4096;
const FIRST = 8192;
const PAGES = 1 + KERNEL_SLICE / 65536;

const load8 = load8At();

/** v[v[first(k) ^ x] ^ y] << 2, chain k's value (x and y held four times over). */
function chain(k: number, x: number, y: number): number[] {
  return [
    ...get(A0),
    ...load32(FIRST + 1024 * k),
    ...get(x),
    I32_XOR,
    ...load32(V4),
    ...get(y),
    I32_XOR,
    ...load32(V4),
  ];
}

/** buckets[offset on the stack / 4]++ */
const COUNT = [
  ...set(SCRATCH),
  ...get(SCRATCH),
  ...get(SCRATCH),
  ...load32(BUCKETS),
  ...constant(1),
  I32_ADD,
  ...store32(BUCKETS),
];

const WINDOW = [A1, A2, A3, A4, CHECKSUM];
/** The bytes x and y of each bucket triplet (a0, x, y), in the order of SALTS after the checksum's. */
const TRIPLETS = [
  [A1, A2],
  [A1, A3],
  [A2, A3],
  [A2, A4],
  [A1, A4],
  [A3, A4],
] as const;

/** The module: memory exported as `memory`, the loop as `run(start, end)`. */
function kernelModule(): Uint8Array {
  const body = [
    ...loadLocals(WINDOW, (k) => STATE + 4 * k),
    ...WINDOW.flatMap((local) => [...get(local), ...constant(2), I32_SHL, ...set(local)]),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(P),
    ...get(STOP),
    I32_GE_U,
    BR_IF,
    1,
    ...get(P),
    ...load8,
    ...constant(2),
    I32_SHL,
    ...set(A0),
    // Salts 1 (the checksum), 49, 12, 178, 166, 84, 230 (SALTS).
    ...chain(0, A1, CHECKSUM),
    ...set(CHECKSUM),
    ...TRIPLETS.flatMap(([x, y], k) => [...chain(k + 1, x, y), ...COUNT]),
    // The window moves on: a4 = a3, a3 = a2, a2 = a1, a1 = a0.
    ...[A3, A2, A1, A0].flatMap((from, k) => [...get(from), ...set(A4 - k)]),
    ...get(P),
    ...constant(1),
    I32_ADD,
    ...set(P),
    BR,
    0,
    END,
    END,
    ...WINDOW.flatMap((local) => [...get(local), ...constant(2), I32_SHR_U, ...set(local)]),
    ...storeLocals(WINDOW, (k) => STATE + 4 * k),
    END,
  ];
  return wasmModule(PAGES, [{ name: 'run', params: 2, result: false, locals: 7, body }]);
}

/** Fills V4 and the first-step tables (see FIRST) from the Pearson table `v`. */
function fillFirst(words: Uint32Array, v: Uint8Array): void {
  for (let a0 = 0; a0 < 256; a0++) {
    words[(V4 >> 2) + a0] = v[a0]! << 2;
    SALTS.forEach((salt, k) => (words[(FIRST >> 2) + 256 * k + a0] = v[salt ^ a0]! << 2));
  }
}

let kernel: TlshKernel | undefined | null;

/** The thread's kernel, loaded with `table`; undefined where WebAssembly is not available. */
export function tlshKernel(table: Uint8Array): TlshKernel | undefined {
  if (kernel === undefined) {
    kernel = null;
    // No WebAssembly (node --jitless): the JavaScript loop does the work.
    const exports = instantiate(kernelModule());
    if (exports !== undefined) {
      const buffer = (exports.memory as { buffer: ArrayBuffer }).buffer;
      const bytes = new Uint8Array(buffer);
      bytes.set(table, 0);
      fillFirst(new Uint32Array(buffer, 0, 4096), table);
      kernel = {
        bytes,
        counts: new Uint32Array(buffer, BUCKETS, 256),
        state: new Int32Array(buffer, STATE, WINDOW.length),
        run: exports.run as TlshKernel['run'],
      };
    }
  }
  return kernel ?? undefined;
}

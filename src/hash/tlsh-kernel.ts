/**
 * TLSH's bucket counting loop (1-byte checksum variant) as a small WebAssembly function, built
 * here byte by byte (no toolchain, no copied code). It does what `TlshHasher.update` does in
 * JavaScript, without a bounds check per table lookup: about 1.6 times as fast on this project's
 * bench files (bench/RESULTS-sample.md). The caller copies its state in and out around each run.
 *
 * Memory layout (one instance per thread, made on first use): the Pearson table at 0, the window
 * and checksum (a1, a2, a3, a4, checksum; i32) at STATE, the Pearson table as u32 offsets at V4
 * and the seven chains' first steps at FIRST (see there), the 256 bucket counts (u32) at COUNTS
 * (then five more arrays of them, zero between runs), the input slice at INPUT (up to SLICE
 * bytes).
 *
 * @example
 * const k = tlshKernel(V_TABLE);
 * k.counts.set(buckets); k.state.set([a1, a2, a3, a4, checksum]);
 * k.bytes.set(chunk, INPUT); k.run(INPUT, INPUT + chunk.length);
 */

import {
  END,
  I32_ADD,
  I32_AND,
  I32_GE_U,
  I32_LT_U,
  I32_SHL,
  I32_SHR_U,
  I32_SUB,
  I32_XOR,
  addTo,
  constant,
  get,
  instantiate,
  load32,
  load8 as load8At,
  loadLocals,
  loopUntil,
  set,
  store32,
  storeLocals,
  wasmModule,
} from './wasm.js';

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

// Locals: the two parameters, then the window (five locals that take turns as a0 .. a4), the
// checksum, a scratch and the last four input bytes read as one word.
const P = 0;
const STOP = 1;
const L = [2, 3, 4, 5, 6] as const;
const CHECKSUM = 7;
const SCRATCH = 8;
const WORD = 9;

/**
 * In the loop every byte of the window, the checksum and each chain's values are held four
 * times over (x << 2), the offset of a u32: the Pearson table is read from its copy V4 (v[i] << 2
 * at 4 i), and a chain's last value is then the offset of its bucket's count with no shift.
 *
 * The first step of each Pearson chain, v[salt ^ a0], depends only on the newest byte a0: chain
 * k reads it from its own table at FIRST + 1024 k (v[salt ^ a0] << 2 at 4 a0: one load with a
 * constant offset instead of an xor and a load), in this order of salts (v[salt] of the
 * reference's b_mapping, as in TlshHasher.update): the checksum's, then the six bucket triplets'.
 *
 * Each triplet counts into its own array of 256 (COUNTS + 1024 k), added into the first at the
 * end of a run: an increment then never waits on a store of another triplet to the same bucket.
 */
const SALTS = [1, 49, 12, 178, 166, 84, 230];
const V4 = 4096;
const FIRST = 8192;
const COUNTS = 16384;
const TRIPLET_COUNT = 6;
/** Bytes per round of the main loop: two input words, the window's locals renamed from byte to byte. */
const UNROLL = 8;
const PAGES = 1 + KERNEL_SLICE / 65536;

const load8 = load8At();

/** v[v[first(k) ^ x] ^ y] << 2, chain k's value (a0, x and y held four times over). */
function chain(k: number, a0: number, x: number, y: number): number[] {
  return [
    ...get(a0),
    ...load32(FIRST + 1024 * k),
    ...get(x),
    I32_XOR,
    ...load32(V4),
    ...get(y),
    I32_XOR,
    ...load32(V4),
  ];
}

/** counts[offset on the stack / 4]++ in the array at `at`. */
function count(at: number): number[] {
  return [
    ...set(SCRATCH),
    ...get(SCRATCH),
    ...get(SCRATCH),
    ...load32(at),
    ...constant(1),
    I32_ADD,
    ...store32(at),
  ];
}

const WINDOW = [L[1], L[2], L[3], L[4], CHECKSUM];

/** The window (a0, a1, a2, a3, a4) as locals at byte `j` of a round: renamed, not moved. */
function windowAt(j: number): number[] {
  return [0, 1, 2, 3, 4].map((i) => L[(((i - j) % 5) + 5) % 5]!);
}

/**
 * One byte: `read` leaves the byte, times four, on the stack; then the checksum and the six
 * bucket triplets (a0, x, y) in the order of SALTS after the checksum's.
 */
function byteStep([a0, a1, a2, a3, a4]: number[], read: number[]): number[] {
  const triplets = [
    [a1, a2],
    [a1, a3],
    [a2, a3],
    [a2, a4],
    [a1, a4],
    [a3, a4],
  ];
  return [
    ...read,
    ...set(a0!),
    ...chain(0, a0!, a1!, CHECKSUM),
    ...set(CHECKSUM),
    ...triplets.flatMap(([x, y], k) => [...chain(k + 1, a0!, x!, y!), ...count(COUNTS + 1024 * k)]),
  ];
}

/** Byte `r` (0..3) of WORD, times four. */
function wordByte(r: number): number[] {
  const shift = r === 0 ? [...constant(2), I32_SHL] : [...constant(8 * r - 2), I32_SHR_U];
  return [...get(WORD), ...shift, ...constant(0x3fc), I32_AND];
}

/** The main loop: UNROLL bytes a round while that many are left, read four at a time. */
function rounds(): number[] {
  const steps: number[] = [];
  for (let j = 0; j < UNROLL; j++) {
    if (j % 4 === 0) steps.push(...get(P), ...load32(j), ...set(WORD));
    steps.push(...byteStep(windowAt(j), wordByte(j % 4)));
  }
  // Back to the round's first naming: a1 .. a4 move to L[1] .. L[4] (all read, then all set).
  const next = windowAt(UNROLL);
  const rename = [...[1, 2, 3, 4].flatMap((i) => get(next[i]!)), ...[4, 3, 2, 1].flatMap((i) => set(L[i]!))];
  return loopUntil(
    [...get(STOP), ...get(P), I32_SUB, ...constant(UNROLL), I32_LT_U],
    [...steps, ...rename, ...addTo(P, UNROLL)],
  );
}

/** The last bytes of a run, one at a time (the window moves on: a4 = a3, ..., a1 = a0). */
function tail(): number[] {
  return loopUntil(
    [...get(P), ...get(STOP), I32_GE_U],
    [
      ...byteStep(windowAt(0), [...get(P), ...load8, ...constant(2), I32_SHL]),
      ...[L[3], L[2], L[1], L[0]].flatMap((from, k) => [...get(from), ...set(L[4 - k]!)]),
      ...addTo(P, 1),
    ],
  );
}

/** Adds the triplets' arrays 1 .. 5 into the first and zeroes them (SCRATCH the offset). */
function fold(): number[] {
  const partial = Array.from({ length: TRIPLET_COUNT - 1 }, (_, k) => COUNTS + 1024 * (k + 1));
  return [
    ...constant(0),
    ...set(SCRATCH),
    ...loopUntil(
      [...get(SCRATCH), ...constant(1024), I32_GE_U],
      [
        ...get(SCRATCH),
        ...get(SCRATCH),
        ...load32(COUNTS),
        ...partial.flatMap((at) => [...get(SCRATCH), ...load32(at), I32_ADD]),
        ...store32(COUNTS),
        ...partial.flatMap((at) => [...get(SCRATCH), ...constant(0), ...store32(at)]),
        ...addTo(SCRATCH, 4),
      ],
    ),
  ];
}

/** The module: memory exported as `memory`, the loop as `run(start, end)`. */
function kernelModule(): Uint8Array {
  const body = [
    ...loadLocals(WINDOW, (k) => STATE + 4 * k),
    ...WINDOW.flatMap((local) => [...get(local), ...constant(2), I32_SHL, ...set(local)]),
    ...rounds(),
    ...tail(),
    ...fold(),
    ...WINDOW.flatMap((local) => [...get(local), ...constant(2), I32_SHR_U, ...set(local)]),
    ...storeLocals(WINDOW, (k) => STATE + 4 * k),
    END,
  ];
  return wasmModule(PAGES, [{ name: 'run', params: 2, result: false, locals: 8, body }]);
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
        counts: new Uint32Array(buffer, COUNTS, 256),
        state: new Int32Array(buffer, STATE, WINDOW.length),
        run: exports.run as TlshKernel['run'],
      };
    }
  }
  return kernel ?? undefined;
}

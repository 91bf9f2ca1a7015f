/**
 * TLSH's bucket counting loop (1-byte checksum variant) as a small WebAssembly function, built
 * here byte by byte (no toolchain, no copied code). It does what `TlshHasher.update` does in
 * JavaScript, without a bounds check per table lookup: about 1.6 times as fast on this project's
 * bench files (bench/RESULTS-sample.md). The caller copies its state in and out around each run.
 *
 * Memory layout (one instance per thread, made on first use): the Pearson table at 0, the 256
 * bucket counts (u32) at BUCKETS, the window and checksum (a1, a2, a3, a4, checksum; i32) at
 * STATE, the input slice at INPUT (up to SLICE bytes).
 *
 * @example
 * const k = tlshKernel(V_TABLE);
 * k.counts.set(buckets); k.state.set([a1, a2, a3, a4, checksum]);
 * k.bytes.set(chunk, INPUT); k.run(INPUT, INPUT + chunk.length);
 */

const BUCKETS = 256;
const STATE = 1280;
export const KERNEL_INPUT = 65536;
/** Bytes of input per run (the memory holds one slice: 16 pages of input after the first). */
export const KERNEL_SLICE = 1 << 20;
const PAGES = 1 + KERNEL_SLICE / 65536;

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

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// Opcodes (WebAssembly 1.0 binary format).
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_LOAD = 0x28;
const I32_LOAD8_U = 0x2d;
const I32_STORE = 0x36;
const I32_ADD = 0x6a;
const I32_XOR = 0x73;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;
const I32 = 0x7f;

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

const get = (i: number): number[] => [LOCAL_GET, i];
const set = (i: number): number[] => [LOCAL_SET, i];
const constant = (n: number): number[] => [I32_CONST, ...sleb(n)];
const load8 = [I32_LOAD8_U, 0, 0];
const load32 = (offset: number): number[] => [I32_LOAD, 2, ...uleb(offset)];
const store32 = (offset: number): number[] => [I32_STORE, 2, ...uleb(offset)];

/** v[v[v[salt ^ a0] ^ x] ^ y], the reference's b_mapping with v[salt] already looked up. */
function mapping(salt: number, x: number, y: number): number[] {
  return [
    ...constant(salt),
    ...get(A0),
    I32_XOR,
    ...load8,
    ...get(x),
    I32_XOR,
    ...load8,
    ...get(y),
    I32_XOR,
    ...load8,
  ];
}

/** buckets[mapping(salt, x, y)]++ */
function count(salt: number, x: number, y: number): number[] {
  return [
    ...mapping(salt, x, y),
    ...constant(2),
    I32_SHL,
    ...set(SCRATCH),
    ...get(SCRATCH),
    ...get(SCRATCH),
    ...load32(BUCKETS),
    ...constant(1),
    I32_ADD,
    ...store32(BUCKETS),
  ];
}

const WINDOW = [A1, A2, A3, A4, CHECKSUM];

/** The module: memory exported as `memory`, the loop as `run(start, end)`. */
function kernelModule(): Uint8Array {
  const body = [
    ...WINDOW.flatMap((local, k) => [...constant(0), ...load32(STATE + 4 * k), ...set(local)]),
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
    ...set(A0),
    // Same salts and window bytes as TlshHasher.update (salts 1, 49, 12, 178, 166, 84, 230).
    ...mapping(1, A1, CHECKSUM),
    ...set(CHECKSUM),
    ...count(49, A1, A2),
    ...count(12, A1, A3),
    ...count(178, A2, A3),
    ...count(166, A2, A4),
    ...count(84, A1, A4),
    ...count(230, A3, A4),
    ...get(A3),
    ...set(A4),
    ...get(A2),
    ...set(A3),
    ...get(A1),
    ...set(A2),
    ...get(A0),
    ...set(A1),
    ...get(P),
    ...constant(1),
    I32_ADD,
    ...set(P),
    BR,
    0,
    END,
    END,
    ...WINDOW.flatMap((local, k) => [...constant(0), ...get(local), ...store32(STATE + 4 * k)]),
    END,
  ];
  const func = [1, 7, I32, ...body];
  const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
  const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 2, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, ...uleb(PAGES)]),
    ...section(7, [2, ...name('memory'), 2, 0, ...name('run'), 0, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

/** The part of the WebAssembly global used here (the project's type libraries do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { memory: { buffer: ArrayBuffer }; run: TlshKernel['run'] } };
}

let kernel: TlshKernel | undefined | null;

/** The thread's kernel, loaded with `table`; undefined where WebAssembly is not available. */
export function tlshKernel(table: Uint8Array): TlshKernel | undefined {
  if (kernel === undefined) {
    kernel = null;
    const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    try {
      if (wasm !== undefined) {
        const { exports } = new wasm.Instance(new wasm.Module(kernelModule()));
        const buffer = exports.memory.buffer;
        const bytes = new Uint8Array(buffer);
        bytes.set(table, 0);
        kernel = {
          bytes,
          counts: new Uint32Array(buffer, BUCKETS, 256),
          state: new Int32Array(buffer, STATE, WINDOW.length),
          run: exports.run,
        };
      }
    } catch {
      // No WebAssembly (node --jitless): the JavaScript loop does the work.
    }
  }
  return kernel ?? undefined;
}

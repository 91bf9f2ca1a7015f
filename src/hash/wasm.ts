/**
 * The few pieces of the WebAssembly binary format that the hash kernels (tlsh-kernel.ts,
 * ssdeep-kernel.ts) are written in: LEB128 numbers, the i32 opcodes they use, the few 128-bit
 * SIMD ones (fixed-width SIMD, `0xFD` then a LEB128 sub-opcode), and a module of exported
 * functions over one exported memory. No toolchain: each kernel lists its instructions as bytes
 * and this wraps them.
 *
 * @example
 * const body = [...get(0), ...get(1), I32_ADD, END];
 * const bytes = wasmModule(1, [{ name: 'add', params: 2, locals: 0, body }]);
 * const run = instantiate(bytes)?.exports.add;
 */

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
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
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const IF = 0x04;
export const ELSE = 0x05;
export const END = 0x0b;
export const BR = 0x0c;
export const BR_IF = 0x0d;
export const VOID = 0x40;
export const I32 = 0x7f;
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const I32_LOAD = 0x28;
export const I32_LOAD8_U = 0x2d;
export const I32_STORE = 0x36;
export const I32_CONST = 0x41;
export const I32_STORE8 = 0x3a;
export const I32_EQZ = 0x45;
export const I32_EQ = 0x46;
export const I32_LT_U = 0x49;
export const I32_GT_U = 0x4b;
export const I32_GE_U = 0x4f;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_MUL = 0x6c;
export const I32_AND = 0x71;
export const I32_OR = 0x72;
export const I32_XOR = 0x73;
export const I32_SHL = 0x74;
export const I32_SHR_U = 0x76;
export const I64 = 0x7e;
export const I64_CONST = 0x42;
export const I64_LT_U = 0x54;
export const I64_SUB = 0x7d;
export const I64_MUL = 0x7e;
export const I64_EXTEND_I32_U = 0xad;

// Fixed-width SIMD (v128): the value type and the instructions used, each its prefixed sub-opcode.
export const V128 = 0x7b;
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
export const V128_AND = simd(0x4e);
export const V128_XOR = simd(0x51);
export const I16X8_MUL = simd(0x95);
export const V128_NOT = simd(0x4d);
export const V128_OR = simd(0x50);
/** v128.bitselect(a, b, mask): the bits of `a` where `mask` is set, else of `b`. */
export const V128_BITSELECT = simd(0x52);
export const I32X4_SHL = simd(0xab);
export const I32X4_SHR_U = simd(0xad);
export const I32X4_ADD = simd(0xae);
/** v128.const of four i32 lanes. */
export const v128Const32 = (lanes: readonly number[]): number[] => [
  ...simd(0x0c),
  ...lanes.flatMap((lane) => [lane & 0xff, (lane >>> 8) & 0xff, (lane >>> 16) & 0xff, lane >>> 24]),
];
/** v128.load32_zero: the i32 at the address on the stack plus `offset` in lane 0, zeros elsewhere. */
export const load32Zero = (offset: number): number[] => [...simd(0x5c), 2, ...uleb(offset)];
/** v128.load32_lane: the i32 at the address below the vector plus `offset` into lane `lane`. */
export const load32Lane = (offset: number, lane: number): number[] => [
  ...simd(0x56),
  2,
  ...uleb(offset),
  lane,
];
/** v128.load at the address on the stack plus `offset` (16-byte aligned). */
export const loadV128 = (offset: number): number[] => [...simd(0x00), 4, ...uleb(offset)];
/** v128.store of the value on the stack at the address below it plus `offset` (16-byte aligned). */
export const storeV128 = (offset: number): number[] => [...simd(0x0b), 4, ...uleb(offset)];
/** v128.load8_splat: the byte at the address on the stack plus `offset`, in all 16 byte lanes. */
export const load8Splat = (offset = 0): number[] => [...simd(0x07), 0, ...uleb(offset)];

export const get = (i: number): number[] => [LOCAL_GET, ...uleb(i)];
export const set = (i: number): number[] => [LOCAL_SET, ...uleb(i)];
export const constant = (n: number): number[] => [I32_CONST, ...sleb(n)];
/** i32.load8_u at the address on the stack plus `offset`. */
export const load8 = (offset = 0): number[] => [I32_LOAD8_U, 0, ...uleb(offset)];
export const load32 = (offset: number): number[] => [I32_LOAD, 2, ...uleb(offset)];
export const store32 = (offset: number): number[] => [I32_STORE, 2, ...uleb(offset)];
export const load64 = (offset: number): number[] => [0x29, 3, ...uleb(offset)];
/** i32.store8 of the value on the stack at the address below it plus `offset`. */
export const store8 = (offset = 0): number[] => [I32_STORE8, 0, ...uleb(offset)];

/** block { loop { exit; br_if 1; body; br 0 } }: runs `body` until `exit` leaves a non-zero i32. */
export const loopUntil = (exit: readonly number[], body: readonly number[]): number[] => [
  BLOCK,
  VOID,
  LOOP,
  VOID,
  ...exit,
  BR_IF,
  1,
  ...body,
  BR,
  0,
  END,
  END,
];
/** local += n */
export const addTo = (local: number, n: number): number[] => [
  ...get(local),
  ...constant(n),
  I32_ADD,
  ...set(local),
];

/** Sets each of `locals` from the i32 at `at(k)` (k its position in the list). */
export const loadLocals = (locals: readonly number[], at: (k: number) => number): number[] =>
  locals.flatMap((local, k) => [...constant(0), ...load32(at(k)), ...set(local)]);
/** Stores each of `locals` as the i32 at `at(k)`. */
export const storeLocals = (locals: readonly number[], at: (k: number) => number): number[] =>
  locals.flatMap((local, k) => [...constant(0), ...get(local), ...store32(at(k))]);

/**
 * One exported function: `params` i32 parameters, `locals` more i32 locals, then `wide` i64 and
 * `vectors` v128 locals, one i32 result or none.
 */
export interface WasmFunction {
  name: string;
  params: number;
  result: boolean;
  locals: number;
  wide?: number;
  vectors?: number;
  /** The instructions, ending with END. */
  body: number[];
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...uleb(bytes.length), ...bytes];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** A module with `pages` of memory exported as `memory` and `functions` exported by name. */
export function wasmModule(pages: number, functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.flatMap((f) => [
    0x60,
    ...uleb(f.params),
    ...Array<number>(f.params).fill(I32),
    ...(f.result ? [1, I32] : [0]),
  ]);
  const exports = [...name('memory'), 2, 0, ...functions.flatMap((f, i) => [...name(f.name), 0, ...uleb(i)])];
  const codes = functions.flatMap((f) => {
    const groups = [
      [f.locals, I32],
      [f.wide ?? 0, I64],
      [f.vectors ?? 0, V128],
    ]
      .filter(([count]) => count > 0)
      .map(([count, type]) => [...uleb(count), type]);
    const code = [...uleb(groups.length), ...groups.flat(), ...f.body];
    return [...uleb(code.length), ...code];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [...uleb(functions.length), ...types]),
    ...section(3, [...uleb(functions.length), ...functions.map((_, i) => i)]),
    ...section(5, [1, 0, ...uleb(pages)]),
    ...section(7, [...uleb(functions.length + 1), ...exports]),
    ...section(10, [...uleb(functions.length), ...codes]),
  ]);
}

/** The part of the WebAssembly global used here (the project's type libraries do not declare it). */
interface WebAssemblyApi {
  validate: (bytes: Uint8Array) => boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

/**
 * The module's exports, or undefined where WebAssembly is not available (node --jitless) or does
 * not accept the module (`WebAssembly.validate`: an engine without SIMD, for a module using it):
 * the callers then keep another module or their JavaScript loops.
 */
export function instantiate(bytes: Uint8Array): Record<string, unknown> | undefined {
  const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (wasm === undefined || !wasm.validate(bytes)) return undefined;
  try {
    return new wasm.Instance(new wasm.Module(bytes)).exports;
  } catch {
    return undefined;
  }
}

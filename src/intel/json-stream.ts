/**
 * A JSON document read without parsing it whole: a byte cursor skips values structurally, the
 * small members a caller needs are parsed one value at a time, and the big lists it names are
 * left as placeholders (`lazy lists`) whose elements are read one by one from their byte offset
 * when iterated. Memory is what the caller keeps plus the largest single element, never the
 * parsed document; time is linear (each byte is scanned once per nesting level of lazy lists).
 *
 * @example
 * const doc = readSkeleton(bytesSource(bytes), (key) => key === 'Attribute' ? 'lazy' : 'parse');
 * for (const el of lazyElements(doc.Attribute)) handle(el.value, el.index);
 */
import { CairnError } from '../errors/index.js';

/** Bytes read from a position: an in-memory buffer or a file read as it goes. */
export interface ByteSource {
  /** Up to `max` bytes at `position`; an empty array at the end. */
  read(position: number, max: number): Uint8Array;
}

/** A source over bytes already in memory (no copy). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { read: (position, max) => bytes.subarray(position, Math.min(bytes.length, position + max)) };
}

/** Where a lazy list is and how many elements it has. */
export interface LazyList {
  source: ByteSource;
  /** Byte offset of its `[`. */
  offset: number;
  count: number;
  /** JSON path of the list. */
  path: string;
  /** How its elements are read: parsed whole, or as skeletons themselves. */
  elements: 'parse' | 'skeleton';
  decide: MemberDecision;
  /** Start and end byte offsets of each element (`[s0, e0, s1, e1, ...]`), for lists parsed element by element. */
  bounds?: Float64Array;
}

/** What to do with a member by name: parse its value, read it as a skeleton, or leave a list lazy. */
export type MemberDecision = (key: string, path: string) => 'parse' | 'skeleton' | 'lazy' | 'lazy-skeleton';

const LAZY = new WeakMap<unknown[], LazyList>();

/** The lazy list behind a placeholder array, if it is one. */
export function lazyListOf(value: unknown): LazyList | undefined {
  return Array.isArray(value) ? LAZY.get(value) : undefined;
}

/** Length of a list, lazy or not. */
export function listLength(value: unknown[]): number {
  return LAZY.get(value)?.count ?? value.length;
}

/** One element read from a list; `error` when it is not valid JSON (the others are still read). */
export interface ListElement {
  index: number;
  path: string;
  value?: unknown;
  error?: CairnError;
}

const CHUNK = 1 << 20;
const EMPTY = new Uint8Array(0);
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class ScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** A forward cursor over a byte source. */
class Cursor {
  private buf: Uint8Array = EMPTY;
  private base: number;
  private i = 0;
  /** Parts of a value being captured that were in earlier windows. */
  private captured: Uint8Array[] | undefined;
  private captureFrom = 0;

  constructor(
    private readonly source: ByteSource,
    start: number,
  ) {
    this.base = start;
  }

  get offset(): number {
    return this.base + this.i;
  }

  private more(): boolean {
    const position = this.base + this.buf.length;
    const chunk = this.source.read(position, CHUNK);
    if (chunk.length === 0) return false;
    if (this.captured !== undefined) {
      this.captured.push(this.buf.subarray(Math.max(0, this.captureFrom - this.base)));
      this.captureFrom = position;
    }
    this.i -= this.buf.length;
    this.base = position;
    this.buf = chunk;
    return true;
  }

  /** The next byte that is not white space (not consumed), or -1 at the end. */
  peekToken(): number {
    for (;;) {
      const b = this.buf;
      let i = this.i;
      while (i < b.length && isWs(b[i])) i++;
      this.i = i;
      if (i < b.length) return b[i];
      if (!this.more()) return -1;
    }
  }

  expect(c: number, what: string): void {
    if (this.peekToken() !== c) throw new ScanError(`expected ${what}`, this.offset);
    this.i++;
  }

  /** Skips one value of any kind; throws a ScanError when it is unterminated or malformed. */
  skipValue(): void {
    const start = this.offset;
    const first = this.peekToken();
    if (first === -1) throw new ScanError('expected a value, found the end', start);
    if (first === 0x7d || first === 0x5d || first === 0x2c || first === 0x3a)
      throw new ScanError(`expected a value, found '${String.fromCharCode(first)}'`, start);
    let depth = 0;
    let inString = false;
    let escape = false;
    const scalar = first !== 0x22 && first !== 0x7b && first !== 0x5b;
    // A plain byte loop: the JIT makes it faster than native searches, whose calls cost more than
    // the short strings of a MISP document take to walk.
    for (;;) {
      const b = this.buf;
      let i = this.i;
      for (; i < b.length; i++) {
        const c = b[i];
        if (inString) {
          if (escape) escape = false;
          else if (c === 0x5c) escape = true;
          else if (c === 0x22) {
            inString = false;
            if (depth === 0) {
              this.i = i + 1;
              return;
            }
          }
          continue;
        }
        if (scalar) {
          if (c === 0x2c || c === 0x7d || c === 0x5d || c === 0x3a || isWs(c)) {
            this.i = i;
            return;
          }
          continue;
        }
        if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          depth--;
          if (depth === 0) {
            this.i = i + 1;
            return;
          }
        }
      }
      this.i = i;
      if (!this.more()) {
        if (scalar && this.offset > start) return;
        throw new ScanError('unterminated value (the document ends inside it)', start);
      }
    }
  }

  /** Reads one value and parses it. */
  parseValue(): unknown {
    this.peekToken();
    const start = this.offset;
    this.captured = [];
    this.captureFrom = start;
    try {
      this.skipValue();
    } catch (err) {
      this.captured = undefined;
      throw err;
    }
    const last = this.buf.subarray(Math.max(0, this.captureFrom - this.base), this.i);
    const parts = this.captured;
    this.captured = undefined;
    const bytes = parts.length === 0 ? last : Buffer.concat([...parts, last]);
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      throw new ScanError('invalid UTF-8 in this value', start);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ScanError(`not valid JSON: ${(err as Error).message}`, start);
    }
  }

  /**
   * Skips a list, counting its elements (the cursor is on `[`); with `record`, also where each
   * element starts and ends.
   */
  countList(record: boolean): { count: number; bounds?: Float64Array } {
    this.expect(0x5b, "'['");
    let bounds = record ? new Float64Array(16) : undefined;
    if (this.peekToken() === 0x5d) {
      this.i++;
      return { count: 0, bounds: bounds?.subarray(0, 0) };
    }
    let n = 0;
    for (;;) {
      this.peekToken();
      const start = this.offset;
      this.skipValue();
      if (bounds !== undefined) {
        if (2 * n + 2 > bounds.length) {
          const wider = new Float64Array(bounds.length * 2);
          wider.set(bounds);
          bounds = wider;
        }
        bounds[2 * n] = start;
        bounds[2 * n + 1] = this.offset;
      }
      n++;
      const c = this.peekToken();
      this.i++;
      if (c === 0x2c) continue;
      if (c === 0x5d) return { count: n, bounds: bounds?.slice(0, 2 * n) };
      throw new ScanError("expected ',' or ']' after a list element", this.offset - 1);
    }
  }

  /** Moves past one byte already peeked. */
  advance(): void {
    this.i++;
  }
}

function located(err: unknown, file: string, path: string): CairnError {
  if (err instanceof ScanError)
    return new CairnError('INTEL_BAD_JSON', err.message, { file, offset: err.offset, path });
  throw err;
}

/** Deepest object read as a skeleton; a value deeper is parsed whole (JSON.parse is not recursive). */
export const MAX_SKELETON_DEPTH = 32;

/** Reads one value: objects as skeletons (members by `decide`), lists lazily when told. */
function readValue(
  cur: Cursor,
  source: ByteSource,
  path: string,
  mode: 'parse' | 'skeleton' | 'lazy' | 'lazy-skeleton',
  decide: MemberDecision,
  depth = 0,
): unknown {
  const c = cur.peekToken();
  if ((mode === 'lazy' || mode === 'lazy-skeleton') && c === 0x5b) {
    const placeholder: unknown[] = [];
    const offset = cur.offset;
    const { count, bounds } = cur.countList(mode === 'lazy');
    LAZY.set(placeholder, {
      source,
      offset,
      count,
      path,
      elements: mode === 'lazy' ? 'parse' : 'skeleton',
      decide,
      ...(bounds !== undefined ? { bounds } : {}),
    });
    return placeholder;
  }
  if (mode === 'parse' || c !== 0x7b || depth >= MAX_SKELETON_DEPTH) return cur.parseValue();
  cur.advance();
  const out: Record<string, unknown> = {};
  if (cur.peekToken() === 0x7d) {
    cur.advance();
    return out;
  }
  for (;;) {
    if (cur.peekToken() !== 0x22) throw new ScanError('expected a member name', cur.offset);
    const key = cur.parseValue() as string;
    cur.expect(0x3a, "':'");
    const at = `${path}.${key}`;
    out[key] = readValue(cur, source, at, decide(key, at), decide, depth + 1);
    const next = cur.peekToken();
    cur.advance();
    if (next === 0x2c) continue;
    if (next === 0x7d) return out;
    throw new ScanError("expected ',' or '}' after a member", cur.offset - 1);
  }
}

/**
 * Reads a whole document as a skeleton: the top value (a list there is lazy with skeleton
 * elements), members as `decide` says. A structural error anywhere in the document (unbalanced,
 * unterminated, trailing data) is returned as a located INTEL_BAD_JSON; a bad scalar inside a
 * lazy list is found when that element is read.
 */
export function readSkeleton(
  source: ByteSource,
  decide: MemberDecision,
  file = '<input>',
  start = 0,
): { value?: unknown; error?: CairnError } {
  const cur = new Cursor(source, start);
  try {
    if (cur.peekToken() === -1) throw new ScanError('empty document', start);
    const value = readValue(cur, source, '$', 'lazy-skeleton', decide);
    if (cur.peekToken() !== -1) throw new ScanError('unexpected data after the JSON value', cur.offset);
    return { value };
  } catch (err) {
    return { error: located(err, file, '$') };
  }
}

/**
 * The elements of a list: a lazy list is read one element at a time from its source (an element
 * that is not valid JSON comes with its located error), a plain array as it is.
 */
export function* listElements(list: unknown[], path: string, file = '<input>'): Generator<ListElement> {
  const lazy = LAZY.get(list);
  if (lazy === undefined) {
    for (let index = 0; index < list.length; index++)
      yield { index, path: `${path}[${index}]`, value: list[index] };
    return;
  }
  if (lazy.bounds !== undefined) {
    yield* boundedElements(lazy.source, lazy.bounds, path, file);
    return;
  }
  let cur = new Cursor(lazy.source, lazy.offset);
  cur.expect(0x5b, "'['");
  for (let index = 0; index < lazy.count; index++) {
    if (index > 0) cur.expect(0x2c, "','");
    const at = `${path}[${index}]`;
    const elementStart = cur.offset;
    try {
      const value =
        lazy.elements === 'parse'
          ? cur.parseValue()
          : readValue(cur, lazy.source, at, 'skeleton', lazy.decide);
      yield { index, path: at, value };
    } catch (err) {
      // The list was scanned whole when it was found, so its element boundaries are sound.
      cur = new Cursor(lazy.source, elementStart);
      cur.skipValue();
      yield { index, path: at, error: located(err, file, at) };
    }
  }
}

/** Most bytes of a list parsed by one JSON.parse call: small batches stay in the young generation. */
const BATCH_BYTES = 1 << 16;

/** Bytes `[from, to)` of a source, copied only when the source hands them in pieces. */
function readRange(source: ByteSource, from: number, to: number): Uint8Array {
  const first = source.read(from, to - from);
  if (first.length === to - from) return first;
  const out = new Uint8Array(to - from);
  out.set(first);
  for (let at = first.length; at < out.length;) {
    const part = source.read(from + at, out.length - at);
    if (part.length === 0) throw new Error(`the source ended at ${from + at}, before ${to}`);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One element parsed on its own: its value, or its located error. */
function parseElement(
  bytes: Uint8Array,
  offset: number,
  file: string,
  path: string,
): Omit<ListElement, 'index'> {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { path, error: located(new ScanError('invalid UTF-8 in this value', offset), file, path) };
  }
  try {
    return { path, value: JSON.parse(text) };
  } catch (err) {
    return {
      path,
      error: located(new ScanError(`not valid JSON: ${(err as Error).message}`, offset), file, path),
    };
  }
}

/**
 * The elements of a list whose element bounds are known: read a batch of up to
 * {@link BATCH_BYTES} at a time and parsed by one native call; a batch that does not parse is
 * parsed element by element, so a broken element comes with its own located error.
 */
function* boundedElements(
  source: ByteSource,
  bounds: Float64Array,
  path: string,
  file: string,
): Generator<ListElement> {
  const count = bounds.length / 2;
  for (let k = 0; k < count;) {
    let m = k + 1;
    while (m < count && bounds[2 * m + 1] - bounds[2 * k] <= BATCH_BYTES) m++;
    const from = bounds[2 * k];
    const bytes = readRange(source, from, bounds[2 * m - 1]);
    let values: unknown;
    try {
      values = JSON.parse(`[${UTF8.decode(bytes)}]`);
    } catch {
      values = undefined;
    }
    for (let j = k; j < m; j++) {
      const at = `${path}[${j}]`;
      if (Array.isArray(values)) yield { index: j, path: at, value: values[j - k] };
      else
        yield {
          index: j,
          ...parseElement(
            bytes.subarray(bounds[2 * j] - from, bounds[2 * j + 1] - from),
            bounds[2 * j],
            file,
            at,
          ),
        };
    }
    k = m;
  }
}

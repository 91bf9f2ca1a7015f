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

  /** Skips a list, counting its elements (the cursor is on `[`). */
  countList(): number {
    this.expect(0x5b, "'['");
    if (this.peekToken() === 0x5d) {
      this.i++;
      return 0;
    }
    let n = 0;
    for (;;) {
      this.skipValue();
      n++;
      const c = this.peekToken();
      this.i++;
      if (c === 0x2c) continue;
      if (c === 0x5d) return n;
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

/** Reads one value: objects as skeletons (members by `decide`), lists lazily when told. */
function readValue(
  cur: Cursor,
  source: ByteSource,
  path: string,
  mode: 'parse' | 'skeleton' | 'lazy' | 'lazy-skeleton',
  decide: MemberDecision,
): unknown {
  const c = cur.peekToken();
  if ((mode === 'lazy' || mode === 'lazy-skeleton') && c === 0x5b) {
    const placeholder: unknown[] = [];
    const offset = cur.offset;
    const count = cur.countList();
    LAZY.set(placeholder, {
      source,
      offset,
      count,
      path,
      elements: mode === 'lazy' ? 'parse' : 'skeleton',
      decide,
    });
    return placeholder;
  }
  if (mode === 'parse' || c !== 0x7b) return cur.parseValue();
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
    out[key] = readValue(cur, source, at, decide(key, at), decide);
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

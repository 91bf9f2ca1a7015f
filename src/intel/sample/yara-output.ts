/**
 * Reads the text the `yara` command line prints with `-g -m -s` (tags, metadata, matched
 * strings): one header line per matching rule, `RULE [tag,...] [key="value",...] FILE`, then
 * one line per matched string, `0xOFFSET:$id: data`. Pure: the caller runs yara.
 */

export interface YaraStringMatch {
  identifier: string;
  offset: number;
  /** The matched bytes as yara prints them (escaped), cut to 256 characters. */
  data: string;
}

export interface YaraMatch {
  rule: string;
  namespace?: string;
  tags: string[];
  meta: Record<string, string | number | boolean>;
  strings: YaraStringMatch[];
}

const MAX_DATA = 256;
const STRING_LINE = /^0x([0-9a-f]+):(\$[A-Za-z0-9_]*): ?(.*)$/;

/** Parses `key="v",key=1,key=true` as yara prints metadata; undefined if the text is not that. */
function parseMeta(
  text: string,
  from: number,
): { meta: Record<string, string | number | boolean>; end: number } | undefined {
  const meta: Record<string, string | number | boolean> = {};
  let i = from;
  if (text[i] === ']') return { meta, end: i + 1 };
  for (;;) {
    const key = /^([A-Za-z0-9_]+)\s*=/.exec(text.slice(i, i + 200));
    if (key === null) return undefined;
    i += key[0].length;
    if (text[i] === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) {
          const c = text[i + 1];
          value += c === 'n' ? '\n' : c === 't' ? '\t' : c;
          i += 2;
        } else value += text[i++];
      }
      if (i >= text.length) return undefined;
      i++;
      meta[key[1]] = value;
    } else {
      const raw = /^[^,\]]*/.exec(text.slice(i))![0];
      i += raw.length;
      meta[key[1]] =
        raw === 'true' ? true : raw === 'false' ? false : /^-?\d+$/.test(raw) ? Number(raw) : raw;
    }
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === ']') return { meta, end: i + 1 };
    return undefined;
  }
}

/**
 * A match whose matched strings are kept as the JSON text of their array, exactly what
 * `JSON.stringify(match.strings)` of `parseYaraOutput`'s match gives: tens of thousands of string
 * matches then cost one string per rule match, not an object each.
 */
export interface YaraMatchText extends Omit<YaraMatch, 'strings'> {
  stringsJson: string;
}

/**
 * Matches by file from yara's output. `files` are the paths yara was given, so that a header
 * line is recognised by the path it ends with (paths may hold spaces and brackets).
 */
export function parseYaraOutput(
  output: string,
  files: Iterable<string>,
): { matches: Map<string, YaraMatch[]>; unread: string[] } {
  return readYaraLines(
    output,
    files,
    (header) => ({ ...header, strings: [] as YaraStringMatch[] }),
    (match, identifier, offset, data) => {
      match.strings.push({ identifier, offset, data });
    },
    () => undefined,
  );
}

/** `parseYaraOutput` with each match's strings as JSON text (`YaraMatchText`): `YaraOutputReader` over the whole output. */
export function parseYaraOutputText(
  output: string,
  files: Iterable<string>,
): { matches: Map<string, YaraMatchText[]>; unread: string[] } {
  const reader = new YaraOutputReader(files);
  reader.push(Buffer.from(output, 'utf8'));
  return reader.end();
}

const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_DIGIT['0123456789abcdef'.charCodeAt(i)] = i;
const WORD = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_') WORD[c.charCodeAt(0)] = 1;
/** WORD and HEX_DIGIT over every byte value, for the bytes reader (no range test per byte). */
const WORD_BYTE = new Uint8Array(256);
WORD_BYTE.set(WORD);
const HEX_BYTE = new Int8Array(256).fill(-1);
HEX_BYTE.set(HEX_DIGIT);
/**
 * What a byte of a string line's data is to the bytes reader: 0 printable ASCII written as it is,
 * 1 a quote or backslash (escaped), 2 the line feed, 3 anything else (a control, not ASCII: the
 * line is left to the text reader).
 */
const DATA_BYTE = new Uint8Array(256).fill(3);
for (let c = 0x20; c <= 0x7e; c++) DATA_BYTE[c] = 0;
DATA_BYTE[0x22] = 1;
DATA_BYTE[0x5c] = 1;
DATA_BYTE[0x0a] = 2;

/**
 * Reads text[from..to) as STRING_LINE would and hands the match to `add`; false (nothing done)
 * when the line is not one, e.g. a character `.` does not match in the data: the caller then
 * reads the line as any other.
 */
function stringLine<M>(
  text: string,
  from: number,
  to: number,
  match: M,
  add: (match: M, identifier: string, offset: number, data: string, plain: boolean) => void,
): boolean {
  if (text.charCodeAt(from) !== 0x30 || text.charCodeAt(from + 1) !== 0x78) return false;
  let i = from + 2;
  let offset = 0;
  for (let c = text.charCodeAt(i); i < to && c < 128 && HEX_DIGIT[c] >= 0; c = text.charCodeAt(++i))
    offset = offset * 16 + HEX_DIGIT[c];
  const hexEnd = i;
  if (hexEnd === from + 2 || i >= to || text.charCodeAt(i) !== 0x3a) return false;
  const idStart = ++i;
  if (i >= to || text.charCodeAt(i) !== 0x24) return false;
  for (let c = text.charCodeAt(++i); i < to && c < 128 && WORD[c] === 1; c = text.charCodeAt(++i));
  if (i >= to || text.charCodeAt(i) !== 0x3a) return false;
  const idEnd = i++;
  if (i < to && text.charCodeAt(i) === 0x20) i++;
  // plain: nothing in the data that JSON.stringify would escape (quote, backslash, controls,
  // surrogates), so its JSON text is the data in quotes.
  let plain = true;
  for (let k = i; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x0d || c === 0x2028 || c === 0x2029) return false;
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) plain = false;
  }
  // Past 13 hex digits the running sum would round differently from parseInt.
  if (hexEnd - from - 2 > 13) offset = parseInt(text.slice(from + 2, hexEnd), 16);
  add(match, text.slice(idStart, idEnd), offset, text.slice(i, Math.min(to, i + MAX_DATA)), plain);
  return true;
}

/** What each parser does with a header line, a matched string and the end of a match's lines. */
interface LineHooks<M> {
  start: (header: Omit<YaraMatch, 'strings'>) => M;
  add: (match: M, identifier: string, offset: number, data: string, plain: boolean) => void;
  end: (match: M) => void;
  /** A header names another file than the one before (see `YaraOutputReader`'s `onFile`). */
  file?: (file: string) => void;
}

/** The line reader every parser shares: the match being read, and the matches by file so far. */
class YaraLines<M> {
  readonly matches = new Map<string, M[]>();
  readonly unread: string[] = [];
  /** The match the next string lines belong to. */
  current: M | undefined;
  /** The file of the last header read. */
  private lastFile: string | undefined;
  /** Header texts read so far before their file (`prefix`), by their first word, and their parse. */
  private readonly headers = new Map<string, Array<{ prefix: string; header: Omit<YaraMatch, 'strings'> }>>();

  constructor(
    private readonly known: ReadonlySet<string>,
    private readonly hooks: LineHooks<M>,
  ) {}

  /** Reads text[from..to), one line without its line break. */
  line(text: string, from: number, to: number): void {
    if (to === from) return;
    const { hooks } = this;
    // Most lines are matched strings: read in place, without the line's own string or a regex.
    if (this.current !== undefined && stringLine(text, from, to, this.current, hooks.add)) return;
    const line = text.slice(from, to);
    const s = STRING_LINE.exec(line);
    if (s !== null && this.current !== undefined) {
      hooks.add(this.current, s[2], parseInt(s[1], 16), s[3].slice(0, MAX_DATA), false);
      return;
    }
    if (this.current !== undefined) hooks.end(this.current);
    // A rule's header is the same text before the file for every file it matches: read once.
    const name = line.slice(0, line.indexOf(' ') + 1);
    let seen = this.headers.get(name);
    let known = seen?.find((h) => line.startsWith(h.prefix) && line.charCodeAt(h.prefix.length) === 0x20);
    if (known === undefined) {
      const header = /^([A-Za-z0-9_]+:)?([A-Za-z_][A-Za-z0-9_]*) \[([A-Za-z0-9_,]*)\] \[/.exec(line);
      const parsed = header === null ? undefined : parseMeta(line, header[0].length);
      if (header !== null && parsed !== undefined && line[parsed.end] === ' ') {
        known = {
          prefix: line.slice(0, parsed.end),
          header: {
            rule: header[2],
            ...(header[1] !== undefined ? { namespace: header[1].slice(0, -1) } : {}),
            tags: header[3] === '' ? [] : header[3].split(','),
            meta: parsed.meta,
          },
        };
        if (seen === undefined) this.headers.set(name, (seen = []));
        // The parse of a prefix is the same whatever follows it (parseMeta stops at its `]`).
        if (seen.length < 16) seen.push(known);
      }
    }
    const file = known === undefined ? undefined : line.slice(known.prefix.length + 1);
    if (known === undefined || file === undefined || !this.known.has(file)) {
      this.unread.push(line);
      this.current = undefined;
      return;
    }
    const { header } = known;
    if (file !== this.lastFile) {
      this.lastFile = file;
      hooks.file?.(file);
    }
    this.current = hooks.start({ ...header, tags: [...header.tags], meta: { ...header.meta } });
    let list = this.matches.get(file);
    if (list === undefined) this.matches.set(file, (list = []));
    list.push(this.current);
  }

  /** Ends the last match; the matches by file and the lines not understood. */
  finish(): { matches: Map<string, M[]>; unread: string[] } {
    if (this.current !== undefined) this.hooks.end(this.current);
    this.current = undefined;
    return { matches: this.matches, unread: this.unread };
  }
}

/** Reads the whole output, line by line. */
function readYaraLines<M>(
  output: string,
  files: Iterable<string>,
  start: LineHooks<M>['start'],
  add: LineHooks<M>['add'],
  end: LineHooks<M>['end'],
): { matches: Map<string, M[]>; unread: string[] } {
  const lines = new YaraLines(new Set(files), { start, add, end });
  for (let from = 0; from < output.length;) {
    let to = output.indexOf('\n', from);
    if (to < 0) to = output.length;
    lines.line(output, from, to);
    from = to + 1;
  }
  return lines.finish();
}

const ASCII = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
/** Writes `{"identifier":"` at out[o]; the index after it. */
function identifierKey(out: Uint8Array, o: number): number {
  out[o] = 0x7b; // {
  out[o + 1] = 0x22; // "
  out[o + 2] = 0x69; // i
  out[o + 3] = 0x64; // d
  out[o + 4] = 0x65; // e
  out[o + 5] = 0x6e; // n
  out[o + 6] = 0x74; // t
  out[o + 7] = 0x69; // i
  out[o + 8] = 0x66; // f
  out[o + 9] = 0x69; // i
  out[o + 10] = 0x65; // e
  out[o + 11] = 0x72; // r
  out[o + 12] = 0x22; // "
  out[o + 13] = 0x3a; // :
  out[o + 14] = 0x22; // "
  return o + 15;
}

/** Writes `","offset":` at out[o]; the index after it. */
function offsetKey(out: Uint8Array, o: number): number {
  out[o] = 0x22; // "
  out[o + 1] = 0x2c; // ,
  out[o + 2] = 0x22; // "
  out[o + 3] = 0x6f; // o
  out[o + 4] = 0x66; // f
  out[o + 5] = 0x66; // f
  out[o + 6] = 0x73; // s
  out[o + 7] = 0x65; // e
  out[o + 8] = 0x74; // t
  out[o + 9] = 0x22; // "
  out[o + 10] = 0x3a; // :
  return o + 11;
}

/** Writes `,"data":"` at out[o]; the index after it. */
function dataKey(out: Uint8Array, o: number): number {
  out[o] = 0x2c; // ,
  out[o + 1] = 0x22; // "
  out[o + 2] = 0x64; // d
  out[o + 3] = 0x61; // a
  out[o + 4] = 0x74; // t
  out[o + 5] = 0x61; // a
  out[o + 6] = 0x22; // "
  out[o + 7] = 0x3a; // :
  out[o + 8] = 0x22; // "
  return o + 9;
}

/**
 * Writes `value` (a whole number below 2^53) in decimal at out[o], its digits from the last; the
 * index after it. Below 2^31 in int32 arithmetic (the common case: offsets in files under 2 GiB).
 */
function writeDecimal(out: Uint8Array, o: number, value: number): number {
  let end = o;
  if (value < 0x80000000) {
    for (let v = value | 0; v >= 10; v = (v / 10) | 0) end++;
    const after = end + 1;
    for (let v = value | 0; ;) {
      const q = (v / 10) | 0;
      out[end--] = 0x30 + v - q * 10;
      if (v < 10) break;
      v = q;
    }
    return after;
  }
  for (let v = value; v >= 10; v = Math.floor(v / 10)) end++;
  const after = end + 1;
  for (let v = value; ; v = Math.floor(v / 10)) {
    out[end--] = 0x30 + (v % 10);
    if (v < 10) break;
  }
  return after;
}

/**
 * A match whose matched strings are kept as the UTF-8 bytes of their array's JSON text: what
 * `YaraMatchText.stringsJson` holds, never made a string (`YaraOutputBytesReader`).
 */
export interface YaraMatchBytes extends Omit<YaraMatch, 'strings'> {
  stringsUtf8: Uint8Array;
}

/** The bytes `[]`: the strings of a match without any (a rule on its condition alone). */
const NO_STRINGS = ASCII('[]');

/** The largest buffer the matches' JSON text is written in (a match's own may need more). */
const SLAB_BYTES = 1 << 20;

/**
 * yara's output read chunk by chunk (`push`), each match's strings written as JSON text byte by
 * byte from the output's bytes, one match after the other in the same buffer; `keep` makes the
 * match of a header and hands it its strings' array text (`json[from..to)`, brackets included)
 * once its lines end. `YaraOutputReader` and `YaraOutputBytesReader` differ only in what they
 * keep: a reader that keeps a view of the buffer (no copy of 49 MB of text for the bench's
 * matches) says so, and the next match is written after it; when the buffer is full, the next
 * one is a new buffer.
 */
abstract class YaraJsonReader<M extends object> {
  private readonly lines: YaraLines<M>;
  /** The matches' strings as JSON text, the current one from `base` (its `[` just before). */
  private json = Buffer.allocUnsafe(1 << 16);
  private base = 1;
  private used = 1;
  /**
   * The start of a line that the chunks so far did not end. One array, emptied in place: a new
   * empty array has another map than one that held buffers, and `read`'s optimised push of a
   * buffer onto it would deoptimise at every chunk that ends inside a line.
   */
  private readonly rest: Buffer[] = [];

  /**
   * `onFile(file, matches)` is called when a header names another file than the one before, with
   * the matches read so far: yara with one scanning thread prints a file's matches together and
   * the files in scan-list order, so every match of the files before `file` is then complete.
   */
  constructor(files: Iterable<string>, onFile?: (file: string, matches: ReadonlyMap<string, M[]>) => void) {
    this.lines = new YaraLines(new Set(files), {
      ...(onFile ? { file: (file: string) => onFile(file, this.lines.matches) } : {}),
      start: (header) => {
        this.used = this.base;
        return this.make(header);
      },
      add: (_match, identifier, offset, data, plain) => {
        const piece = `{"identifier":"${identifier}","offset":${offset},"data":${plain ? `"${data}"` : JSON.stringify(data)}}`;
        this.reserve(piece.length * 3 + 1);
        if (this.used > this.base) this.json[this.used++] = 0x2c;
        this.used += this.json.write(piece, this.used, 'utf8');
      },
      end: (match) => {
        if (this.used > this.base) {
          const json = this.json;
          json[this.base - 1] = 0x5b;
          json[this.used] = 0x5d;
          // A kept view: the next match starts after its `]` (and the next `[`).
          if (this.keep(match, json, this.base - 1, this.used + 1)) this.base = this.used + 2;
        }
        this.used = this.base;
      },
    });
  }

  /** The match of a header line, its strings none yet. */
  protected abstract make(header: Omit<YaraMatch, 'strings'>): M;
  /**
   * Keeps the strings' array as JSON text, `json[from..to)`: true when the match keeps a view of
   * those bytes (they are then never written over), false when it took a copy.
   */
  protected abstract keep(match: M, json: Buffer, from: number, to: number): boolean;

  /** Reads the complete lines of `chunk` (with the start of a line the previous chunks left). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let from = 0;
    if (this.rest.length > 0) {
      // Only the line the previous chunks began is joined (yara writes some 4 KiB at a time: a
      // pipe's chunks are often that small), the rest of the chunk is read where it is.
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        this.rest.push(chunk);
        return;
      }
      this.rest.push(chunk.subarray(0, nl + 1));
      const line = Buffer.concat(this.rest);
      this.rest.length = 0;
      this.read(line, 0);
      from = nl + 1;
    }
    this.read(chunk, from);
  }

  /** Reads the complete lines of bytes[from..], keeping the start of a line they do not end. */
  private read(bytes: Buffer, start: number): void {
    const n = bytes.length;
    let from = start;
    while (from < n) {
      const to = this.current() !== undefined ? this.stringLine(bytes, from) : -1;
      if (to >= 0) {
        from = to + 1;
        continue;
      }
      const nl = bytes.indexOf(0x0a, from);
      if (nl < 0) break;
      this.textLine(bytes, from, nl);
      from = nl + 1;
    }
    if (from < n) this.rest.push(bytes.subarray(from));
  }

  /** Reads the last line (if the output did not end with a line break); the matches by file. */
  end(): { matches: Map<string, M[]>; unread: string[] } {
    if (this.rest.length > 0) {
      const last = Buffer.concat(this.rest);
      this.rest.length = 0;
      this.textLine(last, 0, last.length);
    }
    return this.lines.finish();
  }

  private current(): M | undefined {
    return this.lines.current;
  }

  private textLine(bytes: Buffer, from: number, to: number): void {
    const text = bytes.toString('utf8', from, to);
    this.lines.line(text, 0, text.length);
  }

  /**
   * Room for `more` bytes of the current match and its `]`: else a new buffer (twice the last,
   * up to SLAB_BYTES, or what the match needs), the current match's text so far moved into it.
   * The last buffer is left to the matches that keep views of it.
   */
  private reserve(more: number): void {
    if (this.used + more + 1 <= this.json.length) return;
    const sofar = this.used - this.base;
    const size = Math.max(Math.min(this.json.length * 2, SLAB_BYTES), 2 * (sofar + more + 2));
    const next = Buffer.allocUnsafe(size);
    this.json.copy(next, 1, this.base, this.used);
    this.json = next;
    this.base = 1;
    this.used = 1 + sofar;
  }

  /**
   * A string line of printable ASCII data from bytes[from], its JSON piece written: the index of
   * its line break; -1 (nothing written) when the line is not one or not complete in `bytes`.
   */
  private stringLine(b: Buffer, from: number): number {
    const n = b.length;
    if (from + 2 >= n || b[from] !== 0x30 || b[from + 1] !== 0x78) return -1;
    let i = from + 2;
    let offset = 0;
    for (; i < n; i++) {
      const d = HEX_BYTE[b[i]];
      if (d < 0) break;
      offset = offset * 16 + d;
    }
    // Past 13 hex digits the text reader's parseInt rounding applies.
    if (i === from + 2 || i - from - 2 > 13 || i + 1 >= n || b[i] !== 0x3a || b[i + 1] !== 0x24) return -1;
    const idStart = ++i;
    for (i++; i < n; i++) if (WORD_BYTE[b[i]] !== 1) break;
    if (i >= n || b[i] !== 0x3a) return -1;
    const idEnd = i++;
    if (i < n && b[i] === 0x20) i++;
    // (reserve may move the current match into a new buffer, so `used` is read after it.)
    this.reserve(idEnd - idStart + 2 * MAX_DATA + 64);
    const out = this.json;
    let o = this.used;
    if (o > this.base) out[o++] = 0x2c;
    // The constant pieces as stores of constants: a native copy (`set`, `copy`) costs more per
    // call than these few bytes, and a loop over a table of them 30% more than this (the parse
    // of the bench's 822,935 lines: 152 against 112 ms, median of 8).
    o = identifierKey(out, o);
    for (let k = idStart; k < idEnd; k++) out[o++] = b[k];
    o = offsetKey(out, o);
    o = writeDecimal(out, o, offset);
    o = dataKey(out, o);
    // The data up to MAX_DATA bytes written, then the rest of the line only looked at. Controls
    // (a carriage return among them) and other than ASCII: the text reader's line.
    const stop = Math.min(n, i + MAX_DATA);
    for (; i < stop; i++) {
      const c = b[i];
      const kind = DATA_BYTE[c];
      if (kind !== 0) {
        if (kind === 2) break;
        if (kind === 3) return -1;
        out[o++] = 0x5c;
      }
      out[o++] = c;
    }
    if (i === stop)
      for (; i < n; i++) {
        const kind = DATA_BYTE[b[i]];
        if (kind === 2) break;
        if (kind === 3) return -1;
      }
    if (i >= n) return -1;
    out[o++] = 0x22;
    out[o++] = 0x7d;
    this.used = o;
    return i;
  }
}

/**
 * `parseYaraOutputText` fed yara's output as it arrives, chunk by chunk (`push`), its matched
 * strings' JSON text written byte by byte from the output's bytes: a string line whose data is
 * printable ASCII (what yara prints for text strings, other bytes as `\xNN`) becomes its JSON
 * piece without a string of its own; any other line is decoded and read as `parseYaraOutputText`
 * reads it. The result is the same whatever the chunks.
 */
export class YaraOutputReader extends YaraJsonReader<YaraMatchText> {
  protected make(header: Omit<YaraMatch, 'strings'>): YaraMatchText {
    return { ...header, stringsJson: '[]' };
  }

  protected keep(match: YaraMatchText, json: Buffer, from: number, to: number): boolean {
    match.stringsJson = json.toString('utf8', from, to);
    return false;
  }
}

/**
 * `YaraOutputReader` whose matches keep their strings' JSON text as UTF-8 (`YaraMatchBytes`), for
 * a caller that writes them out as bytes: no string is made of them.
 */
export class YaraOutputBytesReader extends YaraJsonReader<YaraMatchBytes> {
  protected make(header: Omit<YaraMatch, 'strings'>): YaraMatchBytes {
    return { ...header, stringsUtf8: NO_STRINGS };
  }

  protected keep(match: YaraMatchBytes, json: Buffer, from: number, to: number): boolean {
    match.stringsUtf8 = json.subarray(from, to);
    return true;
  }
}

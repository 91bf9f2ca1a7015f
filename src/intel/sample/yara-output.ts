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

/** `parseYaraOutput` with each match's strings as JSON text (`YaraMatchText`). */
export function parseYaraOutputText(
  output: string,
  files: Iterable<string>,
): { matches: Map<string, YaraMatchText[]>; unread: string[] } {
  let pieces: string[] = [];
  return readYaraLines(
    output,
    files,
    (header) => {
      pieces = [];
      return { ...header, stringsJson: '[]' };
    },
    (_match, identifier, offset, data, plain) => {
      // An identifier is `$` and word characters: nothing in it to escape.
      const json = plain ? `"${data}"` : JSON.stringify(data);
      pieces.push(`{"identifier":"${identifier}","offset":${offset},"data":${json}}`);
    },
    (match) => {
      if (pieces.length > 0) match.stringsJson = `[${pieces.join(',')}]`;
      pieces = [];
    },
  );
}

const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_DIGIT['0123456789abcdef'.charCodeAt(i)] = i;
const WORD = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_') WORD[c.charCodeAt(0)] = 1;

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

/**
 * The line reader both parsers share: `start` makes a match from a header line, `add` gives it one
 * matched string, `end` is called when the match's lines are over.
 */
function readYaraLines<M>(
  output: string,
  files: Iterable<string>,
  start: (header: Omit<YaraMatch, 'strings'>) => M,
  add: (match: M, identifier: string, offset: number, data: string, plain: boolean) => void,
  end: (match: M) => void,
): { matches: Map<string, M[]>; unread: string[] } {
  const known = new Set(files);
  const matches = new Map<string, M[]>();
  const unread: string[] = [];
  let current: M | undefined;
  for (let from = 0; from < output.length;) {
    let to = output.indexOf('\n', from);
    if (to < 0) to = output.length;
    const lineStart = from;
    from = to + 1;
    if (to === lineStart) continue;
    // Most lines are matched strings: read in place, without the line's own string or a regex.
    if (current !== undefined && stringLine(output, lineStart, to, current, add)) continue;
    const line = output.slice(lineStart, to);
    const s = STRING_LINE.exec(line);
    if (s !== null && current !== undefined) {
      add(current, s[2], parseInt(s[1], 16), s[3].slice(0, MAX_DATA), false);
      continue;
    }
    if (current !== undefined) end(current);
    const header = /^([A-Za-z0-9_]+:)?([A-Za-z_][A-Za-z0-9_]*) \[([A-Za-z0-9_,]*)\] \[/.exec(line);
    const parsed = header === null ? undefined : parseMeta(line, header[0].length);
    const file = parsed !== undefined && line[parsed.end] === ' ' ? line.slice(parsed.end + 1) : undefined;
    if (header === null || parsed === undefined || file === undefined || !known.has(file)) {
      unread.push(line);
      current = undefined;
      continue;
    }
    current = start({
      rule: header[2],
      ...(header[1] !== undefined ? { namespace: header[1].slice(0, -1) } : {}),
      tags: header[3] === '' ? [] : header[3].split(','),
      meta: parsed.meta,
    });
    let list = matches.get(file);
    if (list === undefined) matches.set(file, (list = []));
    list.push(current);
  }
  if (current !== undefined) end(current);
  return { matches, unread };
}

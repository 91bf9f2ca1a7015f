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
 * Matches by file from yara's output. `files` are the paths yara was given, so that a header
 * line is recognised by the path it ends with (paths may hold spaces and brackets).
 */
export function parseYaraOutput(
  output: string,
  files: Iterable<string>,
): { matches: Map<string, YaraMatch[]>; unread: string[] } {
  const known = new Set(files);
  const matches = new Map<string, YaraMatch[]>();
  const unread: string[] = [];
  let current: YaraMatch | undefined;
  for (const line of output.split('\n')) {
    if (line === '') continue;
    const s = STRING_LINE.exec(line);
    if (s !== null && current !== undefined) {
      current.strings.push({ identifier: s[2], offset: parseInt(s[1], 16), data: s[3].slice(0, MAX_DATA) });
      continue;
    }
    const header = /^([A-Za-z0-9_]+:)?([A-Za-z_][A-Za-z0-9_]*) \[([A-Za-z0-9_,]*)\] \[/.exec(line);
    const parsed = header === null ? undefined : parseMeta(line, header[0].length);
    const file = parsed !== undefined && line[parsed.end] === ' ' ? line.slice(parsed.end + 1) : undefined;
    if (header === null || parsed === undefined || file === undefined || !known.has(file)) {
      unread.push(line);
      current = undefined;
      continue;
    }
    current = {
      rule: header[2],
      ...(header[1] !== undefined ? { namespace: header[1].slice(0, -1) } : {}),
      tags: header[3] === '' ? [] : header[3].split(','),
      meta: parsed.meta,
      strings: [],
    };
    let list = matches.get(file);
    if (list === undefined) matches.set(file, (list = []));
    list.push(current);
  }
  return { matches, unread };
}

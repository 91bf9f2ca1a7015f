import { describe, expect, it } from 'vitest';
import {
  parseYaraOutput,
  parseYaraOutputText,
  YaraOutputBytesReader,
  YaraOutputReader,
} from './yara-output.js';

const FILES = ['/s/a.exe', '/s/with space [1].exe', '/s/q"uote\\.exe'];

/** yara -e -g -m -s output, with lines its string-line pattern must refuse mixed in. */
const OUTPUT = [
  'ns0:RuleA [t1,t2] [family="X \\"y\\"",score=80,ok=true] /s/a.exe',
  '0x18:$a: example.com/gate.php',
  '0x0:$: no identifier name',
  '0x1f:$b:no space',
  '0x20:$c:  two spaces',
  '0x21:$d: say "hi" \\x00 back\\slash',
  '0x22:$e: ' + 'x'.repeat(300),
  '0x123456789abcdef01:$f: past 13 hex digits',
  '0x23:$g: ünïcode',
  'RuleB [] [] /s/with space [1].exe',
  '0x24:$h: data with a \r carriage return',
  '0x25:$i: after the refused line',
  'RuleC [] [] /s/q"uote\\.exe',
  '0xAB:$j: upper-case hex',
  'RuleD [] [] /s/q"uote\\.exe',
  '0x26:$k: ok',
  '0x27:$l: line separator \u2028 inside',
  'RuleE [] [] /not/given.exe',
  '0x28:$m: belongs to no known file',
  '',
  'RuleF [x] [] /s/a.exe',
].join('\n');

/** What the string lines are by the pattern alone: the reading the fast path must reproduce. */
function reference(output: string): Array<{ rule: string; strings: unknown[] }> {
  const out: Array<{ rule: string; strings: unknown[] }> = [];
  let current: { rule: string; strings: unknown[] } | undefined;
  for (const line of output.split('\n')) {
    const s = /^0x([0-9a-f]+):(\$[A-Za-z0-9_]*): ?(.*)$/.exec(line);
    if (s !== null && current !== undefined) {
      current.strings.push({ identifier: s[2], offset: parseInt(s[1], 16), data: s[3].slice(0, 256) });
      continue;
    }
    const header = /^(?:\w+:)?(\w+) \[.*\] (\/s\/.*)$/.exec(line);
    current = header !== null && FILES.includes(header[2]) ? { rule: header[1], strings: [] } : undefined;
    if (current !== undefined) out.push(current);
  }
  return out;
}

describe('parseYaraOutput', () => {
  it('reads string lines as the pattern does, and refuses the same lines', () => {
    const { matches, unread } = parseYaraOutput(OUTPUT, FILES);
    const got = [...matches.values()].flat().map((m) => ({ rule: m.rule, strings: m.strings }));
    const want = reference(OUTPUT);
    // Matches in file order (map order), the reference in line order: compare by rule.
    const byRule = (a: { rule: string }, b: { rule: string }): number => a.rule.localeCompare(b.rule);
    expect(got.sort(byRule)).toEqual(want.sort(byRule));
    expect(got.find((m) => m.rule === 'RuleA')?.strings).toHaveLength(8);
    expect(unread).toEqual([
      '0x24:$h: data with a \r carriage return',
      '0x25:$i: after the refused line',
      '0xAB:$j: upper-case hex',
      '0x27:$l: line separator \u2028 inside',
      'RuleE [] [] /not/given.exe',
      '0x28:$m: belongs to no known file',
    ]);
    const a = matches.get('/s/a.exe')!;
    expect(a[0]).toMatchObject({ rule: 'RuleA', namespace: 'ns0', tags: ['t1', 't2'] });
    expect(a[0].meta).toEqual({ family: 'X "y"', score: 80, ok: true });
    expect(a[0].strings[7]).toEqual({ identifier: '$g', offset: 0x23, data: 'ünïcode' });
  });

  it('parseYaraOutputText keeps the same matches with the strings as their JSON text', () => {
    const objects = parseYaraOutput(OUTPUT, FILES);
    const text = parseYaraOutputText(OUTPUT, FILES);
    expect(text.unread).toEqual(objects.unread);
    expect([...text.matches.keys()]).toEqual([...objects.matches.keys()]);
    for (const [file, list] of objects.matches) {
      const texts = text.matches.get(file)!;
      expect(texts).toHaveLength(list.length);
      list.forEach((m, i) => {
        const { stringsJson, ...head } = texts[i];
        const { strings, ...objectHead } = m;
        expect(stringsJson).toBe(JSON.stringify(strings));
        expect(JSON.stringify(head)).toBe(JSON.stringify(objectHead));
      });
    }
  });

  it('YaraOutputReader reads the output the same in any chunks', () => {
    const whole = JSON.stringify(readAll([Buffer.from(OUTPUT)]));
    expect(whole).toBe(JSON.stringify(text(parseYaraOutputText(OUTPUT, FILES))));
    const bytes = Buffer.from(OUTPUT);
    for (let cut = 0; cut <= bytes.length; cut++)
      expect(JSON.stringify(readAll([bytes.subarray(0, cut), bytes.subarray(cut)])), `cut at ${cut}`).toBe(
        whole,
      );
    expect(JSON.stringify(readAll([...bytes].map((b) => Buffer.of(b))))).toBe(whole);
  });

  it("onFile: each change of file, in the output's order, the files before it complete", () => {
    // As yara prints with one scanning thread: each file's matches together, files in order.
    const ordered = [
      'RuleA [] [] /s/a.exe',
      '0x1:$a: one',
      'RuleB [t] [] /s/a.exe',
      '0x2:$b: two "quoted"',
      'RuleA [] [] /s/with space [1].exe',
      '0x3:$a: three',
      'RuleE [] [] /not/given.exe',
      '0x4:$a: unknown file',
      'RuleC [] [] /s/q"uote\\.exe',
      '0x5:$c: ' + 'x'.repeat(300),
    ].join('\n');
    const bytes = Buffer.from(ordered);
    const whole = new YaraOutputReader(FILES);
    whole.push(bytes);
    const final = whole.end().matches;
    for (const cut of [1, 7, 64, bytes.length]) {
      const seen: string[] = [];
      const reader = new YaraOutputReader(FILES, (file, matches) => {
        // Every file named before this one has the matches it will have at the end.
        for (const before of seen)
          expect(JSON.stringify(matches.get(before)), `cut ${cut}`).toBe(JSON.stringify(final.get(before)));
        seen.push(file);
      });
      for (let at = 0; at < bytes.length; at += cut) reader.push(bytes.subarray(at, at + cut));
      reader.end();
      expect(seen).toEqual(FILES);
    }
    // A file named again after another: told again (the caller sees yara's order broken).
    const again: string[] = [];
    const reader = new YaraOutputReader(FILES, (file) => again.push(file));
    reader.push(Buffer.from(OUTPUT));
    reader.end();
    expect(again).toEqual([FILES[0], FILES[1], FILES[2], FILES[0]]);
  });

  it('a very long string line, across many chunks, is cut to 256 characters of data', () => {
    const long = 'ab"\\'.repeat(300_000);
    const output = `RuleA [] [] /s/a.exe\n0x10:$a: ${long}\n0x11:$b: é${long}\n0x12:$c: short`;
    const want = JSON.stringify(text(parseYaraOutputText(output, FILES)));
    const bytes = Buffer.from(output);
    for (const size of [1000, 65536, 1 << 20]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(JSON.stringify(readAll(chunks)), `chunks of ${size}`).toBe(want);
    }
    const strings = JSON.parse(
      parseYaraOutputText(output, FILES).matches.get('/s/a.exe')![0].stringsJson,
    ) as Array<{
      data: string;
    }>;
    expect(strings.map((s) => s.data.length)).toEqual([256, 256, 5]);
    expect(strings[0].data).toBe(long.slice(0, 256));
  });

  it("matches whose strings outgrow the readers' buffers keep their text (one of 1.7 MB)", () => {
    // The readers write one match after the other into buffers of up to 1 MiB, moving a match
    // that does not fit into the next: small matches around one larger than a whole buffer.
    const data = (k: number): string => `${k}:`.padEnd(250, 'x"\\y');
    const lines: string[] = [];
    for (let m = 0; m < 40; m++) {
      lines.push(`Rule${m} [t] [n=${m}] ${FILES[m % FILES.length]}`);
      const count = m === 20 ? 6000 : 50 + m * 13;
      for (let k = 0; k < count; k++) lines.push(`0x${(k * 7).toString(16)}:$s${k % 3}: ${data(k)}`);
    }
    const output = lines.join('\n') + '\n';
    const objects = parseYaraOutput(output, FILES);
    const want = asReaderText(objects);
    expect(objects.matches.get(FILES[2])!.find((m) => m.rule === 'Rule20')!.strings).toHaveLength(6000);
    expect(want.length).toBeGreaterThan(3 << 20);
    const bytes = Buffer.from(output);
    for (const size of [4096, 65536, 3 << 20]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(JSON.stringify(readAll(chunks)), `chunks of ${size}`).toBe(want);
    }
  });

  it('YaraOutputReader gives what parseYaraOutput gives, on generated output in random chunks', () => {
    let seed = 7;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[next(xs.length)];
    // Data as yara prints it (printable ASCII, escapes) and what it never prints but the reader must take.
    const pieces = [
      'a',
      'Z',
      ' ',
      '"',
      '\\',
      '\\x00',
      '{',
      '~',
      '\x7f',
      'é',
      '中',
      '\r',
      '\t',
      '\u2028',
      '😀',
    ];
    const lines: string[] = [];
    for (let m = 0; m < 400; m++) {
      lines.push(
        `${pick(['', 'ns1:'])}Rule${next(5)} [${pick(['', 't', 'a,b'])}] [${pick(['', 'k="v \\"q\\""', 'n=3'])}] ${pick([...FILES, '/other'])}`,
      );
      for (let k = next(12); k > 0; k--) {
        const length = pick([0, 1, 5, 255, 256, 257, 300]);
        let data = '';
        while (data.length < length) data += pick(pieces.slice(0, next(20) === 0 ? pieces.length : 8));
        // Long offsets, two of which the running sum of the digits rounds unlike parseInt; the
        // edges of the decimal writer (one digit, int32's last and the first past it, 10^9).
        const hex =
          next(30) === 0
            ? pick(['fffffffffffff', '5b727fe72e77ead', '4e73b17689b4d26b', '123456789abcdef01'])
            : next(30) === 0
              ? pick(['0', '9', 'a', '3b9ac9ff', '3b9aca00', '7fffffff', '80000000', 'ffffffff'])
              : next(1 << 30).toString(16);
        lines.push(`0x${hex}:$${pick(['', 'a', 'str_1'])}:${pick([' ', '', '  '])}${data}`);
      }
      if (next(10) === 0) lines.push(pick(['', 'warning: something', '0xZZ:$a: not hex']));
    }
    const output = lines.join('\n') + pick(['', '\n']);
    const objects = parseYaraOutput(output, FILES);
    const want = asReaderText(objects);
    const bytes = Buffer.from(output);
    expect(want.length).toBeGreaterThan(100_000);
    for (let round = 0; round < 20; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const size = pick([1, 7, 100, 4096, 65536]);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      expect(JSON.stringify(readAll(chunks)), `round ${round}`).toBe(want);
    }
  });
});

/**
 * The readers' result over the chunks, in a form to compare: `YaraOutputReader`'s, after checking
 * that `YaraOutputBytesReader` read the same (its strings' bytes being the same JSON text).
 */
function readAll(chunks: Buffer[]): unknown {
  const reader = new YaraOutputReader(FILES);
  const bytesReader = new YaraOutputBytesReader(FILES);
  for (const c of chunks) {
    reader.push(c);
    bytesReader.push(c);
  }
  const got = text(reader.end());
  const fromBytes = bytesReader.end();
  const asText = new Map(
    [...fromBytes.matches].map(([file, list]) => [
      file,
      list.map(({ stringsUtf8, ...head }) => ({
        ...head,
        stringsJson: Buffer.from(stringsUtf8).toString('utf8'),
      })),
    ]),
  );
  expect(JSON.stringify(text({ matches: asText, unread: fromBytes.unread }))).toBe(JSON.stringify(got));
  return got;
}

/** `parseYaraOutput`'s matches as the JSON text the readers' results give (see readAll). */
function asReaderText(objects: ReturnType<typeof parseYaraOutput>): string {
  return JSON.stringify({
    matches: [...objects.matches].map(([file, list]) => [
      file,
      list.map(({ strings, ...head }) => ({ ...head, stringsJson: JSON.stringify(strings) })),
    ]),
    unread: objects.unread,
  });
}

function text(result: ReturnType<typeof parseYaraOutputText>): unknown {
  return { matches: [...result.matches], unread: result.unread };
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PatternError, extractPatternIndicators, formatObjectPath, parsePattern } from './index.js';
import type { ComparisonNode, ObservationNode } from './index.js';

const dataDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/intel');

function firstComparison(node: ObservationNode): ComparisonNode {
  if (node.kind === 'observation') return node.comparison;
  if (node.kind === 'qualified') return firstComparison(node.expression);
  return firstComparison(node.operands[0]);
}

function parseError(pattern: string): PatternError {
  try {
    parsePattern(pattern);
  } catch (err) {
    expect(err).toBeInstanceOf(PatternError);
    return err as PatternError;
  }
  throw new Error(`pattern parsed but should not: ${pattern}`);
}

// Valid patterns from the STIX 2.1 specification, part 9 ("Patterning examples") and §9.7.
const VALID = [
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
  "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
  "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
  "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
  "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo\\\\Bar'] FOLLOWEDBY [process:name = 'evil.exe'] WITHIN 300 SECONDS",
  "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
  "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
  '[network-traffic:dst_port IN (80, 443, 8080)]',
  '[file:size > 1024 AND file:size <= 4096.5]',
  "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
  "[file:magic_number_hex = h'ffd8']",
  "[process:is_hidden = true AND NOT process:name = 'x']".replace(
    'AND NOT process:name',
    'AND process:name NOT',
  ),
  "([ipv4-addr:value = '198.51.100.1/32'] OR [ipv4-addr:value = '203.0.113.33/32']) AND [domain-name:value = 'example.com']",
  "[user-account:account_type = 'unix' AND EXISTS user-account:extensions.'unix-account-ext'.gid]",
  "[file:extensions.'windows-pebinary-ext'.sections[0].entropy > 7.0]",
  "[file:name ISSUBSET '198.51.100.0/24'] OR [ipv4-addr:value ISSUPERSET '198.51.100.0/24']",
  "[file:name LIKE 'rundll%' AND file:created > t'2014-11-24T00:00:00.000Z']",
];

describe('STIX pattern parser', () => {
  it.each(VALID)('parses %s', (pattern) => {
    expect(() => parsePattern(pattern)).not.toThrow();
  });

  it('builds the AST: operators, precedence, qualifiers, paths, literals', () => {
    const ast = parsePattern(
      "[a:x = 'p' OR b:y = 1 AND c:z != -2.5] FOLLOWEDBY [file:hashes.'SHA-256' IN ('a', 'b')] REPEATS 2 TIMES WITHIN 60 SECONDS",
    );
    expect(ast.kind).toBe('followedby');
    if (ast.kind !== 'followedby') return;
    const left = ast.operands[0];
    expect(left.kind).toBe('observation');
    if (left.kind !== 'observation') return;
    // AND binds tighter than OR.
    expect(left.comparison.kind).toBe('or');
    if (left.comparison.kind !== 'or') return;
    expect(left.comparison.operands[1].kind).toBe('and');
    const right = ast.operands[1];
    expect(right.kind).toBe('qualified');
    if (right.kind !== 'qualified') return;
    expect(right.qualifiers.map((q) => q.kind)).toEqual(['repeats', 'within']);
    const cmp = firstComparison(right);
    expect(cmp.kind).toBe('comparison');
    if (cmp.kind !== 'comparison') return;
    expect(cmp.operator).toBe('IN');
    expect(formatObjectPath(cmp.path)).toBe("file:hashes.'SHA-256'");
    expect(cmp.value).toEqual([
      { type: 'string', value: 'a', start: expect.any(Number) },
      { type: 'string', value: 'b', start: expect.any(Number) },
    ]);
  });

  it('decodes string escapes and typed literals', () => {
    const cmp = firstComparison(parsePattern("[file:name = 'it\\'s a \\\\ test']"));
    expect(cmp.kind === 'comparison' && cmp.value).toMatchObject({ type: 'string', value: "it's a \\ test" });
    const ts = firstComparison(parsePattern("[file:created = t'2014-11-24T08:00:00Z']"));
    expect(ts.kind === 'comparison' && ts.value).toMatchObject({
      type: 'timestamp',
      value: '2014-11-24T08:00:00Z',
    });
    const list = firstComparison(parsePattern('[process:x[*].y[2] = true]'));
    expect(list.kind === 'comparison' && list.path.steps).toEqual([
      { kind: 'property', name: 'x', quoted: false },
      { kind: 'index', index: '*' },
      { kind: 'property', name: 'y', quoted: false },
      { kind: 'index', index: 2 },
    ]);
  });

  // Invalid patterns (the kinds the OASIS validator rejects), each with the offset of the fault.
  const INVALID: [string, number, RegExp][] = [
    ["[file:name = 'x'", 16, /expected '\]'/],
    ["file:name = 'x']", 0, /expected '\[' or '\('/],
    ["[file:name = 'x]", 13, /unterminated string/],
    ["[file:name = 'a\\qb']", 15, /invalid escape/],
    ["[file:name == 'x']", 12, /expected a literal/],
    ["[file:name = 'x'] WITHIN SECONDS", 25, /number of seconds/],
    ["[file:name = 'x'] REPEATS 0 TIMES", 26, /positive integer/],
    ["[file:created > t'2014-13-01T00:00:00Z']", 16, /bad timestamp/],
    ["[file:created > t'2014-11-01 00:00:00']", 16, /bad timestamp/],
    ["[artifact:payload_bin = b'abc']", 24, /base64/],
    ["[file:magic_number_hex = h'abc']", 25, /hex literal/],
    ['[file:name LIKE 5]', 16, /LIKE needs a string/],
    ["[file:name MATCHES '(']", 19, /regular expression/],
    ["[File:name = 'x']", 1, /lower-case/],
    ["[file:hashes.SHA-256 = 'x']", 13, /hyphens unless quoted/],
    ["[file:name = 'x'] AND", 21, /end of pattern/],
    ['[file:size IN (1, 2]', 19, /',' or '\)'/],
    ["[file:name = 'x'] [file:name = 'y']", 18, /expected AND, OR, FOLLOWEDBY/],
    ['[file:size = 012]', 13, /leading zero/],
    ['[file:name = "x"]', 13, /unexpected character/],
    ['', 0, /expected '\['/],
  ];
  it.each(INVALID)('rejects %s at offset %i', (pattern, offset, message) => {
    const err = parseError(pattern);
    expect(err.code).toBe('STIX_BAD_PATTERN');
    expect(err.location.offset).toBe(offset);
    expect(err.message).toMatch(message);
  });

  it('bounds nesting depth and length', () => {
    expect(parseError('('.repeat(5000) + "[a:b = 'c']" + ')'.repeat(5000)).message).toMatch(
      /nested too deeply/,
    );
    expect(parseError(`[file:name = '${'a'.repeat(70_000)}']`).message).toMatch(/longer than/);
  });
});

describe('indicator extraction from patterns', () => {
  it('extracts = and IN over supported paths joined by AND/OR/FOLLOWEDBY', () => {
    const p =
      "[ipv4-addr:value = '203.0.113.1' OR domain-name:value IN ('a.example', 'b.example')] AND [file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] FOLLOWEDBY [email-addr:value = 'x@example.com' AND url:value = 'http://e.example/x' AND ipv6-addr:value = '2001:db8::1' AND file:name = 'a.exe']";
    const r = extractPatternIndicators(parsePattern(p), p);
    expect(r.unsupported).toEqual([]);
    expect(r.indicators.map((i) => [i.type, i.value])).toEqual([
      ['ipv4', '203.0.113.1'],
      ['domain', 'a.example'],
      ['domain', 'b.example'],
      ['md5', 'cead3f77f6cda6ec00f57d76c9a6879f'],
      ['email', 'x@example.com'],
      ['url', 'http://e.example/x'],
      ['ipv6', '2001:db8::1'],
      ['filename', 'a.exe'],
    ]);
    expect(p.slice(r.indicators[0].offset, r.indicators[0].offset + 13)).toBe("'203.0.113.1'");
  });

  it('names each unsupported part with its offset and the JSON path', () => {
    const p =
      "[file:name = 'a.exe' AND file:size > 100 AND process:name = 'x' AND NOT domain-name:value = 'q']".replace(
        'AND NOT domain-name:value =',
        'AND domain-name:value NOT =',
      );
    const r = extractPatternIndicators(parsePattern(p), p, '$.objects[3].pattern');
    expect(r.indicators.map((i) => i.value)).toEqual(['a.exe']);
    expect(r.unsupported.map((e) => [e.code, e.location.offset, e.location.path])).toEqual([
      ['STIX_UNSUPPORTED_PATTERN', p.indexOf('file:size'), '$.objects[3].pattern'],
      ['STIX_UNSUPPORTED_PATTERN', p.indexOf('process:name'), '$.objects[3].pattern'],
      ['STIX_UNSUPPORTED_PATTERN', p.indexOf('domain-name'), '$.objects[3].pattern'],
    ]);
    expect(r.unsupported[0].message).toMatch(/operator > does not name a value: file:size > 100/);
    expect(r.unsupported[1].message).toMatch(/process:name is not an indicator/);
  });

  it('reads every pattern of the OASIS APT1 and Poison Ivy reports', () => {
    for (const f of ['apt1.json', 'poisonivy.json']) {
      const bundle = JSON.parse(readFileSync(path.join(dataDir, 'stix/oasis', f), 'utf8')) as {
        objects: { type: string; pattern?: string }[];
      };
      const patterns = bundle.objects.filter((o) => o.type === 'indicator').map((o) => o.pattern!);
      expect(patterns.length).toBeGreaterThan(10);
      for (const p of patterns) {
        const r = extractPatternIndicators(parsePattern(p), p);
        // Independent count: the = comparisons over the supported paths, by regex.
        const expected = [
          ...p.matchAll(/(ipv4-addr:value|domain-name:value|file:hashes\.md5|file:name) = '/g),
        ].length;
        expect(r.indicators.length).toBe(expected);
        // x509-certificate comparisons are the only unsupported parts in these reports.
        const x509 = [...p.matchAll(/x509-certificate:/g)].length;
        expect(r.unsupported.length).toBe(x509);
      }
    }
  });
});

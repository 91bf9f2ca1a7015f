// ACH: scores on small matrices worked out by hand (the arithmetic is in the comments), the
// diagnosticity of uniform rows, the sensitivity check, and case-file errors with their paths and
// lines, including hostile input.
import { describe, expect, it } from 'vitest';
import type { AchCase, AchEvidence, AchRating, YamlCaseParser, YamlModuleLike } from './index.js';
import { ACH_LIMITS, analyzeAch, formatAchPath, parseAchCase, yamlParserFromModule } from './index.js';

const SOURCE = [{ kind: 'report' as const, title: 'test fixture', says: 'made up for the test' }];

function item(
  id: string,
  credibility: AchEvidence['credibility'],
  relevance: AchEvidence['relevance'],
  ratings: Record<string, AchRating>,
): AchEvidence {
  return { id, title: `item ${id}`, credibility, relevance, ratings, sources: SOURCE };
}

function makeCase(hypotheses: string[], evidence: AchEvidence[]): AchCase {
  return {
    schema: 'cairn.ach/1',
    id: 'test',
    title: 'test case',
    hypotheses: hypotheses.map((id) => ({ id, title: `hypothesis ${id}` })),
    evidence,
  };
}

/** Parses a case given as an object, through the JSON path, and fails the test on any issue. */
function load(value: unknown): AchCase {
  const result = parseAchCase(JSON.stringify(value, null, 2), { file: 'case.json' });
  if (!result.ok) throw new Error(result.issues.map((i) => i.describe()).join('\n'));
  return result.achCase;
}

/** Issues of a case that must not load, as [code, path, line]. */
function issuesOf(
  text: string | Uint8Array,
  file = 'case.json',
): Array<[string, string | undefined, number | undefined]> {
  const result = parseAchCase(text, { file });
  expect(result.ok).toBe(false);
  if (result.ok) return [];
  for (const issue of result.issues) expect(issue.location.file).toBe(file);
  return result.issues.map((i) => [i.code, i.location.path, i.location.line]);
}

/** 1-based line of the first line of `text` that contains `needle` (independent of the parser). */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('ACH scoring', () => {
  // Weights: medium x medium = 1; high x high = 1.5 x 1.5 = 2.25; low x high = 0.5 x 1.5 = 0.75.
  const threeByThree = makeCase(
    ['H1', 'H2', 'H3'],
    [
      item('E1', 'medium', 'medium', { H1: 'C', H2: 'I', H3: 'II' }),
      item('E2', 'high', 'high', { H1: 'I', H2: 'C', H3: 'N' }),
      item('E3', 'low', 'high', { H1: 'CC', H2: 'II', H3: 'I' }),
    ],
  );

  it('weighted inconsistency and consistency per hypothesis, ranked by least inconsistency', () => {
    const a = analyzeAch(load(threeByThree));
    // H1: E2 I = 2.25 x 1                = 2.25;  consistency E1 C 1 + E3 CC 0.75 x 2 = 2.5
    // H2: E1 I = 1 x 1 + E3 II 0.75 x 2  = 2.5;   consistency E2 C 2.25 x 1          = 2.25
    // H3: E1 II = 1 x 2 + E3 I 0.75 x 1  = 2.75;  consistency 0
    expect(a.hypotheses.map((h) => [h.id, h.inconsistency, h.consistency, h.rank])).toEqual([
      ['H1', 2.25, 2.5, 1],
      ['H2', 2.5, 2.25, 2],
      ['H3', 2.75, 0, 3],
    ]);
    expect(a.ranking).toEqual(['H1', 'H2', 'H3']);
    expect(a.top).toEqual(['H1']);
    expect(a.evidence.map((e) => e.weight)).toEqual([1, 2.25, 0.75]);
  });

  it('diagnosticity: standard deviation of CC=+2..II=-2 across hypotheses, spread = max - min', () => {
    const a = analyzeAch(load(threeByThree));
    // E1 values [1, -1, -2]: mean -2/3, squared deviations 25/9 + 1/9 + 16/9 = 42/9, / 3 = 14/9.
    expect(a.evidence[0].diagnosticity).toBeCloseTo(Math.sqrt(14) / 3, 12);
    expect(a.evidence[0].spread).toBe(3);
    // E2 values [-1, 1, 0]: mean 0, (1 + 1 + 0) / 3 = 2/3.
    expect(a.evidence[1].diagnosticity).toBeCloseTo(Math.sqrt(2 / 3), 12);
    // E3 values [2, -2, -1]: mean -1/3, (49 + 25 + 4) / 9 / 3 = 78/27.
    expect(a.evidence[2].diagnosticity).toBeCloseTo(Math.sqrt(78 / 27), 12);
  });

  it('a row rated the same for every hypothesis has diagnosticity 0 and never moves the ranking', () => {
    for (const rating of ['CC', 'C', 'N', 'I', 'II'] as const) {
      const c = makeCase(
        ['A', 'B', 'C'],
        [
          item('E1', 'high', 'high', { A: rating, B: rating, C: rating }),
          item('E2', 'medium', 'medium', { A: 'C', B: 'I', C: 'II' }),
        ],
      );
      const a = analyzeAch(load(c));
      expect(a.evidence[0].diagnosticity).toBe(0);
      expect(a.evidence[0].spread).toBe(0);
      expect(a.sensitivity.items[0].removal.changesOrder).toBe(false);
      expect(a.evidence[1].diagnosticity).toBeGreaterThan(0);
    }
  });

  it('ties share a rank; the display order breaks them by consistency, then case order', () => {
    const c = makeCase(
      ['A', 'B', 'C'],
      [
        item('E1', 'medium', 'medium', { A: 'N', B: 'C', C: 'I' }),
        item('E2', 'medium', 'medium', { A: 'C', B: 'CC', C: 'N' }),
      ],
    );
    const a = analyzeAch(load(c));
    // A: 0 inconsistent, consistency 1; B: 0, consistency 1 + 2 = 3; C: 1.
    expect(a.hypotheses.map((h) => h.rank)).toEqual([1, 1, 3]);
    expect(a.top).toEqual(['A', 'B']);
    expect(a.ranking).toEqual(['B', 'A', 'C']);
  });

  it('numeric credibility and relevance multiply (0.8 x 0.5 = 0.4)', () => {
    const c = makeCase(
      ['A', 'B'],
      [item('E1', 0.8, 0.5, { A: 'II', B: 'N' }), item('E2', 2, 0, { A: 'N', B: 'II' })],
    );
    const a = analyzeAch(load(c));
    expect(a.evidence[0].weight).toBeCloseTo(0.4, 15);
    // E2 has relevance 0: it cannot count against B.
    expect(a.hypotheses.map((h) => h.inconsistency)).toEqual([0.8, 0]);
    expect(a.ranking).toEqual(['B', 'A']);
  });
});

describe('ACH sensitivity', () => {
  // Weights: E1 high x high = 2.25, E2 medium x medium = 1, E3 low x low = 0.25.
  // A: E3 I 0.25 = 0.25.  B: E1 I 2.25 = 2.25.  A is on top.
  const c = makeCase(
    ['A', 'B'],
    [
      item('E1', 'high', 'high', { A: 'C', B: 'I' }),
      item('E2', 'medium', 'medium', { A: 'N', B: 'N' }),
      item('E3', 'low', 'low', { A: 'I', B: 'C' }),
    ],
  );

  it('finds the one item the conclusion hinges on', () => {
    const a = analyzeAch(load(c));
    expect(a.top).toEqual(['A']);
    // Without E1: A 0.25, B 0 -> B on top. Re-rating E1/B from I to N: B 0 -> B on top.
    // E2: A N->I gives A 1.25 < 2.25; B N->I gives B 3.25: no change. E3: A I->II gives 0.5 < 2.25.
    expect(a.sensitivity.topHingesOn).toEqual(['E1']);
    expect(a.sensitivity.topHingesOnRemoval).toEqual(['E1']);
    expect(a.sensitivity.orderHingesOn).toEqual(['E1']);
    // Runner-up B 2.25 minus top A 0.25.
    expect(a.sensitivity.margin).toBe(2);
    const e1 = a.sensitivity.items[0];
    expect(e1.removal).toMatchObject({ changesTop: true, changesOrder: true, top: ['B'], order: ['B', 'A'] });
    expect(e1.reratings.map((r) => [r.hypothesis, r.from, r.to, r.top])).toEqual([['B', 'I', 'N', ['B']]]);
    expect(a.sensitivity.items[1]).toMatchObject({
      removal: { changesTop: false, changesOrder: false },
      reratings: [],
    });
    expect(a.sensitivity.items[2].removal.changesTop).toBe(false);
    expect(a.sensitivity.items[2].reratings).toEqual([]);
  });

  it('a change that makes a tie is reported as a change of the top set', () => {
    // A: 1 (E1), B: 2 (E2). Re-rating E2/B from II to I gives B 1: a tie at the top.
    const tie = makeCase(
      ['A', 'B'],
      [
        item('E1', 'medium', 'medium', { A: 'I', B: 'N' }),
        item('E2', 'medium', 'medium', { A: 'N', B: 'II' }),
      ],
    );
    const a = analyzeAch(load(tie));
    const r = a.sensitivity.items[1].reratings.find((x) => x.hypothesis === 'B' && x.to === 'I');
    expect(r).toMatchObject({ changesTop: true, top: ['A', 'B'] });
  });

  it('order-only changes (below the top) are kept apart from top changes', () => {
    // A 0, B 1 (E1), C 1.5 (E2, weight 0.75 x 2). Removing E1 puts B (0) level with A: top change.
    // Removing E2 makes C 0: top change too. E3 (A C, B N, C I, weight 0.25): C 1.75; removing it
    // or re-rating it cannot reach A, and moving C between 1.5 and 2 never passes B (1): no change.
    const three = makeCase(
      ['A', 'B', 'C'],
      [
        item('E1', 'medium', 'medium', { A: 'N', B: 'I', C: 'N' }),
        item('E2', 'low', 'high', { A: 'N', B: 'N', C: 'II' }),
        item('E3', 'low', 'low', { A: 'C', B: 'N', C: 'I' }),
        item('E4', 'low', 'low', { A: 'N', B: 'N', C: 'N' }),
      ],
    );
    const a = analyzeAch(load(three));
    expect(a.hypotheses.map((h) => h.inconsistency)).toEqual([0, 1, 1.75]);
    expect(a.sensitivity.items[2].removal).toMatchObject({ changesTop: false, changesOrder: false });
    // E4: B N->I makes B 1.25 (still 2nd); C N->I makes C 2 (still 3rd); A N->I makes A 0.25.
    expect(a.sensitivity.items[3].reratings).toEqual([]);
    // E2: removing it leaves C 0.25 < B 1: an order change,
    // A still alone on top.
    expect(a.sensitivity.items[1].removal).toMatchObject({
      changesTop: false,
      changesOrder: true,
      order: ['A', 'C', 'B'],
    });
    expect(a.sensitivity.orderHingesOn).toContain('E2');
    expect(a.sensitivity.topHingesOn).not.toContain('E2');
  });
});

describe('ACH case files: errors with paths and lines', () => {
  const good = makeCase(
    ['H1', 'H2'],
    [item('E1', 'high', 'medium', { H1: 'C', H2: 'I' }), item('E2', 'low', 'low', { H1: 'N', H2: 'II' })],
  );
  const pretty = (value: unknown) => JSON.stringify(value, null, 2);

  it('formats paths the way analysts read them', () => {
    expect(formatAchPath(['evidence', 3, 'ratings', 'H2'])).toBe('evidence[3].ratings.H2');
    expect(formatAchPath(['evidence', 0, 'ratings', 'a b'])).toBe('evidence[0].ratings["a b"]');
    expect(formatAchPath([])).toBe('$');
  });

  it('a valid case loads and keeps its sources', () => {
    const c = load(good);
    expect(c.evidence.map((e) => e.sources.length)).toEqual([1, 1]);
  });

  it('unknown rating: code, path and line', () => {
    const bad = structuredClone(good) as unknown as { evidence: Array<{ ratings: Record<string, string> }> };
    bad.evidence[1].ratings.H2 = 'XX';
    const text = pretty(bad);
    expect(issuesOf(text)).toEqual([
      ['ACH_UNKNOWN_RATING', 'evidence[1].ratings.H2', lineOf(text, '"H2": "XX"')],
    ]);
    // Ratings are exact: lower case is not accepted either.
    bad.evidence[1].ratings.H2 = 'ii';
    expect(issuesOf(pretty(bad))[0][0]).toBe('ACH_UNKNOWN_RATING');
  });

  it('missing rating, rating for an unknown hypothesis, wrong type', () => {
    const bad = structuredClone(good) as unknown as { evidence: Array<{ ratings: Record<string, unknown> }> };
    delete bad.evidence[0].ratings.H2;
    bad.evidence[0].ratings.H9 = 'C';
    bad.evidence[1].ratings.H1 = 3;
    const text = pretty(bad);
    expect(issuesOf(text)).toEqual([
      ['ACH_UNKNOWN_HYPOTHESIS', 'evidence[0].ratings.H9', lineOf(text, '"H9"')],
      ['ACH_MISSING_RATING', 'evidence[0].ratings', lineOf(text, '"ratings"')],
      ['ACH_UNKNOWN_RATING', 'evidence[1].ratings.H1', lineOf(text, '"H1": 3')],
    ]);
  });

  it('duplicate ids', () => {
    const bad = structuredClone(good);
    bad.evidence[1].id = 'E1';
    bad.hypotheses.push({ id: 'H1', title: 'again' });
    for (const e of bad.evidence) e.ratings.H1 = 'N';
    const text = pretty(bad);
    const issues = issuesOf(text);
    expect(issues.map((i) => [i[0], i[1]])).toEqual([
      ['ACH_DUPLICATE_ID', 'hypotheses[2].id'],
      ['ACH_DUPLICATE_ID', 'evidence[1].id'],
    ]);
  });

  it('duplicate keys, which JSON.parse would silently merge', () => {
    const text = pretty(good).replace('"H1": "C",', '"H1": "C",\n        "H1": "II",');
    expect(issuesOf(text)).toEqual([
      ['ACH_DUPLICATE_KEY', 'evidence[0].ratings.H1', lineOf(text, '"H1": "II"')],
    ]);
  });

  it('schema problems: unknown fields (typos), missing sources, bad weights, bad schema tag', () => {
    const bad = structuredClone(good) as unknown as Record<string, unknown> & {
      evidence: Array<Record<string, unknown>>;
    };
    bad.evidence[0].credibilty = 'high';
    bad.evidence[1].sources = [];
    bad.evidence[1].relevance = 7;
    bad.schema = 'cairn.ach/99';
    const text = pretty(bad);
    const issues = issuesOf(text);
    expect(issues).toEqual(
      expect.arrayContaining([
        ['ACH_SCHEMA', 'schema', lineOf(text, '"schema"')],
        ['ACH_UNKNOWN_FIELD', 'evidence[0].credibilty', lineOf(text, '"credibilty"')],
        ['ACH_SCHEMA', 'evidence[1].sources', lineOf(text, '"sources": []')],
        ['ACH_SCHEMA', 'evidence[1].relevance', lineOf(text, '"relevance": 7')],
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('fewer than two hypotheses, no evidence', () => {
    const bad = { ...good, hypotheses: [good.hypotheses[0]], evidence: [] };
    expect(issuesOf(pretty(bad)).map((i) => [i[0], i[1]])).toEqual([
      ['ACH_SCHEMA', 'hypotheses'],
      ['ACH_SCHEMA', 'evidence'],
    ]);
  });

  it('bad JSON is reported with its line', () => {
    const text = pretty(good).replace('"title": "test case",', '"title": "test case",,');
    const issues = issuesOf(text);
    expect(issues[0][0]).toBe('ACH_BAD_JSON');
    // Node 20 reports the character position; the line is derived from it.
    if (issues[0][2] !== undefined) expect(issues[0][2]).toBe(lineOf(text, ',,'));
  });
});

describe('ACH case files: hostile input', () => {
  const base = makeCase(['H1', 'H2'], [item('E1', 'medium', 'medium', { H1: 'C', H2: 'I' })]);

  it('a file over the size limit is rejected before parsing', () => {
    const huge = ' '.repeat(ACH_LIMITS.bytes + 1);
    expect(issuesOf(huge)).toEqual([['ACH_TOO_LARGE', undefined, undefined]]);
    expect(issuesOf(new Uint8Array(ACH_LIMITS.bytes + 1))[0][0]).toBe('ACH_TOO_LARGE');
  });

  it('more evidence items than the limit', () => {
    const many = {
      ...base,
      evidence: Array.from({ length: ACH_LIMITS.evidence + 1 }, (_, i) => ({
        ...base.evidence[0],
        id: `E${i}`,
      })),
    };
    expect(issuesOf(JSON.stringify(many)).map((i) => [i[0], i[1]])).toEqual([['ACH_SCHEMA', 'evidence']]);
  });

  it('control characters and bidirectional overrides in text', () => {
    for (const evil of ['Sony\u001b[2J', 'a\u0000b', 'x\u202ey', 'tab\tin title']) {
      const bad = structuredClone(base);
      bad.hypotheses[0].title = evil;
      expect(issuesOf(JSON.stringify(bad)).map((i) => [i[0], i[1]])).toEqual([
        ['ACH_SCHEMA', 'hypotheses[0].title'],
      ]);
    }
    // Long text may hold newlines and tabs, not escapes.
    const ok = structuredClone(base);
    ok.evidence[0].description = 'line one\n\tline two';
    expect(parseAchCase(JSON.stringify(ok)).ok).toBe(true);
    ok.evidence[0].description = 'bell\u0007';
    expect(issuesOf(JSON.stringify(ok)).map((i) => i[1])).toEqual(['evidence[0].description']);
  });

  it('ids that are not plain names (markup, spaces, __proto__)', () => {
    const bad = structuredClone(base);
    bad.hypotheses[1].id = '<script>';
    expect(issuesOf(JSON.stringify(bad)).map((i) => [i[0], i[1]])).toContainEqual([
      'ACH_SCHEMA',
      'hypotheses[1].id',
    ]);
    const proto = JSON.stringify(base).replace('"H2":"I"', '"H2":"I","__proto__":"C"');
    expect(issuesOf(proto).map((i) => [i[0], i[1]])).toEqual([
      ['ACH_UNKNOWN_HYPOTHESIS', 'evidence[0].ratings.__proto__'],
    ]);
    expect(({} as Record<string, unknown>).C).toBeUndefined();
  });

  it('deep nesting, invalid UTF-8, not an object', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(['ACH_TOO_DEEP', 'ACH_BAD_JSON']).toContain(issuesOf(deep)[0][0]);
    const nested = JSON.stringify({
      ...base,
      description: undefined,
      extra: JSON.parse('['.repeat(40) + ']'.repeat(40)),
    });
    expect(issuesOf(nested)[0][0]).toBe('ACH_TOO_DEEP');
    expect(issuesOf(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).toEqual([
      ['ACH_BAD_ENCODING', undefined, undefined],
    ]);
    expect(issuesOf('[]')).toEqual([['ACH_SCHEMA', '$', 1]]);
    expect(issuesOf('null')[0][0]).toBe('ACH_SCHEMA');
  });

  it('UTF-8 bytes with a byte-order mark load', () => {
    const bytes = new TextEncoder().encode('\ufeff' + JSON.stringify(base));
    expect(parseAchCase(bytes).ok).toBe(true);
  });
});

describe('ACH case files: YAML adapter', () => {
  const base = makeCase(['H1', 'H2'], [item('E1', 'medium', 'medium', { H1: 'C', H2: 'I' })]);

  it('without a YAML parser, a .yaml file is a clear error', () => {
    expect(issuesOf('schema: cairn.ach/1\n', 'case.yaml')).toEqual([
      ['ACH_YAML_UNAVAILABLE', undefined, undefined],
    ]);
  });

  it('with a parser, values are validated and issues located through it', () => {
    const bad = structuredClone(base) as unknown as { evidence: Array<{ ratings: Record<string, string> }> };
    bad.evidence[0].ratings.H2 = 'maybe';
    // A stand-in parser: the value, and a locator that puts evidence[0].ratings.H2 at line 12.
    const text = 'x\n'.repeat(20);
    const yaml: YamlCaseParser = () => ({
      value: bad,
      errors: [],
      locate: (path) =>
        formatAchPath(path) === 'evidence[0].ratings.H2' ? text.indexOf('x', 22) : undefined,
    });
    const r = parseAchCase(text, { file: 'c.yml', yaml });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues.map((i) => [i.code, i.location.path, i.location.line])).toEqual([
        ['ACH_UNKNOWN_RATING', 'evidence[0].ratings.H2', 12],
      ]);
  });

  it('yamlParserFromModule maps the yaml package API: errors with offsets, node ranges, bounded aliases', () => {
    const calls: unknown[] = [];
    const module: YamlModuleLike = {
      parseDocument(text, options) {
        calls.push(options);
        return {
          errors: text.includes('!') ? [{ message: 'bad', pos: [4, 5] as const }] : [],
          toJS(o) {
            calls.push(o);
            return base;
          },
          getIn: (path) => ([...path].join('/') === 'evidence/0' ? { range: [7, 8, 9] } : undefined),
        };
      },
    };
    const parse = yamlParserFromModule(module);
    const ok = parse('fine');
    expect(ok.value).toBe(base);
    expect(ok.locate(['evidence', 0])).toBe(7);
    expect(ok.locate(['nothing'])).toBeUndefined();
    expect(calls).toEqual([{ uniqueKeys: true, prettyErrors: false }, { maxAliasCount: 100 }]);
    const r = parseAchCase('a\nb\n!', { file: 'c.yaml', yaml: parse });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => [i.code, i.location.line])).toEqual([['ACH_BAD_YAML', 3]]);
  });
});

// ACH on the bundled Sony Pictures 2014 case (issue 13 point 9): the analysis as of a date, groups
// of dependent items counted once, NA ratings, "hinges on" over diagnostic items only, and the
// warning for a hypothesis nothing could contradict. Every expectation is derived from the case
// file and a second analysis, none is a ranking written down by hand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SONY_CASE_FILE, achAnalyze } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { analyzeAch, evidenceWeight, parseAchCase, type AchCase } from '../src/intel/index.js';

const AS_OF = '2014-12-19';

function sony(): AchCase {
  const parsed = parseAchCase(readFileSync(SONY_CASE_FILE), { file: SONY_CASE_FILE });
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => i.message).join('; '));
  return parsed.achCase;
}

describe('ACH as of a date (Sony Pictures 2014)', () => {
  it('as of 2014-12-19 is the analysis of the items known then, the later ones named', () => {
    const achCase = sony();
    const later = achCase.evidence.filter((e) => e.date !== undefined && e.date > AS_OF).map((e) => e.id);
    expect(later.length).toBeGreaterThan(0);
    const asOf = analyzeAch(achCase, { asOf: AS_OF });
    expect(asOf.asOf).toBe(AS_OF);
    expect(asOf.hiddenEvidence).toEqual(later);
    const byHand = analyzeAch({
      ...achCase,
      evidence: achCase.evidence.filter((e) => !later.includes(e.id)),
    });
    expect(asOf.ranking).toEqual(byHand.ranking);
    expect(asOf.hypotheses).toEqual(byHand.hypotheses);
    expect(asOf.sensitivity).toEqual(byHand.sensitivity);
  });

  it('cairn ach --as-of prints the ranking then beside today, and --json carries both', async () => {
    const io = captureIo();
    expect(await runCli(['ach', SONY_CASE_FILE, '--as-of', AS_OF], io)).toBe(0);
    expect(io.out()).toContain(`Ranking as of ${AS_OF} beside today's`);
    const json = captureIo();
    expect(await runCli(['ach', SONY_CASE_FILE, '--as-of', AS_OF, '--json'], json)).toBe(0);
    const out = JSON.parse(json.out()) as { ranking: string[]; today: { ranking: string[] }; asOf: string };
    expect(out.asOf).toBe(AS_OF);
    expect(out.ranking).toEqual((await achAnalyze({ file: SONY_CASE_FILE, asOf: AS_OF })).ranking);
    expect(out.today.ranking).toEqual((await achAnalyze({ file: SONY_CASE_FILE })).ranking);
    const bad = captureIo();
    expect(await runCli(['ach', SONY_CASE_FILE, '--as-of', 'yesterday'], bad)).not.toBe(0);
    expect(bad.err()).toContain('ACH_BAD_OPTION');
  });
});

describe('ACH rules', () => {
  it('the three items of one FBI press release weigh together as one item', () => {
    const achCase = sony();
    const analysis = analyzeAch(achCase);
    const group = achCase.evidence.filter((e) => e.group !== undefined);
    expect(group.length).toBeGreaterThan(1);
    expect(new Set(group.map((e) => e.sources[0].title)).size).toBe(1);
    const rows = analysis.evidence.filter((r) => r.group === group[0].group);
    const sum = rows.reduce((s, r) => s + r.weight, 0);
    const mean = group.reduce((s, e) => s + evidenceWeight(e), 0) / group.length;
    expect(sum).toBeCloseTo(mean, 12);
    // Without the group, each counts whole: the group changes the scores.
    const ungrouped = analyzeAch({ ...achCase, evidence: achCase.evidence.map(({ group: _g, ...e }) => e) });
    expect(ungrouped.hypotheses.map((h) => h.inconsistency)).not.toEqual(
      analysis.hypotheses.map((h) => h.inconsistency),
    );
  });

  it('NA counts nothing, leaves diagnosticity to the hypotheses it applies to and is never re-rated', () => {
    const achCase = sony();
    const item = achCase.evidence.find((e) => Object.values(e.ratings).includes('I'))!;
    const [hypothesis] = Object.entries(item.ratings).find(([, r]) => r === 'I')!;
    const na = {
      ...achCase,
      evidence: achCase.evidence.map((e) =>
        e === item ? { ...e, ratings: { ...e.ratings, [hypothesis]: 'NA' as const } } : e,
      ),
    };
    const withNa = analyzeAch(na);
    const base = analyzeAch(achCase);
    const h = achCase.hypotheses.findIndex((x) => x.id === hypothesis);
    const row = base.evidence.find((r) => r.id === item.id)!;
    expect(withNa.hypotheses[h].inconsistency).toBeCloseTo(base.hypotheses[h].inconsistency - row.weight, 12);
    const values = Object.entries(item.ratings)
      .filter(([k]) => k !== hypothesis)
      .map(([, r]) => ({ CC: 2, C: 1, N: 0, I: -1, II: -2, NA: 0 })[r]);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    expect(withNa.evidence.find((r) => r.id === item.id)!.diagnosticity).toBeCloseTo(sd, 12);
    const sens = withNa.sensitivity.items.find((i) => i.evidence === item.id)!;
    expect(sens.reratings.some((r) => r.hypothesis === hypothesis)).toBe(false);
  });

  it('"hinges on" names diagnostic items only, though re-rating a flat item can move the order', () => {
    const analysis = analyzeAch(sony(), { asOf: AS_OF });
    const flat = analysis.evidence.filter((r) => r.diagnosticity === 0).map((r) => r.id);
    expect(flat.length).toBeGreaterThan(0);
    const movers = analysis.sensitivity.items.filter(
      (i) => flat.includes(i.evidence) && i.reratings.some((r) => r.changesOrder),
    );
    expect(movers.length).toBeGreaterThan(0);
    for (const id of [
      ...analysis.sensitivity.topHingesOn,
      ...analysis.sensitivity.orderHingesOn,
      ...analysis.sensitivity.topHingesOnRemoval,
    ])
      expect(flat).not.toContain(id);
  });

  it('a hypothesis with no inconsistent item is flagged: nothing could contradict it', () => {
    for (const analysis of [analyzeAch(sony()), analyzeAch(sony(), { asOf: AS_OF })]) {
      const zero = analysis.hypotheses.filter((h) => h.inconsistency === 0).map((h) => h.id);
      expect(analysis.warnings.map((w) => w.hypothesis)).toEqual(zero);
      for (const w of analysis.warnings) expect(w.code).toBe('uncontradicted');
    }
    expect(analyzeAch(sony(), { asOf: AS_OF }).warnings.length).toBeGreaterThan(0);
  });
});

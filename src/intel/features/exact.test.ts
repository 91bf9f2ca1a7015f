// The README's worked example of `exact`: the ESET 3CX MISP event against the bundled corpus.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCorpus, bundledIntelDir } from '../../../test/fixtures/bundled-intel.js';
import { FEATURE_WEIGHTS, rarity } from './feature.js';

describe('exact (rarity-weighted exact match)', () => {
  it("the 3CX Linux payload md5 is in ESET's Lazarus sample list: weight 1 × rarity 0.80", () => {
    const { graph, correlator } = bundledCorpus();
    const event = graph.cases.find((c) => c.name.startsWith('Linux malware strengthen links'))!;
    const ranking = correlator.rankActors(correlator.profileOfCase(event.id), {
      exclude: new Set([event.id]),
      ignoreLabels: true,
    });
    const lazarus = ranking[0];
    expect(lazarus.name).toBe('Lazarus Group');
    const md5 = lazarus.evidence.find(
      (e) => e.feature === 'exact' && e.value === 'cedb9cdbad254f60cfb215b9bff84fb9',
    )!;
    // 25 other units with indicators, the query counted: N = 26; the value in 1 other unit: df = 2.
    expect(md5.note).toBe('md5, in 1 other unit(s) of 25: rarity 0.80');
    expect(md5.contribution).toBe(FEATURE_WEIGHTS.type.md5 * rarity(26, 2));
    expect(md5.contribution.toFixed(3)).toBe('0.801');
    expect(md5.candidate).toEqual([{ file: 'iocs/eset/nukesped_lazarus/samples.md5', line: 540 }]);
    expect(
      readFileSync(path.join(bundledIntelDir, 'iocs/eset/nukesped_lazarus/samples.md5'), 'utf8').split(
        '\n',
      )[539],
    ).toContain('cedb9cdbad254f60cfb215b9bff84fb9');
    expect(md5.query[0].path).toBe('$.response[0].Event.Object[8].Attribute[3].value');
    // Twelve values the sample lists hold: the md5, sha1 and sha256 of four samples (the same
    // MISP object in the event, the same line of the three parallel lists). Each sample counts
    // once: its strongest form keeps the contribution, the others are shown with none.
    const exact = lazarus.evidence.filter((e) => e.feature === 'exact');
    expect(exact).toHaveLength(12);
    const samples = new Set(exact.map((e) => e.candidate[0].line));
    expect(samples.size).toBe(4);
    const counted = exact.filter((e) => e.contribution > 0);
    expect(counted).toHaveLength(samples.size);
    expect(new Set(counted.map((e) => e.candidate[0].line)).size).toBe(samples.size);
    for (const e of exact.filter((x) => x.contribution === 0))
      expect(e.note).toMatch(/; same observation as (md5|sha1|sha256) [0-9a-f]+ \(counted once\)$/);
    expect(lazarus.score).toBeCloseTo(
      lazarus.evidence.reduce((s, e) => s + e.contribution, 0),
      12,
    );
  });

  it('rarity: 1 for a value one unit holds, falling as more hold it', () => {
    expect(rarity(26, 1)).toBe(1);
    expect(rarity(26, 2)).toBeCloseTo(Math.log(14) / Math.log(27), 12);
    expect(rarity(26, 26)).toBeLessThan(rarity(26, 2));
    expect(rarity(1, 5)).toBe(1);
  });
});

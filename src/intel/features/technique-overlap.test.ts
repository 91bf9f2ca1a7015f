// The README's worked example of technique/software overlap: half of Lazarus Group's ATT&CK profile.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Correlator, EvidenceGraph, halfProfile, loadCorpus } from '../index.js';

const dataDir = path.resolve(import.meta.dirname, '../../../data/intel');
function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) =>
      statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)],
    );
}
describe('technique / software (idf-weighted cosine)', () => {
  it('half of G0032 (seed "eval") ranks Lazarus Group 1.18 against 0.27; T1574.013 adds 0.048', () => {
    const graph = new EvidenceGraph();
    const corpus = loadCorpus(
      graph,
      walk(dataDir).map((p) => ({ path: path.relative(dataDir, p), bytes: readFileSync(p) })),
    );
    const correlator = new Correlator(graph, { attack: corpus.attack, labels: corpus.labels });
    const query = halfProfile(corpus.attack.groups.get('G0032')!, 'eval');
    expect(query.techniques.size + query.software.size).toBe(60);
    const ranking = correlator.rankActors(query, { features: new Set(['ttp']) });
    expect(ranking.slice(0, 2).map((r) => [r.name, r.score.toFixed(2)])).toEqual([
      ['Lazarus Group', '1.18'],
      ['Volt Typhoon', '0.27'],
    ]);
    expect(ranking[0].evidence).toHaveLength(60);
    const rare = ranking[0].evidence.find((e) => e.value === 'T1574.013')!;
    expect(rare.note).toBe('used by 1 unit(s): idf 4.77');
    expect(rare.contribution.toFixed(3)).toBe('0.048');
    // idf = ln((1 + U) / (1 + df)) with df = 1: U units have techniques or software.
    const units = correlator.units.filter(
      (u) => u.profile.techniques.size + u.profile.software.size > 0,
    ).length;
    expect(rare.weight).toBeCloseTo(Math.log((1 + units) / 2), 12);
    // Every item is 2 × idf² / (‖query‖ · ‖actor‖): the same norm divides them all.
    const norms = ranking[0].evidence.map((e) => (2 * e.weight ** 2) / e.contribution);
    for (const n of norms) expect(n).toBeCloseTo(norms[0], 9);
  });
});

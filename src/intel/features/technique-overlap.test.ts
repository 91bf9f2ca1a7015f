// The README's worked example of technique/software overlap, and its rules on real ATT&CK data:
// revoked ids mapped through revoked-by, sub-techniques rolled up, prevalence as the weight, and
// no bias to groups with tiny profiles.
import { describe, expect, it } from 'vitest';
import { bundledCorpus } from '../../../test/fixtures/bundled-intel.js';
import type { AttackIndex } from '../attack.js';
import { emptyProfile, halfProfile } from '../index.js';
import { FEATURE_WEIGHTS } from './feature.js';
import { TTP_SUPPORT_HALF } from './technique-overlap.js';

const queryOf = (...ids: string[]) => {
  const p = emptyProfile('q', 'q');
  for (const id of ids) p.techniques.set(id, [{ file: 'query' }]);
  return p;
};

describe('technique / software', () => {
  const { correlator } = bundledCorpus();
  const attack = correlator.options.attack as AttackIndex;

  it('half of G0032 (seed "eval") ranks Lazarus Group first; a technique one unit uses weighs 1', () => {
    const query = halfProfile(attack.groups.get('G0032')!, 'eval');
    expect(query.techniques.size + query.software.size).toBe(60);
    const ranking = correlator.rankActors(query, { features: new Set(['ttp']) });
    expect(ranking[0].name).toBe('Lazarus Group');
    const rare = ranking[0].evidence.find((e) => e.value === 'T1574.013')!;
    expect(rare.weight).toBe(1);
    // contribution = 0.5 × weight × support, support = n / (n + 5) over the ids Lazarus holds.
    const n = Number(/holds (\d+) id/.exec(rare.note)![1]);
    expect(rare.contribution).toBeCloseTo(FEATURE_WEIGHTS.ttp * (n / (n + TTP_SUPPORT_HALF)), 12);
  });

  it('a technique half the groups use is worth little: weight (idf / idfMax)² < 0.05', () => {
    const groups = [...attack.groups.values()];
    const users = (t: string) => groups.filter((g) => g.techniques.has(t)).length;
    const common = [...attack.techniques.keys()]
      .map((t) => [t, users(t)] as const)
      .sort((a, b) => b[1] - a[1])[0];
    expect(common[1]).toBeGreaterThan(groups.length / 3);
    const item = correlator.rankActors(queryOf(common[0]), { features: new Set(['ttp']) })[0].evidence[0];
    expect(item.weight).toBeLessThan(0.05);
  });

  it('a group whose whole profile is one common technique never wins on it', () => {
    // Groups with a single ATT&CK id, found in the data, whose technique other groups use too.
    const tiny = [...attack.groups.values()].filter(
      (g) => g.techniques.size === 1 && g.software.size === 0 && g.campaigns.size === 0,
    );
    expect(tiny.length).toBeGreaterThan(0);
    for (const g of tiny) {
      const t = [...g.techniques][0];
      const others = [...attack.groups.values()].filter((o) => o !== g && o.techniques.has(t));
      if (others.length === 0) continue;
      const ranking = correlator.rankActors(queryOf(t), { features: new Set(['ttp']), limit: 500 });
      const node = correlator.directory.nodeOfFact(g.actor.id)!;
      expect(ranking[0].actorIndex, `${g.attackId} on ${t}`).not.toBe(node.index);
      const result = ranking.find((r) => r.actorIndex === node.index)!;
      expect(result.score).toBeLessThan(ranking[0].score);
    }
  });

  it('a revoked id is mapped through revoked-by; a sub-technique also counts as its parent', () => {
    // T1193 (Spearphishing Attachment) was revoked by T1566.001 in ATT&CK's own data.
    expect(attack.replacedBy.get('T1193')).toBe('T1566.001');
    const ranking = correlator.rankActors(queryOf('T1193'), { features: new Set(['ttp']), limit: 1 });
    const values = ranking[0].evidence.map((e) => e.value).sort();
    expect(values).toEqual(['T1566', 'T1566.001']);
    const sub = ranking[0].evidence.find((e) => e.value === 'T1566.001')!;
    expect(sub.note).toContain('T1193 revoked-by T1566.001 (ATT&CK)');
    const parent = ranking[0].evidence.find((e) => e.value === 'T1566')!;
    expect(parent.note).toContain('rolled up from T1566.001');
    // The parent is used by more units, so it weighs less than the sub-technique.
    expect(parent.weight).toBeLessThan(sub.weight);
  });

  it('three generic techniques do not attribute', async () => {
    const { attribute } = await import('../attribute.js');
    const result = attribute(correlator, queryOf('T1113', 'T1056.001', 'T1070.004'));
    expect(result.verdict).toBe('insufficient-evidence');
  });
});

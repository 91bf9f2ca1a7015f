// The README's worked example of `actor-name`: the 3CX event names Lazarus Group.
import { describe, expect, it } from 'vitest';
import { bundledCorpus } from '../../../test/fixtures/bundled-intel.js';
import { emptyProfile } from '../index.js';
import { FEATURE_WEIGHTS } from './feature.js';

describe('actor-name', () => {
  it('the ESET 3CX event names "Lazarus Group": +1.5, dropped with ignoreLabels', () => {
    const { graph, correlator } = bundledCorpus();
    const event = graph.cases.find((c) => c.name.startsWith('Linux malware strengthen links'))!;
    const profile = correlator.profileOfCase(event.id);
    const withLabel = correlator.rankActors(profile, { exclude: new Set([event.id]) });
    const name = withLabel[0].evidence.find((e) => e.feature === 'actor-name')!;
    expect(name).toMatchObject({
      value: 'Lazarus Group',
      candidateValue: 'Lazarus Group',
      weight: 1,
      contribution: FEATURE_WEIGHTS.actorName,
      note: 'the source names "Lazarus Group"',
      query: [{ file: 'misp-events/eset/nukesped_lazarus/lazarus_3cx.json', path: '$.response[0].Event' }],
    });
    const without = correlator.rankActors(profile, { exclude: new Set([event.id]), ignoreLabels: true });
    expect(withLabel[0].score - without[0].score).toBeCloseTo(1.5, 12);
    expect(withLabel[0].name).toBe('Lazarus Group');
  });

  it('a name two actors claim ("Andariel") gives each half', () => {
    const { correlator } = bundledCorpus();
    const query = emptyProfile('q', 'q');
    query.actorLabels.push({ name: 'Andariel', provenance: { file: 'q' } });
    const ranking = correlator.rankActors(query, { features: new Set(['names']) });
    expect(ranking.map((r) => r.name).sort()).toEqual(['Andariel', 'Lazarus Group']);
    for (const r of ranking) {
      expect(r.evidence[0].contribution).toBe(0.75);
      expect(r.evidence[0].note).toBe('the source names "Andariel", claimed by 2 actors');
    }
  });
});

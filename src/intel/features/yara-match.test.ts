/**
 * `yara` (features/yara-match.ts): the same yara-rule in the query and a unit, with the count of units
 * sharing it. Synthetic CSV cases built here (values made up for the test, named as such).
 */
import { describe, expect, it } from 'vitest';
import { Correlator } from '../correlate.js';
import { importIndicatorList } from '../csv.js';
import { EvidenceGraph } from '../graph.js';
import { FEATURE_WEIGHTS, rarity } from './feature.js';

function similar(corpus: Record<string, string>, queryCsv: string) {
  const graph = new EvidenceGraph();
  for (const [file, csv] of Object.entries(corpus)) importIndicatorList(graph, csv, { file });
  importIndicatorList(graph, queryCsv, { file: 'query.csv' });
  const query = graph.cases.find((c) => c.provenance.file === 'query.csv')!;
  const correlator = new Correlator(graph, { excludeCases: new Set([query.id]) });
  return correlator.similarUnits(correlator.profileOfCase(query.id));
}

describe('yara (YaraRuleMatch)', () => {
  it('credits every unit holding the value, saying how many units share it', () => {
    const result = similar(
      {
        'a.csv': 'type,value\nyara-rule,Lazarus_Destover_Wiper\nmd5,00000000000000000000000000000001\n',
        'b.csv': 'type,value\nyara-rule,Lazarus_Destover_Wiper\n',
        'c.csv': 'type,value\nyara-rule,Generic_UPX_Packed\n',
      },
      'type,value\nyara-rule,Lazarus_Destover_Wiper\n',
    );
    expect(result.map((s) => s.name).sort()).toEqual(['a', 'b']);
    for (const s of result) {
      expect(s.evidence).toHaveLength(1);
      // N = 3 corpus units with indicators and the query; df = a, b and the query.
      const weight = FEATURE_WEIGHTS.type['yara-rule'] * rarity(4, 3);
      expect(s.evidence[0]).toMatchObject({
        feature: 'yara',
        type: 'yara-rule',
        value: 'Lazarus_Destover_Wiper',
        note: `same YARA rule match, shared by 3 of 4 unit(s) (the query counted): rarity ${rarity(4, 3).toFixed(2)}`,
        candidate: [{ line: 2 }],
      });
      expect(s.evidence[0].weight).toBeCloseTo(weight, 12);
      expect(s.evidence[0].contribution).toBeCloseTo(weight, 12);
    }
  });

  it('is not also counted as an exact match', () => {
    const [only] = similar(
      { 'a.csv': 'type,value\nyara-rule,Lazarus_Destover_Wiper\n' },
      'type,value\nyara-rule,Lazarus_Destover_Wiper\n',
    );
    expect(only.evidence.map((e) => e.feature)).toEqual(['yara']);
  });
});

/**
 * The build-trait features (features/imphash.ts, rich-header.ts, yara-match.ts over
 * trait-equality.ts): the same trait value in the query and a unit, with the count of units sharing
 * it. Synthetic CSV cases built here (values made up for the test, named as such).
 */
import { describe, expect, it } from 'vitest';
import { Correlator } from '../correlate.js';
import { importIndicatorList } from '../csv.js';
import { EvidenceGraph } from '../graph.js';
import type { IndicatorType } from '../model.js';
import { FEATURE_WEIGHTS, rarity, type FeatureKind } from './feature.js';

function similar(corpus: Record<string, string>, queryCsv: string) {
  const graph = new EvidenceGraph();
  for (const [file, csv] of Object.entries(corpus)) importIndicatorList(graph, csv, { file });
  importIndicatorList(graph, queryCsv, { file: 'query.csv' });
  const query = graph.cases.find((c) => c.provenance.file === 'query.csv')!;
  const correlator = new Correlator(graph, { excludeCases: new Set([query.id]) });
  return correlator.similarUnits(correlator.profileOfCase(query.id));
}

interface TraitCase {
  feature: FeatureKind;
  type: IndicatorType;
  words: string;
  shared: string;
  other: string;
}

const TRAITS: TraitCase[] = [
  {
    feature: 'imphash',
    type: 'imphash',
    words: 'same imphash',
    shared: 'd41d8cd98f00b204e9800998ecf8427e',
    other: '0123456789abcdef0123456789abcdef',
  },
  {
    feature: 'rich-header',
    type: 'rich-header',
    words: 'same Rich header hash',
    shared: '8f14e45fceea167a5a36dedd4bea2543',
    other: 'c9f0f895fb98ab9159f51fd0297e236d',
  },
  {
    feature: 'yara',
    type: 'yara-rule',
    words: 'same YARA rule match',
    shared: 'Lazarus_Destover_Wiper',
    other: 'Generic_UPX_Packed',
  },
];

describe.each(TRAITS)('$feature ($type)', ({ feature, type, words, shared, other }) => {
  const row = (value: string) => `${type},${value}\n`;

  it('credits every unit holding the value, saying how many units share it', () => {
    const result = similar(
      {
        'a.csv': `type,value\n${row(shared)}md5,00000000000000000000000000000001\n`,
        'b.csv': `type,value\n${row(shared)}`,
        'c.csv': `type,value\n${row(other)}`,
      },
      `type,value\n${row(shared)}`,
    );
    expect(result.map((s) => s.name).sort()).toEqual(['a', 'b']);
    for (const s of result) {
      expect(s.evidence).toHaveLength(1);
      // N = 3 corpus units with indicators and the query; df = a, b and the query.
      const weight = FEATURE_WEIGHTS.type[type] * rarity(4, 3);
      expect(s.evidence[0]).toMatchObject({
        feature,
        type,
        value: shared,
        note: `${words}, shared by 3 of 4 unit(s) (the query counted): rarity ${rarity(4, 3).toFixed(2)}`,
        candidate: [{ line: 2 }],
      });
      expect(s.evidence[0].weight).toBeCloseTo(weight, 12);
      expect(s.evidence[0].contribution).toBeCloseTo(weight, 12);
    }
  });

  it('is not also counted as an exact match', () => {
    const [only] = similar({ 'a.csv': `type,value\n${row(shared)}` }, `type,value\n${row(shared)}`);
    expect(only.evidence.map((e) => e.feature)).toEqual([feature]);
  });
});

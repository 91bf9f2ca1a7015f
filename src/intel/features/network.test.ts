// The README's worked example of same-prefix proximity: Unit 42's APT33 and DarkHydrus lists.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCorpus, bundledIntelDir } from '../../../test/fixtures/bundled-intel.js';
import { Correlator, EvidenceGraph, importIndicatorList } from '../index.js';
import { FEATURE_WEIGHTS, rarity } from './feature.js';

describe('same-block / same-origin-as / same-country (network proximity)', () => {
  it('APT33 195.154.41.72 and DarkHydrus 195.154.41.150 share 195.154.41.0/24: 0.25 × rarity 0.80', () => {
    const { graph, correlator } = bundledCorpus();
    const apt33 = graph.cases.find(
      (c) => c.provenance.file === 'iocs/unit42/iran_linked_operators/APT33.csv',
    )!;
    const similar = correlator.similarUnits(correlator.profileOfCase(apt33.id), {
      exclude: new Set([apt33.id]),
      limit: 100,
    });
    const darkHydrus = similar.find((s) => s.name === 'DarkHydrus')!;
    const near = darkHydrus.evidence.filter((e) => e.feature === 'same-block');
    expect(near).toHaveLength(1);
    expect(near[0]).toMatchObject({
      value: '195.154.41.72',
      candidateValue: '195.154.41.150',
      note: '195.154.41.0/24, in 1 unit(s): rarity 0.80',
      query: [{ file: 'iocs/unit42/iran_linked_operators/APT33.csv', line: 46 }],
      candidate: [{ file: 'iocs/unit42/iran_linked_operators/DarkHydrus.csv', line: 56 }],
    });
    expect(near[0].contribution).toBe(FEATURE_WEIGHTS.sameBlock * rarity(26, 2));
    expect(near[0].contribution.toFixed(3)).toBe('0.200');
    // The lists write addresses defanged; the importer refangs them.
    for (const [file, line, ip] of [
      ['APT33.csv', 46, '195[.]154[.]41[.]72'],
      ['DarkHydrus.csv', 56, '195.154.41[.]150'],
    ] as const)
      expect(
        readFileSync(path.join(bundledIntelDir, 'iocs/unit42/iran_linked_operators', file), 'utf8').split(
          '\n',
        )[line - 1],
      ).toContain(ip);
  });

  it('an exact match is not also proximity, and private space is near nothing', () => {
    const graph = new EvidenceGraph();
    importIndicatorList(graph, 'type,value\nipv4,203.0.113.7\nipv4,10.1.1.1\n', { file: 'a.csv' });
    importIndicatorList(graph, 'type,value\nipv4,203.0.113.7\nipv4,10.1.1.2\n', { file: 'b.csv' });
    const correlator = new Correlator(graph);
    const a = graph.cases.find((c) => c.provenance.file === 'a.csv')!;
    const [b] = correlator.similarUnits(correlator.profileOfCase(a.id), { exclude: new Set([a.id]) });
    expect(b.evidence.map((e) => [e.feature, e.value])).toEqual([['exact', '203.0.113.7']]);
  });
});

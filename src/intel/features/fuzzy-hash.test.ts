// The README's worked example of fuzzy-hash similarity, on the reference tool's own vectors
// (data/fuzzy/ssdeep: digests and cross scores made with ssdeep 2.14.1): an edited file is linked
// to the case holding the original with the score ssdeep itself gives the pair.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Correlator, EvidenceGraph, importIndicatorList } from '../index.js';
import { FEATURE_WEIGHTS, SSDEEP_MIN_SCORE } from './index.js';

const FUZZY = path.resolve(import.meta.dirname, '../../../data/fuzzy/ssdeep');

/** `digest,"file"` lines of an ssdeep output, by file. */
function digests(file: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync(path.join(FUZZY, file), 'utf8').split('\n').slice(1)) {
    const match = /^([^,]+),"(.+)"$/.exec(line.trim());
    if (match) map.set(match[2], match[1]);
  }
  return map;
}

/** ssdeep's score of a variant against an original (ssdeep -m output as CSV). */
function referenceScore(variant: string, original: string): number {
  for (const line of readFileSync(
    path.join(FUZZY, 'ssdeep-2.14.1.variants_vs_example_data.csv'),
    'utf8',
  ).split('\n')) {
    const match = /^"(.+)","(.+)",(\d+)$/.exec(line.trim());
    if (match && match[1] === variant && match[2] === original) return Number(match[3]);
  }
  throw new Error(`no reference score for ${variant}`);
}

function similar(corpusCsv: string, queryCsv: string) {
  const graph = new EvidenceGraph();
  importIndicatorList(graph, corpusCsv, { file: 'earlier-case.csv' });
  importIndicatorList(graph, queryCsv, { file: 'query.csv' });
  const query = graph.cases.find((c) => c.provenance.file === 'query.csv')!;
  const correlator = new Correlator(graph, { excludeCases: new Set([query.id]) });
  return correlator.similarUnits(correlator.profileOfCase(query.id));
}

describe('ssdeep / tlsh (fuzzy-hash similarity)', () => {
  it('0Alice.txt.plus ~ 0Alice.txt: ssdeep score 66, contribution 0.8 × 0.66', () => {
    const original = digests('ssdeep-2.14.1.example_data.txt').get('example_data/0Alice.txt')!;
    const variant = digests('ssdeep-2.14.1.example_data_variants.txt').get(
      'example_data_variants/0Alice.txt.plus',
    )!;
    const score = referenceScore('example_data_variants/0Alice.txt.plus', 'example_data/0Alice.txt');
    expect(score).toBe(66);
    const [earlier] = similar(`type,value\nssdeep,${original}\n`, `type,value\nssdeep,${variant}\n`);
    expect(earlier.name).toBe('earlier-case');
    expect(earlier.evidence).toHaveLength(1);
    expect(earlier.evidence[0]).toMatchObject({
      feature: 'ssdeep',
      value: variant,
      candidateValue: original,
      note: 'ssdeep score 66; 1 of 2 unit(s) hold a digest this near',
      candidate: [{ file: 'earlier-case.csv', line: 2 }],
    });
    expect(earlier.evidence[0].contribution).toBe(FEATURE_WEIGHTS.fuzzy * 0.66);
    expect(earlier.evidence[0].contribution.toFixed(3)).toBe('0.528');
  });

  it('a pair ssdeep scores below 50 is no evidence; the same digest is exact, not fuzzy', () => {
    const original = digests('ssdeep-2.14.1.example_data.txt').get('example_data/0Alice.txt')!;
    const variant = digests('ssdeep-2.14.1.example_data_variants.txt').get(
      'example_data_variants/021106_yossivassa.txt.fmt',
    )!;
    expect(
      referenceScore('example_data_variants/021106_yossivassa.txt.fmt', 'example_data/0Alice.txt'),
    ).toBeLessThan(SSDEEP_MIN_SCORE);
    expect(similar(`type,value\nssdeep,${original}\n`, `type,value\nssdeep,${variant}\n`)).toEqual([]);
    const [same] = similar(`type,value\nssdeep,${original}\n`, `type,value\nssdeep,${original}\n`);
    expect(same.evidence.map((e) => e.feature)).toEqual(['exact']);
  });
});

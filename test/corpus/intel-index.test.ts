// The evidence index over the whole shared corpus (issue 13 point 10): the corpus written as the
// index and read back attributes every case exactly as the corpus imported fresh, so a store's
// prebuilt index can stand in for the import. Reads $CAIRN_CORPUS or ../shared/data (intel/,
// cases/ left out as the bench leaves them out: the Sony case copies list lines).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Correlator,
  EvidenceGraph,
  attribute,
  enrichIndicators,
  importIndicatorList,
  loadCorpus,
  readCorpusIndex,
  writeCorpusIndex,
  type LoadedCorpus,
} from '../../src/intel/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const intelDir = path.join(process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data'), 'intel');
const walk = (d: string): string[] =>
  readdirSync(d)
    .sort()
    .flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : [path.join(d, f)]));

function correlatorOf(graph: EvidenceGraph, corpus: LoadedCorpus, exclude?: string): Correlator {
  return new Correlator(graph, {
    attack: corpus.attack,
    labels: corpus.labels,
    reliability: corpus.reliability,
    warninglists: corpus.warninglists,
    yaraRules: corpus.yaraRules,
    enrichment: enrichIndicators(graph.indicators, {}).ips,
    ...(exclude !== undefined ? { excludeCases: new Set([exclude]) } : {}),
  });
}

describe.skipIf(!existsSync(intelDir))('the evidence index over the shared corpus', () => {
  it('attributes every sampled case and the Sony case as the fresh import does', () => {
    const files = walk(intelDir)
      .filter((p) => !path.relative(intelDir, p).startsWith('cases/'))
      .map((p) => ({ path: path.relative(intelDir, p), bytes: readFileSync(p) }));
    const fresh = new EvidenceGraph();
    const corpus = loadCorpus(fresh, files);
    const read = readCorpusIndex(writeCorpusIndex(fresh, corpus));
    expect(read.graph.counts()).toEqual(fresh.counts());
    const a = correlatorOf(fresh, corpus);
    const b = correlatorOf(read.graph, read.corpus);
    expect(b.units.length).toBe(a.units.length);
    // Every 25th case that is a unit, in corpus order, each left out of its own ranking.
    const cases = fresh.cases.filter((c) => a.unitOf(c.id) !== undefined).filter((_, i) => i % 25 === 0);
    expect(cases.length).toBeGreaterThanOrEqual(40);
    let ranked = 0;
    for (const c of cases) {
      const options = { exclude: new Set([c.id]) };
      const expected = attribute(a, a.profileOfCase(c.id), options);
      if (expected.candidates.length > 0) ranked++;
      expect(attribute(b, b.profileOfCase(c.id), options)).toEqual(expected);
    }
    expect(ranked).toBeGreaterThanOrEqual(10);
    // A case file outside the corpus imported into each graph as the query (ranked or not, the same).
    const file = 'cases/sony-pictures-2014-destover.csv';
    const answers = [fresh, read.graph].map((graph, i) => {
      importIndicatorList(graph, readFileSync(path.join(intelDir, file)), { file });
      const sony = graph.cases.find((c) => c.provenance.file === file)!;
      const correlator = correlatorOf(graph, i === 0 ? corpus : read.corpus, sony.id);
      return attribute(correlator, correlator.profileOfCase(sony.id), { exclude: new Set([sony.id]) });
    });
    expect(answers[1]).toEqual(answers[0]);
  }, 900_000);
});

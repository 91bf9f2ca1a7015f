// Issue 13 point 7: a candidate value's own first sighting (MISP first_seen, STIX valid_from)
// places it in time; a value first seen years after the case weighs less, by lateFactor, and the
// note says so. Real data: the ESET 3CX MISP event, whose attributes carry first_seen.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEL_CORPUS } from '../src/app/index.js';
import { listCorpusFiles } from '../src/app/intel.js';
import {
  Correlator,
  EvidenceGraph,
  addIndicators,
  emptyProfile,
  lateFactor,
  loadCorpus,
} from '../src/intel/index.js';

describe('first seen of a candidate value', () => {
  it('a 3CX value first seen three years after the query case weighs lateFactor less', () => {
    const graph = new EvidenceGraph();
    const files = listCorpusFiles(DEFAULT_INTEL_CORPUS).map((f) => ({
      path: f.path,
      bytes: readFileSync(f.full),
    }));
    const corpus = loadCorpus(graph, files);
    const correlator = new Correlator(graph, {
      attack: corpus.attack,
      labels: corpus.labels,
      reliability: corpus.reliability,
      warninglists: corpus.warninglists,
    });
    const seen = graph.indicators.find(
      (i) =>
        i.firstSeen !== undefined &&
        i.provenance.file.endsWith('lazarus_3cx.json') &&
        i.type !== 'attack-technique',
    )!;
    expect(seen).toBeDefined();
    const threeCx = seen.caseIds[0];
    const theCase = graph.getAs('case', threeCx)!;
    // The case's own date differs from the value's first sighting: the value's date is the one used.
    expect(theCase.date).not.toBe(seen.firstSeen);
    const itemOf = (date: string | undefined) => {
      const query = emptyProfile('query', 'query');
      addIndicators(query, [seen]);
      if (date !== undefined) query.date = date;
      const unit = correlator.similarUnits(query, { limit: 1000 }).find((s) => s.id === threeCx)!;
      return unit.evidence.find((e) => e.feature === 'exact' && e.value === seen.value)!;
    };
    const undated = itemOf(undefined);
    const caseDate = new Date(Date.parse(seen.firstSeen!) - 3 * 365.25 * 86_400_000).toISOString();
    const late = lateFactor(caseDate, seen.firstSeen)!;
    const dated = itemOf(caseDate);
    expect(dated.contribution).toBeCloseTo(undated.contribution * late.factor, 12);
    expect(dated.note).toContain(`first seen ${late.years.toFixed(1)} years after the case`);
    // Seen before the case: no decay.
    const before = itemOf(new Date(Date.parse(seen.firstSeen!) + 86_400_000).toISOString());
    expect(before.contribution).toBeCloseTo(undated.contribution, 12);
  });
});

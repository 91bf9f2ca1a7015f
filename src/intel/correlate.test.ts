// Correlation, attribution and evaluation on the bundled corpus (data/intel).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTRIBUTION_THRESHOLDS,
  MAX_SINGLE_OBSERVATION,
  Correlator,
  EvidenceGraph,
  attribute,
  calibrate,
  commonInfrastructure,
  groupReidentification,
  halfProfile,
  importIndicatorList,
  leaveOneOut,
  loadCorpus,
  randomHalf,
} from './index.js';
import type { LoadedCorpus } from './index.js';

const dataDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/intel');
function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}
function corpusFiles() {
  return walk(dataDir).map((p) => ({ path: path.relative(dataDir, p), bytes: readFileSync(p) }));
}

let graph: EvidenceGraph;
let corpus: LoadedCorpus;
let correlator: Correlator;
beforeAll(() => {
  graph = new EvidenceGraph();
  corpus = loadCorpus(graph, corpusFiles());
  correlator = new Correlator(graph, { attack: corpus.attack, labels: corpus.labels });
});

describe('attribution on the bundled corpus', () => {
  it('the ESET 3CX MISP event attributes to Lazarus Group without its own label, evidence listed', () => {
    const event = graph.cases.find((c) => c.name.startsWith('Linux malware strengthen links'))!;
    expect(event.actorLabels).toEqual(['Lazarus Group']);
    const result = attribute(correlator, correlator.profileOfCase(event.id), {
      exclude: new Set([event.id]),
      ignoreLabels: true,
    });
    expect(result.verdict).toBe('attributed');
    const top = result.candidates[0];
    expect(top.actor).toBe('Lazarus Group');
    expect(top.id).toBe('G0032');
    expect(top.aliases).toEqual(expect.arrayContaining(['HIDDEN COBRA', 'ZINC']));
    expect(top.confidence).toBeGreaterThan(result.candidates[1]?.confidence ?? 0);
    // The evidence: ESET's own Lazarus sample lists hold the 3CX Linux payload hashes.
    const exact = top.evidence.filter((e) => e.feature === 'exact');
    expect(exact.length).toBeGreaterThanOrEqual(4);
    const md5 = exact.find((e) => e.value === 'cedb9cdbad254f60cfb215b9bff84fb9')!;
    expect(md5.candidate[0].file).toBe('iocs/eset/nukesped_lazarus/samples.md5');
    expect(readFileSync(path.join(dataDir, 'iocs/eset/nukesped_lazarus/samples.md5'), 'utf8')).toContain(
      'cedb9cdbad254f60cfb215b9bff84fb9',
    );
    expect(md5.query[0].file).toBe('misp-events/eset/nukesped_lazarus/lazarus_3cx.json');
    expect(md5.query[0].path).toMatch(/^\$\.response\[0\]\.Event\.Object\[\d+\]\.Attribute\[\d+\]/);
    // Every score is the sum of its evidence.
    for (const c of result.candidates)
      expect(c.score).toBeCloseTo(
        c.evidence.reduce((s, e) => s + e.contribution, 0),
        9,
      );
  });

  it('with its label, the stated actor is one more (alias-aware) evidence item', () => {
    const event = graph.cases.find((c) => c.name.startsWith('Linux malware strengthen links'))!;
    const withLabel = correlator.rankActors(correlator.profileOfCase(event.id), {
      exclude: new Set([event.id]),
    });
    const name = withLabel[0].evidence.find((e) => e.feature === 'actor-name')!;
    expect(name.value).toBe('Lazarus Group');
    expect(name.contribution).toBeGreaterThan(0);
  });

  it('a shared public resolver contributes less than a shared rare IP', () => {
    const g = new EvidenceGraph();
    const l = loadCorpus(g, corpusFiles());
    // A real TeleBots C2 address (ESET MISP event) next to Google's resolver, in two new cases.
    const telebots = g.cases.find((c) => c.name.includes('TeleBots'))!;
    const rareIp = g.indicatorsOfCase(telebots.id).find((i) => i.type === 'ipv4')!.value;
    importIndicatorList(g, `type,value\nipv4,8.8.8.8\nipv4,${rareIp}\n`, { file: 'a.csv' });
    importIndicatorList(g, `type,value\nipv4,8.8.8.8\nipv4,${rareIp}\n`, { file: 'b.csv' });
    const c = new Correlator(g, { attack: l.attack, labels: l.labels });
    const a = g.cases.find((x) => x.provenance.file === 'a.csv')!;
    const sims = c.similarUnits(c.profileOfCase(a.id), { exclude: new Set([a.id]) });
    const b = sims.find((s) => s.name === 'b')!;
    const resolver = b.evidence.find((e) => e.value === '8.8.8.8')!;
    const rare = b.evidence.find((e) => e.value === rareIp)!;
    expect(commonInfrastructure('ipv4', '8.8.8.8')?.reason).toBe('public-resolver');
    expect(resolver.note).toContain('public-resolver');
    expect(resolver.contribution).toBeLessThan(rare.contribution / 10);
    // The TeleBots event holds the rare IP too, and is found through it.
    expect(sims.some((s) => s.id === telebots.id)).toBe(true);
    // Private space counts for nothing.
    expect(commonInfrastructure('ipv4', '192.168.1.10')?.factor).toBe(0);
    expect(commonInfrastructure('ipv4', '175.45.178.1')).toBeUndefined();
  });

  it('insufficient evidence for one common value; one rare value is at most leaning', () => {
    for (const value of ['8.8.8.8', 'cedb9cdbad254f60cfb215b9bff84fb9']) {
      const g = new EvidenceGraph();
      const l = loadCorpus(g, corpusFiles());
      importIndicatorList(g, `type,value\n${value.includes('.') ? 'ipv4' : 'md5'},${value}\n`, {
        file: 'q.csv',
      });
      const q = g.cases.find((x) => x.provenance.file === 'q.csv')!;
      const c = new Correlator(g, { attack: l.attack, labels: l.labels, excludeCases: new Set([q.id]) });
      const result = attribute(c, c.profileOfCase(q.id));
      if (value.includes('.')) {
        expect(result.verdict).toBe('insufficient-evidence');
        expect(result.candidates).toEqual([]);
      } else {
        // The hash is Lazarus's, and the ranking says so, but one observation is never more than
        // moderate: at most leaning, its confidence capped.
        expect(result.verdict).toBe('leaning');
        expect(result.candidates[0].actor).toBe('Lazarus Group');
        expect(result.candidates[0].confidence).toBeLessThanOrEqual(MAX_SINGLE_OBSERVATION);
        expect(result.reason).toContain(`< ${ATTRIBUTION_THRESHOLDS.minEvidenceItems}`);
      }
    }
  });

  it.each(['G0032', 'G0007', 'G0016', 'G0034', 'G0096', 'G0049'])(
    'a half-technique profile of %s ranks that group first',
    (gid) => {
      const group = corpus.attack.groups.get(gid)!;
      const q = halfProfile(group, 'test');
      expect(q.techniques.size + q.software.size).toBe(
        Math.ceil((group.techniques.size + group.software.size) / 2),
      );
      const ranking = correlator.rankActors(q, { features: new Set(['ttp']) });
      expect(ranking[0].id).toBe(gid);
      expect(ranking[0].evidence.every((e) => e.feature === 'technique' || e.feature === 'software')).toBe(
        true,
      );
    },
  );
});

describe('calibration and evaluation', () => {
  it('calibrate gives probabilities that sum to one with "none of these"', () => {
    const { probabilities, none } = calibrate([3, 1, 0.2]);
    expect(probabilities[0]).toBeGreaterThan(probabilities[1]);
    expect(probabilities.reduce((a, b) => a + b, 0) + none).toBeCloseTo(1, 12);
    expect(calibrate([]).none).toBe(1);
  });

  it('randomHalf is deterministic and a half', () => {
    const items = Array.from({ length: 21 }, (_, i) => `T${1000 + i}`);
    expect(randomHalf(items, 's')).toEqual(randomHalf([...items].reverse(), 's'));
    expect(randomHalf(items, 's').length).toBe(11);
    expect(randomHalf(items, 's')).not.toEqual(randomHalf(items, 't'));
  });

  it('leave-one-out and group re-identification run and give sane metrics', () => {
    const loo = leaveOneOut(correlator);
    const reid = groupReidentification(correlator, 'test');
    // Labelled cases: 11 MISP events, 5 Unit 42 lists and 3 ESET sample lists labelled directly
    // (galaxy tag, cairn-labels), plus the cases whose title alone names an actor.
    const labelled = correlator.units.filter((u) => u.kind === 'case' && u.actors.length > 0);
    expect(
      labelled.filter((u) => u.labels.some((l) => /^(cairn-labels|the source)/.test(l.how))).length,
    ).toBe(19);
    expect(loo.metrics.n).toBe(labelled.length);
    expect(reid.metrics.n).toBe(
      [...corpus.attack.groups.values()].filter((g) => g.techniques.size + g.software.size >= 10).length,
    );
    for (const m of [loo.metrics, reid.metrics]) {
      expect(m.top3).toBeGreaterThanOrEqual(m.top1);
      expect(m.brier).toBeGreaterThanOrEqual(0);
      expect(m.brier).toBeLessThanOrEqual(1);
      expect(m.reliability.reduce((s, b) => s + b.n, 0)).toBe(m.n);
      expect(m.attributedAccuracy).toBeGreaterThanOrEqual(0);
    }
    // The hidden 3CX event is among the leave-one-out queries and is re-attributed.
    const q = loo.queries.find((x) => x.name.startsWith('Linux malware'))!;
    expect(q.rank).toBe(1);
    // Brier recomputed independently from the queries.
    const brier =
      reid.queries.reduce((s, x) => s + (x.confidence - (x.rank === 1 ? 1 : 0)) ** 2, 0) /
      reid.queries.length;
    expect(reid.metrics.brier).toBeCloseTo(brier, 12);
  });
});

// Labels from the data, wherever it sits (issue 13 points 1 and 2), on the whole shared corpus:
// the same files given as one --corpus folder or as several give the same attribution; each
// labelled line of a list is its own case; titles resolve to actors through the corpus's names.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { intelAttribute } from '../../src/app/intel.js';
import { Correlator, EvidenceGraph, emptyProfile, indicatorKey, loadCorpus } from '../../src/intel/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const intelDir = path.join(process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data'), 'intel');
const walk = (d: string): string[] =>
  readdirSync(d)
    .sort()
    .flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : [path.join(d, f)]));
const threeCx = path.join(intelDir, 'misp-events/eset/nukesped_lazarus/lazarus_3cx.json');
// Everything but the derived Sony case (its values are copies of the lists' lines).
const folders = readdirSync(intelDir)
  .filter((f) => f !== 'cases' && statSync(path.join(intelDir, f)).isDirectory())
  .map((f) => path.join(intelDir, f));

describe('labels do not depend on how the corpus is passed', () => {
  it('the 3CX event against the corpus given as its folders, or as deeper folders and files', async () => {
    const deeper = folders.flatMap((f) =>
      path.basename(f) === 'iocs' ? readdirSync(f).map((g) => path.join(f, g)) : [f],
    );
    const a = await intelAttribute({ case: threeCx, corpus: folders, ignoreLabels: true });
    const b = await intelAttribute({ case: threeCx, corpus: deeper, ignoreLabels: true });
    const key = (r: typeof a) =>
      r.result.candidates.map((c) => [c.actor, c.confidence, c.score, c.evidence.length]);
    expect(a.result.candidates.length).toBeGreaterThan(0);
    expect(key(b)).toEqual(key(a));
    expect(b.result.verdict).toBe(a.result.verdict);
  }, 900_000);
});

describe('each labelled line of a list is its own case, its title resolved', () => {
  let graph: EvidenceGraph;
  let correlator: Correlator;
  beforeAll(() => {
    graph = new EvidenceGraph();
    const files = folders
      .flatMap(walk)
      .map((p) => ({ path: path.relative(intelDir, p), bytes: readFileSync(p) }));
    const corpus = loadCorpus(graph, files);
    correlator = new Correlator(graph, { attack: corpus.attack, labels: corpus.labels });
  }, 900_000);

  it('signature-base hash-iocs.txt: one case per distinct report title', () => {
    const text = readFileSync(path.join(intelDir, 'iocs/signature-base/hash-iocs.txt'), 'utf8');
    const titles = new Set(
      text
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('#') && l.includes(';'))
        .map((l) => l.slice(l.indexOf(';') + 1).trim())
        .filter((t) => t !== '' && !/^\d+$/.test(t)),
    );
    const cases = graph.cases.filter((c) => c.provenance.file === 'iocs/signature-base/hash-iocs.txt');
    expect(new Set(cases.map((c) => c.name))).toEqual(titles);
  });

  it('OTX pulse titles (signature-base-2016) are cases too', () => {
    const text = readFileSync(path.join(intelDir, 'iocs/signature-base-2016/otx-hash-iocs.txt'), 'utf8');
    const pulses = new Set(
      text
        .split('\n')
        .filter((l) => l.includes(';'))
        .map((l) => l.slice(l.indexOf(';') + 1).trim()),
    );
    const cases = graph.cases.filter(
      (c) => c.provenance.file === 'iocs/signature-base-2016/otx-hash-iocs.txt',
    );
    expect(cases.length).toBe(pulses.size);
  });

  it('a title naming a group or its synonym ties the case to it, weaker than a direct label', () => {
    const unitNamed = (re: RegExp) => correlator.units.filter((u) => re.test(u.name));
    // "Lazarus Group Hashes - Proofpoint" names the group; "Hidden Cobra" is a synonym of it in
    // the MISP threat-actor galaxy (checked here on the galaxy file itself).
    const galaxy = JSON.parse(
      readFileSync(path.join(intelDir, 'misp-galaxy/clusters/threat-actor.json'), 'utf8'),
    ) as {
      values: { value: string; meta?: { synonyms?: string[] } }[];
    };
    const lazarusSynonyms = galaxy.values.find((v) => v.value === 'Lazarus Group')!.meta!.synonyms!;
    expect(lazarusSynonyms).toContain('Hidden Cobra');
    for (const re of [/^Lazarus Group Hashes - Proofpoint/, /^Hidden Cobra/]) {
      const units = unitNamed(re);
      expect(units.length, String(re)).toBeGreaterThan(0);
      for (const u of units) {
        const l = u.labels.find((x) => correlator.directory.nodes[x.actor].name === 'Lazarus Group')!;
        expect(l, u.name).toBeDefined();
        expect(l.weight).toBeLessThan(1);
        expect(l.how).toMatch(/^title names "/);
      }
    }
  });

  it('an address inside a CIDR an OTX pulse lists matches it (ip/cidr)', () => {
    const text = readFileSync(path.join(intelDir, 'iocs/signature-base-2016/otx-c2-iocs.txt'), 'utf8');
    const line = text.split('\n').find((l) => /^\d+\.\d+\.\d+\.\d+\/(1\d|2[0-4]);/.test(l))!;
    const cidr = line.slice(0, line.indexOf(';'));
    const [a, b, c] = cidr.split('/')[0].split('.');
    const inside = `${a}.${b}.${c}.77`;
    const query = emptyProfile('q', 'q');
    query.indicators.set(indicatorKey('ipv4', inside), {
      type: 'ipv4',
      value: inside,
      provenance: [{ file: 'query' }],
      confidence: 50,
      context: false,
    });
    const hit = correlator
      .similarUnits(query, { limit: 50 })
      .flatMap((s) => s.evidence)
      .find((e) => e.candidateValue === cidr)!;
    expect(hit).toMatchObject({ feature: 'exact', value: inside, type: 'ipv4' });
    expect(hit.note).toContain(`inside cidr ${cidr}`);
  });

  it('the same group under three names is one actor: Sandworm, Sandworm Team, TeleBots', () => {
    const nodes = ['Sandworm', 'Sandworm Team', 'TeleBots'].map((n) => correlator.directory.resolve(n));
    for (const n of nodes) expect(n).toHaveLength(1);
    expect(new Set(nodes.map((n) => n[0].index)).size).toBe(1);
  });

  it('an ATT&CK group another actor lists one way keeps its row, the umbrella named (APT38)', () => {
    // "G0082" is ATT&CK's APT38 and also a synonym MISP lists under Lazarus Group: both claim it.
    const claimants = correlator.directory.resolve('G0082');
    const apt38 = claimants.find((n) => n.externalIds.includes('G0082'))!;
    expect(apt38.name).toBe('APT38');
    expect(apt38.umbrella).toContain('Lazarus Group');
    expect(claimants.map((n) => n.name)).toContain('Lazarus Group');
  });
});

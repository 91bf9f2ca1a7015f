// Attribution of the Sony Pictures 2014 (Destover) case, which is in the shared corpus only (its
// sources are GPL-3.0 / DRL lists). Reads $CAIRN_CORPUS or ../shared/data.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Correlator,
  EvidenceGraph,
  attribute,
  importIndicatorList,
  loadCorpus,
} from '../../src/intel/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const intelDir = path.join(process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data'), 'intel');
const bundled = path.join(repoRoot, 'data/intel');
const walk = (d: string): string[] =>
  readdirSync(d)
    .sort()
    .flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : [path.join(d, f)]));

describe('Sony Pictures 2014 case', () => {
  it('ranks Lazarus Group first on the ESET Lazarus sample hashes, with provenance of both sides', () => {
    const graph = new EvidenceGraph();
    const corpus = loadCorpus(
      graph,
      walk(bundled).map((p) => ({ path: path.relative(bundled, p), bytes: readFileSync(p) })),
    );
    const file = 'cases/sony-pictures-2014-destover.csv';
    importIndicatorList(graph, readFileSync(path.join(intelDir, file)), { file });
    const sony = graph.cases.find((c) => c.provenance.file === file)!;
    const correlator = new Correlator(graph, {
      attack: corpus.attack,
      labels: corpus.labels,
      excludeCases: new Set([sony.id]),
    });
    const result = attribute(correlator, correlator.profileOfCase(sony.id));
    const top = result.candidates[0];
    expect(top.actor).toBe('Lazarus Group');
    expect(top.aliases).toContain('Guardians of Peace');
    const shared = top.evidence.filter((e) => e.feature === 'exact');
    expect(shared.length).toBeGreaterThanOrEqual(2);
    // Each shared hash is in the Sony CSV and in ESET's Lazarus sample list (checked on the text).
    const sonyText = readFileSync(path.join(intelDir, file), 'utf8');
    for (const e of shared) {
      expect(sonyText.toLowerCase()).toContain(e.value);
      expect(e.candidate[0].file).toMatch(/^iocs\/eset\/nukesped_lazarus\/samples\./);
      expect(readFileSync(path.join(bundled, e.candidate[0].file), 'utf8')).toContain(e.value);
    }
    // The seven TA14-353A C2 IPs are in no other unit of the bundled corpus: no IP evidence.
    expect(top.evidence.some((e) => e.type === 'ipv4')).toBe(false);
  });
});

// The Sony Pictures 2014 ACH case cites corpus files the repository may not carry (the GPL/DRL
// derived case CSV, the US-CERT YARA rules without a licence). Every cited line must exist and
// contain the cited value. Reads $CAIRN_CORPUS or ../shared/data.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAchCase } from '../../src/intel/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data');

const result = parseAchCase(readFileSync(path.join(repoRoot, 'cases/sony-pictures-2014.json')), {
  file: 'cases/sony-pictures-2014.json',
});
if (!result.ok) throw new Error(result.issues.map((i) => i.describe()).join('\n'));
const sony = result.achCase;
const cited = sony.evidence.flatMap((item) =>
  item.sources.filter((s) => s.kind === 'corpus').map((source) => ({ item: item.id, source })),
);

describe('Sony case: cited corpus lines', () => {
  it('cites the case CSV and the YARA rules', () => {
    const files = new Set(cited.map((c) => c.source.file));
    expect(files).toEqual(
      new Set([
        'intel/cases/sony-pictures-2014-destover.csv',
        'intel/yara/us-cert-ta14-353a/Destructive_Hard_Drive_Tool.yar',
        'intel/yara/us-cert-ta14-353a/SMB_Worm_Tool.yar',
        'intel/yara/us-cert-ta14-353a/Malware_used_by_cyber_threat_actor_1.yar',
      ]),
    );
    expect(cited.length).toBe(14);
  });

  it('every cited line exists and contains the cited value', () => {
    const cache = new Map<string, string[]>();
    for (const { item, source } of cited) {
      const file = source.file!;
      if (!cache.has(file)) cache.set(file, readFileSync(path.join(corpus, file), 'utf8').split(/\r?\n/));
      const lines = cache.get(file)!;
      expect(source.line!, `${item} ${file}`).toBeLessThanOrEqual(lines.length);
      expect(lines[source.line! - 1], `${item} ${file}:${source.line}`).toContain(source.value!);
    }
  });

  it('the seven C2 addresses are every ipv4 row of the CSV', () => {
    const csv = readFileSync(path.join(corpus, 'intel/cases/sony-pictures-2014-destover.csv'), 'utf8');
    const rows = csv.split('\n').filter((l) => l.startsWith('ipv4,'));
    const e07 = sony.evidence.find((e) => e.id === 'E07')!;
    const cites = e07.sources.filter((s) => s.kind === 'corpus').map((s) => s.value!.split(',')[1]);
    expect(cites.sort()).toEqual(rows.map((r) => r.split(',')[1]).sort());
  });

  it('the two "sha256" values are substrings of the $heapCreateFunction byte pattern', () => {
    const rule = readFileSync(
      path.join(corpus, 'intel/yara/us-cert-ta14-353a/Malware_used_by_cyber_threat_actor_1.yar'),
      'utf8',
    );
    const pattern = /\$heapCreateFunction = "\{([0-9A-F?]+)\}"/.exec(rule)![1].toLowerCase();
    const e08 = sony.evidence.find((e) => e.id === 'E08')!;
    const values = e08.sources.filter((s) => s.line === 50 || s.line === 52).map((s) => s.value!);
    expect(values).toHaveLength(2);
    for (const value of values) expect(pattern).toContain(value);
    // And the CSV flags them as not file hashes.
    const csv = readFileSync(path.join(corpus, 'intel/cases/sony-pictures-2014-destover.csv'), 'utf8').split(
      '\n',
    );
    for (const line of [50, 52]) expect(csv[line - 1]).toContain('NOT A FILE HASH');
  });

  it('the ATT&CK line cited from the repo copy is the same line of the corpus original', () => {
    const e04 = sony.evidence.find((e) => e.id === 'E04')!.sources[0];
    const lines = readFileSync(
      path.join(corpus, 'intel/attack/enterprise-attack-18.1-subset.json'),
      'utf8',
    ).split('\n');
    expect(lines[e04.line! - 1]).toContain(e04.value!);
    expect(lines[e04.line! - 1]).toContain('"external_id": "G0032"');
  });
});

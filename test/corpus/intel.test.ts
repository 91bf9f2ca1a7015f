// Intel importers on corpus files the repo may not carry (GPL-3.0 / DRL IOC lists, the derived
// Sony case, the US-CERT YARA rules without a licence file). Reads $CAIRN_CORPUS or ../shared/data.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EvidenceGraph, YaraHexIndex, importIndicatorList, parseYaraRules } from '../../src/intel/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const intelDir = path.join(process.env.CAIRN_CORPUS ?? path.resolve(repoRoot, '../shared/data'), 'intel');
const read = (rel: string) => readFileSync(path.join(intelDir, rel));

describe('US-CERT TA14-353A YARA rules', () => {
  it('parses every rule header that is not commented out', () => {
    const dir = 'yara/us-cert-ta14-353a';
    const files = readdirSync(path.join(intelDir, dir));
    const rules = files.flatMap((f) => parseYaraRules(read(`${dir}/${f}`).toString('utf8')));
    // Independent count: `rule NAME` at the start of a line, minus the two files whose rule is
    // inside a /* */ comment (checked here by looking for the comment opener before the rule).
    let active = 0;
    for (const f of files) {
      const text = read(`${dir}/${f}`).toString('utf8');
      for (const m of text.matchAll(/^\s*rule\s+\w+/gm)) {
        const before = text.slice(0, m.index);
        if (before.lastIndexOf('/*') <= before.lastIndexOf('*/')) active++;
      }
    }
    expect(active).toBe(20);
    expect(rules.length).toBe(active);
    const r = rules.find((x) => x.name === 'Malware_used_by_cyber_threat_actor_1')!;
    expect(r.hexStrings.length).toBe(4);
  });
});

describe('Sony Pictures 2014 (Destover) case CSV', () => {
  let graph: EvidenceGraph;
  let report: ReturnType<typeof importIndicatorList>;
  let rows: string[][];
  beforeAll(() => {
    const yara = new YaraHexIndex();
    const dir = 'yara/us-cert-ta14-353a';
    for (const f of readdirSync(path.join(intelDir, dir)))
      yara.addRules(read(`${dir}/${f}`).toString('utf8'));
    graph = new EvidenceGraph();
    report = importIndicatorList(graph, read('cases/sony-pictures-2014-destover.csv'), {
      file: 'cases/sony-pictures-2014-destover.csv',
      yara,
    });
    rows = read('cases/sony-pictures-2014-destover.csv')
      .toString('utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => [l.slice(0, l.indexOf(',')), l.split(',')[1]]);
  });

  it('imports every row with the right type; the two YARA fragments become byte-pattern', () => {
    expect(rows.length).toBe(52);
    expect(report.added.indicator).toBe(52);
    const counts: Record<string, number> = {};
    for (const i of graph.indicators) counts[i.type] = (counts[i.type] ?? 0) + 1;
    expect(counts).toEqual({ md5: 41, ipv4: 7, sha256: 2, 'byte-pattern': 2 });
    expect(
      graph
        .indicatorsOfType('ipv4')
        .map((i) => i.value)
        .sort(),
    ).toEqual(
      [
        '203.131.222.102',
        '217.96.33.164',
        '88.53.215.64',
        '200.87.126.116',
        '58.185.154.99',
        '212.31.102.100',
        '208.105.226.235',
      ].sort(),
    );
    // The retyped values are exactly the rows the file's own note flags (read independently).
    const text = read('cases/sony-pictures-2014-destover.csv').toString('utf8');
    const flagged = text
      .split('\n')
      .filter((l) => l.includes('NOT A FILE HASH'))
      .map((l) => l.split(',')[1]);
    expect(flagged.length).toBe(2);
    expect(
      graph
        .indicatorsOfType('byte-pattern')
        .map((i) => i.original.toLowerCase())
        .sort(),
    ).toEqual(flagged.sort());
    expect(report.issues.map((i) => [i.code, i.message.match(/rule (\w+)/)?.[1]])).toEqual([
      ['INTEL_RETYPED_BYTE_PATTERN', 'Malware_used_by_cyber_threat_actor_1'],
      ['INTEL_RETYPED_BYTE_PATTERN', 'Malware_used_by_cyber_threat_actor_1'],
    ]);
    // Sources become reports; the TA14-353A alert is one of them.
    expect(graph.reports.some((r) => r.name.includes('Alert (TA14-353A)'))).toBe(true);
    const ip = graph.findByValue('203.131.222.102')[0];
    expect(ip.reportIds.length).toBe(4);
    expect(ip.provenance.line).toBe(3);
  });

  it('without the YARA rules the fragments stay sha256 (the rule, not a guess, retypes them)', () => {
    const g = new EvidenceGraph();
    importIndicatorList(g, read('cases/sony-pictures-2014-destover.csv'), { file: 'sony.csv' });
    expect(g.indicatorsOfType('sha256').length).toBe(4);
    expect(g.indicatorsOfType('byte-pattern').length).toBe(0);
  });
});

describe('signature-base IOC lists', () => {
  it.each(['iocs/signature-base-2016/otx-hash-iocs.txt', 'iocs/signature-base/hash-iocs.txt'])(
    '%s: value;comment lines, one case per report label',
    (file) => {
      const graph = new EvidenceGraph();
      const report = importIndicatorList(graph, read(file), { file });
      const lines = read(file)
        .toString('utf8')
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '' && !l.startsWith('#'));
      const labels = new Set(lines.map((l) => l.slice(l.indexOf(';') + 1).trim()));
      const byLen: Record<number, number> = {};
      for (const l of lines) {
        const n = l.slice(0, l.indexOf(';')).trim().length;
        byLen[n] = (byLen[n] ?? 0) + 1;
      }
      expect(report.recordsRead).toBe(lines.length);
      expect(report.added.case).toBe(labels.size);
      expect(graph.indicatorsOfType('md5').length).toBe(byLen[32]);
      expect(graph.indicatorsOfType('sha1').length).toBe(byLen[40]);
      expect(graph.indicatorsOfType('sha256').length).toBe(byLen[64]);
      expect(report.added.indicator + report.issueCount).toBe(lines.length);
    },
  );

  it('otx-c2-iocs.txt: domains, IPv4 and CIDR detected; the TA14-353A C2 IPs belong to that pulse', () => {
    const file = 'iocs/signature-base-2016/otx-c2-iocs.txt';
    const graph = new EvidenceGraph();
    const report = importIndicatorList(graph, read(file), { file });
    expect(report.recordsRead).toBe(20_941);
    expect(graph.indicatorsOfType('cidr').length).toBe(10);
    expect(graph.indicatorsOfType('ipv4').length).toBe(3972);
    const ta = graph.cases.find((c) => c.name.startsWith('Alert (TA14-353A)'))!;
    expect(graph.indicatorsOfCase(ta.id).map((i) => i.value)).toEqual(
      expect.arrayContaining([
        '203.131.222.102',
        '217.96.33.164',
        '88.53.215.64',
        '200.87.126.116',
        '58.185.154.99',
        '212.31.102.100',
        '208.105.226.235',
      ]),
    );
  });

  it('Loki c2-iocs.txt: "# report" sections label the bare values below them', () => {
    const file = 'iocs/signature-base/c2-iocs.txt';
    const graph = new EvidenceGraph();
    importIndicatorList(graph, read(file), { file });
    const snowman = graph.cases.find((c) => c.name.startsWith('FireEye Operation Snowman'))!;
    expect(
      graph
        .indicatorsOfCase(snowman.id)
        .map((i) => i.value)
        .slice(0, 3),
    ).toEqual(['suroot.com', '58.64.143.244', 'effers.com']);
  });
});

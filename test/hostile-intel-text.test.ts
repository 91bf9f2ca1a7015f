/**
 * Hostile text in evidence files (issue 18, point 8): RFC 4180 multi-line quoted CSV fields are
 * read as one record; invalid UTF-8 is refused with its byte offset instead of becoming U+FFFD;
 * UTF-16 with a byte-order mark is decoded, and UTF-16 without one is refused by name. The real
 * inputs are the bundled OilRig CSV and 3CX MISP event; the re-encodings are made here. User
 * patterns (`--victim-naming`) run on V8's linear-time regular expression engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileUserPattern } from '../src/app/user-pattern.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { EvidenceGraph, importFile, importIndicatorList, internalNameReason } from '../src/intel/index.js';

const ROOT = join(import.meta.dirname, '..');
const CSV = readFileSync(join(ROOT, 'data/intel/iocs/unit42/iran_linked_operators/OilRig.csv'));
const MISP_PATH = join(ROOT, 'data/intel/misp-events/eset/nukesped_lazarus/lazarus_3cx.json');
const MISP = readFileSync(MISP_PATH);

function values(graph: EvidenceGraph): string[] {
  return graph.indicators.map((i) => `${i.type}:${i.value}`).sort();
}

function utf16(text: string, order: 'le' | 'be', bom = true): Buffer {
  const body = Buffer.from(text, 'utf16le');
  if (order === 'be') body.swap16();
  const mark = order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff];
  return bom ? Buffer.concat([Buffer.from(mark), body]) : body;
}

describe('RFC 4180 multi-line quoted fields', () => {
  it('a comment spanning lines is one record, and the rows after it are read', () => {
    const text = [
      'type,indicator,comment',
      'domain,first.example.org,"a note',
      'on two lines, with ""quotes"""',
      'domain,second.example.org,plain',
    ].join('\r\n');
    const graph = new EvidenceGraph();
    const report = importIndicatorList(graph, text, { file: 'synthetic/multi-line.csv' });
    expect(report.issues.map((i) => i.message)).toEqual([]);
    expect(report.recordsRead).toBe(2);
    expect(values(graph)).toEqual(['domain:first.example.org', 'domain:second.example.org']);
  });

  it('a quote never closed is reported at the line it opened, and the lines after it are read', () => {
    const text = [
      'type,indicator,comment',
      'domain,first.example.org,"never closed',
      'domain,second.example.org,x',
    ].join('\n');
    const graph = new EvidenceGraph();
    const report = importIndicatorList(graph, text, { file: 'synthetic/open-quote.csv' });
    const issue = report.issues.find((i) => i.code === 'INTEL_BAD_CSV_ROW');
    expect(issue?.message).toBe('unterminated quoted field');
    expect(issue?.location.line).toBe(2);
    expect(values(graph)).toEqual(['domain:second.example.org']);
  });
});

describe('text encodings', () => {
  it('invalid UTF-8 is refused with its byte offset, not imported as U+FFFD', () => {
    const at = CSV.indexOf('\n', 100) + 1;
    const broken = Buffer.concat([CSV.subarray(0, at), Buffer.from([0xc3, 0x28]), CSV.subarray(at)]);
    const graph = new EvidenceGraph();
    const { report } = importFile(graph, 'synthetic/OilRig-broken.csv', broken);
    const issue = report?.issues.find((i) => i.code === 'INTEL_BAD_INPUT');
    expect(issue?.message).toBe(`invalid UTF-8 at byte ${at} (0xc3)`);
    expect(issue?.location).toMatchObject({ file: 'synthetic/OilRig-broken.csv', offset: at });
    expect(graph.indicators.some((i) => i.value.includes('\ufffd'))).toBe(false);
  });

  it('UTF-16 LE and BE with a byte-order mark import what UTF-8 does (CSV and MISP)', () => {
    for (const [name, bytes] of [
      ['OilRig.csv', CSV],
      ['lazarus_3cx.json', MISP],
    ] as const) {
      const reference = new EvidenceGraph();
      importFile(reference, `synthetic/${name}`, bytes);
      expect(reference.indicators.length).toBeGreaterThan(10);
      for (const order of ['le', 'be'] as const) {
        const graph = new EvidenceGraph();
        const { report } = importFile(graph, `synthetic/${name}`, utf16(bytes.toString('utf8'), order));
        expect(
          report?.issues.filter((i) => i.code === 'INTEL_BAD_INPUT'),
          `${name} ${order}`,
        ).toEqual([]);
        expect(values(graph), `${name} UTF-16${order}`).toEqual(values(reference));
      }
    }
  });

  it('UTF-16 without a byte-order mark is refused by name, not imported as one garbage indicator', () => {
    const graph = new EvidenceGraph();
    const { report } = importFile(
      graph,
      'synthetic/OilRig-utf16.csv',
      utf16(CSV.toString('utf8'), 'le', false),
    );
    const issue = report?.issues.find((i) => i.code === 'INTEL_BAD_INPUT');
    expect(issue?.message).toContain('UTF-16 text without a byte-order mark');
    expect(graph.indicators).toHaveLength(0);
  });
});

describe('user-supplied patterns (--victim-naming)', () => {
  it('run on the linear-time engine: ^(a+)+$ against 35 a and a mismatch ends, false', () => {
    const pattern = compileUserPattern('^(a+)+$', 'victim-naming');
    expect(pattern.flags).toContain('l');
    expect(internalNameReason('a'.repeat(35) + '!.corp', pattern)).not.toBe('victim-naming');
    expect(internalNameReason('a'.repeat(35), pattern)).toBe('victim-naming');
  });

  it('match host names whatever the case of pattern and name, escapes kept', () => {
    const pattern = compileUserPattern('^SPE-[A-Z]+\\d+\\.Corp$', 'victim-naming');
    expect(internalNameReason('spe-dc01.corp', pattern)).toBe('victim-naming');
    expect(internalNameReason('SPE-DC01.CORP', pattern)).toBe('victim-naming');
    expect(internalNameReason('spe-dcx.corp', pattern)).not.toBe('victim-naming');
  });

  it('patterns that cannot run in linear time are refused by name', () => {
    for (const text of ['(a)\\1', 'a(?=b)']) {
      expect(() => compileUserPattern(text, 'victim-naming')).toThrow(/cannot run in linear time/);
    }
    expect(() => compileUserPattern('(', 'victim-naming')).toThrow(/not a regular expression/);
  });

  it('CLI: intel show with a catastrophic pattern ends (the test timeout bounds a hang)', async () => {
    const io = captureIo();
    const code = await runCli(
      ['intel', 'show', MISP_PATH, '--no-progress', '--victim-naming', '^(a+)+$'],
      io,
    );
    expect(code, io.err()).toBe(0);
  });
});

// Hostile and broken input: every problem is reported with its file and JSON path or line, the
// rest is imported, nothing throws, and values are stored exactly.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  EvidenceGraph,
  MAX_VALUE_LENGTH,
  importIndicatorList,
  importMispEvent,
  importMispGalaxy,
  importStixBundle,
} from './index.js';

const ID = (t: string, n: number) => `${t}--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ind = (n: number, pattern: unknown) => ({
  type: 'indicator',
  id: ID('indicator', n),
  pattern,
  pattern_type: 'stix',
  valid_from: '2020-01-01T00:00:00Z',
});

describe('STIX bad input', () => {
  it('invalid JSON in one object: reported at its path and offset, the others imported', () => {
    const good1 = JSON.stringify(ind(1, "[ipv4-addr:value = '198.51.100.1']"));
    const good2 = JSON.stringify(ind(2, "[domain-name:value = 'evil.example']"));
    const text = `{"type":"bundle","id":"${ID('bundle', 1)}","objects":[${good1},{"type":"indicator",,},${good2}]}`;
    const graph = new EvidenceGraph();
    const r = importStixBundle(graph, text, { file: 'bad.json' });
    expect(graph.indicators.map((i) => i.value)).toEqual(['198.51.100.1', 'evil.example']);
    expect(r.issues.map((i) => [i.code, i.location.file, i.location.path, i.location.offset])).toEqual([
      ['INTEL_BAD_JSON', 'bad.json', '$.objects[1]', text.indexOf('{"type":"indicator",,')],
    ]);
  });

  it('truncated file: every complete object before the cut is imported', () => {
    const objs = [1, 2, 3].map((n) => JSON.stringify(ind(n, `[ipv4-addr:value = '198.51.100.${n}']`)));
    const text = `{"type":"bundle","objects":[${objs.join(',')}`.slice(0, -10);
    const graph = new EvidenceGraph();
    const r = importStixBundle(graph, text, { file: 't.json' });
    expect(graph.indicators.length).toBe(2);
    expect(r.issues.map((i) => i.code)).toEqual(['INTEL_BAD_JSON']);
    expect(r.issues[0].location.path).toBe('$.objects[2]');
  });

  it('not JSON at all, gzip garbage, wrong top level', () => {
    for (const input of ['hello', '', '[1,2', Buffer.from([0x1f, 0x8b, 1, 2, 3]), '42']) {
      const r = importStixBundle(new EvidenceGraph(), input, { file: 'x' });
      expect(r.issues.length).toBeGreaterThan(0);
      expect(['INTEL_BAD_JSON', 'INTEL_BAD_GZIP', 'STIX_NO_OBJECTS', 'STIX_BAD_OBJECT']).toContain(
        r.issues[0].code,
      );
    }
    const gz = importStixBundle(
      new EvidenceGraph(),
      gzipSync(JSON.stringify({ type: 'bundle', objects: [ind(1, "[url:value = 'http://x.example/']")] })),
    );
    expect(gz.added.indicator).toBe(1);
  });

  it('wrong STIX types and ids, bad relationships, bad and unsupported patterns', () => {
    const objects = [
      { type: 42, id: 'x' },
      { type: 'malware', id: ID('tool', 1), name: 'mismatched id' },
      { type: 'indicator', id: 'indicator--not-a-uuid', pattern: "[ipv4-addr:value = '1.2.3.4']" },
      { type: 'frobnicator', id: ID('frobnicator', 1) },
      { type: 'relationship', id: ID('relationship', 1), relationship_type: 'uses', source_ref: 'nope' },
      ind(3, "[ipv4-addr:value = '1.2.3.4'"),
      ind(4, "[ipv4-addr:value = '1.2.3.5' AND process:pid = 4]"),
      ind(5, 12),
      { ...ind(6, 'alert tcp any any'), pattern_type: 'snort' },
      ind(7, "[ipv4-addr:value = '999.1.1.1']"),
      { ...ind(8, "[domain-name:value = 'ok.example']"), confidence: 900 },
      'just a string',
    ];
    const graph = new EvidenceGraph();
    const r = importStixBundle(graph, JSON.stringify({ type: 'bundle', id: ID('bundle', 2), objects }), {
      file: 'types.json',
    });
    expect(r.issues.map((i) => [i.code, i.location.path])).toEqual([
      ['STIX_BAD_OBJECT', '$.objects[0].type'],
      ['STIX_BAD_ID', '$.objects[1].id'],
      ['STIX_BAD_ID', '$.objects[2].id'],
      ['STIX_UNKNOWN_TYPE', '$.objects[3]'],
      ['STIX_BAD_RELATIONSHIP', '$.objects[4]'],
      ['STIX_BAD_PATTERN', '$.objects[5].pattern'],
      ['STIX_UNSUPPORTED_PATTERN', '$.objects[6].pattern'],
      ['STIX_BAD_PATTERN', '$.objects[7].pattern'],
      ['STIX_UNSUPPORTED_PATTERN', '$.objects[8].pattern_type'],
      ['INTEL_BAD_VALUE', '$.objects[9].pattern@19'],
      ['INTEL_BAD_CONFIDENCE', '$.objects[10].confidence'],
      ['STIX_BAD_OBJECT', '$.objects[11]'],
    ]);
    expect(r.issues[5].location.offset).toBe("[ipv4-addr:value = '1.2.3.4'".length);
    expect(r.issues[6].location.offset).toBe("[ipv4-addr:value = '1.2.3.5' AND ".length);
    expect(r.issues[6].message).toContain('process:pid');
    expect(graph.indicators.map((i) => i.value).sort()).toEqual(['1.2.3.5', 'ok.example']);
  });

  it('huge strings are capped and reported; control characters and markup reported, values exact', () => {
    const huge = 'a'.repeat(MAX_VALUE_LENGTH + 1);
    const objects = [
      ind(1, `[file:name = '${huge}']`),
      ind(2, "[file:name = 'evil\u0007\u001b[31m.exe']"),
      ind(3, "[file:name = '<script>alert(1)</script>.exe']"),
      ind(4, "[domain-name:value = 'a\u0000b.example']"),
    ];
    const graph = new EvidenceGraph();
    const r = importStixBundle(graph, JSON.stringify({ type: 'bundle', objects }), { file: 'h.json' });
    expect(r.issues.map((i) => [i.code, i.location.path?.replace(/@\d+$/, '')])).toEqual([
      ['STIX_BAD_PATTERN', '$.objects[0].pattern'],
      ['INTEL_VALUE_CONTROL_CHARS', '$.objects[1].pattern'],
      ['INTEL_VALUE_MARKUP', '$.objects[2].pattern'],
      ['INTEL_VALUE_CONTROL_CHARS', '$.objects[3].pattern'],
    ]);
    expect(r.issues[0].message).toMatch(/longer than/);
    expect(graph.indicators.map((i) => i.original)).toEqual([
      'evil\u0007\u001b[31m.exe',
      '<script>alert(1)</script>.exe',
    ]);
    // A huge value outside a pattern (an SCO) is refused with INTEL_VALUE_TOO_LONG.
    const r2 = importStixBundle(
      new EvidenceGraph(),
      JSON.stringify({
        type: 'bundle',
        objects: [{ type: 'domain-name', id: ID('domain-name', 1), value: huge }],
      }),
      { file: 's.json' },
    );
    expect(r2.issues.map((i) => i.code)).toEqual(['INTEL_VALUE_TOO_LONG']);
  });

  it('deep nesting does not crash', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = importStixBundle(new EvidenceGraph(), `{"type":"bundle","objects":[${deep}]}`, {
      file: 'd.json',
    });
    expect(r.issues.length).toBeGreaterThan(0);
  });
});

describe('MISP bad input', () => {
  it('unknown types, broken attributes, bad values: reported with paths, the rest imported', () => {
    const event = {
      Event: {
        uuid: '11111111-2222-4333-8444-555555555555',
        info: 'test <b>event</b>',
        Attribute: [
          { type: 'ip-dst', value: '198.51.100.7', uuid: 'a1111111-2222-4333-8444-555555555555' },
          { type: 'frobnicate', value: 'x' },
          { type: 'md5', value: 'nothex' },
          { type: 'domain' },
          'oops',
          { type: 'filename|sha256', value: 'only-one-part' },
          { type: 'text', value: 'just prose' },
          { type: 'filename', value: 'a\u0000b.exe' },
        ],
        Object: [{ name: 'file', Attribute: [{ type: 'sha1', value: 'A'.repeat(40) }] }, 7],
      },
    };
    const graph = new EvidenceGraph();
    const r = importMispEvent(graph, JSON.stringify(event), { file: 'e.json' });
    expect(r.issues.map((i) => [i.code, i.location.path])).toEqual([
      ['MISP_UNKNOWN_TYPE', '$.Event.Attribute[1]'],
      ['INTEL_BAD_VALUE', '$.Event.Attribute[2].value'],
      ['MISP_BAD_ATTRIBUTE', '$.Event.Attribute[3]'],
      ['MISP_BAD_ATTRIBUTE', '$.Event.Attribute[4]'],
      ['MISP_BAD_ATTRIBUTE', '$.Event.Attribute[5]'],
      ['INTEL_VALUE_CONTROL_CHARS', '$.Event.Attribute[7].value'],
      ['MISP_BAD_OBJECT', '$.Event.Object[1]'],
    ]);
    expect(graph.indicators.map((i) => [i.type, i.value, i.original])).toEqual([
      ['ipv4', '198.51.100.7', '198.51.100.7'],
      ['filename', 'a\u0000b.exe', 'a\u0000b.exe'],
      ['sha1', 'a'.repeat(40), 'A'.repeat(40)],
    ]);
    expect(graph.cases[0].name).toBe('test <b>event</b>');
    expect(r.skipped).toBe(1);
  });

  it('invalid JSON and wrong shapes', () => {
    const bad = importMispEvent(new EvidenceGraph(), '{"Event": {', { file: 'b.json' });
    expect(bad.issues[0].code).toBe('INTEL_BAD_JSON');
    expect(bad.issues[0].location.file).toBe('b.json');
    expect(importMispEvent(new EvidenceGraph(), '{"foo":1}').issues[0].code).toBe('MISP_NOT_AN_EVENT');
    expect(importMispGalaxy(new EvidenceGraph(), '{"values": 3}').issues[0].code).toBe('MISP_BAD_GALAXY');
    const g = importMispGalaxy(
      new EvidenceGraph(),
      JSON.stringify({ type: 'threat-actor', values: [{ value: 'X' }, { nope: 1 }] }),
    );
    expect(g.added.actor).toBe(1);
    expect(g.issues.map((i) => [i.code, i.location.path])).toEqual([['MISP_BAD_CLUSTER', '$.values[1]']]);
  });
});

describe('CSV bad input', () => {
  it('broken rows, unknown types, huge values and markup: reported by line, the rest imported', () => {
    const huge = 'b'.repeat(MAX_VALUE_LENGTH + 10);
    const text = [
      'type,value,note',
      'ipv4,198.51.100.9,ok',
      'md5,"unterminated,x',
      'weird-type,evil.example,',
      'sha256,' + 'c'.repeat(64) + ',extra,fields',
      `string,${huge},`,
      'domain,<img src=x>.example,',
      'filename,<img src=x onerror=alert(1)>.exe,',
      ',,',
      'md5,' + 'D'.repeat(32) + ',"quoted, note"',
    ].join('\r\n');
    const graph = new EvidenceGraph();
    const r = importIndicatorList(graph, text, { file: 'l.csv' });
    expect(r.issues.map((i) => [i.code, i.location.line])).toEqual([
      ['INTEL_BAD_CSV_ROW', 3],
      ['INTEL_UNKNOWN_TYPE', 4],
      ['INTEL_BAD_CSV_ROW', 5],
      ['INTEL_VALUE_TOO_LONG', 6],
      ['INTEL_VALUE_MARKUP', 7],
      ['INTEL_BAD_VALUE', 7],
      ['INTEL_VALUE_MARKUP', 8],
      ['INTEL_EMPTY_VALUE', 9],
    ]);
    expect(graph.indicators.map((i) => [i.type, i.original, i.comment])).toEqual([
      ['ipv4', '198.51.100.9', 'ok'],
      ['domain', 'evil.example', undefined],
      ['sha256', 'c'.repeat(64), 'extra'],
      ['filename', '<img src=x onerror=alert(1)>.exe', undefined],
      ['md5', 'D'.repeat(32), 'quoted, note'],
    ]);
  });

  it('stops at maxLines and reports it', () => {
    const r = importIndicatorList(
      new EvidenceGraph(),
      Array.from({ length: 50 }, (_, i) => `198.51.100.${i}`).join('\n'),
      { file: 'm', maxLines: 10 },
    );
    expect(r.added.indicator).toBe(10);
    expect(r.issues.map((i) => i.code)).toEqual(['INTEL_TOO_MANY_LINES']);
  });
});

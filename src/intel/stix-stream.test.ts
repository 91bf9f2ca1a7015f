// The STIX export of a large case is written as it goes: objects are made from the graph while
// the sink receives chunks, no chunk is larger than a bound, and the text is the bundle
// exportCaseAsStix returns. The event is synthetic (generated here).
import { describe, expect, it } from 'vitest';
import { EvidenceGraph, exportCaseAsStix, importMispEvent, stixBundleChunks } from './index.js';
import { STIX_REFS_CHUNK } from './stix-export.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const uuid = (n: number) => `5eed5ca1-0000-4000-8000-${hex(n, 12)}`;
const EXPORT_TIME = '2026-01-02T03:04:05.000Z';

/** A synthetic MISP event of `n` attributes of several kinds, some in objects with references. */
function syntheticEvent(n: number): string {
  const kinds = ['ip-dst', 'domain', 'sha256', 'url', 'filename|md5'];
  const value = (i: number) =>
    [
      `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      `h${i}.synthetic.example`,
      hex(i, 64),
      `http://u${i}.synthetic.example/p`,
      `f${i}.exe|${hex(i, 32)}`,
    ][i % 5];
  const Attribute = Array.from({ length: n }, (_, i) => ({
    uuid: uuid(i + 1),
    type: kinds[i % 5],
    value: value(i),
    to_ids: i % 4 !== 0,
    ...(i % 9 === 0 ? { Tag: [{ name: 'tlp:amber' }] } : {}),
  }));
  const Object = Array.from({ length: Math.ceil(n / 100) }, (_, k) => ({
    name: 'domain-ip',
    uuid: uuid(10_000_000 + k),
    Attribute: [
      {
        uuid: uuid(20_000_000 + k),
        type: 'domain',
        object_relation: 'domain',
        value: `o${k}.synthetic.example`,
      },
    ],
    ObjectReference: [
      {
        uuid: uuid(30_000_000 + k),
        object_uuid: uuid(10_000_000 + k),
        referenced_uuid: uuid(k * 100 + 1),
        relationship_type: 'resolves-to',
      },
    ],
  }));
  return JSON.stringify({
    Event: {
      uuid: uuid(0),
      info: `synthetic event of ${n} attributes`,
      date: '2024-01-01',
      Tag: [{ name: 'tlp:green' }],
      Attribute,
      Object,
    },
  });
}

describe('STIX export written as it goes', () => {
  it('a generated 3,000-attribute event: chunks arrive while values are still being read, each bounded', () => {
    const graph = new EvidenceGraph();
    importMispEvent(graph, syntheticEvent(3000), { file: 'synthetic.json' });
    const caseId = graph.cases[0].id;
    const whole = JSON.stringify(exportCaseAsStix(graph, caseId, { timestamp: EXPORT_TIME }));
    const values = new Set(graph.indicatorsOfCase(caseId).map((i) => `${i.type} ${i.value}`)).size;
    // Count each read of an indicator's original text: only making its SDO reads it.
    let reads = 0;
    for (const ind of graph.indicatorsOfCase(caseId)) {
      const original = ind.original;
      Object.defineProperty(ind, 'original', {
        enumerable: true,
        get: () => {
          reads++;
          return original;
        },
      });
    }
    const readsAtChunk: number[] = [];
    const chunks: string[] = [];
    for (const chunk of stixBundleChunks(graph, caseId, { timestamp: EXPORT_TIME })) {
      readsAtChunk.push(reads);
      chunks.push(chunk);
    }
    expect(chunks.join('')).toBe(whole);
    // The grouping lists about 6,000 ids: it came in pieces, and no chunk passes the bound.
    expect(chunks.length).toBeGreaterThan(values + 2);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(STIX_REFS_CHUNK + 1024);
    // The sink had received the grouping, the producer objects and some values before most values were read.
    const firstValueChunk = chunks.findIndex((c) =>
      c.startsWith(',{"spec_version":"2.1","type":"domain-name"'),
    );
    expect(firstValueChunk).toBeGreaterThan(0);
    expect(readsAtChunk[firstValueChunk]).toBeLessThan(values / 10);
    expect(readsAtChunk[Math.floor(chunks.length / 2)]).toBeLessThan(reads);
    expect(reads).toBeGreaterThanOrEqual(values);
  });
});

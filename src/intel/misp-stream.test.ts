// Streamed MISP reading on hostile and odd shapes: response wrappers and objects nested, empty
// or of the wrong type give a typed error at their JSON path and the rest is still read; the
// attributes inside an object are read one batch at a time. All documents here are synthetic.
import { describe, expect, it } from 'vitest';
import { EvidenceGraph } from './index.js';
import { bytesSource, lazyListOf, listElements, readSkeleton } from './json-stream.js';
import type { ByteSource } from './json-stream.js';
import { MAX_RESPONSE_DEPTH, MISP_MEMBERS, importMispEvent, importMispSource } from './misp/index.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const uuid = (n: number) => `5eed5ca1-0000-4000-8000-${hex(n, 12)}`;

/** A source that hands out at most `n` bytes a read, so values cross window boundaries. */
function trickle(bytes: Uint8Array, n: number): ByteSource {
  return { read: (p, max) => bytes.subarray(p, Math.min(bytes.length, p + Math.min(n, max))) };
}

function issuesOf(report: { issues: { code: string; location: { path?: string; offset?: number } }[] }) {
  return report.issues.map((i) => `${i.code} ${i.location.path}`).sort();
}

/** Imports a document from its bytes and from a trickling source: both must give the same. */
function importBoth(text: string) {
  const a = new EvidenceGraph();
  const b = new EvidenceGraph();
  const ra = importMispEvent(a, text, { file: 'odd.json' });
  const rb = importMispSource(b, trickle(Buffer.from(text), 5), { file: 'odd.json' });
  expect(rb).toEqual(ra);
  expect(b.indicators.map((i) => i.value)).toEqual(a.indicators.map((i) => i.value));
  return { graph: a, report: ra };
}

describe('streamed MISP: response wrappers', () => {
  const deep = (levels: number, inner: string) => '{"response":'.repeat(levels) + inner + '}'.repeat(levels);
  const doc = `{"response":[
    {"Event":{"uuid":"${uuid(1)}","info":"one","Attribute":[{"type":"domain","value":"a.example","uuid":"${uuid(11)}"}]}},
    5,
    "text",
    [],
    {"response":[{"Event":{"uuid":"${uuid(2)}","info":"nested","Attribute":[{"type":"domain","value":"b.example"}]}}]},
    ${deep(MAX_RESPONSE_DEPTH + 1, `{"Event":{"info":"too deep","Attribute":[{"type":"domain","value":"z.example"}]}}`)},
    {"Event":{"uuid":"${uuid(3)}","info":"bad attrs","Attribute":"not a list"}},
    {"Event":{"uuid":"${uuid(4)}","info":"broken attr","Attribute":[{"type":"domain","value":"c.example"},{"type":"domain","value":tru},{"type":"domain","value":"d.example"}]}},
    {"response":[]},
    {"response":null}
  ]}`;

  it('odd elements are typed errors at their path; every readable event is read', () => {
    const { graph, report } = importBoth(doc);
    expect(graph.cases.map((c) => c.name)).toEqual(['one', 'nested', 'bad attrs', 'broken attr']);
    expect(graph.indicators.map((i) => i.value).sort()).toEqual([
      'a.example',
      'b.example',
      'c.example',
      'd.example',
    ]);
    expect(issuesOf(report)).toEqual(
      [
        'MISP_NOT_AN_EVENT $.response[1]',
        'MISP_NOT_AN_EVENT $.response[2]',
        'MISP_NOT_AN_EVENT $.response[3]',
        `MISP_NOT_AN_EVENT $.response[5]${'.response'.repeat(MAX_RESPONSE_DEPTH)}`,
        'MISP_NOT_A_LIST $.response[6].Event.Attribute',
        'INTEL_BAD_JSON $.response[7].Event.Attribute[1]',
        'MISP_NOT_AN_EVENT $.response[9].response',
      ].sort(),
    );
    const bad = report.issues.find((i) => i.code === 'INTEL_BAD_JSON')!;
    expect(bad.location.offset).toBe(
      Buffer.byteLength(doc.slice(0, doc.indexOf('{"type":"domain","value":tru'))),
    );
  });

  it('the events of a response are read as skeletons: their attribute lists stay lazy', () => {
    const { value } = readSkeleton(bytesSource(Buffer.from(doc)), MISP_MEMBERS);
    const response = (value as { response: unknown[] }).response;
    expect(lazyListOf(response)?.count).toBe(10);
    const first = [...listElements(response, '$.response')][0].value as { Event: { Attribute: unknown[] } };
    expect(lazyListOf(first.Event.Attribute)?.count).toBe(1);
  });

  it('100,000 nested wrappers: one typed error, no stack overflow', () => {
    const { graph, report } = importBoth(deep(100_000, '{"Event":{"info":"x"}}'));
    expect(graph.cases).toEqual([]);
    expect(report.issues.map((i) => i.code)).toEqual(['MISP_NOT_AN_EVENT']);
  });
});

describe('streamed MISP: objects', () => {
  const doc = JSON.stringify({
    Event: {
      uuid: uuid(100),
      info: 'objects',
      Attribute: [{ type: 'ip-dst', value: '192.0.2.1', uuid: uuid(101) }],
      Object: [
        {
          name: 'file',
          uuid: uuid(200),
          Attribute: [
            { type: 'sha256', object_relation: 'sha256', value: hex(7, 64), uuid: uuid(201) },
            { type: 'md5', object_relation: 'md5', value: 'PLACEHOLDER' },
            { type: 'filename', object_relation: 'filename', value: 'x.exe', uuid: uuid(202) },
          ],
          ObjectReference: [
            {
              uuid: uuid(300),
              object_uuid: uuid(200),
              referenced_uuid: uuid(101),
              relationship_type: 'related-to',
            },
            7,
          ],
        },
        'not an object',
        { name: 'domain-ip', Attribute: { type: 'domain' } },
        { name: 'empty', Attribute: [] },
        { name: 'nested', Attribute: [{ type: 'domain', value: 'n.example', Object: [{ name: 'inner' }] }] },
        null,
        [],
      ],
    },
  }).replace('"PLACEHOLDER"', '[1,}');

  it('odd objects and object members are typed errors at their path; the rest is read', () => {
    const { graph, report } = importBoth(doc);
    expect(graph.indicators.map((i) => i.value).sort()).toEqual(
      ['192.0.2.1', hex(7, 64), 'n.example', 'x.exe'].sort(),
    );
    expect(issuesOf(report)).toEqual(
      [
        'INTEL_BAD_JSON $.Event.Object[0].Attribute[1]',
        'MISP_BAD_OBJECT $.Event.Object[0].ObjectReference[1]',
        'MISP_BAD_OBJECT $.Event.Object[1]',
        'MISP_BAD_OBJECT $.Event.Object[5]',
        'MISP_BAD_OBJECT $.Event.Object[6]',
        'MISP_NOT_A_LIST $.Event.Object[2].Attribute',
      ].sort(),
    );
    expect(graph.relationships.length).toBe(1);
    const bad = report.issues.find((i) => i.code === 'INTEL_BAD_JSON')!;
    expect(bad.location.offset).toBe(doc.indexOf('{"type":"md5"'));
  });

  it("an object's attribute list is lazy, read a batch at a time", () => {
    const good = doc.replace('[1,}', '"d41d8cd98f00b204e9800998ecf8427e"');
    const { value } = readSkeleton(bytesSource(Buffer.from(good)), MISP_MEMBERS);
    const objects = (value as { Event: { Object: unknown[] } }).Event.Object;
    expect(lazyListOf(objects)?.count).toBe(7);
    const file = [...listElements(objects, '$.Event.Object')][0].value as {
      Attribute: unknown[];
      ObjectReference: unknown[];
    };
    expect(lazyListOf(file.Attribute)?.count).toBe(3);
    expect(lazyListOf(file.ObjectReference)?.count).toBe(2);
  });

  it('a broken attribute in a later batch of a large list is located; every other is read', () => {
    const n = 30_000;
    const attrs = Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        type: 'domain',
        value: `h${i}.synthetic.example`,
        uuid: uuid(1000 + i),
        comment: 'x'.repeat(20),
      }),
    );
    attrs[20_000] = '{"type":"domain","value":nul}';
    const objectAttrs = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({
        type: 'domain',
        object_relation: 'domain',
        value: `o${i}.synthetic.example`,
        uuid: uuid(500 + i),
      }),
    );
    const text = `{"Event":{"uuid":"${uuid(999)}","info":"big","Object":[{"name":"o","Attribute":[${objectAttrs.join(',')}]}],"Attribute":[${attrs.join(',')}]}}`;
    expect(text.length).toBeGreaterThan(2 << 20);
    const graph = new EvidenceGraph();
    const report = importMispEvent(graph, text, { file: 'big.json' });
    expect(issuesOf(report)).toEqual(['INTEL_BAD_JSON $.Event.Attribute[20000]']);
    expect(report.issues[0].location.offset).toBe(text.lastIndexOf('{"type":"domain","value":nul}'));
    expect(graph.indicators.length).toBe(n - 1 + 5);
  });
});

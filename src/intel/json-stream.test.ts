// The byte cursor behind streamed MISP imports: lazy lists read element by element, across
// window boundaries, with located errors for broken elements and broken documents.
import { describe, expect, it } from 'vitest';
import { bytesSource, lazyListOf, listElements, readSkeleton } from './json-stream.js';
import type { ByteSource, MemberDecision } from './json-stream.js';
import { EvidenceGraph, importMispEvent } from './index.js';
import { importMispSource } from './misp/index.js';

const decide: MemberDecision = (key) =>
  key === 'Attribute' ? 'lazy' : key === 'Event' ? 'skeleton' : 'parse';

/** A source that hands out at most `n` bytes a read, so values cross window boundaries. */
function trickle(bytes: Uint8Array, n: number): ByteSource {
  return { read: (p, max) => bytes.subarray(p, Math.min(bytes.length, p + Math.min(n, max))) };
}

describe('json-stream', () => {
  const doc = {
    Event: {
      info: 'synthétique ☃',
      Tag: [{ name: 'tlp:green' }],
      Attribute: [{ v: 1 }, { v: 'a"b\\]' }, [3]],
    },
  };
  const bytes = Buffer.from(JSON.stringify(doc, null, 1));

  it('lazy lists are placeholders read one element at a time, the same over any window size', () => {
    for (const source of [bytesSource(bytes), trickle(bytes, 1), trickle(bytes, 7)]) {
      const { value, error } = readSkeleton(source, decide);
      expect(error).toBeUndefined();
      const event = (value as { Event: Record<string, unknown> }).Event;
      expect(event.info).toBe(doc.Event.info);
      expect(event.Tag).toEqual(doc.Event.Tag);
      const list = event.Attribute as unknown[];
      expect(lazyListOf(list)?.count).toBe(3);
      expect([...listElements(list, '$.Event.Attribute')].map((e) => e.value)).toEqual(doc.Event.Attribute);
    }
  });

  it('a broken element is a located error and the others are still read', () => {
    const text = '{"Attribute": [{"a": 1}, {"b": tru}, {"c": 3}]}';
    const { value } = readSkeleton(bytesSource(Buffer.from(text)), decide, 'f.json');
    const out = [...listElements((value as { Attribute: unknown[] }).Attribute, '$.Attribute', 'f.json')];
    expect(out.map((e) => e.value)).toEqual([{ a: 1 }, undefined, { c: 3 }]);
    expect(out[1].error?.code).toBe('INTEL_BAD_JSON');
    expect(out[1].error?.location).toMatchObject({
      file: 'f.json',
      path: '$.Attribute[1]',
      offset: text.indexOf('{"b"'),
    });
  });

  it('a structurally broken document is one located error', () => {
    for (const text of ['{"Attribute": [{"a": 1}', '{"a": 1} x', '', '{"a" 1}']) {
      const { error } = readSkeleton(bytesSource(Buffer.from(text)), decide, 'f.json');
      expect(error?.code, text).toBe('INTEL_BAD_JSON');
      expect(error?.location.file).toBe('f.json');
    }
  });

  it('MISP: streamed from a trickling source, the same facts as from the bytes', () => {
    const attrs = Array.from({ length: 300 }, (_, i) => ({
      type: 'ip-dst',
      value: `192.0.2.${i % 250}`,
      uuid: `5eed5ca1-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      to_ids: true,
    }));
    const event = Buffer.from(
      JSON.stringify({
        Event: { uuid: '5eed5ca1-0000-4000-8000-aaaaaaaaaaaa', info: 'generated', Attribute: attrs },
      }),
    );
    const a = new EvidenceGraph();
    const b = new EvidenceGraph();
    const ra = importMispEvent(a, event, { file: 'generated.json' });
    const rb = importMispSource(b, trickle(event, 13), { file: 'generated.json' });
    expect(rb).toEqual(ra);
    expect(b.indicators.map((i) => i.value)).toEqual(a.indicators.map((i) => i.value));
    expect(a.indicators.length).toBe(attrs.length);
  });
});

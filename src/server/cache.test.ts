import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AnswerCache, envelopeBytes, etagMatches } from './cache.js';

const Data = z.object({ name: z.string(), count: z.number().int() });
const meta = {
  dataTime: { from: '2015-10-01T00:00:00Z', to: '2015-10-01T08:00:00Z' },
  coverage: { peers: 1, files: 1, sources: ['a.gz'] },
};

describe('envelopeBytes', () => {
  it('writes the envelope JSON.stringify would, around the query time', () => {
    const data = { name: 'KP <script>', count: 4 };
    const { head, tail } = envelopeBytes(Data, data, meta);
    const text = head + '1.25' + tail;
    expect(text).toBe(JSON.stringify({ data, meta: { queryMs: 1.25, ...meta } }));
    const page = { limit: 1, total: 2, next: 'bzE' };
    const paged = envelopeBytes(Data, data, { ...meta, page });
    expect(paged.head + '0' + paged.tail).toBe(JSON.stringify({ data, meta: { queryMs: 0, ...meta, page } }));
  });

  it('refuses data its schema refuses', () => {
    expect(() => envelopeBytes(Data, { name: 'x', count: 1.5 }, meta)).toThrow();
  });
});

describe('AnswerCache', () => {
  it('keeps an answer by URL and lets every one go on a write', () => {
    const cache = new AnswerCache();
    const generation = cache.generation;
    expect(cache.get('/a')).toBeUndefined();
    const entry = cache.put('/a', generation, Data, { name: 'a', count: 1 }, meta);
    expect(cache.get('/a')).toBe(entry);
    expect(cache.counts()).toMatchObject({ entries: 1, hits: 1, misses: 1, generation });
    cache.invalidate();
    expect(cache.generation).toBe(generation + 1);
    expect(cache.get('/a')).toBeUndefined();
    expect(cache.counts()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('does not keep an answer computed before a write that came in meanwhile', () => {
    const cache = new AnswerCache();
    const before = cache.generation;
    cache.invalidate();
    const entry = cache.put('/a', before, Data, { name: 'old', count: 1 }, meta);
    expect(entry.head.toString()).toContain('"old"');
    expect(cache.get('/a')).toBeUndefined();
  });

  it('changes the ETag with the generation, not with the query time', () => {
    const cache = new AnswerCache();
    const data = { name: 'a', count: 1 };
    const first = cache.put('/a', cache.generation, Data, data, meta);
    expect(cache.put('/a', cache.generation, Data, data, meta).etag).toBe(first.etag);
    cache.invalidate();
    expect(cache.put('/a', cache.generation, Data, data, meta).etag).not.toBe(first.etag);
  });

  it('stays within its byte bound, letting the least recently used go first', () => {
    const one = envelopeBytes(Data, { name: 'x'.repeat(100), count: 0 }, meta);
    const size = one.head.length + one.tail.length + 2;
    const cache = new AnswerCache(size * 2);
    for (const url of ['/1', '/2']) cache.put(url, 0, Data, { name: 'x'.repeat(100), count: 0 }, meta);
    cache.get('/1');
    cache.put('/3', 0, Data, { name: 'x'.repeat(100), count: 0 }, meta);
    expect(cache.get('/2')).toBeUndefined();
    expect(cache.get('/1')).toBeDefined();
    expect(cache.get('/3')).toBeDefined();
    expect(cache.counts().bytes).toBeLessThanOrEqual(size * 2);
  });
});

describe('etagMatches', () => {
  it('reads If-None-Match lists, weak or strong, and *', () => {
    expect(etagMatches('W/"1-abc"', 'W/"1-abc"')).toBe(true);
    expect(etagMatches('"x", "1-abc"', 'W/"1-abc"')).toBe(true);
    expect(etagMatches('*', 'W/"1-abc"')).toBe(true);
    expect(etagMatches('W/"2-abc"', 'W/"1-abc"')).toBe(false);
    expect(etagMatches(undefined, 'W/"1-abc"')).toBe(false);
  });
});

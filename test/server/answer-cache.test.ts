/**
 * The answers the server keeps as bytes (server/cache.ts), through `inject` over a small real
 * world (the bundled RIPE updates file with the bundled registry) and the bundled Sony ACH case:
 * a repeated request is answered from the bytes with the same content and headers, an ETag gives
 * 304, and a write through the token API lets every kept answer go.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AchView, AchWorkspace, CountriesResult, CountryResult, Workspace } from '../../src/app/index.js';
import { Health, buildServer, envelope } from '../../src/server/index.js';

const DEMO = fileURLToPath(new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url));
const TOKEN = 'test-token-' + 'c'.repeat(32);
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** Never settles: these tests read neither the intel corpus nor the outage archive. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

let app: FastifyInstance;
let country: string;

beforeAll(async () => {
  app = await buildServer({
    workspace: await Workspace.load({ mrt: [DEMO] }),
    ach: await AchWorkspace.load(),
    intel: never(),
    outages: never(),
    token: TOKEN,
    webRoot: null,
  });
  const ranking = envelope(CountriesResult).parse((await app.inject({ url: '/api/v1/countries' })).json());
  expect(ranking.data.countries.length).toBeGreaterThan(0);
  country = ranking.data.countries[0]!.country;
});
afterAll(async () => {
  await app?.close();
});

/** The envelope without its query time, which differs per request. */
function withoutQueryTime(body: string): unknown {
  const parsed = JSON.parse(body) as { data: unknown; meta: { queryMs: number } };
  expect(typeof parsed.meta.queryMs).toBe('number');
  return { ...parsed, meta: { ...parsed.meta, queryMs: 0 } };
}

describe('kept answers', () => {
  it('answers a repeated request from the bytes, with the same content and headers', async () => {
    const url = `/api/v1/countries/${country}`;
    const before = app.answerCache.counts();
    const first = await app.inject({ url });
    expect(first.statusCode).toBe(200);
    const second = await app.inject({ url });
    expect(second.statusCode).toBe(200);
    expect(app.answerCache.counts().hits).toBe(before.hits + 1);
    expect(envelope(CountryResult).parse(second.json()).data.country).toBe(country);
    expect(withoutQueryTime(second.body)).toEqual(withoutQueryTime(first.body));
    for (const name of [
      'content-type',
      'content-security-policy',
      'x-frame-options',
      'x-content-type-options',
      'referrer-policy',
      'etag',
      'cache-control',
    ])
      expect(second.headers[name], name).toBe(first.headers[name]);
    expect(second.headers['content-security-policy']).toContain("script-src 'self'");
    expect(second.headers['x-frame-options']).toBe('DENY');
    expect(second.headers['etag']).toMatch(/^W\/"\d+-[\w-]+"$/);
  });

  it('answers 304 without a body to a request naming the ETag, 200 to another', async () => {
    const url = `/api/v1/countries/${country}`;
    const etag = String((await app.inject({ url })).headers['etag']);
    const same = await app.inject({ url, headers: { 'if-none-match': etag } });
    expect(same.statusCode).toBe(304);
    expect(same.body).toBe('');
    expect(same.headers['etag']).toBe(etag);
    const other = await app.inject({ url, headers: { 'if-none-match': 'W/"0-other"' } });
    expect(other.statusCode).toBe(200);
    expect(envelope(CountryResult).parse(other.json()).data.country).toBe(country);
  });

  it('keeps pages of a list apart by their query', async () => {
    const one = envelope(CountriesResult).parse(
      (await app.inject({ url: '/api/v1/countries?limit=1' })).json(),
    );
    const two = envelope(CountriesResult).parse(
      (await app.inject({ url: '/api/v1/countries?limit=2' })).json(),
    );
    const again = envelope(CountriesResult).parse(
      (await app.inject({ url: '/api/v1/countries?limit=1' })).json(),
    );
    expect(one.data.countries).toHaveLength(1);
    expect(two.data.countries.length).toBe(Math.min(2, two.meta.page!.total));
    expect(again).toEqual({ ...one, meta: { ...one.meta, queryMs: again.meta.queryMs } });
  });

  it('lets every kept answer go on a write through the token API, not on a refused one', async () => {
    const url = `/api/v1/countries/${country}`;
    await app.inject({ url });
    const etag = String((await app.inject({ url })).headers['etag']);
    const kept = app.answerCache.counts();
    expect(kept.entries).toBeGreaterThan(0);
    const rating = '/api/v1/ach/cases/sony-pictures-2014/ratings/E01/H1';

    const refused = await app.inject({ method: 'PUT', url: rating, payload: { rating: 'II' } });
    expect(refused.statusCode).toBe(401);
    expect(app.answerCache.counts()).toMatchObject({ generation: kept.generation, entries: kept.entries });

    const edited = await app.inject({ method: 'PUT', url: rating, payload: { rating: 'II' }, headers: AUTH });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(app.answerCache.counts()).toMatchObject({ generation: kept.generation + 1, entries: 0, bytes: 0 });
    // The edit is what the next read answers.
    const cases = (await app.inject({ url: '/api/v1/ach/cases' })).json() as {
      data: { cases: { id: string; edits: number }[] };
    };
    expect(cases.data.cases.find((c) => c.id === 'sony-pictures-2014')?.edits).toBe(1);
    envelope(AchView).parse((await app.inject({ url: '/api/v1/ach/cases/sony-pictures-2014' })).json());
    // The kept answer is computed again, under a new ETag; the old one no longer gives 304.
    const misses = app.answerCache.counts().misses;
    const fresh = await app.inject({ url, headers: { 'if-none-match': etag } });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.headers['etag']).not.toBe(etag);
    expect(app.answerCache.counts().misses).toBe(misses + 1);
  });

  it('says at /health which services are loaded, and what the kept answers hold', async () => {
    const health = envelope(Health).parse((await app.inject({ url: '/api/v1/health' })).json());
    expect(health.data.services).toEqual({
      workspace: 'ready',
      intel: 'loading',
      ach: 'ready',
      outages: 'loading',
    });
    expect(health.data.ready).toBe(false);
    expect(health.data.answers).toEqual(app.answerCache.counts());
  });
});

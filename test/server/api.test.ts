/**
 * The HTTP API through `inject`, over the bundled data (the RIS table of October 2015, the APNIC
 * registry, the intel corpus, the Sony Pictures ACH case) and, for outages, the SYNTHETIC
 * December 2014 replay of test/fixtures/synthetic-outage.ts written to a temporary file. Each
 * answer is parsed with its envelope schema (the app result schema inside) and its content is
 * checked against the data: facts from the bundled files, the fixture's stated timeline.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AchView,
  AsResult,
  CountriesResult,
  CountryResult,
  IntelAttributeResult,
  IntelCase,
  IntelCorrelateResult,
  IntelImportResult,
  IntelShowResult,
  IntelSimilarResult,
  IntelStixBundle,
  IpResult,
  OutageBinLine,
  OutageLifeCycle,
  OutageListItem,
  PrefixResult,
  WhatIfResult,
} from '../../src/app/index.js';
import { Problem, buildServer, envelope, loadServices, type LoadedServices } from '../../src/server/index.js';
import { SYNTHETIC_TIMELINE, buildSyntheticOutage, loadRealRoutes } from '../fixtures/synthetic-outage.js';

const DEMO = fileURLToPath(new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url));
const TOKEN = 'test-token-' + 'k'.repeat(32);
const AUTH = { authorization: `Bearer ${TOKEN}` };
const LAZARUS_3CX = 'misp-event--72f7a401-5a65-4977-8f43-4c34dda37b2f';
const CAMPAIGN_3CX = 'campaign--4fd53ccc-c6b1-4e3c-abe8-a456d46d789e';

let dir: string;
let services: LoadedServices;
let app: FastifyInstance;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-server-'));
  const archive = join(dir, 'synthetic-outage-201412.mrt');
  await writeFile(archive, buildSyntheticOutage(await loadRealRoutes(DEMO)));
  services = await loadServices({ outageMrt: [archive] });
  app = await buildServer({ ...services, token: TOKEN, webRoot: null });
});
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function get<T extends z.ZodType>(
  url: string,
  schema: T,
): Promise<z.infer<ReturnType<typeof envelope<T>>>> {
  const answer = await app.inject({ url });
  expect(answer.statusCode, `${url}: ${answer.body.slice(0, 300)}`).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  return envelope(schema).parse(answer.json());
}

async function problem(request: InjectOptions, status: number): Promise<z.infer<typeof Problem>> {
  const answer = await app.inject(request);
  expect(answer.statusCode, answer.body).toBe(status);
  const body = Problem.parse(answer.json());
  expect(body.status).toBe(status);
  return body;
}

describe('routing', () => {
  it('ranks the countries, KP with its single upstream path through AS4837, in pages and as CSV', async () => {
    const first = await get('/api/v1/countries?limit=50', CountriesResult);
    expect(first.data.countries).toHaveLength(50);
    expect(first.meta.page?.total).toBeGreaterThan(50);
    expect(first.meta.coverage).toEqual({
      peers: 1,
      files: 3,
      sources: ['updates.et-header.2015.gz', 'delegated-apnic-20141009.gz', 'asnames.json.gz'],
    });
    expect(first.meta.dataTime?.from).toMatch(/^2015-10-23T/);
    const all = [...first.data.countries];
    for (let cursor = first.meta.page?.next; cursor !== null && cursor !== undefined;) {
      const page = await get(`/api/v1/countries?limit=50&cursor=${cursor}`, CountriesResult);
      all.push(...page.data.countries);
      cursor = page.meta.page?.next;
    }
    expect(all).toHaveLength(first.meta.page!.total);
    const kp = all.find((c) => c.country === 'KP')!;
    expect(kp.upstreamCount).toBe(1);
    expect(kp.chokepoints).toContain(4837);
    expect(kp.prefixes).toBe(4);

    const search = await get('/api/v1/countries?q=kp', CountriesResult);
    expect(search.data.countries.map((c) => c.country)).toContain('KP');

    const csv = await app.inject({ url: '/api/v1/countries?format=csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'country,prefixes,visible_ipv4_slash24s,upstream_count,top_asn,top_name,top_hegemony,chokepoints',
    );
    expect(lines).toHaveLength(all.length + 1);
    expect(
      lines
        .find((l) => l.startsWith('KP,'))!
        .split(',')
        .slice(0, 4),
    ).toEqual(['KP', '4', '4', '1']);
  });

  it("answers a country: North Korea's dependency on AS4837", async () => {
    const { data, meta } = await get('/api/v1/countries/kp', CountryResult);
    expect(data.country).toBe('KP');
    expect(data.upstreams).toEqual([{ asn: 4837, name: 'CHINA169-BACKBONE', country: 'CN', share: 1 }]);
    const china = data.dependency.find((d) => d.asn === 4837)!;
    expect(china.hegemony).toBe(1);
    expect(data.chokepoints).toContain(4837);
    expect(data.origins.map((o) => o.asn)).toEqual([131279]);
    expect(data.prefixes.map((p) => p.prefix).sort()).toEqual([
      '175.45.176.0/24',
      '175.45.177.0/24',
      '175.45.178.0/24',
      '175.45.179.0/24',
    ]);
    expect(meta.queryMs).toBeGreaterThanOrEqual(0);
  });

  it('answers an AS, a prefix and an address', async () => {
    const star = await get('/api/v1/asns/AS131279', AsResult);
    expect(star.data.name).toBe('STAR-KP');
    expect(star.data.upstreams.map((u) => u.asn)).toEqual([4837]);

    for (const spelled of ['175.45.176.0_24', '175.45.176.0%2F24']) {
      const prefix = await get(`/api/v1/prefixes/${spelled}`, PrefixResult);
      expect(prefix.data.query).toBe('175.45.176.0/24');
      expect(prefix.data.exact).toBe(true);
      expect(prefix.data.origins.map((o) => o.asn)).toEqual([131279]);
    }
    const wider = await get('/api/v1/prefixes/175.45.176.0_22', PrefixResult);
    expect(wider.data.exact).toBe(false);
    expect(wider.data.prefix).toBe('175.45.176.0/24');

    const ip = await get('/api/v1/ips/175.45.178.9', IpResult);
    expect(ip.data.prefix).toBe('175.45.178.0/24');
    expect(ip.data.country).toBe('KP');
    expect(ip.data.paths[0].asPath).toBe('2914 1239 4837 131279');
    expect(ip.data.paths[0].upstreamChain.map((a) => a.asn)).toEqual([131279, 4837]);
  });
});

describe('bad input', () => {
  it('answers 400 naming the field for a request outside its schema', async () => {
    expect((await problem({ url: '/api/v1/countries?limit=0' }, 400)).field).toBe('query.limit');
    expect((await problem({ url: '/api/v1/countries?limit=abc' }, 400)).field).toBe('query.limit');
    expect((await problem({ url: '/api/v1/countries?format=xml' }, 400)).field).toBe('query.format');
    expect((await problem({ url: '/api/v1/countries?cursor=bm9wZQ' }, 400)).field).toBe('query.cursor');
    expect((await problem({ url: '/api/v1/countries/KPX' }, 400)).field).toBe('params.cc');
    expect((await problem({ url: '/api/v1/asns/four' }, 400)).field).toBe('params.asn');
    expect((await problem({ url: '/api/v1/outages?from=yesterday' }, 400)).field).toBe('query.from');
    expect(
      (await problem({ url: '/api/v1/outages?from=2014-12-23T00:00:00Z&to=2014-12-22T00:00:00Z' }, 400))
        .field,
    ).toBe('query.from');
    expect((await problem({ url: '/api/v1/ach/cases/sony-pictures-2014?asOf=20141220' }, 400)).field).toBe(
      'query.asOf',
    );
  });

  it('maps the typed errors of app to their status', async () => {
    const address = await problem({ url: '/api/v1/ips/175.45.999.1' }, 422);
    expect(address.code).toMatch(/^NET_/);
    const country = await problem({ url: '/api/v1/countries/XX' }, 422);
    expect(country.code).toBe('OBSERVATORY_BAD_COUNTRY');
    expect((await problem({ url: '/api/v1/intel/cases/case--none' }, 404)).code).toBe('INTEL_UNKNOWN_CASE');
    expect((await problem({ url: '/api/v1/outages/country-KP.999' }, 404)).code).toBe('API_NOT_FOUND');
    expect((await problem({ url: '/api/v1/nothing' }, 404)).code).toBe('API_NOT_FOUND');
  });
});

describe('outages', () => {
  it('lists the replayed events with a time range and pages, and one event with its life cycle', async () => {
    const all = await get('/api/v1/outages?limit=1000', z.object({ events: z.array(OutageListItem) }));
    const closed = all.data.events.filter((e) => !e.open);
    // The fixture's timeline, stated independently of the detector.
    expect(closed.map((e) => e.classification)).toEqual(SYNTHETIC_TIMELINE.map((e) => e.classification));
    expect(all.data.events.every((e) => e.selection === 'country KP')).toBe(true);
    expect(all.meta.coverage.sources).toEqual(['synthetic-outage-201412.mrt']);
    expect(all.meta.dataTime?.from).toMatch(/^2014-12-/);

    const day = await get(
      '/api/v1/outages?from=2014-12-22T00:00:00Z&to=2014-12-22T23:59:59Z',
      z.object({ events: z.array(OutageListItem) }),
    );
    expect(day.data.events.length).toBeGreaterThan(0);
    expect(day.data.events.length).toBeLessThan(all.data.events.length);
    expect(day.data.events.some((e) => e.startTime.startsWith('2014-12-22T16:15'))).toBe(true);

    const first = await get('/api/v1/outages?limit=2', z.object({ events: z.array(OutageListItem) }));
    const second = await get(
      `/api/v1/outages?limit=2&cursor=${first.meta.page!.next}`,
      z.object({ events: z.array(OutageListItem) }),
    );
    expect([...first.data.events, ...second.data.events].map((e) => e.ref)).toEqual(
      all.data.events.slice(0, 4).map((e) => e.ref),
    );

    const long = all.data.events.find((e) => e.startTime.startsWith('2014-12-22T16:15'))!;
    const cycle = await get(`/api/v1/outages/${long.ref}`, OutageLifeCycle);
    expect(cycle.data.event.ref).toBe(long.ref);
    expect(cycle.data.phases[0].phase).toBe('open');
    expect(cycle.data.phases.at(-1)!.phase).toBe('close');
    expect(cycle.data.phases.some((p) => p.phase === 'update')).toBe(true);
    expect(cycle.data.bins.some((b) => b.inEvent)).toBe(true);
    expect(cycle.data.event.cause).toBe('origin-withdrawal');
  });

  it("answers a country's events and its visibility series, as JSON and CSV", async () => {
    const kp = await get('/api/v1/countries/KP/outages', z.object({ events: z.array(OutageListItem) }));
    expect(kp.data.events.length).toBeGreaterThanOrEqual(SYNTHETIC_TIMELINE.length);
    const series = await get(
      '/api/v1/countries/KP/visibility?from=2014-12-22T12:00:00Z&to=2014-12-23T00:00:00Z',
      z.object({ selection: z.string(), binSeconds: z.number(), bins: z.array(OutageBinLine) }),
    );
    expect(series.data.selection).toBe('country KP');
    expect(series.data.bins.length).toBe((12 * 3600) / series.data.binSeconds + 1);
    expect(series.data.bins.some((b) => b.inEvent && b.ipv4Slash24s === 0)).toBe(true);
    const csv = await app.inject({ url: '/api/v1/countries/KP/visibility?format=csv' });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\n')[0]).toMatch(/^time,value,minimum,/);
  });
});

describe('what if (issue 19 point 2)', () => {
  it("cuts North Korea's four prefixes off when AS4837 is removed, with the evidence", async () => {
    const { data, meta } = await get('/api/v1/whatif?remove=AS4837&country=kp', WhatIfResult);
    expect(data.removed).toEqual([{ asn: 4837, name: 'CHINA169-BACKBONE', country: 'CN' }]);
    expect(meta.coverage.sources[0]).toBe('updates.et-header.2015.gz');
    const [kp] = data.countries;
    expect(kp.country).toBe('KP');
    expect(kp.share).toEqual({ observed: 0, alternative: 0, cut: 1 });
    expect(kp.prefixes.map((p) => p.prefix).sort()).toEqual([
      '175.45.176.0/24',
      '175.45.177.0/24',
      '175.45.178.0/24',
      '175.45.179.0/24',
    ]);
    for (const prefix of kp.prefixes) {
      expect(prefix.fate).toBe('cut');
      // Reference: every observed path crosses AS4837, so none survives its removal.
      expect(prefix.vantagePoints.length).toBeGreaterThan(0);
      for (const vp of prefix.vantagePoints) {
        expect(vp.asPath.split(' ').map(Number)).toContain(4837);
        expect(vp.survives).toBe(false);
      }
      const link = prefix.originLinks.find((l) => l.to === 4837)!;
      expect(link.removed).toBe(true);
      expect(link.evidence.some((path) => path.endsWith('4837 131279'))).toBe(true);
    }
    expect(data.limits.length).toBeGreaterThan(0);
  });

  it('keeps every prefix over observed paths when an AS none of them crosses is removed, for several countries', async () => {
    const { data } = await get('/api/v1/whatif?remove=64496&remove=64497&country=KP,CN', WhatIfResult);
    expect(data.removed.map((r) => r.asn)).toEqual([64496, 64497]);
    expect(data.countries.map((c) => c.country)).toEqual(['KP', 'CN']);
    expect(data.countries[0].share).toEqual({ observed: 1, alternative: 0, cut: 0 });
  });

  it('answers 400 naming the field for bad or missing input', async () => {
    expect((await problem({ url: '/api/v1/whatif?remove=four&country=KP' }, 400)).field).toMatch(/remove/);
    expect((await problem({ url: '/api/v1/whatif?remove=4837' }, 400)).field).toMatch(/country/);
    expect((await problem({ url: '/api/v1/whatif?remove=4837&country=KPX' }, 400)).field).toMatch(/country/);
    const many = Array.from({ length: 21 }, (_, k) => 64496 + k).join(',');
    expect((await problem({ url: `/api/v1/whatif?remove=${many}&country=KP` }, 400)).field).toMatch(/remove/);
    // A well-formed code that names no country is the typed error's status, as on /countries/:cc.
    expect((await problem({ url: '/api/v1/whatif?remove=4837&country=QQ' }, 422)).code).toBe(
      'OBSERVATORY_BAD_COUNTRY',
    );
  });
});

describe('AS outages and visibility', () => {
  it("answers AS131279's events and visibility series like the country's, as JSON and CSV", async () => {
    const events = await get('/api/v1/asns/AS131279/outages', z.object({ events: z.array(OutageListItem) }));
    expect(events.data.events.length).toBeGreaterThanOrEqual(SYNTHETIC_TIMELINE.length);
    expect(events.data.events.every((e) => e.selection === 'AS131279')).toBe(true);
    const series = await get(
      '/api/v1/asns/131279/visibility?from=2014-12-22T12:00:00Z&to=2014-12-23T00:00:00Z',
      z.object({ selection: z.string(), binSeconds: z.number(), bins: z.array(OutageBinLine) }),
    );
    expect(series.data.selection).toBe('AS131279');
    expect(series.data.bins.length).toBe((12 * 3600) / series.data.binSeconds + 1);
    expect(series.data.bins.some((b) => b.inEvent && b.ipv4Slash24s === 0)).toBe(true);
    expect(series.data.bins.some((b) => b.ipv4Slash24s === 4)).toBe(true);
    const csv = await app.inject({ url: '/api/v1/asns/AS131279/visibility?format=csv' });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('visibility-AS131279.csv');
    expect((await problem({ url: '/api/v1/asns/AS13x/visibility' }, 400)).field).toMatch(/asn/);
    expect((await problem({ url: '/api/v1/asns/131279/outages?from=nope' }, 400)).field).toMatch(/from/);
  });
});

describe('intel', () => {
  it('lists the cases with a time range, shows one, attributes, finds similar, correlates, exports', async () => {
    const list = await get('/api/v1/intel/cases?q=3CX', z.object({ cases: z.array(IntelCase) }));
    expect(list.data.cases.map((c) => c.id)).toEqual(expect.arrayContaining([LAZARUS_3CX, CAMPAIGN_3CX]));
    const everything = await get('/api/v1/intel/cases?limit=1000', z.object({ cases: z.array(IntelCase) }));
    const ranged = await get(
      '/api/v1/intel/cases?limit=1000&from=2023-01-01T00:00:00Z&to=2023-12-31T23:59:59Z',
      z.object({ cases: z.array(IntelCase) }),
    );
    expect(ranged.data.cases.length).toBeGreaterThan(0);
    expect(ranged.data.cases.length).toBeLessThan(everything.data.cases.length);

    const show = await get(`/api/v1/intel/cases/${LAZARUS_3CX}`, IntelShowResult);
    expect(show.data.case.id).toBe(LAZARUS_3CX);
    expect(show.data.indicators.length).toBeGreaterThan(0);

    const attribution = await get(
      `/api/v1/intel/cases/${LAZARUS_3CX}/attribution?ignoreLabels=true`,
      IntelAttributeResult,
    );
    expect(attribution.data.candidates[0].actor).toBe('Lazarus Group');
    expect(attribution.data.candidates[0].evidence.length).toBeGreaterThan(0);

    const similar = await get(`/api/v1/intel/cases/${LAZARUS_3CX}/similar?limit=3`, IntelSimilarResult);
    expect(similar.data.similar.length).toBeLessThanOrEqual(3);
    expect(similar.data.actors.length).toBeGreaterThan(0);

    const linked = await get(
      `/api/v1/intel/cases/${LAZARUS_3CX}/correlate/${CAMPAIGN_3CX}`,
      IntelCorrelateResult,
    );
    expect(linked.data.other).toBe(CAMPAIGN_3CX);
    if (linked.data.link !== null) expect(linked.data.link.evidence.length).toBeGreaterThan(0);

    const stix = await get(`/api/v1/intel/cases/${LAZARUS_3CX}/stix`, IntelStixBundle);
    expect(stix.data.type).toBe('bundle');
    expect(stix.data.objects.length).toBeGreaterThan(show.data.indicators.length / 2);
  });

  it('imports a STIX bundle only with the token, then lists and enriches what it brought in', async () => {
    const bundle = {
      type: 'bundle',
      id: 'bundle--6b8e2a52-2f8d-4b7e-9c55-1d7c0a1b2c3d',
      objects: [
        {
          type: 'report',
          spec_version: '2.1',
          id: 'report--0b0c0d0e-1111-4222-8333-944455556666',
          created: '2024-02-01T00:00:00.000Z',
          modified: '2024-02-01T00:00:00.000Z',
          name: 'SYNTHETIC import through the API',
          published: '2024-02-01T00:00:00.000Z',
          object_refs: ['indicator--0b0c0d0e-1111-4222-8333-944455556667'],
        },
        {
          type: 'indicator',
          spec_version: '2.1',
          id: 'indicator--0b0c0d0e-1111-4222-8333-944455556667',
          created: '2024-02-01T00:00:00.000Z',
          modified: '2024-02-01T00:00:00.000Z',
          pattern: "[ipv4-addr:value = '175.45.178.9']",
          pattern_type: 'stix',
          valid_from: '2024-02-01T00:00:00.000Z',
        },
      ],
    };
    const url = '/api/v1/intel/import?name=synthetic-bundle.json';
    expect((await problem({ method: 'POST', url, payload: bundle }, 401)).code).toBe('API_UNAUTHORIZED');
    expect(
      (
        await problem(
          { method: 'POST', url, payload: bundle, headers: { authorization: 'Bearer wrong' } },
          401,
        )
      ).code,
    ).toBe('API_UNAUTHORIZED');
    expect(
      (
        await problem(
          { method: 'POST', url, payload: bundle, headers: { authorization: `Basic ${TOKEN}` } },
          401,
        )
      ).code,
    ).toBe('API_UNAUTHORIZED');
    const answer = await app.inject({ method: 'POST', url, payload: bundle, headers: AUTH });
    expect(answer.statusCode, answer.body).toBe(200);
    const imported = envelope(IntelImportResult.extend({ cases: z.array(z.string()) })).parse(answer.json());
    expect(imported.data.files[0].file).toBe('upload:synthetic-bundle.json');
    expect(imported.data.files[0].format).toBe('stix');
    expect(imported.data.files[0].added?.indicator).toBe(1);
    expect(imported.meta.coverage.sources).toContain('upload:synthetic-bundle.json');
    expect(imported.data.cases).toHaveLength(1);
    // The imported report sits in North Korea's space: it is now one of KP's incidents.
    const incidents = await get('/api/v1/countries/KP/incidents', z.object({ cases: z.array(IntelCase) }));
    expect(incidents.data.cases.map((c) => c.id)).toContain(imported.data.cases[0]);
    const shown = await get(`/api/v1/intel/cases/${imported.data.cases[0]}`, IntelShowResult);
    expect(shown.data.indicators[0].enrichment?.originAsns).toEqual([131279]);
    expect(shown.data.indicators[0].enrichment?.upstreams).toContain(4837);
  });
});

describe('ACH', () => {
  it('reads the Sony case, as of a date, and changes a rating only with the token', async () => {
    const full = await get('/api/v1/ach/cases/sony-pictures-2014', AchView);
    expect(full.data.top).toEqual(['H1']);
    expect(full.data.hiddenEvidence).toEqual([]);
    const early = await get('/api/v1/ach/cases/sony-pictures-2014?asOf=2014-12-20', AchView);
    expect(early.data.asOf).toBe('2014-12-20');
    expect(early.data.hiddenEvidence.length).toBeGreaterThan(0);
    expect(early.data.evidence.length + early.data.hiddenEvidence.length).toBe(full.data.evidence.length);

    const url = '/api/v1/ach/cases/sony-pictures-2014/ratings/E01/H1';
    expect((await problem({ method: 'PUT', url, payload: { rating: 'II' } }, 401)).code).toBe(
      'API_UNAUTHORIZED',
    );
    expect((await problem({ method: 'PUT', url, payload: { rating: 'X' }, headers: AUTH }, 400)).field).toBe(
      'body.rating',
    );
    expect(
      (
        await problem(
          { method: 'PUT', url: url.replace('E01', 'E99'), payload: { rating: 'II' }, headers: AUTH },
          404,
        )
      ).field,
    ).toBe('evidence');
    // Every item rated strongly against the leading hypothesis moves it down the ranking.
    let view = full.data;
    for (const item of full.data.evidence) {
      const answer = await app.inject({
        method: 'PUT',
        url: `/api/v1/ach/cases/sony-pictures-2014/ratings/${item.id}/H1`,
        payload: { rating: 'II' },
        headers: AUTH,
      });
      expect(answer.statusCode, answer.body).toBe(200);
      view = envelope(AchView).parse(answer.json()).data;
    }
    expect(view.top).not.toContain('H1');
    expect(view.hypotheses.find((h) => h.id === 'H1')!.inconsistency).toBeGreaterThan(
      full.data.hypotheses.find((h) => h.id === 'H1')!.inconsistency,
    );
    const after = await get('/api/v1/ach/cases/sony-pictures-2014', AchView);
    expect(after.data.ranking).toEqual(view.ranking);
    const list = await get(
      '/api/v1/ach/cases',
      z.object({ cases: z.array(z.object({ edits: z.number() })) }),
    );
    expect(list.data.cases[0].edits).toBe(full.data.evidence.length);
  });
});

describe('safety', () => {
  it('sends the security headers and no CORS headers', async () => {
    const answer = await app.inject({
      url: '/api/v1/countries/KP',
      headers: { origin: 'https://elsewhere.example' },
    });
    const csp = String(answer.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/intel/import',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
    });
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('answers an unexpected failure with no stack trace and no server path', async () => {
    const bare = await buildServer({ ...services, token: TOKEN, webRoot: null });
    const here = fileURLToPath(import.meta.url);
    bare.get('/api/v1/test-failure', async () => {
      throw new Error(`cannot open ${here}`);
    });
    const answer = await bare.inject({ url: '/api/v1/test-failure' });
    expect(answer.statusCode).toBe(500);
    expect(answer.json()).toEqual({ code: 'SERVER_INTERNAL', message: 'internal error', status: 500 });
    expect(answer.body).not.toContain('/');
    await bare.close();
  });

  it('limits the body size and the request rate', async () => {
    const small = await buildServer({ ...services, token: TOKEN, webRoot: null, bodyLimit: 1024 });
    const big = await small.inject({
      method: 'POST',
      url: '/api/v1/intel/import?name=big.csv',
      headers: { ...AUTH, 'content-type': 'text/plain' },
      payload: 'ip\n' + '10.0.0.1\n'.repeat(200),
    });
    expect(big.statusCode).toBe(413);
    expect(Problem.parse(big.json()).code).toBe('API_BODY_TOO_LARGE');
    await small.close();

    const limited = await buildServer({
      ...services,
      token: TOKEN,
      webRoot: null,
      rateLimit: { max: 3, windowMs: 60_000 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await limited.inject({ url: '/api/v1/countries/KP' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await limited.inject({ url: '/api/v1/countries/KP' });
    expect(Problem.parse(refused.json()).code).toBe('API_RATE_LIMITED');
    expect(refused.headers['retry-after']).toBeDefined();
    await limited.close();
  });
});

describe('services still loading', () => {
  it('answers routes that need nothing loaded at once, and the others once what they read is there', async () => {
    let release!: (loaded: LoadedServices['workspace']) => void;
    const workspace = new Promise<LoadedServices['workspace']>((resolve) => (release = resolve));
    const starting = await buildServer({ ...services, workspace, token: TOKEN, webRoot: null });
    try {
      let answered = false;
      const country = starting.inject({ url: '/api/v1/countries/KP' }).then((answer) => {
        answered = true;
        return answer;
      });
      // The store routes read no service: this one answers (503, no store) while the world loads.
      const status = await starting.inject({ url: '/api/v1/ingest/status' });
      expect(status.statusCode).toBe(503);
      expect(Problem.parse(status.json()).code).toBe('API_NO_STORE');
      // Bad input is refused before waiting for anything.
      expect((await starting.inject({ url: '/api/v1/countries/KPX' })).statusCode).toBe(400);
      expect(answered).toBe(false);
      release(services.workspace);
      const answer = await country;
      expect(answer.statusCode).toBe(200);
      expect(envelope(CountryResult).parse(answer.json()).data.upstreams[0].asn).toBe(4837);
    } finally {
      await starting.close();
    }
  });

  it('answers the loading error to the routes that read what failed to load', async () => {
    const failed = Promise.reject(
      Object.assign(new Error('/secret/path/world.mrt: unreadable'), { code: 'EACCES' }),
    );
    // As startServices does: the failure is kept for the routes, not reported as unhandled.
    failed.catch(() => undefined);
    const broken = await buildServer({ ...services, workspace: failed, token: TOKEN, webRoot: null });
    try {
      const answer = await broken.inject({ url: '/api/v1/countries/KP' });
      expect(answer.statusCode).toBe(500);
      expect(answer.body).not.toContain('/secret/path');
      expect((await broken.inject({ url: '/api/v1/ach/cases' })).statusCode).toBe(200);
    } finally {
      await broken.close();
    }
  });
});

describe('web UI', () => {
  it('says the UI is not built, as text, when web/dist is absent', async () => {
    const answer = await app.inject({ url: '/' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    expect(answer.body).toMatch(/web UI is not built/);
  });

  it('serves a built UI with an SPA fallback for non-API paths', async () => {
    const web = join(dir, 'dist');
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(join(web, 'assets'), { recursive: true });
      await fs.writeFile(
        join(web, 'index.html'),
        '<!doctype html><title>cairn</title><script src="/assets/app.js"></script>',
      );
      await fs.writeFile(join(web, 'assets', 'app.js'), 'console.log("cairn");');
    });
    const served = await buildServer({ ...services, token: TOKEN, webRoot: web });
    const root = await served.inject({ url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toMatch(/^text\/html/);
    expect(root.body).toContain('<title>cairn</title>');
    const deep = await served.inject({ url: '/country/KP?tab=outages' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>cairn</title>');
    const script = await served.inject({ url: '/assets/app.js' });
    expect(script.headers['content-type']).toMatch(/javascript/);
    const api = await served.inject({ url: '/api/v1/unknown' });
    expect(api.statusCode).toBe(404);
    expect(Problem.parse(api.json()).code).toBe('API_NOT_FOUND');
    await served.close();
  });
});

/**
 * app's routing questions on real data, each answer compared with facts recomputed from
 * `bgpdump -m` text and the delegated file split on '|' (test/country-reference.ts), and each
 * result holding exactly its schema's fields.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countryOfAsn,
  forgetReferences,
  loadRegistry,
  prefixesByCountry,
  prefixRange,
  replayBgpdump,
  sequenceAsns,
  type RefRegistry,
  type RefRoute,
} from '../../test/country-reference.js';
import {
  AsResult,
  asnReport,
  countriesReport,
  CountryResult,
  countryReport,
  ipReport,
  IpResult,
} from './country.js';

const data = (path: string): string => fileURLToPath(new URL(`../../data/${path}`, import.meta.url));
const UPDATES = data('mrt/ripe-bgpdump/updates.et-header.2015.gz');
const APNIC = data('registry/delegated-apnic-20141009.gz');

// The reference replays are big (bgpdump's text): later files in this worker need not keep them.
afterAll(forgetReferences);

/** Every key of a zod object schema's output, nested objects and arrays included, is in `value`. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [] : keysOf(value[0]).map((k) => `[].${k}`);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v).map((inner) => `${k}.${inner}`)]);
}

// Each question loads its world anew (as a face's request does): slow on a busy machine.
describe('routing questions on updates.et-header.2015.gz with APNIC 2014', { timeout: 600_000 }, () => {
  let reference: ReadonlyMap<string, RefRoute>;
  let registry: RefRegistry;
  let routes: Map<string, RefRoute>;

  beforeAll(() => {
    reference = replayBgpdump(UPDATES);
    registry = loadRegistry(APNIC);
    routes = new Map([...reference.values()].map((r) => [r.prefix, r]));
  });

  it('countryReport: prefixes, origins and upstreams of BT as the reference finds them', async () => {
    const report = await countryReport({ country: 'bt', mrt: [UPDATES] });
    expect(report.country).toBe('BT');
    const prefixes = prefixesByCountry(registry, reference).get('BT') ?? [];
    expect(prefixes.length).toBeGreaterThan(0);
    const ipv4 = report.prefixes.filter((p) => !p.prefix.includes(':'));
    expect(ipv4.map((p) => p.prefix).sort()).toEqual([...prefixes].sort());
    for (const p of ipv4) {
      const path = routes.get(p.prefix)!.path;
      expect(p.origins).toEqual([Number(path[path.length - 1])]);
    }
    const upstreams = new Set<number>();
    for (const p of prefixes) {
      const asns = sequenceAsns(routes.get(p)!.path);
      const upstream = [...asns].reverse().find((asn) => countryOfAsn(registry, asn) !== 'BT');
      if (upstream !== undefined) upstreams.add(upstream);
    }
    expect(new Set(report.upstreams.map((u) => u.asn))).toEqual(upstreams);
    expect(report.upstreamCount).toBe(upstreams.size);
    // Exactly the schema's fields: the origins carry no prefix count, as `cairn country --json` never did.
    expect(keysOf(report)).toEqual(keysOf(CountryResult.parse(report)));
    expect(Object.keys(report.origins[0])).toEqual(['asn', 'name', 'share']);
  });

  it('countryReport rejects a bad code before reading any file', async () => {
    await expect(countryReport({ country: 'XX', mrt: [data('mrt/no-such-file')] })).rejects.toMatchObject({
      code: 'OBSERVATORY_BAD_COUNTRY',
    });
  });

  it('asnReport: what AS131279 originates and its upstream, from the bgpdump paths', async () => {
    const report = await asnReport({ asn: 'AS131279', mrt: [UPDATES] });
    const originated = [...reference.values()].filter((r) => r.path[r.path.length - 1] === '131279');
    expect(report.prefixes.map((p) => p.prefix)).toEqual(originated.map((r) => r.prefix).sort());
    const neighbours = new Set(originated.map((r) => Number(r.path[r.path.length - 2])));
    expect(report.upstreams.map((u) => u.asn)).toEqual([...neighbours]);
    expect(report.prefixes.every((p) => p.country === 'KP')).toBe(true);
    expect(keysOf(report)).toEqual(keysOf(AsResult.parse(report)));
  });

  it('ipReport: the covering route, its path and the chain to the first AS outside the country', async () => {
    const report = await ipReport({ address: '175.45.178.1', mrt: [UPDATES] });
    const route = routes.get('175.45.178.0/24')!;
    expect(report.prefix).toBe(route.prefix);
    expect(report.country).toBe('KP');
    expect(report.paths.map((p) => [p.peerAsn, p.asPath])).toEqual([[route.peerAsn, route.path.join(' ')]]);
    const asns = sequenceAsns(route.path).reverse();
    const border = asns.findIndex((asn) => countryOfAsn(registry, asn) !== 'KP');
    expect(report.paths[0].upstreamChain.map((h) => h.asn)).toEqual(asns.slice(0, border + 1));
    expect(keysOf(report)).toEqual(keysOf(IpResult.parse(report)));
    // 10.1.2.3 is in no delegation; the table holds a default route, which covers it.
    const other = await ipReport({ address: '10.1.2.3', mrt: [UPDATES] });
    const covering = [...routes.keys()]
      .filter((p) => !p.includes(':'))
      .filter((p) => {
        const { start, end } = prefixRange(p);
        return start <= 0x0a010203 && 0x0a010203 < end;
      })
      .sort((a, b) => Number(a.split('/')[1]) - Number(b.split('/')[1]));
    expect(other.covering).toEqual(covering);
    expect(other.prefix).toBe(covering[covering.length - 1]);
    expect(other.country).toBe('');
    expect(other.paths.map((p) => p.asPath)).toEqual(
      covering.length === 0 ? [] : [routes.get(other.prefix!)!.path.join(' ')],
    );
  });

  it('countriesReport: every country with announced space, single-upstream countries first', async () => {
    const { countries } = await countriesReport({ mrt: [UPDATES] });
    const expected = prefixesByCountry(registry, reference);
    for (const [cc, prefixes] of expected) {
      const rank = countries.find((r) => r.country === cc);
      expect(rank, cc).toBeDefined();
      expect(rank!.prefixes).toBeGreaterThanOrEqual(prefixes.length);
    }
    const firstMulti = countries.findIndex((r) => r.upstreamCount !== 1);
    expect(countries.slice(firstMulti).every((r) => r.upstreamCount !== 1)).toBe(true);
    expect(countries.find((r) => r.country === 'KP')).toMatchObject({ upstreamCount: 1, prefixes: 4 });
  });
});

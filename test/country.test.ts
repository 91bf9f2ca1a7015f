/**
 * Country views on real data, each fact compared with an independent reference computed from
 * `bgpdump -m` text and the delegated file split on '|' (test/country-reference.ts); and the
 * commands over them run in process (`runCli`), their JSON being the app result as it is.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countryReport, loadAsNamesFile, loadRegistryFiles } from '../src/app/index.js';
import { captureIo } from '../src/cli/io.js';
import { runCli } from '../src/cli/program.js';
import { scanMrt } from '../src/mrt/index.js';
import { parseAddress, parsePrefix } from '../src/net/index.js';
import { Observatory } from '../src/observatory/index.js';
import { RoutingTable } from '../src/routing/index.js';
import {
  countryOfAsn,
  forgetReferences,
  loadRegistry,
  prefixesByCountry,
  referenceHegemony,
  replayBgpdump,
  sequenceAsns,
  weights,
  type RefRegistry,
  type RefRoute,
} from './country-reference.js';

const data = (path: string): string => fileURLToPath(new URL(`../data/${path}`, import.meta.url));
const APNIC = data('registry/delegated-apnic-20141009.gz');
const UPDATES = data('mrt/ripe-bgpdump/updates.et-header.2015.gz');
const RIB = data('mrt/pyasn/rib.20140523.0600_firstMB.bz2');

// The reference replays are big (bgpdump's text): later files in this worker need not keep them.
afterAll(forgetReferences);

async function build(
  file: string,
): Promise<{ table: RoutingTable; observatory: Observatory; problems: string[] }> {
  const table = new RoutingTable();
  const problems: string[] = [];
  await scanMrt(file, table.visitor(), { onProblem: (p) => problems.push(p.code) });
  const { registry } = await loadRegistryFiles([APNIC]);
  const names = await loadAsNamesFile(data('registry/asnames.json.gz'));
  return { table, observatory: new Observatory(table, registry, names), problems };
}

describe('single vantage point: updates.et-header.2015.gz with APNIC 2014', () => {
  let observatory: Observatory;
  let table: RoutingTable;
  let reference: ReadonlyMap<string, RefRoute>;
  let registry: RefRegistry;
  let byCountry: Map<string, string[]>;
  let routes: Map<string, RefRoute>;

  beforeAll(async () => {
    ({ observatory, table } = await build(UPDATES));
    reference = replayBgpdump(UPDATES);
    registry = loadRegistry(APNIC);
    byCountry = prefixesByCountry(registry, reference);
    routes = new Map([...reference.values()].map((r) => [r.prefix, r]));
  });

  it('holds the same routes as a replay of bgpdump output', () => {
    expect(table.routeCount).toBe(reference.size);
    expect(table.peerCount).toBe(1);
    for (const route of [...reference.values()].filter((_, i) => i % 5000 === 0)) {
      const routes = table.routesOf(parsePrefix(route.prefix));
      expect(routes.map((r) => r.attributes.asPathText)).toEqual([route.path.join(' ')]);
    }
  });

  it('KP: four /24s of AS131279, AS4837 the only upstream and a chokepoint', () => {
    const kp = observatory.country('KP');
    expect(kp.prefixes).toEqual([
      { prefix: '175.45.176.0/24', origins: [131279] },
      { prefix: '175.45.177.0/24', origins: [131279] },
      { prefix: '175.45.178.0/24', origins: [131279] },
      { prefix: '175.45.179.0/24', origins: [131279] },
    ]);
    expect(kp.upstreams.map((u) => [u.asn, u.share])).toEqual([[4837, 1]]);
    expect(kp.upstreamCount).toBe(1);
    expect(kp.chokepoints).toContain(4837);
    expect(kp.space.registered.ipv4Slash24s).toBe(4);
    expect(kp.space.visible.ipv4Slash24s).toBe(4);
    expect(kp.origins.map((o) => [o.asn, o.name, o.share])).toEqual([[131279, 'STAR-KP', 1]]);
  });

  for (const cc of ['KP', 'BT', 'PK']) {
    it(`${cc}: prefixes, origins, upstreams, space and dependency match the reference`, () => {
      const view = observatory.country(cc);
      const prefixes = byCountry.get(cc) ?? [];
      expect(prefixes.length).toBeGreaterThan(0);
      // Prefixes and origins.
      const mine = view.prefixes.filter((p) => !p.prefix.includes(':'));
      expect(mine.map((p) => p.prefix).sort()).toEqual([...prefixes].sort());
      for (const p of mine) {
        const path = routes.get(p.prefix)!.path;
        // The last AS, or every member of a final AS_SET "{a,b}".
        const last = path[path.length - 1].replace(/[{}]/g, '').split(',').map(Number);
        expect(p.origins).toEqual(last.sort((a, b) => a - b));
      }
      // Visible space.
      const w = weights(prefixes, reference);
      const total = [...w.values()].reduce((a, b) => a + b, 0);
      expect(view.space.visible.ipv4Slash24s).toBeCloseTo(total / 256, 9);
      // Origin shares.
      const originWeight = new Map<number, number>();
      for (const p of prefixes) {
        const path = routes.get(p)!.path;
        for (const origin of new Set(path[path.length - 1].replace(/[{}]/g, '').split(',').map(Number))) {
          originWeight.set(origin, (originWeight.get(origin) ?? 0) + w.get(p)!);
        }
      }
      expect(view.origins.length).toBe(originWeight.size);
      for (const o of view.origins) expect(o.share).toBeCloseTo(originWeight.get(o.asn)! / total, 9);
      // Upstreams: first AS outside the country walking from the origin.
      const upstreamWeight = new Map<number, number>();
      for (const p of prefixes) {
        const asns = sequenceAsns(routes.get(p)!.path);
        const upstream = [...asns].reverse().find((asn) => countryOfAsn(registry, asn) !== cc);
        if (upstream !== undefined)
          upstreamWeight.set(upstream, (upstreamWeight.get(upstream) ?? 0) + w.get(p)!);
      }
      expect(new Set(view.upstreams.map((u) => u.asn))).toEqual(new Set(upstreamWeight.keys()));
      for (const u of view.upstreams) expect(u.share).toBeCloseTo(upstreamWeight.get(u.asn)! / total, 9);
      // Dependency with one vantage point: the share of the space whose path crosses the AS.
      const hegemony = referenceHegemony(prefixes, w, reference);
      const positive = [...hegemony].filter(([, h]) => h > 0);
      expect(view.dependency.length).toBe(positive.length);
      for (const d of view.dependency) expect(d.hegemony).toBeCloseTo(hegemony.get(d.asn)!, 9);
      expect(view.chokepoints.sort()).toEqual(
        positive
          .filter(([, h]) => h >= 0.99)
          .map(([asn]) => asn)
          .sort(),
      );
    });
  }

  it('computes every country and ranks single-upstream countries first', () => {
    const ranks = observatory.rankCountries();
    expect(ranks.length).toBe(observatory.countries().length);
    const firstMulti = ranks.findIndex((r) => r.upstreamCount !== 1);
    expect(ranks.slice(firstMulti).every((r) => r.upstreamCount !== 1)).toBe(true);
    expect(ranks.find((r) => r.country === 'KP')!.upstreamCount).toBe(1);
  });

  it('AS and address views', () => {
    const star = observatory.asView(131279);
    expect(star.prefixes.map((p) => p.prefix)).toEqual([
      '175.45.176.0/24',
      '175.45.177.0/24',
      '175.45.178.0/24',
      '175.45.179.0/24',
    ]);
    expect(star.upstreams.map((u) => [u.asn, u.share])).toEqual([[4837, 1]]);
    const china = observatory.asView(4837);
    expect(china.downstreams.map((d) => d.asn)).toContain(131279);
    const view = observatory.addressView(parseAddress('175.45.178.1'), '175.45.178.1');
    expect(view.prefix).toBe('175.45.178.0/24');
    expect(view.country).toBe('KP');
    expect(view.origins.map((o) => o.asn)).toEqual([131279]);
    expect(view.paths.map((p) => p.asPath)).toEqual(['2914 1239 4837 131279']);
    expect(view.paths[0].upstreamChain.map((h) => h.asn)).toEqual([131279, 4837]);
  });

  it('rejects bad country codes and ASNs with typed errors', () => {
    for (const bad of ['XX', 'kpx', '', 'ZZ', '\u001b[31m']) {
      expect(() => observatory.country(bad)).toThrow(
        expect.objectContaining({ code: 'OBSERVATORY_BAD_COUNTRY' }),
      );
    }
    expect(() => observatory.asView(-1)).toThrow(expect.objectContaining({ code: 'OBSERVATORY_BAD_ASN' }));
  });
});

describe('many vantage points: rib.20140523.0600_firstMB.bz2 (35 peers)', () => {
  it('hegemony of every AS of the three largest countries matches a slow reference', async () => {
    const { observatory, table, problems } = await build(RIB);
    expect(problems).toContain('MRT_TRUNCATED_STREAM'); // the file is cut at 1 MB
    expect(table.peerCount).toBe(35);
    const reference = replayBgpdump(RIB);
    expect(table.routeCount).toBe(reference.size);
    const registry = loadRegistry(APNIC);
    const byCountry = prefixesByCountry(registry, reference);
    const largest = [...byCountry].sort((a, b) => b[1].length - a[1].length).slice(0, 3);
    expect(largest.length).toBe(3);
    let compared = 0;
    for (const [cc, prefixes] of largest) {
      const view = observatory.country(cc);
      expect(view.vantagePoints.peers).toBeGreaterThan(20);
      const expected = referenceHegemony(prefixes, weights(prefixes, reference), reference);
      const positive = [...expected].filter(([, h]) => h > 0);
      expect(view.dependency.length).toBe(positive.length);
      for (const [asn, h] of positive) {
        const mine = view.dependency.find((d) => d.asn === asn);
        expect(mine?.hegemony, `${cc} AS${asn}`).toBeCloseTo(h, 9);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });
});

// Each command loads its world anew: slow on a busy machine.
describe('the commands: cairn country, asn, ip, countries', { timeout: 600_000 }, () => {
  const run = async (args: string[]): Promise<{ stdout: string; stderr: string; status: number }> => {
    const io = captureIo();
    const status = await runCli(args, io);
    return { stdout: io.out(), stderr: io.err(), status };
  };

  it('country --json prints the app result as it is, and its facts are the reference facts', async () => {
    const result = await run(['country', 'kp', '--mrt', UPDATES, '--json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const expected = await countryReport({ country: 'KP', mrt: [UPDATES] });
    expect(result.stdout).toBe(JSON.stringify(expected) + '\n');
    const json = JSON.parse(result.stdout);
    const reference = replayBgpdump(UPDATES);
    const kp = prefixesByCountry(loadRegistry(APNIC), reference).get('KP')!;
    expect(json.prefixes.map((p: { prefix: string }) => p.prefix)).toEqual([...kp].sort());
    expect(json.upstreams.map((u: { asn: number; share: number }) => [u.asn, u.share])).toEqual([[4837, 1]]);
    // The fields `cairn country --json` has always printed, in their order.
    expect(Object.keys(json)).toEqual([
      'country',
      'prefixes',
      'space',
      'origins',
      'upstreams',
      'dependency',
      'chokepoints',
      'upstreamCount',
      'vantagePoints',
    ]);
  });

  it('country prints tables for people', async () => {
    const result = await run(['country', 'KP', '--mrt', UPDATES]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Country KP: 4 announced prefixes$/m);
    expect(result.stdout).toContain(
      [
        'Upstreams (1)',
        'AS      name               country  share',
        'AS4837  CHINA169-BACKBONE  CN       100.0%',
      ].join('\n'),
    );
    expect(result.stdout).toMatch(/^Chokepoints \(>= 0\.99\): .*AS4837/m);
  });

  it('asn, ip and countries answer from the same world', async () => {
    const asn = JSON.parse((await run(['asn', 'AS131279', '--mrt', UPDATES, '--json'])).stdout);
    expect(asn.upstreams.map((u: { asn: number }) => u.asn)).toEqual([4837]);
    const ip = await run(['ip', '175.45.178.1', '--mrt', UPDATES]);
    expect(ip.stdout).toMatch(
      /^175\.45\.178\.1: prefix 175\.45\.178\.0\/24, registry country KP \(apnic\)$/m,
    );
    expect(ip.stdout).toMatch(/AS131279\(KP\) > AS4837\(CN\)$/m);
    const countries = JSON.parse((await run(['countries', '--mrt', UPDATES, '--json'])).stdout);
    expect(countries.countries.find((r: { country: string }) => r.country === 'KP')).toMatchObject({
      upstreamCount: 1,
      prefixes: 4,
    });
  });

  it('a bad code or ASN is one line and exit code 1; an unreadable MRT file is reported, the rest goes on, exit 2', async () => {
    const bad = await run(['country', 'XX', '--mrt', UPDATES]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^cairn: OBSERVATORY_BAD_COUNTRY: .*"XX"/);
    expect(bad.stdout).toBe('');
    const badAsn = await run(['asn', 'ASX', '--mrt', UPDATES]);
    expect(badAsn.status).toBe(1);
    expect(badAsn.stderr).toMatch(/^cairn: NET_BAD_ASN/);
    const missing = data('mrt/no-such-file');
    const partial = await run(['country', 'KP', '--mrt', missing, UPDATES, '--json']);
    // The answer from the readable file is printed, but no silent success (issue 18).
    expect(partial.status).toBe(2);
    expect(partial.stderr).toMatch(/no-such-file/);
    expect(JSON.parse(partial.stdout).upstreams.map((u: { asn: number }) => u.asn)).toEqual([4837]);
  });
});

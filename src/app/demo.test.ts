/**
 * The demo's analysis against the bgpdump text of the bundled file and the delegated file split on
 * '|' (test/country-reference.ts): every route toward North Korea's space, its upstream (first AS
 * outside KP from the origin) and the decoder's counts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bgpdumpText } from '../../test/bgpdump-reference.js';
import { countryOfAsn, forgetReferences, loadRegistry, sequenceAsns } from '../../test/country-reference.js';
import { DEFAULT_REGISTRY_FILES, DEMO_MRT_FILE } from './defaults.js';
import { demoAnalysis } from './demo.js';

// The reference registry stays in a module-level map; later files in this worker need not keep it.
afterAll(forgetReferences);

describe('demoAnalysis', () => {
  it("North Korea's routes, origins and upstreams as bgpdump and the registry show them", async () => {
    const lines = bgpdumpText(DEMO_MRT_FILE)
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    const registry = loadRegistry(DEFAULT_REGISTRY_FILES[0]);
    const demo = await demoAnalysis();

    expect(demo.stats.elements.A).toBe(lines.filter((f) => f[2] === 'A').length);
    expect(demo.stats.peers).toBe(new Set(lines.map((f) => `${f[3]}|${f[4]}`)).size);

    // 175.45.176.0/22 is APNIC's KP delegation; the file holds no withdrawal for it.
    const kp = lines.filter((f) => f[2] === 'A' && /^175\.45\.17[6-9]\./.test(f[5]));
    const upstreamOf = (path: string): number | undefined =>
      sequenceAsns(path.split(' '))
        .reverse()
        .find((asn) => countryOfAsn(registry, asn) !== 'KP');
    expect(demo.northKorea.routes).toEqual(
      kp
        .map((f) => ({
          prefix: f[5],
          peerAddress: f[3],
          peerAsn: Number(f[4]),
          asPath: f[6],
          upstream: upstreamOf(f[6]),
        }))
        .sort((a, b) => (a.prefix < b.prefix ? -1 : 1)),
    );
    expect(demo.northKorea.prefixes).toEqual([...new Set(kp.map((f) => f[5]))].sort());
    expect(demo.northKorea.origins).toEqual([...new Set(kp.map((f) => Number(f[6].split(' ').pop())))]);
    const upstreams = new Map<number, number>();
    for (const f of kp) upstreams.set(upstreamOf(f[6])!, (upstreams.get(upstreamOf(f[6])!) ?? 0) + 1);
    expect(demo.northKorea.upstreams.map((u) => [u.asn, u.routes])).toEqual([...upstreams]);
    expect(demo.northKorea.upstreams[0]).toMatchObject({ asn: 4837, country: 'CN', share: 1, routes: 4 });
    expect(demo.northKorea.chokepoints).toContain(4837);

    expect(demo.sonyCase.hypotheses.map((h) => h.id)).toEqual(['H1', 'H2', 'H3', 'H4']);
    expect([...demo.sonyCase.ranking].sort()).toEqual(['H1', 'H2', 'H3', 'H4']);
  });
});

/**
 * The one definition of upstream (upstream.ts): hand-made paths for each rule, then the worked
 * example of src/observatory/README.md on real data (North Korea in a 2015 RIPE RIS table).
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanMrt } from '../mrt/index.js';
import { parsePrefix } from '../net/index.js';
import { registryFromFiles } from '../../test/fixtures/registry-files.js';
import type { Registry } from '../registry/index.js';
import { PathHops, RoutingTable } from '../routing/index.js';
import { Observatory } from './observatory.js';
import { NO_UPSTREAM, countryUpstream, originUpstream, upstreamOf } from './upstream.js';

const COUNTRY: Record<number, string> = { 1: 'AA', 2: 'AA', 3: 'BB', 4: 'CC' };
const countryOf = (asn: number): string | undefined => COUNTRY[asn];

describe('upstream', () => {
  it('is the first AS outside the group, walking from the origin', () => {
    // vantage side first, origin last
    expect(countryUpstream([4, 3, 2, 1], 'AA', countryOf)).toBe(3);
    expect(countryUpstream([4, 3, 2, 2, 2, 1], 'AA', countryOf)).toBe(3); // prepending inside
    expect(countryUpstream([4, 1, 3], 'AA', countryOf)).toBe(3); // a foreign origin is its own upstream
    expect(countryUpstream([2, 1], 'AA', countryOf)).toBe(NO_UPSTREAM); // never leaves
    expect(countryUpstream([], 'AA', countryOf)).toBe(NO_UPSTREAM);
    expect(countryUpstream([99, 1], 'AA', countryOf)).toBe(99); // unknown country counts as outside
    expect(countryUpstream([4, 3, 2, 1], 'AA', countryOf, 2)).toBe(3); // only asns[0, length)
    expect(upstreamOf(Uint32Array.from([5, 6, 7]), (asn) => asn >= 6)).toBe(5);
  });

  it('for an origin network is the AS before the origin, prepending skipped', () => {
    expect(originUpstream([3356, 174, 131279, 131279])).toBe(174);
    expect(originUpstream([131279, 131279])).toBe(NO_UPSTREAM);
    expect(originUpstream([])).toBe(NO_UPSTREAM);
  });
});

describe('upstream on real data (the README example)', () => {
  let table: RoutingTable;
  let registry: Registry;
  beforeAll(async () => {
    const data = (p: string): string => fileURLToPath(new URL(`../../data/${p}`, import.meta.url));
    registry = registryFromFiles([data('registry/delegated-apnic-20141009.gz')]).registry;
    table = new RoutingTable();
    await scanMrt(data('mrt/ripe-bgpdump/updates.et-header.2015.gz'), table.visitor());
  });

  it("North Korea's routes leave the country through AS4837, on every path and in the country view", () => {
    const countryOfAsn = (asn: number): string | undefined => registry.countryOfAsn(asn)?.country;
    const hops = new PathHops();
    const seen: string[] = [];
    for (const text of ['175.45.176.0/24', '175.45.177.0/24', '175.45.178.0/24', '175.45.179.0/24']) {
      for (const route of table.routesOf(parsePrefix(text))) {
        seen.push(`${text} ${route.attributes.asPathText}`);
        table.paths.read(route.asPathId, hops);
        expect(countryUpstream(hops.asns, 'KP', countryOfAsn, hops.length)).toBe(4837);
        expect(originUpstream(hops.toArray())).toBe(4837);
      }
    }
    expect(seen).toContain('175.45.176.0/24 2914 1239 4837 131279');
    expect(countryOfAsn(131279)).toBe('KP');
    expect(countryOfAsn(4837)).toBe('CN');
    expect(countryUpstream([2914, 1239, 4837, 131279], 'KP', countryOfAsn)).toBe(4837);
    const view = new Observatory(table, registry).country('KP');
    expect(view.upstreams.map((u) => [u.asn, u.share])).toEqual([[4837, 1]]);
    expect(view.upstreamCount).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { element } from '../../test/fixtures/elements.js';
import { parsePrefix } from '../net/index.js';
import { RoutingTable } from '../routing/index.js';
import { OutageDetector } from './outages.js';
import { fileURLToPath } from 'node:url';
import { scanMrt } from '../mrt/index.js';
import { registryFromFiles } from '../../test/fixtures/registry-files.js';
import {
  PrefixCandidate,
  VisibilityTracker,
  selectCountry,
  selectOrigin,
  selectPrefixes,
} from './visibility.js';

describe('VisibilityTracker', () => {
  it('counts the union of visible prefixes once, in /24s', () => {
    const table = new RoutingTable();
    const tracker = new VisibilityTracker(table, { select: selectPrefixes([parsePrefix('10.0.0.0/8')]) });
    for (const peer of [1, 2, 3]) {
      table.applyElement(element(100, 'A', peer, '10.1.0.0/16'));
      table.applyElement(element(100, 'A', peer, '10.1.2.0/24'));
      table.applyElement(element(100, 'A', peer, '10.2.0.0/23'));
      table.applyElement(element(100, 'A', peer, '11.0.0.0/24')); // not selected
    }
    // A peer with a partial feed (1 route of 4) is no full feed and does not count.
    table.applyElement(element(100, 'A', 9, '11.0.0.0/24'));
    tracker.refreshFullFeed(100);
    expect(tracker.fullFeedPeers).toBe(3);
    expect(tracker.ipv4Slash24s).toBe(256 + 2);
    // Losing the covering /16 at a majority leaves the /24 inside it.
    table.applyElement(element(110, 'W', 1, '10.1.0.0/16'));
    expect(tracker.ipv4Slash24s).toBe(258);
    table.applyElement(element(111, 'W', 2, '10.1.0.0/16'));
    expect(tracker.ipv4Slash24s).toBe(1 + 2);
    table.applyElement(element(120, 'A', 2, '10.1.0.0/16'));
    expect(tracker.ipv4Slash24s).toBe(258);
    expect(tracker.series.map((p) => [p.time, p.ipv4Slash24s])).toEqual([
      [100, 258],
      [111, 3],
      [120, 258],
    ]);
    const peersOf16 = tracker.peersSeeing(
      tracker.indexOfPrefixId(table.findPrefixId(parsePrefix('10.1.0.0/16'))),
    );
    expect(peersOf16).toHaveLength(2);
  });

  it('a peer going down leaves the full-feed set before visibility is decided', () => {
    const table = new RoutingTable();
    const tracker = new VisibilityTracker(table, { select: selectPrefixes([parsePrefix('10.0.0.0/8')]) });
    for (const peer of [1, 2, 3, 4]) table.applyElement(element(100, 'A', peer, '10.0.0.0/24'));
    tracker.refreshFullFeed(100);
    table.applyElement(element(200, 'STATE', 1));
    table.applyElement(element(201, 'STATE', 2));
    // Two of four peers down: the two left both see it.
    expect(tracker.fullFeedPeers).toBe(2);
    expect(tracker.ipv4Slash24s).toBe(1);
    expect(tracker.series.every((p) => p.ipv4Slash24s === 1)).toBe(true);
  });
});

describe('OutageDetector options', () => {
  it('rejects nonsense with a typed error', () => {
    const table = new RoutingTable();
    const select = selectPrefixes([parsePrefix('10.0.0.0/8')]);
    expect(() => new OutageDetector(table, { select, binSeconds: 0 })).toThrow(/binSeconds/);
    expect(() => new OutageDetector(table, { select, criticalThreshold: 2 })).toThrow(/criticalThreshold/);
    try {
      new OutageDetector(table, { select, warningThreshold: Number.NaN });
    } catch (error) {
      expect((error as { code: string }).code).toBe('OUTAGE_BAD_OPTION');
    }
  });

  it('a timestamp far in the future does not loop over millions of bins', () => {
    const table = new RoutingTable();
    const detector = new OutageDetector(table, { select: selectPrefixes([parsePrefix('10.0.0.0/8')]) });
    table.applyElement(element(100, 'A', 1, '10.0.0.0/24'));
    table.applyElement(element(4_000_000_000, 'A', 2, '10.0.0.0/24'));
    expect(detector.bins.length).toBeLessThan(400);
  });
});

describe('selectors', () => {
  it('decide as the registry and the announcing route say, on a real table (shared country column)', async () => {
    const data = (path: string): string => fileURLToPath(new URL(`../../data/${path}`, import.meta.url));
    const { registry } = registryFromFiles([data('registry/delegated-apnic-20141009.gz')]);
    const table = new RoutingTable();
    await scanMrt(data('mrt/pyasn/rib.20140523.0600_firstMB.bz2'), table.visitor());
    const countries = ['CN', 'JP', 'AU', 'KR', 'KP'];
    const selectors = [...countries.map((country) => selectCountry(registry, country)), selectOrigin(4837)];
    const firstRoute = new Map<number, number>();
    table.forEachRoute((prefixId, _peerId, attributesId) => {
      if (!firstRoute.has(prefixId)) firstRoute.set(prefixId, attributesId);
    });
    let disagreements = 0;
    const selected = selectors.map(() => 0);
    const candidate = new PrefixCandidate(table);
    for (const [prefixId, attributesId] of firstRoute) {
      // The reference: the registry asked with a Prefix object, the origins from the decoded attributes.
      const prefix = table.prefix(prefixId);
      const country = registry.countryOfPrefix(prefix)?.country;
      const expected = [
        ...countries.map((c) => country === c),
        table.attributes(attributesId).originAsns.includes(4837),
      ];
      selectors.forEach((select, i) => {
        if (select(candidate.reset(prefixId, attributesId)) !== expected[i]) disagreements++;
        if (expected[i]) selected[i]++;
      });
    }
    expect(firstRoute.size).toBeGreaterThan(5_000);
    expect(disagreements).toBe(0);
    // The comparison is not all-false: CN, JP, AU, KR (and AS4837) have prefixes in this first MB
    // of the RIB; KP has none there, and its all-false must agree too.
    expect(selected).toEqual([124, 121, 26, 419, 0, 3]);
  });
});

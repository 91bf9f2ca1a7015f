/**
 * The table's read API (forEachRoute, forEachRouteOfPrefix, paths.read, ipv4Network) against the
 * object API it must agree with (routesOf, pathSegments, pathOrigins, prefix), on hand-made
 * elements with every segment kind and on the first MB of a real 35-peer RIB.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AsPathSegment } from '../bgp/index.js';
import { scanMrt, type MrtElement } from '../mrt/index.js';
import { parseAddress, parsePrefix, PrefixTrie } from '../net/index.js';
import { PathHops, RoutingTable } from './index.js';

function announce(prefix: string, segments: AsPathSegment[] | undefined, peer = '192.0.2.1'): MrtElement {
  return {
    type: 'A',
    timestamp: 1,
    peerAddress: peer,
    peerAsn: 64500,
    prefix,
    asPathSegments: segments,
    nextHop: peer,
    recordType: 'test',
    recordOffset: 0,
  };
}

/** Every route through the object API, as text. */
function routesByObjects(table: RoutingTable): string[] {
  const out: string[] = [];
  for (let id = 0; id < table.prefixCount; id++) {
    for (const route of table.routesOf(table.prefix(id)))
      out.push(`${route.prefix} ${route.peer.id} ${route.attributesId} ${route.time} ${route.addPathId}`);
  }
  return out.sort();
}

/** Every route through forEachRoute, as text. */
function routesByScan(table: RoutingTable): string[] {
  const out: string[] = [];
  table.forEachRoute((prefixId, peerId, attributesId, time, addPathId) =>
    out.push(`${table.prefix(prefixId)} ${peerId} ${attributesId} ${time} ${addPathId}`),
  );
  return out.sort();
}

/** The sequence ASes of a path from its segments (the reference for PathHops). */
function sequenceAsns(segments: AsPathSegment[] | undefined): number[] {
  return (segments ?? []).flatMap((s) => (s.kind === 'sequence' ? s.asns : []));
}

/**
 * Every path through the read API against the object API. The facts of all paths are gathered, each
 * with its path id, and compared in one assertion: an `expect` per fact of 50,000 paths cost more
 * than the facts.
 */
function checkPaths(table: RoutingTable): number {
  table.decodeAllAttributes();
  const hops = new PathHops();
  const actual: unknown[] = [];
  const expected: unknown[] = [];
  for (let pathId = 0; pathId < table.paths.count; pathId++) {
    const segments = table.pathSegments(pathId);
    table.paths.read(pathId, hops);
    const nonEmpty = (segments ?? []).filter(
      (s) => (s.kind === 'sequence' || s.kind === 'set') && s.asns.length > 0,
    );
    const endsWithSet = nonEmpty.length > 0 && nonEmpty[nonEmpty.length - 1].kind === 'set';
    actual.push([pathId, hops.present, hops.toArray(), hops.endsWithSet]);
    expected.push([pathId, segments !== undefined, sequenceAsns(segments), endsWithSet]);
    if (!hops.endsWithSet && hops.length > 0) {
      actual.push([pathId, 'origin', [hops.origin]]);
      expected.push([pathId, 'origin', table.pathOrigins(pathId)]);
    }
    actual.push([pathId, table.paths.segments(pathId), table.paths.origins(pathId)]);
    expected.push([pathId, segments, table.pathOrigins(pathId)]);
  }
  expect(actual).toEqual(expected);
  return table.paths.count;
}

describe('RoutingTable read API', () => {
  it('scans routes and reads paths of every segment kind without the object API', () => {
    const table = new RoutingTable();
    table.applyElement(announce('10.0.0.0/8', [{ kind: 'sequence', asns: [64500, 3356, 3356, 1] }]));
    table.applyElement(
      announce('10.1.0.0/16', [
        { kind: 'sequence', asns: [64500, 174] },
        { kind: 'set', asns: [7, 8] },
      ]),
    );
    table.applyElement(
      announce('10.2.0.0/16', [
        { kind: 'confed-sequence', asns: [65001] },
        { kind: 'sequence', asns: [64500, 2] },
      ]),
    );
    table.applyElement(announce('10.3.0.0/16', undefined));
    table.applyElement(announce('2001:db8::/32', [{ kind: 'sequence', asns: [64500, 4200000000] }]));
    table.applyElement(announce('10.0.0.0/8', [{ kind: 'sequence', asns: [64501, 1] }], '192.0.2.2'));
    table.applyElement({ ...announce('10.2.0.0/16', undefined), type: 'W' });
    expect(routesByScan(table)).toEqual(routesByObjects(table));
    expect(table.routeCount).toBe(5);

    const ofPrefix: number[] = [];
    const id = table.findPrefixId(table.prefix(0));
    table.forEachRouteOfPrefix(id, (prefixId, peerId) => {
      expect(prefixId).toBe(id);
      ofPrefix.push(peerId);
    });
    expect(ofPrefix.sort()).toEqual(table.visibility(table.prefix(id)).map((p) => p.id));

    expect(checkPaths(table)).toBe(6);
    const hops = new PathHops();
    const pathOf = (prefix: string): PathHops =>
      table.paths.read(table.routesOf(table.prefix(table.findPrefixId(parse(prefix))))[0].asPathId, hops);
    const parse = (text: string) => {
      for (let i = 0; i < table.prefixCount; i++)
        if (table.prefix(i).toString() === text) return table.prefix(i);
      throw new Error(text);
    };
    expect(pathOf('10.1.0.0/16')).toMatchObject({ length: 2, endsWithSet: true, origin: -1 });
    expect(pathOf('10.3.0.0/16')).toMatchObject({ present: false, length: 0, origin: -1 });
    expect(pathOf('2001:db8::/32').toArray()).toEqual([64500, 4200000000]);
    // Longest match and covering prefixes: withdrawn prefixes are not routed, a prefix covers itself.
    const longest = (text: string): string | undefined =>
      table.longestMatch(text.includes('/') ? parsePrefix(text) : parseAddress(text))?.prefix.toString();
    const covering = (text: string): string[] =>
      table
        .coveringPrefixes(text.includes('/') ? parsePrefix(text) : parseAddress(text))
        .map((p) => p.toString());
    expect(longest('10.1.2.3')).toBe('10.1.0.0/16');
    expect(covering('10.1.2.3')).toEqual(['10.0.0.0/8', '10.1.0.0/16']);
    expect(longest('10.2.3.4')).toBe('10.0.0.0/8');
    expect(longest('10.1.0.0/16')).toBe('10.1.0.0/16');
    expect(longest('10.1.0.0/15')).toBe('10.0.0.0/8');
    expect(longest('11.0.0.1')).toBeUndefined();
    expect(covering('11.0.0.1')).toEqual([]);
    expect(longest('2001:db8::1')).toBe('2001:db8::/32');
    expect(covering('2001:db8:1::/48')).toEqual(['2001:db8::/32']);
    expect(longest('2001:db9::1')).toBeUndefined();
    expect(table.longestMatch(parseAddress('10.1.2.3'))?.routes).toEqual(
      table.routesOf(parsePrefix('10.1.0.0/16')),
    );
    // IPv4 networks as numbers, as the prefix's bytes say.
    for (let i = 0; i < table.prefixCount; i++) {
      const prefix = table.prefix(i);
      if (prefix.family !== 4) continue;
      const b = prefix.bytes;
      expect(table.ipv4Network(i)).toBe(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0);
    }
    // Each prefix's text, as the Prefix writes it.
    for (let i = 0; i < table.prefixCount; i++) expect(table.prefixText(i)).toBe(table.prefix(i).toString());
  });

  it('writes each prefix as the Prefix does, from /0 to /32 and over the sign bit', () => {
    const table = new RoutingTable();
    const texts = [
      '0.0.0.0/0',
      '128.0.0.0/1',
      '255.255.255.255/32',
      '203.0.113.128/25',
      '::/0',
      '2001:db8::/32',
    ];
    for (const text of texts) table.applyElement(announce(text, [{ kind: 'sequence', asns: [64500] }]));
    const written = Array.from({ length: table.prefixCount }, (_, i) => table.prefixText(i));
    expect(written.sort()).toEqual([...texts].sort());
    for (let i = 0; i < table.prefixCount; i++) expect(table.prefixText(i)).toBe(table.prefix(i).toString());
  });

  it('grows the PathHops buffer for long paths', () => {
    const table = new RoutingTable();
    const asns = Array.from({ length: 600 }, (_, i) => 64512 + (i % 7));
    table.applyElement(announce('10.0.0.0/8', [{ kind: 'sequence', asns }]));
    const hops = table.paths.read(table.routesOf(table.prefix(0))[0].asPathId, new PathHops());
    expect(hops.toArray()).toEqual(asns);
  });

  it('agrees with the object API on a real 35-peer RIB', async () => {
    const table = new RoutingTable();
    const rib = fileURLToPath(new URL('../../data/mrt/pyasn/rib.20140523.0600_firstMB.bz2', import.meta.url));
    await scanMrt(rib, table.visitor());
    expect(table.routeCount).toBeGreaterThan(200_000);
    expect(routesByScan(table)).toEqual(routesByObjects(table));
    expect(checkPaths(table)).toBeGreaterThan(50_000);
    const texts = Array.from({ length: table.prefixCount }, (_, i) => table.prefixText(i));
    expect(texts).toEqual(Array.from({ length: table.prefixCount }, (_, i) => table.prefix(i).toString()));
    // Longest match and covering prefixes as a trie of the routed prefixes answers them, for
    // addresses spread over the space and for the routed prefixes themselves.
    const trie = new PrefixTrie<number>();
    const routed = new Set<number>();
    table.forEachRoute((prefixId) => routed.add(prefixId));
    for (const id of routed) trie.set(table.prefix(id), id);
    const targets = [
      ...Array.from({ length: 3000 }, (_, k) =>
        parseAddress(`${(k * 131) % 224}.${(k * 71) % 256}.${(k * 13) % 256}.${k % 256}`),
      ),
      ...[...routed].filter((_, i) => i % 50 === 0).map((id) => table.prefix(id)),
    ];
    let matched = 0;
    for (const target of targets) {
      const expected = trie.longestMatch(target)?.prefix.toString();
      if (expected !== undefined) matched++;
      expect(table.longestMatch(target)?.prefix.toString()).toBe(expected);
      expect(table.coveringPrefixes(target).map((p) => p.toString())).toEqual(
        trie.covering(target).map((e) => e.prefix.toString()),
      );
    }
    expect(matched).toBeGreaterThan(1000);
  });
});

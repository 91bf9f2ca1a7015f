/** RoutingTable rules on hand-made elements: replace, withdraw, peer down, stale, events, ADD-PATH. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reserveForFiles } from '../src/app/index.js';
import { readMrtFileHead, scanMrt, type MrtElement } from '../src/mrt/index.js';
import { parseAddress, parsePrefix } from '../src/net/index.js';
import { RoutingTable, type RouteEvent } from '../src/routing/index.js';
import { routeLines } from './fixtures/routes.js';

function announce(
  prefix: string,
  path: number[],
  time: number,
  peer = '192.0.2.1',
  peerAsn = 64500,
  pathId?: number,
): MrtElement {
  return {
    type: 'A',
    timestamp: time,
    peerAddress: peer,
    peerAsn,
    prefix,
    asPathSegments: [{ kind: 'sequence', asns: path }],
    nextHop: peer,
    communities: ['64500:1'],
    recordType: 'test',
    recordOffset: 0,
    ...(pathId === undefined ? {} : { pathId }),
  };
}

describe('RoutingTable', () => {
  it('replaces, withdraws, ignores stale elements and clears a peer that goes down', () => {
    const table = new RoutingTable();
    const events: string[] = [];
    table.onEvent((e: Readonly<RouteEvent>) => events.push(`${e.kind}:${e.prefixId}:${e.peerId}:${e.cause}`));
    table.applyElement(announce('10.0.0.0/8', [64500, 3356, 1], 10));
    table.applyElement(announce('10.0.0.0/8', [64500, 174, 1], 20));
    table.applyElement(announce('10.0.0.0/8', [64500, 999, 1], 15)); // older than the stored route
    table.applyElement(announce('10.1.0.0/16', [64501, 2], 20, '192.0.2.2', 64501));
    expect(table.routeCount).toBe(2);
    expect(table.routesOf(parsePrefix('10.0.0.0/8'))[0].attributes.asPathText).toBe('64500 174 1');
    expect(table.routesOf(parsePrefix('10.0.0.0/8'))[0].attributes.communities).toEqual(['64500:1']);
    expect(table.counters.stale).toBe(1);
    expect(table.longestMatch(parseAddress('10.1.2.3'))?.prefix.toString()).toBe('10.1.0.0/16');
    expect(table.longestMatch(parseAddress('10.9.2.3'))?.prefix.toString()).toBe('10.0.0.0/8');
    expect(table.visibility(parsePrefix('10.1.0.0/16')).map((p) => p.asn)).toEqual([64501]);
    table.applyElement({ ...announce('10.0.0.0/8', [], 30), type: 'W' });
    expect(table.routeCount).toBe(1);
    expect(table.longestMatch(parseAddress('10.9.2.3'))).toBeUndefined();
    table.applyElement({
      type: 'STATE',
      timestamp: 40,
      peerAddress: '192.0.2.2',
      peerAsn: 64501,
      oldState: 6,
      newState: 1,
      recordType: 'test',
      recordOffset: 0,
    });
    expect(table.routeCount).toBe(0);
    expect(events).toEqual([
      'announce:0:0:update',
      'announce:0:0:update',
      'announce:1:1:update',
      'withdraw:0:0:update',
      'withdraw:1:1:peer-down',
      'peer-down:-1:1:peer-down',
    ]);
  });

  it('interns paths and attribute sets once', () => {
    const table = new RoutingTable();
    for (let i = 0; i < 256; i++) table.applyElement(announce(`10.0.${i}.0/24`, [64500, 3356, 1], 1));
    expect(table.routeCount).toBe(256);
    expect(table.memory().paths).toBe(1);
    expect(table.memory().attributeSets).toBe(1);
  });

  it('keeps thousands of ADD-PATH routes of one prefix findable (hash index) and removes them all', () => {
    const table = new RoutingTable();
    for (let id = 0; id < 3000; id++)
      table.applyElement(announce('10.0.0.0/8', [64500, id + 1], 1, '192.0.2.1', 64500, id));
    table.applyElement(announce('10.2.0.0/16', [64500, 7], 1));
    expect(table.routeCount).toBe(3001);
    for (let id = 0; id < 3000; id += 2)
      table.applyElement({ ...announce('10.0.0.0/8', [], 2, '192.0.2.1', 64500, id), type: 'W' });
    expect(table.routeCount).toBe(1501);
    const left = table.routesOf(parsePrefix('10.0.0.0/8'));
    expect(left.map((r) => r.addPathId)).toEqual(Array.from({ length: 1500 }, (_, i) => 2 * i + 1));
    for (let id = 1; id < 3000; id += 2)
      table.applyElement({ ...announce('10.0.0.0/8', [], 2, '192.0.2.1', 64500, id), type: 'W' });
    expect(table.routesOf(parsePrefix('10.0.0.0/8'))).toEqual([]);
    expect(table.routesOf(parsePrefix('10.2.0.0/16'))[0].attributes.asPathText).toBe('64500 7');
  });

  it('rejects elements whose prefix or peer does not parse', () => {
    const table = new RoutingTable();
    expect(() => table.applyElement(announce('10.0.0.0/99', [1], 1))).toThrow(
      expect.objectContaining({ code: 'NET_BAD_PREFIX' }),
    );
    expect(() => table.applyElement(announce('10.0.0.0/8', [1], 1, 'nope'))).toThrow(
      expect.objectContaining({ code: 'NET_BAD_ADDRESS' }),
    );
    expect(table.routeCount).toBe(0);
  });

  describe('sized before loading (reserve)', () => {
    const mrt = path.join(import.meta.dirname, '../data/mrt');
    const routes = routeLines;

    for (const [file, peers] of [
      ['ripe-bgpdump/updates.20070211.0141.gz', 0],
      ['pyasn/rib.20140523.0600_firstMB.bz2', 47], // its PEER_INDEX_TABLE; 35 of them have routes
    ] as const) {
      it(`${file}: the same routes as a table that grew, no growth while it loads`, async () => {
        const input = path.join(mrt, file);
        // Grown as it fills, fed through ingest rather than the visitor.
        const grownTable = new RoutingTable();
        await scanMrt(input, (cursor, decoder) => grownTable.ingest(cursor, decoder));

        const first = await readMrtFileHead(input);
        expect(first.peers).toBe(peers);
        const sized = new RoutingTable();
        reserveForFiles(sized, [first]);
        const reserved = sized.memory().allocatedBytes;
        await scanMrt(input, sized.visitor());
        expect(sized.memory().allocatedBytes).toBe(reserved);
        expect(sized.routeCount).toBe(grownTable.routeCount);
        expect(sized.prefixCount).toBe(grownTable.prefixCount);
        expect(routes(sized)).toEqual(routes(grownTable));
      });
    }

    it('keeps what the table holds when reserve comes after routes, and ignores nonsense sizes', () => {
      const table = new RoutingTable();
      for (let i = 0; i < 300; i++) table.applyElement(announce(`10.1.${i % 256}.0/24`, [64500, i], i));
      const before = routes(table);
      table.reserve(Number.NaN);
      table.reserve(-5);
      table.reserve(50_000, 10_000);
      expect(routes(table)).toEqual(before);
      for (let i = 0; i < 40_000; i++)
        table.applyElement(announce(`10.${2 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`, [64501], 1));
      expect(table.routeCount).toBe(256 + 40_000);
      expect(table.routesOf(parsePrefix('10.1.7.0/24'))[0].attributes.asPathText).toBe('64500 263');
    });
  });

  it('sorts prefix ids as comparePrefixes orders them (radix sort on a real table, IPv4 and IPv6)', async () => {
    const table = new RoutingTable();
    // 293 IPv6 prefixes in the one, 113 k IPv4 prefixes in the other.
    for (const file of ['updates.20070211.0141.gz', 'bview.20020722.2337.gz'])
      await scanMrt(path.join(import.meta.dirname, '../data/mrt/ripe-bgpdump', file), table.visitor());
    const ids = Array.from({ length: table.prefixCount }, (_, i) => table.prefixCount - 1 - i);
    const families = new Set(ids.map((id) => table.prefixFamily(id)));
    expect(families).toEqual(new Set([4, 6]));
    expect(ids.length).toBeGreaterThan(4096); // the radix path
    const expected = [...ids].sort((a, b) => table.comparePrefixes(a, b));
    expect([...table.sortPrefixIds(ids)]).toEqual(expected);
    expect([...table.sortPrefixIds(ids.slice(0, 100))]).toEqual(
      ids.slice(0, 100).sort((a, b) => table.comparePrefixes(a, b)),
    );
    expect([...table.sortPrefixIds([])]).toEqual([]);
  });
});

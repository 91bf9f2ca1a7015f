import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PathAttributes } from '../bgp/index.js';
import { readElements, scanMrt } from '../mrt/index.js';
import { RawAttributeStore, UNDECODED } from './raw-attributes.js';
import { RoutingTable } from './table.js';
import { routeDifference } from '../../test/fixtures/routes.js';

const mrt = path.join(import.meta.dirname, '../../data/mrt');

function mrtFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? mrtFiles(path.join(dir, entry.name))
        : entry.name.endsWith('.md')
          ? []
          : [path.relative(mrt, path.join(dir, entry.name))],
    )
    .sort();
}

/** One path attribute (flags, type, value), with the extended length when it needs it. */
function attribute(flags: number, type: number, value: number[]): number[] {
  if (value.length > 255) return [flags | 0x10, type, value.length >>> 8, value.length & 0xff, ...value];
  return [flags, type, value.length, ...value];
}

const origin = attribute(0x40, 1, [0]);
const asPath = attribute(0x40, 2, [2, 2, 0, 0, 0xfb, 0xf4, 0, 0, 0xfb, 0xf5]); // 64500 64501
const nextHop = (last: number): number[] => [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), last];
/** MP_REACH_NLRI, IPv6 unicast, with `nlri` (length-prefixed prefixes). */
const mpReach = (hop: number, nlri: number[]): number[] =>
  attribute(0x80, 14, [0, 2, 1, 16, ...nextHop(hop), 0, ...nlri]);
const mpUnreach = (nlri: number[]): number[] => attribute(0x80, 15, [0, 2, 1, ...nlri]);

function decoded(bytes: number[]): PathAttributes {
  return new PathAttributes().decode(Uint8Array.from(bytes), 0, bytes.length, 4, false);
}

describe('RawAttributeStore', () => {
  it('keys a block without its MP NLRI: the same attributes with other prefixes are one set', () => {
    const store = new RawAttributeStore(4);
    const a = store.intern(decoded([...origin, ...asPath, ...mpReach(1, [32, 0x20, 0x01, 0x0d, 0xb8])]), 1);
    const b = store.intern(
      decoded([
        ...origin,
        ...asPath,
        ...mpReach(1, [48, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0]),
        ...mpUnreach([32, 0x20, 0x01, 0x0d, 0xb9]),
      ]),
      1,
    );
    const otherHop = store.intern(
      decoded([...origin, ...asPath, ...mpReach(2, [32, 0x20, 0x01, 0x0d, 0xb8])]),
      1,
    );
    const otherSource = store.intern(decoded([...origin, ...asPath, ...mpReach(1, [])]), 0);
    expect(b).toBe(a);
    expect(new Set([a, otherHop, otherSource]).size).toBe(3);
    expect(store.pending).toBe(3);

    // The stored bytes decode to the same attributes, the next hop included, without NLRI.
    const again = new PathAttributes();
    const context = { asnLength: 0, nextHopSource: -1 };
    store.decodeInto(a, again, context);
    expect(context).toEqual({ asnLength: 4, nextHopSource: 1 });
    expect(again.problems).toEqual([]);
    expect(again.asPath()).toEqual([{ kind: 'sequence', asns: [64500, 64501] }]);
    expect(again.hasMpReach && again.mpReach.nextHopLength).toBe(16);
    expect(again.mpReach.nlriEnd - again.mpReach.nlriStart).toBe(0);
    expect(again.hasMpUnreach).toBe(false);
    expect(store.decoded[a]).toBe(UNDECODED);
    store.setDecoded(a, 7);
    store.setDecoded(a, 7);
    expect(store.pending).toBe(2);
  });

  it('keeps a malformed tail as it is, so that decoding the stored bytes meets the same problem', () => {
    const store = new RawAttributeStore(4);
    const block = [...origin, ...asPath, 0x40, 3, 9, 1, 2];
    const first = decoded(block);
    const id = store.intern(first, 0);
    const again = new PathAttributes();
    store.decodeInto(id, again, { asnLength: 4, nextHopSource: 0 });
    expect(again.problems.map((p) => p.code)).toEqual(first.problems.map((p) => p.code));
    expect(again.asPath()).toEqual(first.asPath());
  });

  it('gives plain elements a byte-less set per decoded set', () => {
    const store = new RawAttributeStore(4);
    const a = store.internDecoded(5);
    expect(store.internDecoded(5)).toBe(a);
    expect(store.internDecoded(6)).not.toBe(a);
    expect(store.decoded[a]).toBe(5);
    expect(store.pending).toBe(0);
  });
});

describe('a table loaded from the cursor (sets as bytes, decoded on use)', () => {
  // Every MRT file of data/mrt: TABLE_DUMP, TABLE_DUMP_V2 with abbreviated MP_REACH and ADD-PATH,
  // BGP4MP with IPv6 MP_REACH/MP_UNREACH, 2-byte sessions with AS4_PATH, OpenBGPD's BGP4MP_ENTRY
  // (the next hop outside the attributes), the legacy records of 1999-2000, broken files.
  it('finds the corpus files', () => expect(mrtFiles(mrt).length).toBeGreaterThan(30));

  for (const file of mrtFiles(mrt)) {
    it(`${file}: the same routes and attributes as a table fed plain elements`, async () => {
      const input = path.join(mrt, file);
      const fromCursor = new RoutingTable();
      await scanMrt(input, fromCursor.visitor());
      const fromElements = new RoutingTable();
      for await (const element of readElements(input)) fromElements.applyElement(element);
      expect(fromCursor.routeCount).toBe(fromElements.routeCount);
      expect(routeDifference(fromCursor, fromElements)).toBeUndefined();
      // Every path is there once every set is decoded.
      fromCursor.decodeAllAttributes();
      expect(fromCursor.paths.count).toBe(fromElements.paths.count);
    });
  }
});

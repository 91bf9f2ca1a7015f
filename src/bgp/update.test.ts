/**
 * The UPDATE walker alone, on real UPDATEs: every BGP4MP message of a RIPE RIS file is cut out by
 * the test's own walk of the MRT and BGP headers (test/fixtures/mrt-records.ts), walked with
 * `walkUpdate`/`walkNlri`, and its routes compared with the W and A lines Debian bgpdump 1.6.2
 * prints for the file, in order.
 */
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6 } from '../net/index.js';
import {
  expectedBgpdumpLines,
  mrtPath,
  readGzOrPlain,
  walkRecords,
} from '../../test/fixtures/mrt-records.js';
import { PathAttributes } from './attributes.js';
import {
  RouteKind,
  UpdateFraming,
  walkNlri,
  walkUpdate,
  type NlriProblem,
  type NlriSink,
  type UpdateVisitor,
} from './update.js';

class RouteList implements UpdateVisitor, NlriSink {
  readonly found: string[] = [];
  readonly problems: string[] = [];
  private readonly block = new PathAttributes();
  private kind = 'A';
  private family = 4;
  constructor(
    private readonly buf: Uint8Array,
    private readonly asnLength: number,
  ) {}

  updateProblem(code: string): void {
    this.problems.push(code);
  }
  attributes(buf: Uint8Array, start: number, end: number): PathAttributes {
    return this.block.decode(buf, start, end, this.asnLength, false);
  }
  routes(kind: RouteKind, afi: number, _safi: number, start: number, end: number): void {
    this.kind = kind === RouteKind.Withdrawn ? 'W' : 'A';
    this.family = afi === 1 ? 4 : 6;
    walkNlri(this.buf, start, end, afi === 1 ? 32 : 128, false, this);
  }
  prefix(buf: Uint8Array, at: number, bytes: number, length: number): void {
    const address = new Uint8Array(16);
    address.set(buf.subarray(at, at + bytes));
    const text = this.family === 4 ? formatIPv4(address, 0) : formatIPv6(address, 0);
    this.found.push(`${this.kind}|${text}/${length}`);
  }
  nlriProblem(kind: NlriProblem): void {
    this.problems.push(`nlri ${kind}`);
  }
}

describe('walkUpdate on real UPDATEs', () => {
  const relative = 'ripe-bgpdump/updates.20100722.2015.gz';

  it(`finds the routes bgpdump prints for ${relative}, in its order`, () => {
    const bytes = readGzOrPlain(mrtPath(relative));
    const walked: string[] = [];
    for (const record of walkRecords(bytes)) {
      if (record.type !== 16 || (record.subtype !== 1 && record.subtype !== 4)) continue;
      const asnLength = record.subtype === 4 ? 4 : 2;
      let p = record.bodyStart + 2 * asnLength + 2;
      const afi = (bytes[p] << 8) | bytes[p + 1];
      p += 2 + 2 * (afi === 1 ? 4 : 16);
      const length = (bytes[p + 16] << 8) | bytes[p + 17];
      if (bytes[p + 18] !== 2) continue; // not an UPDATE
      const list = new RouteList(bytes, asnLength);
      walkUpdate(bytes, p + 19, p + length, UpdateFraming.Archive, list);
      expect(list.problems).toEqual([]);
      walked.push(...list.found);
    }
    const expected = expectedBgpdumpLines(relative)
      .map((line) => line.split('|'))
      .filter((fields) => fields[2] === 'A' || fields[2] === 'W')
      .map((fields) => `${fields[2]}|${fields[5]}`);
    expect(walked.length).toBeGreaterThan(1000);
    expect(walked).toEqual(expected);
  });
});

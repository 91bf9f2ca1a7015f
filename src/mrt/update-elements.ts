/**
 * An UPDATE's routes as elements: mrt's visitor of the shared UPDATE walker (bgp/update.ts),
 * used by BGP4MP/BGP4MP_ET messages and legacy BGP records. Every prefix becomes one visit of the
 * shared cursor; nothing is allocated per prefix.
 */
import type { BgpErrorCode } from '../errors/index.js';
import {
  NlriProblem,
  RouteKind,
  UpdateFraming,
  walkNlri,
  walkUpdate,
  type NlriSink,
  type PathAttributes,
  type UpdateVisitor,
} from '../bgp/index.js';
import { readOverlongPrefixAsBgpdump } from './bgpdump-compat.js';
import { NextHopSource } from './element.js';
import type { RecordContext } from './record.js';

export class UpdateElements implements UpdateVisitor, NlriSink {
  /** Width of ASNs and ADD-PATH of the UPDATE being walked, from its record's subtype. */
  private asnLength = 4;
  private addPath = false;
  private family: 4 | 6 = 4;

  constructor(private readonly r: RecordContext) {}

  /** Walks the UPDATE body `r.buf[start, end)`, visiting one element per prefix. */
  walk(start: number, end: number, asnLength: number, addPath: boolean): void {
    this.asnLength = asnLength;
    this.addPath = addPath;
    this.r.cursor.attributes = undefined;
    walkUpdate(this.r.buf, start, end, UpdateFraming.Archive, this);
  }

  updateProblem(code: BgpErrorCode, message: string, at: number): void {
    this.r.problem(code, message, at);
  }

  attributes(_buf: Uint8Array, start: number, end: number): PathAttributes {
    const attributes = this.r.decodeAttributes(start, end, this.asnLength, this.addPath);
    this.r.cursor.attributes = attributes;
    return attributes;
  }

  routes(kind: RouteKind, afi: number, safi: number, start: number, end: number, mp: boolean): void {
    const r = this.r;
    let family: 0 | 4 | 6 = 4;
    if (mp) {
      family = r.mpFamily(afi, safi);
      if (family === 0) return;
    }
    const cursor = r.cursor;
    cursor.type = kind === RouteKind.Withdrawn ? 'W' : 'A';
    cursor.nextHopSource = mp ? NextHopSource.MpReach : NextHopSource.Attribute;
    this.family = family;
    const addPath = this.addPath;
    const buf = r.buf;
    const bits = family === 4 ? 32 : 128;
    let p = walkNlri(buf, start, end, bits, addPath, this);
    // bgpdump reads on past an over-long prefix; everyone else stops the field (RFC 7606 5.3).
    while (r.bgpdumpCompatible && end - p >= (addPath ? 5 : 1) && buf[addPath ? p + 4 : p] > bits) {
      p = readOverlongPrefixAsBgpdump(r, p, end, family, addPath);
      if (p < 0) break;
      p = walkNlri(buf, p, end, bits, addPath, this);
    }
  }

  prefix(buf: Uint8Array, at: number, bytes: number, length: number, pathId: number): void {
    const r = this.r;
    const cursor = r.cursor;
    if (this.addPath) {
      cursor.pathId = pathId;
      cursor.hasPathId = true;
    }
    if (bytes <= 4 && r.prefixBytesInUse <= 4) {
      // setPrefix's IPv4 case, written out: the call costs more than the copy before the JIT
      // has compiled this.
      const target = cursor.prefixBytes;
      target[0] = bytes > 0 ? buf[at] : 0;
      target[1] = bytes > 1 ? buf[at + 1] : 0;
      target[2] = bytes > 2 ? buf[at + 2] : 0;
      target[3] = bytes > 3 ? buf[at + 3] : 0;
      r.prefixBytesInUse = bytes;
      cursor.prefixFamily = this.family;
      cursor.prefixLength = length;
    } else r.setPrefix(this.family, at, bytes, length);
    r.hooks.onElement(cursor);
  }

  nlriProblem(kind: NlriProblem, at: number, length: number, remaining: number): void {
    const bits = this.family === 4 ? 32 : 128;
    if (kind === NlriProblem.PathIdTruncated)
      this.r.problem('BGP_TRUNCATED_NLRI', 'ADD-PATH NLRI runs past its field', at);
    else if (kind === NlriProblem.LengthTooLong)
      this.r.problem(
        'BGP_BAD_PREFIX_LENGTH',
        `NLRI prefix length ${length} exceeds ${bits} (rest of field skipped)`,
        at,
      );
    else
      this.r.problem(
        'BGP_TRUNCATED_NLRI',
        `NLRI prefix /${length} needs ${(length + 7) >>> 3} bytes, ${remaining} remain`,
        at,
      );
  }
}

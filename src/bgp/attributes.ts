/**
 * Path attributes (RFC 4271 4.3 and extensions), decoded in place.
 *
 * `PathAttributes` is a reusable view: `decode()` walks an attribute block once, records where
 * each attribute lies in the buffer and reads the fixed-size ones; strings and arrays (AS paths,
 * communities) are built only when a getter asks for them. One instance serves millions of
 * routes without allocating per route; the getters read the buffer given to the last `decode()`,
 * so they are valid until the next call.
 */
import type { BgpErrorCode } from '../errors/index.js';
import { formatIPv4, formatIPv6 } from '../net/index.js';
import { AS_TRANS, AttrFlag, AttrType, SegmentType, WELL_KNOWN_COMMUNITIES } from './constants.js';

export type Origin = 'IGP' | 'EGP' | 'INCOMPLETE';
export type SegmentKind = 'sequence' | 'set' | 'confed-sequence' | 'confed-set';

export interface AsPathSegment {
  kind: SegmentKind;
  asns: number[];
}

/** An attribute the decoder does not interpret, kept as raw bytes with its flags. */
export interface RawAttribute {
  flags: number;
  type: number;
  value: Uint8Array;
}

/** A problem found while decoding attributes (RFC 7606 decides what the session does about it). */
export interface AttributeProblem {
  code: BgpErrorCode;
  message: string;
  /** Offset in the buffer passed to `decode()`. */
  offset: number;
  attributeType: number;
  /** RFC 7606 action: drop the attribute, treat the UPDATE as a withdrawal, or reset the session. */
  action: 'attribute-discard' | 'treat-as-withdraw' | 'session-reset';
}

/** One MP_REACH_NLRI or MP_UNREACH_NLRI attribute, located in the buffer. */
export interface MpNlriLocation {
  afi: number;
  safi: number;
  /** Next hop bytes (MP_REACH only): offset and length as the attribute states it. */
  nextHopOffset: number;
  nextHopLength: number;
  nlriStart: number;
  nlriEnd: number;
  /** RFC 6396 4.3.4: TABLE_DUMP_V2 RIB entries carry only next-hop length and next hop. */
  abbreviated: boolean;
}

const SEGMENT_KINDS: Record<number, SegmentKind> = {
  [SegmentType.AS_SET]: 'set',
  [SegmentType.AS_SEQUENCE]: 'sequence',
  [SegmentType.AS_CONFED_SEQUENCE]: 'confed-sequence',
  [SegmentType.AS_CONFED_SET]: 'confed-set',
};

const ORIGINS: readonly Origin[] = ['IGP', 'EGP', 'INCOMPLETE'];

export class PathAttributes {
  /** Buffer of the last decode. */
  buf: Uint8Array = new Uint8Array(0);
  /** 2 or 4: the width of ASNs in AS_PATH and AGGREGATOR of this block. */
  asnLength = 4;
  /** ADD-PATH: NLRI in MP attributes carry 4-byte path identifiers. */
  addPath = false;
  /** Bit set of attribute types present (types 0..255). */
  readonly present = new Uint32Array(8);
  /** Attribute block bounds in `buf`. */
  start = 0;
  end = 0;

  origin = -1;
  asPathStart = -1;
  asPathEnd = -1;
  as4PathStart = -1;
  as4PathEnd = -1;
  nextHopOffset = -1;
  med = 0;
  localPref = 0;
  aggregatorAsn = 0;
  aggregatorAddressOffset = -1;
  /** Length of the AGGREGATOR value as received (6 or 8). */
  aggregatorLength = 0;
  /** End of the AGGREGATOR value (a 6-byte value on a 4-byte session ends inside the address). */
  aggregatorEnd = 0;
  as4AggregatorAsn = 0;
  as4AggregatorAddressOffset = -1;
  communitiesStart = -1;
  communitiesEnd = -1;
  extendedCommunitiesStart = -1;
  extendedCommunitiesEnd = -1;
  largeCommunitiesStart = -1;
  largeCommunitiesEnd = -1;
  originatorIdOffset = -1;
  clusterListStart = -1;
  clusterListEnd = -1;
  readonly mpReach: MpNlriLocation = emptyMp();
  readonly mpUnreach: MpNlriLocation = emptyMp();
  hasMpReach = false;
  hasMpUnreach = false;
  /** Unknown attributes: flags, type, value start, value end, four entries each. */
  unknown: number[] = [];
  problems: AttributeProblem[] = [];

  private cachedCommunitiesText: string | undefined;

  /**
   * Decodes the attribute block `buf[start, end)`. `asnLength` is 2 for messages between
   * 2-byte speakers (BGP4MP MESSAGE, TABLE_DUMP v1) and 4 otherwise.
   */
  decode(buf: Uint8Array, start: number, end: number, asnLength: number, addPath: boolean): this {
    this.reset(buf, start, end, asnLength, addPath);
    let pos = start;
    while (pos < end) {
      if (end - pos < 3) {
        this.problem(
          'BGP_ATTR_TRUNCATED',
          'attribute header runs past the end of the block',
          pos,
          0,
          'treat-as-withdraw',
        );
        break;
      }
      const flags = buf[pos];
      const type = buf[pos + 1];
      let valueStart: number;
      let length: number;
      if (flags & AttrFlag.EXTENDED_LENGTH) {
        if (end - pos < 4) {
          this.problem(
            'BGP_ATTR_TRUNCATED',
            'attribute header runs past the end of the block',
            pos,
            type,
            'treat-as-withdraw',
          );
          break;
        }
        length = (buf[pos + 2] << 8) | buf[pos + 3];
        valueStart = pos + 4;
      } else {
        length = buf[pos + 2];
        valueStart = pos + 3;
      }
      const valueEnd = valueStart + length;
      if (valueEnd > end) {
        this.problem(
          'BGP_ATTR_LENGTH',
          `attribute ${type} declares ${length} bytes but only ${end - valueStart} remain`,
          pos,
          type,
          'treat-as-withdraw',
        );
        break;
      }
      const present = this.present;
      const word = type >>> 5;
      const bit = 1 << (type & 31);
      if (
        (present[word] & bit) !== 0 &&
        type !== AttrType.MP_REACH_NLRI &&
        type !== AttrType.MP_UNREACH_NLRI
      ) {
        // RFC 7606 3(g): keep the first occurrence, discard the others (MP_* are handled below).
        this.problem(
          'BGP_ATTR_DUPLICATE',
          `attribute ${type} appears more than once (later copy discarded)`,
          pos,
          type,
          'attribute-discard',
        );
        pos = valueEnd;
        continue;
      }
      present[word] |= bit;
      this.decodeOne(flags, type, valueStart, valueEnd, pos);
      pos = valueEnd;
    }
    return this;
  }

  has(type: number): boolean {
    return (this.present[type >>> 5] & (1 << (type & 31))) !== 0;
  }

  private reset(buf: Uint8Array, start: number, end: number, asnLength: number, addPath: boolean): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.asnLength = asnLength;
    this.addPath = addPath;
    // Eight stores: TypedArray#fill on an array this small costs a call into the runtime.
    const present = this.present;
    present[0] = present[1] = present[2] = present[3] = 0;
    present[4] = present[5] = present[6] = present[7] = 0;
    this.origin = -1;
    this.asPathStart = this.asPathEnd = -1;
    this.as4PathStart = this.as4PathEnd = -1;
    this.nextHopOffset = -1;
    this.med = 0;
    this.localPref = 0;
    this.aggregatorAddressOffset = -1;
    this.as4AggregatorAddressOffset = -1;
    this.communitiesStart = this.communitiesEnd = -1;
    this.extendedCommunitiesStart = this.extendedCommunitiesEnd = -1;
    this.largeCommunitiesStart = this.largeCommunitiesEnd = -1;
    this.originatorIdOffset = -1;
    this.clusterListStart = this.clusterListEnd = -1;
    this.hasMpReach = false;
    this.hasMpUnreach = false;
    if (this.unknown.length !== 0) this.unknown = [];
    if (this.problems.length !== 0) this.problems = [];
    this.cachedCommunitiesText = undefined;
  }

  private problem(
    code: BgpErrorCode,
    message: string,
    offset: number,
    attributeType: number,
    action: AttributeProblem['action'],
  ): void {
    this.problems.push({ code, message, offset, attributeType, action });
  }

  /**
   * Checks a fixed-length attribute: reports a length other than `expected` with its RFC 7606
   * action, and says whether the value can be read (at least `expected` bytes).
   */
  private checkLength(
    code: BgpErrorCode,
    name: string,
    length: number,
    expected: number,
    headerOffset: number,
    type: number,
    action: AttributeProblem['action'],
  ): boolean {
    if (length === expected) return true;
    this.problem(code, `${name} length ${length}, expected ${expected}`, headerOffset, type, action);
    return length > expected;
  }

  /**
   * A list attribute of `size`-byte items: reports a length that is not a whole number of items
   * (RFC 7606: treat-as-withdraw) and returns the end of the whole items.
   */
  private wholeItems(
    code: BgpErrorCode,
    name: string,
    start: number,
    length: number,
    size: number,
    headerOffset: number,
    type: number,
  ): number {
    const rest = length % size;
    if (rest !== 0) {
      this.problem(
        code,
        `${name} length ${length} is not a multiple of ${size}`,
        headerOffset,
        type,
        'treat-as-withdraw',
      );
    }
    return start + length - rest;
  }

  private decodeOne(flags: number, type: number, start: number, end: number, headerOffset: number): void {
    const buf = this.buf;
    const length = end - start;
    // Literal case labels (the names in comments): the interpreter jumps through a table instead
    // of loading each name in turn; this runs for every attribute, also before the JIT compiles it.
    // For the same reason a valid length is tested here, and checkLength/wholeItems are called
    // only to report a bad one.
    switch (type) {
      case 1 /* ORIGIN */:
        if (length !== 1)
          this.problem(
            'BGP_ATTR_ORIGIN',
            `ORIGIN length ${length}, expected 1`,
            headerOffset,
            type,
            'treat-as-withdraw',
          );
        else if (buf[start] > 2)
          this.problem(
            'BGP_ATTR_ORIGIN',
            `ORIGIN value ${buf[start]} is undefined`,
            headerOffset,
            type,
            'treat-as-withdraw',
          );
        this.origin = length >= 1 ? buf[start] : -1;
        return;
      case 2 /* AS_PATH */:
        this.asPathStart = start;
        this.asPathEnd = end;
        return;
      case 17 /* AS4_PATH */:
        this.as4PathStart = start;
        this.as4PathEnd = end;
        return;
      case 3 /* NEXT_HOP */:
        if (
          length !== 4 &&
          !this.checkLength(
            'BGP_ATTR_NEXT_HOP',
            'NEXT_HOP',
            length,
            4,
            headerOffset,
            type,
            'treat-as-withdraw',
          )
        )
          return;
        this.nextHopOffset = start;
        return;
      case 4 /* MULTI_EXIT_DISC */:
        if (
          length !== 4 &&
          !this.checkLength(
            'BGP_ATTR_MED',
            'MULTI_EXIT_DISC',
            length,
            4,
            headerOffset,
            type,
            'treat-as-withdraw',
          )
        )
          return;
        this.med = readU32(buf, start);
        return;
      case 5 /* LOCAL_PREF */:
        if (
          length !== 4 &&
          !this.checkLength(
            'BGP_ATTR_LOCAL_PREF',
            'LOCAL_PREF',
            length,
            4,
            headerOffset,
            type,
            'treat-as-withdraw',
          )
        )
          return;
        this.localPref = readU32(buf, start);
        return;
      case 6 /* ATOMIC_AGGREGATE */:
        if (length !== 0)
          this.problem(
            'BGP_ATTR_ATOMIC_AGGREGATE',
            `ATOMIC_AGGREGATE length ${length}, expected 0`,
            headerOffset,
            type,
            'attribute-discard',
          );
        return;
      case 7 /* AGGREGATOR */: {
        const expected = this.asnLength + 4;
        // OpenBGPD writes 8-byte AGGREGATORs (4-byte ASN) beside 2-byte AS_PATHs in its MRT
        // dumps; the length tells the width unambiguously, so 6 and 8 are both accepted.
        if (length !== expected && length !== 6 && length !== 8) {
          this.problem(
            'BGP_ATTR_AGGREGATOR',
            `AGGREGATOR length ${length}, expected ${expected}`,
            headerOffset,
            type,
            'attribute-discard',
          );
          if (length < expected) return;
        }
        this.aggregatorAsn = this.asnLength === 2 ? readU16(buf, start) : readU32(buf, start);
        this.aggregatorAddressOffset = start + this.asnLength;
        this.aggregatorLength = length;
        this.aggregatorEnd = end;
        return;
      }
      case 18 /* AS4_AGGREGATOR */:
        if (
          length !== 8 &&
          !this.checkLength(
            'BGP_ATTR_AS4_AGGREGATOR',
            'AS4_AGGREGATOR',
            length,
            8,
            headerOffset,
            type,
            'attribute-discard',
          )
        )
          return;
        this.as4AggregatorAsn = readU32(buf, start);
        this.as4AggregatorAddressOffset = start + 4;
        return;
      case 8 /* COMMUNITIES */:
        this.communitiesStart = start;
        this.communitiesEnd =
          length % 4 === 0
            ? end
            : this.wholeItems('BGP_ATTR_COMMUNITIES', 'COMMUNITIES', start, length, 4, headerOffset, type);
        return;
      case 16 /* EXTENDED_COMMUNITIES */:
        this.extendedCommunitiesStart = start;
        this.extendedCommunitiesEnd =
          length % 8 === 0
            ? end
            : this.wholeItems(
                'BGP_ATTR_EXT_COMMUNITIES',
                'EXTENDED_COMMUNITIES',
                start,
                length,
                8,
                headerOffset,
                type,
              );
        return;
      case 32 /* LARGE_COMMUNITIES */:
        this.largeCommunitiesStart = start;
        this.largeCommunitiesEnd =
          length % 12 === 0
            ? end
            : this.wholeItems(
                'BGP_ATTR_LARGE_COMMUNITIES',
                'LARGE_COMMUNITIES',
                start,
                length,
                12,
                headerOffset,
                type,
              );
        return;
      case 9 /* ORIGINATOR_ID */:
        if (
          length !== 4 &&
          !this.checkLength(
            'BGP_ATTR_ORIGINATOR_ID',
            'ORIGINATOR_ID',
            length,
            4,
            headerOffset,
            type,
            'treat-as-withdraw',
          )
        )
          return;
        this.originatorIdOffset = start;
        return;
      case 10 /* CLUSTER_LIST */:
        this.clusterListStart = start;
        this.clusterListEnd =
          length % 4 === 0
            ? end
            : this.wholeItems('BGP_ATTR_CLUSTER_LIST', 'CLUSTER_LIST', start, length, 4, headerOffset, type);
        return;
      case 14 /* MP_REACH_NLRI */:
        this.decodeMpReach(start, end, headerOffset);
        return;
      case 15 /* MP_UNREACH_NLRI */:
        if (length < 3) {
          this.problem(
            'BGP_ATTR_MP_UNREACH',
            `MP_UNREACH_NLRI length ${length} is shorter than AFI+SAFI`,
            headerOffset,
            type,
            'session-reset',
          );
          return;
        }
        if (this.hasMpUnreach) {
          this.problem(
            'BGP_ATTR_DUPLICATE',
            'second MP_UNREACH_NLRI in one UPDATE',
            headerOffset,
            type,
            'session-reset',
          );
          return;
        }
        this.hasMpUnreach = true;
        setMp(this.mpUnreach, readU16(buf, start), buf[start + 2], -1, 0, start + 3, end, false);
        return;
      default:
        this.unknown.push(flags, type, start, end);
    }
  }

  private decodeMpReach(start: number, end: number, headerOffset: number): void {
    const buf = this.buf;
    if (this.hasMpReach) {
      this.problem(
        'BGP_ATTR_DUPLICATE',
        'second MP_REACH_NLRI in one UPDATE',
        headerOffset,
        AttrType.MP_REACH_NLRI,
        'session-reset',
      );
      return;
    }
    if (end - start < 1) {
      this.problem(
        'BGP_ATTR_MP_REACH',
        'empty MP_REACH_NLRI',
        headerOffset,
        AttrType.MP_REACH_NLRI,
        'session-reset',
      );
      return;
    }
    // A first byte that is not 0 cannot start an AFI (1 or 2): it is the next-hop length of
    // the abbreviated form that TABLE_DUMP_V2 RIB entries use (RFC 6396 4.3.4).
    if (buf[start] !== 0) {
      const nextHopLength = buf[start];
      if (start + 1 + nextHopLength > end) {
        this.problem(
          'BGP_ATTR_MP_REACH',
          `MP_REACH_NLRI next hop length ${nextHopLength} runs past the attribute`,
          headerOffset,
          AttrType.MP_REACH_NLRI,
          'session-reset',
        );
        return;
      }
      this.hasMpReach = true;
      // bgpdump reads the abbreviated form as IPv6 unicast whatever the RIB's family.
      const afi = nextHopLength === 4 ? 1 : 2;
      setMp(this.mpReach, afi, 1, start + 1, nextHopLength, end, end, true);
      return;
    }
    if (end - start < 5) {
      this.problem(
        'BGP_ATTR_MP_REACH',
        'MP_REACH_NLRI shorter than AFI, SAFI and next-hop length',
        headerOffset,
        AttrType.MP_REACH_NLRI,
        'session-reset',
      );
      return;
    }
    const afi = readU16(buf, start);
    const safi = buf[start + 2];
    const nextHopLength = buf[start + 3];
    let pos = start + 4 + nextHopLength;
    if (pos + 1 > end) {
      this.problem(
        'BGP_ATTR_MP_REACH',
        `MP_REACH_NLRI next hop length ${nextHopLength} runs past the attribute`,
        headerOffset,
        AttrType.MP_REACH_NLRI,
        'session-reset',
      );
      return;
    }
    // RFC 4760: one reserved byte (formerly the SNPA count; RFC 2858 SNPAs are skipped).
    let snpaCount = buf[pos++];
    while (snpaCount-- > 0 && pos < end) pos += 1 + ((buf[pos] + 1) >>> 1);
    if (pos > end) pos = end;
    this.hasMpReach = true;
    setMp(this.mpReach, afi, safi, start + 4, nextHopLength, pos, end, false);
  }

  // ----- getters: build values on demand -----

  originName(): Origin | undefined {
    return this.origin >= 0 ? (ORIGINS[this.origin] ?? 'INCOMPLETE') : undefined;
  }

  nextHop(): string | undefined {
    return this.nextHopOffset >= 0 ? formatIPv4(this.buf, this.nextHopOffset) : undefined;
  }

  /** MP_REACH next hop (global address; the link-local one of a 32-byte IPv6 next hop is in `mpNextHops`). */
  mpNextHop(): string | undefined {
    const mp = this.mpReach;
    if (!this.hasMpReach || mp.nextHopOffset < 0) return undefined;
    if (mp.nextHopLength === 4) return formatIPv4(this.buf, mp.nextHopOffset);
    if (mp.nextHopLength === 16 || mp.nextHopLength === 32) return formatIPv6(this.buf, mp.nextHopOffset);
    if (mp.nextHopLength === 12) return formatIPv4(this.buf, mp.nextHopOffset + 8); // RD + IPv4 (VPN)
    if (mp.nextHopLength === 24 || mp.nextHopLength === 48) return formatIPv6(this.buf, mp.nextHopOffset + 8);
    return undefined;
  }

  mpNextHops(): string[] {
    const mp = this.mpReach;
    const first = this.mpNextHop();
    if (first === undefined) return [];
    if (mp.nextHopLength === 32) return [first, formatIPv6(this.buf, mp.nextHopOffset + 16)];
    return [first];
  }

  aggregator(): { asn: number; address: string } | undefined {
    const useAs4 =
      this.asnLength === 2 && this.as4AggregatorAddressOffset >= 0 && this.aggregatorAsn === AS_TRANS;
    if (useAs4)
      return { asn: this.as4AggregatorAsn, address: formatIPv4(this.buf, this.as4AggregatorAddressOffset) };
    if (this.aggregatorAddressOffset < 0) return undefined;
    if (this.aggregatorLength === 8 && this.asnLength === 2) {
      const start = this.aggregatorAddressOffset - 2;
      return { asn: readU32(this.buf, start), address: formatIPv4(this.buf, start + 4) };
    }
    if (this.aggregatorLength === 6 && this.asnLength === 4) {
      const start = this.aggregatorAddressOffset - 4;
      return { asn: readU16(this.buf, start), address: formatIPv4(this.buf, start + 2) };
    }
    return { asn: this.aggregatorAsn, address: formatIPv4(this.buf, this.aggregatorAddressOffset) };
  }

  originatorId(): string | undefined {
    return this.originatorIdOffset >= 0 ? formatIPv4(this.buf, this.originatorIdOffset) : undefined;
  }

  clusterList(): string[] {
    const list: string[] = [];
    for (let p = this.clusterListStart; p >= 0 && p < this.clusterListEnd; p += 4)
      list.push(formatIPv4(this.buf, p));
    return list;
  }

  /** Standard communities as "asn:value" (RFC 1997), numeric. */
  communities(): string[] {
    const list: string[] = [];
    const buf = this.buf;
    for (let p = this.communitiesStart; p >= 0 && p < this.communitiesEnd; p += 4) {
      list.push(`${readU16(buf, p)}:${readU16(buf, p + 2)}`);
    }
    return list;
  }

  /** Extended communities (RFC 4360) as 16 hex digits each. */
  extendedCommunities(): string[] {
    const list: string[] = [];
    for (let p = this.extendedCommunitiesStart; p >= 0 && p < this.extendedCommunitiesEnd; p += 8) {
      list.push(hex(this.buf, p, 8));
    }
    return list;
  }

  /** Large communities (RFC 8092) as "global:local1:local2". */
  largeCommunities(): string[] {
    const list: string[] = [];
    const buf = this.buf;
    for (let p = this.largeCommunitiesStart; p >= 0 && p < this.largeCommunitiesEnd; p += 12) {
      list.push(`${readU32(buf, p)}:${readU32(buf, p + 4)}:${readU32(buf, p + 8)}`);
    }
    return list;
  }

  unknownAttributes(): RawAttribute[] {
    const list: RawAttribute[] = [];
    for (let i = 0; i < this.unknown.length; i += 4) {
      list.push({
        flags: this.unknown[i],
        type: this.unknown[i + 1],
        value: this.buf.slice(this.unknown[i + 2], this.unknown[i + 3]),
      });
    }
    return list;
  }

  /**
   * The AS path as RFC 6793 4.2.3 reconstructs it: when a 2-byte speaker sent AS4_PATH, the
   * leading ASes of AS_PATH are kept so that the total equals AS_PATH's count, and AS4_PATH
   * supplies the rest. AS_SETs count as one; confederation segments do not count (RFC 6793).
   * Returns undefined when there is no AS_PATH or it is malformed.
   */
  asPath(): AsPathSegment[] | undefined {
    if (this.asPathStart < 0) return undefined;
    const path = parseSegments(this.buf, this.asPathStart, this.asPathEnd, this.asnLength);
    if (path === undefined) return undefined;
    if (this.asnLength !== 2 || this.as4PathStart < 0) return path;
    // RFC 6793 4.2.3: AGGREGATOR other than AS_TRANS beside AS4_AGGREGATOR means both AS4_*
    // attributes are to be ignored.
    if (
      this.aggregatorAddressOffset >= 0 &&
      this.as4AggregatorAddressOffset >= 0 &&
      this.aggregatorAsn !== AS_TRANS
    ) {
      return path;
    }
    const as4 = parseSegments(this.buf, this.as4PathStart, this.as4PathEnd, 4);
    if (as4 === undefined || as4.some((s) => s.kind === 'confed-sequence' || s.kind === 'confed-set'))
      return path;
    const pathCount = rfcCount(path);
    const as4Count = rfcCount(as4);
    if (pathCount < as4Count) return path;
    let keep = pathCount - as4Count;
    const merged: AsPathSegment[] = [];
    for (const segment of path) {
      if (keep <= 0) {
        if (segment.kind === 'confed-sequence' || segment.kind === 'confed-set') merged.push(segment);
        continue;
      }
      if (segment.kind === 'confed-sequence' || segment.kind === 'confed-set') {
        merged.push(segment);
      } else if (segment.kind === 'set') {
        merged.push(segment);
        keep -= 1;
      } else {
        const take = Math.min(keep, segment.asns.length);
        merged.push({ kind: 'sequence', asns: segment.asns.slice(0, take) });
        keep -= take;
      }
    }
    return merged.concat(as4);
  }

  /** Origin AS(es): the last AS of the path, or every AS of a final AS_SET. */
  originAsns(): number[] {
    const path = this.asPath();
    if (path === undefined) return [];
    for (let i = path.length - 1; i >= 0; i--) {
      const segment = path[i];
      if (segment.kind === 'confed-sequence' || segment.kind === 'confed-set' || segment.asns.length === 0)
        continue;
      return segment.kind === 'set' ? segment.asns.slice() : [segment.asns[segment.asns.length - 1]];
    }
    return [];
  }

  /** Communities as bgpdump prints them: space-separated, well-known ones by name. */
  communitiesText(): string {
    if (this.cachedCommunitiesText !== undefined) return this.cachedCommunitiesText;
    let text = '';
    const buf = this.buf;
    for (let p = this.communitiesStart; p >= 0 && p < this.communitiesEnd; p += 4) {
      const value = readU32(buf, p);
      const name = WELL_KNOWN_COMMUNITIES[value];
      text += name !== undefined ? ` ${name}` : ` ${value >>> 16}:${value & 0xffff}`;
    }
    this.cachedCommunitiesText = text.length > 0 ? text.slice(1) : '';
    return this.cachedCommunitiesText;
  }
}

function emptyMp(): MpNlriLocation {
  return {
    afi: 0,
    safi: 0,
    nextHopOffset: -1,
    nextHopLength: 0,
    nlriStart: 0,
    nlriEnd: 0,
    abbreviated: false,
  };
}

function setMp(
  mp: MpNlriLocation,
  afi: number,
  safi: number,
  nextHopOffset: number,
  nextHopLength: number,
  nlriStart: number,
  nlriEnd: number,
  abbreviated: boolean,
): void {
  mp.afi = afi;
  mp.safi = safi;
  mp.nextHopOffset = nextHopOffset;
  mp.nextHopLength = nextHopLength;
  mp.nlriStart = nlriStart;
  mp.nlriEnd = nlriEnd;
  mp.abbreviated = abbreviated;
}

export function readU16(buf: Uint8Array, p: number): number {
  return (buf[p] << 8) | buf[p + 1];
}

export function readU32(buf: Uint8Array, p: number): number {
  return ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
}

function hex(buf: Uint8Array, p: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += (buf[p + i] < 16 ? '0' : '') + buf[p + i].toString(16);
  return s;
}

/** Parses AS_PATH segments; undefined when a segment type is unknown or runs past the end. */
export function parseSegments(
  buf: Uint8Array,
  start: number,
  end: number,
  asnLength: number,
): AsPathSegment[] | undefined {
  const segments: AsPathSegment[] = [];
  let p = start;
  while (p < end) {
    if (p + 2 > end) return undefined;
    const kind = SEGMENT_KINDS[buf[p]];
    const count = buf[p + 1];
    const data = p + 2;
    p = data + count * asnLength;
    if (kind === undefined || p > end) return undefined;
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      asns[i] = asnLength === 2 ? readU16(buf, data + 2 * i) : readU32(buf, data + 4 * i);
    }
    segments.push({ kind, asns });
  }
  return segments;
}

/**
 * AS path text, the one way cairn writes segments: sequences space-separated, `{a,b}` sets,
 * `(a b)` confederation sequences, `[a,b]` confederation sets (the notation bgpdump prints).
 */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  let text = '';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (i > 0) text += ' ';
    switch (segment.kind) {
      case 'sequence':
        text += segment.asns.join(' ');
        break;
      case 'set':
        text += `{${segment.asns.join(',')}}`;
        break;
      case 'confed-sequence':
        text += `(${segment.asns.join(' ')})`;
        break;
      case 'confed-set':
        text += `[${segment.asns.join(',')}]`;
        break;
    }
  }
  return text;
}

function rfcCount(path: AsPathSegment[]): number {
  let n = 0;
  for (const s of path) {
    if (s.kind === 'sequence') n += s.asns.length;
    else if (s.kind === 'set') n += 1;
  }
  return n;
}

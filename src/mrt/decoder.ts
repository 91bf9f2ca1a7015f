/**
 * MRT record bodies -> elements. The decoder is split the way the bytes are: the framing
 * (reader.ts) hands it one complete record at a time; it reads the record header and the
 * TABLE_DUMP, TABLE_DUMP_V2, BGP4MP/BGP4MP_ET or legacy BGP body, decodes path attributes with
 * one reusable `PathAttributes`, and calls the visitor once per element with one reusable
 * `ElementCursor`. Nothing is allocated per element.
 *
 * Problems (lengths that lie, unknown families, missing peer tables...) are reported through
 * `onProblem` with the byte offset and record type; decoding goes on with the next record.
 */
import { PathAttributes, readU16, readU32 } from '../bgp/index.js';
import { CairnError, type BgpErrorCode, type MrtErrorCode } from '../errors/index.js';
import { formatIPv4, formatIPv6 } from '../net/index.js';
import { Bgp4mpSubtype, LegacyBgpSubtype, MrtType, recordTypeName, TableDumpV2Subtype } from './constants.js';
import { ElementCursor, NextHopSource, type ElementType } from './element.js';

/** A problem found in the input: a CairnError whose location has file, offset and record type. */
export type MrtProblem = CairnError;

export interface PeerIndexEntry {
  family: 4 | 6;
  /** Address bytes (4 or 16). */
  bytes: Uint8Array;
  address: string;
  asn: number;
  bgpId: string;
}

export interface RecordHeader {
  timestamp: number;
  type: number;
  subtype: number;
  /** Body length (for BGP4MP_ET without the microsecond field). */
  length: number;
  microseconds: number;
  /** Offset of the record's first header byte in the decompressed stream. */
  offset: number;
}

export interface DecoderHooks {
  /** Called for every element with the shared cursor; valid only during the call. */
  onElement(cursor: ElementCursor): void;
  /** Called for every problem. Default: ignore (the reader counts them). */
  onProblem?(problem: MrtProblem): void;
  /** Called for every record before its elements. */
  onRecord?(header: RecordHeader): void;
  /** See `PrefixRunHook`. */
  onPrefixRun?: PrefixRunHook;
}

/**
 * Called with the raw bytes of a run of IPv4 NLRI (an UPDATE's withdrawn routes or announcements,
 * or the NLRI of its MP attributes) before the run's elements are emitted, when it holds more than
 * one prefix: a consumer may look ahead, for instance touch its index so that the lookups of the
 * elements that follow find it in the cache (their memory loads then overlap instead of waiting
 * one after the other). The bytes are unvalidated input: read them defensively, and do not throw.
 * `addPath`: each prefix is preceded by a 4-byte path identifier.
 */
export type PrefixRunHook = (buf: Uint8Array, start: number, end: number, addPath: boolean) => void;

/** Runs shorter than this (one IPv4 prefix is at most 5 bytes) are not passed to onPrefixRun. */
const PREFIX_RUN_MIN_BYTES = 6;

const BGP_HEADER_LENGTH = 19;

export class MrtDecoder {
  readonly cursor = new ElementCursor();
  readonly attributes = new PathAttributes();
  /** Incremented on every attribute decode: lets formatters cache per-attribute-set text. */
  attributeGeneration = 0;
  peerIndex: PeerIndexEntry[] | undefined;
  /** Name of the input, for error locations. */
  file: string;

  private hooks: DecoderHooks;
  private header: RecordHeader = { timestamp: 0, type: 0, subtype: 0, length: 0, microseconds: 0, offset: 0 };
  private buf: Uint8Array = new Uint8Array(0);
  private streamBase = 0;
  private recordStart = 0;

  /**
   * Reproduce what bgpdump 1.6.2 makes of malformed NLRI instead of stopping at them (see
   * emitPrefixes). Only `--format bgpdump` sets this; every other consumer gets RFC behaviour.
   */
  readonly bgpdumpCompatible: boolean;

  constructor(file: string, hooks: DecoderHooks, options: { bgpdumpCompatible?: boolean } = {}) {
    this.file = file;
    this.hooks = hooks;
    this.bgpdumpCompatible = options.bgpdumpCompatible ?? false;
  }

  /**
   * Decodes the record whose header starts at `buf[start]` and whose body ends at `end`.
   * `streamOffset` is the stream position of `buf[0]`, for error locations.
   */
  decodeRecord(buf: Uint8Array, start: number, end: number, streamOffset: number): void {
    const header = this.header;
    // Big-endian fields are read in place, here and in the BGP4MP message path, rather than by
    // readU16/readU32: a call per field costs more than the field before the JIT compiles this.
    header.timestamp =
      ((buf[start] << 24) | (buf[start + 1] << 16) | (buf[start + 2] << 8) | buf[start + 3]) >>> 0;
    header.type = (buf[start + 4] << 8) | buf[start + 5];
    header.subtype = (buf[start + 6] << 8) | buf[start + 7];
    header.length =
      ((buf[start + 8] << 24) | (buf[start + 9] << 16) | (buf[start + 10] << 8) | buf[start + 11]) >>> 0;
    header.offset = streamOffset + start;
    this.buf = buf;
    this.streamBase = streamOffset;
    this.recordStart = start;
    let bodyStart = start + 12;
    header.microseconds = 0;
    if (header.type === MrtType.BGP4MP_ET) {
      if (end - bodyStart < 4) {
        this.problem(
          'MRT_TRUNCATED_RECORD',
          'BGP4MP_ET record too short for its microsecond timestamp',
          bodyStart,
        );
        return;
      }
      header.microseconds =
        ((buf[bodyStart] << 24) |
          (buf[bodyStart + 1] << 16) |
          (buf[bodyStart + 2] << 8) |
          buf[bodyStart + 3]) >>>
        0;
      bodyStart += 4;
      header.length -= 4;
    }
    this.hooks.onRecord?.(header);
    const cursor = this.cursor;
    cursor.mrtType = header.type;
    cursor.mrtSubtype = header.subtype;
    cursor.recordOffset = header.offset;
    cursor.timestamp = header.timestamp;
    cursor.microseconds = header.microseconds;
    cursor.hasMicroseconds = header.type === MrtType.BGP4MP_ET;
    cursor.bgpdumpPrints = true;
    cursor.hasPathId = false;
    cursor.attributes = undefined;
    try {
      // Literal case labels here and in decodeBgp4mp (names in comments): the interpreter jumps
      // through a table instead of loading each name; this runs for every record, also before
      // the JIT compiles it.
      switch (header.type) {
        case 13 /* TABLE_DUMP_V2 */:
          this.decodeTableDumpV2(bodyStart, end);
          break;
        case 16 /* BGP4MP */:
        case 17 /* BGP4MP_ET */:
          this.decodeBgp4mp(bodyStart, end);
          break;
        case 12 /* TABLE_DUMP */:
          this.decodeTableDump(bodyStart, end);
          break;
        case 5 /* BGP */:
          this.decodeLegacyBgp(bodyStart, end);
          break;
        default:
          this.problem('MRT_UNKNOWN_TYPE', `unknown MRT type ${header.type} (record skipped)`, start);
      }
    } catch (error) {
      // Visitors and problem hooks may throw (strict mode stops that way): pass those through.
      // A TypeError or RangeError would be a decoder bug: give it the record's location.
      if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
      throw new CairnError(
        'MRT_DECODE_FAILED',
        `decoder failed: ${(error as Error).message}`,
        this.location(start),
        {
          cause: error,
        },
      );
    }
  }

  // ----- problems -----

  private location(at: number): { file: string; offset: number; recordType: string } {
    return {
      file: this.file,
      offset: this.streamBase + at,
      recordType: recordTypeName(this.header.type, this.header.subtype),
    };
  }

  private problem(code: MrtErrorCode | BgpErrorCode, message: string, at: number): void {
    this.hooks.onProblem?.(new CairnError(code, message, this.location(at)));
  }

  private reportAttributeProblems(): void {
    const problems = this.attributes.problems;
    for (let i = 0; i < problems.length; i++) {
      const p = problems[i];
      this.problem(p.code, `${p.message} (RFC 7606: ${p.action})`, p.offset);
    }
  }

  private decodeAttributes(start: number, end: number, asnLength: number, addPath: boolean): PathAttributes {
    this.attributeGeneration++;
    const attributes = this.attributes.decode(this.buf, start, end, asnLength, addPath);
    if (attributes.problems.length !== 0) this.reportAttributeProblems();
    return attributes;
  }

  // ----- TABLE_DUMP_V2 (RFC 6396 4.3, RFC 8050) -----

  private decodeTableDumpV2(p: number, end: number): void {
    const subtype = this.header.subtype;
    switch (subtype) {
      case TableDumpV2Subtype.PEER_INDEX_TABLE:
        this.decodePeerIndexTable(p, end);
        return;
      case TableDumpV2Subtype.RIB_IPV4_UNICAST:
      case TableDumpV2Subtype.RIB_IPV4_UNICAST_ADDPATH:
        this.decodeRib(p, end, 4, subtype === TableDumpV2Subtype.RIB_IPV4_UNICAST_ADDPATH, true);
        return;
      case TableDumpV2Subtype.RIB_IPV6_UNICAST:
      case TableDumpV2Subtype.RIB_IPV6_UNICAST_ADDPATH:
        this.decodeRib(p, end, 6, subtype === TableDumpV2Subtype.RIB_IPV6_UNICAST_ADDPATH, true);
        return;
      // bgpdump 1.6.2 prints nothing for multicast and generic RIBs; they are decoded all the same.
      case TableDumpV2Subtype.RIB_IPV4_MULTICAST:
      case TableDumpV2Subtype.RIB_IPV4_MULTICAST_ADDPATH:
        this.decodeRib(p, end, 4, subtype === TableDumpV2Subtype.RIB_IPV4_MULTICAST_ADDPATH, false);
        return;
      case TableDumpV2Subtype.RIB_IPV6_MULTICAST:
      case TableDumpV2Subtype.RIB_IPV6_MULTICAST_ADDPATH:
        this.decodeRib(p, end, 6, subtype === TableDumpV2Subtype.RIB_IPV6_MULTICAST_ADDPATH, false);
        return;
      case TableDumpV2Subtype.RIB_GENERIC:
      case TableDumpV2Subtype.RIB_GENERIC_ADDPATH:
        this.decodeRibGeneric(p, end, subtype === TableDumpV2Subtype.RIB_GENERIC_ADDPATH);
        return;
      default:
        this.problem('MRT_UNKNOWN_SUBTYPE', `unknown TABLE_DUMP_V2 subtype ${subtype}`, this.recordStart);
    }
  }

  private decodePeerIndexTable(p: number, end: number): void {
    const buf = this.buf;
    if (end - p < 8) {
      this.problem('MRT_TRUNCATED_RECORD', 'PEER_INDEX_TABLE shorter than its fixed fields', p);
      return;
    }
    p += 4; // collector BGP ID
    const viewNameLength = readU16(buf, p);
    if (p + 2 + viewNameLength + 2 > end) {
      this.problem('MRT_TRUNCATED_RECORD', `view name length ${viewNameLength} runs past the record`, p);
      return;
    }
    p += 2 + viewNameLength;
    const peerCount = readU16(buf, p);
    p += 2;
    const peers: PeerIndexEntry[] = [];
    for (let i = 0; i < peerCount; i++) {
      if (p + 1 > end) break;
      const peerType = buf[p];
      const family = peerType & 1 ? 6 : 4;
      const asnLength = peerType & 2 ? 4 : 2;
      const size = 1 + 4 + (family === 4 ? 4 : 16) + asnLength;
      if (p + size > end) break;
      const bgpId = formatIPv4(buf, p + 1);
      const address = family === 4 ? formatIPv4(buf, p + 5) : formatIPv6(buf, p + 5);
      const asnAt = p + 5 + (family === 4 ? 4 : 16);
      const asn = asnLength === 4 ? readU32(buf, asnAt) : readU16(buf, asnAt);
      peers.push({ family, bytes: buf.slice(p + 5, p + 5 + (family === 4 ? 4 : 16)), address, asn, bgpId });
      p += size;
    }
    if (peers.length !== peerCount) {
      this.problem(
        'MRT_TRUNCATED_RECORD',
        `PEER_INDEX_TABLE declares ${peerCount} peers but holds ${peers.length}`,
        p,
      );
    }
    this.peerIndex = peers;
  }

  private decodeRib(p: number, end: number, family: 4 | 6, addPath: boolean, bgpdumpPrints: boolean): void {
    const buf = this.buf;
    if (end - p < 5) {
      this.problem('MRT_TRUNCATED_RECORD', 'RIB record shorter than its fixed fields', p);
      return;
    }
    p += 4; // sequence number
    const prefixLength = buf[p++];
    const maxBits = family === 4 ? 32 : 128;
    if (prefixLength > maxBits) {
      this.problem('MRT_BAD_PREFIX_LENGTH', `prefix length ${prefixLength} exceeds ${maxBits}`, p - 1);
      return;
    }
    const prefixBytes = (prefixLength + 7) >>> 3;
    if (p + prefixBytes + 2 > end) {
      this.problem('MRT_TRUNCATED_RECORD', 'RIB prefix runs past the record', p);
      return;
    }
    this.setPrefix(family, p, prefixBytes, prefixLength);
    p += prefixBytes;
    this.decodeRibEntries(p, end, addPath, bgpdumpPrints, addPath ? 'TABLE_DUMP2_AP' : 'TABLE_DUMP2');
  }

  private decodeRibEntries(
    p: number,
    end: number,
    addPath: boolean,
    bgpdumpPrints: boolean,
    format: string,
  ): void {
    const buf = this.buf;
    const cursor = this.cursor;
    const peers = this.peerIndex;
    if (peers === undefined) {
      this.problem(
        'MRT_NO_PEER_INDEX',
        'RIB record before any PEER_INDEX_TABLE (record skipped)',
        this.recordStart,
      );
      return;
    }
    const entryCount = readU16(buf, p);
    p += 2;
    cursor.type = 'B';
    cursor.format = format;
    cursor.nextHopSource = NextHopSource.Rib;
    for (let i = 0; i < entryCount; i++) {
      const fixed = addPath ? 12 : 8;
      if (p + fixed > end) {
        this.problem('MRT_TRUNCATED_RECORD', `RIB entry ${i} of ${entryCount} runs past the record`, p);
        return;
      }
      const peerIndex = readU16(buf, p);
      p += 6; // peer index, originated time
      if (addPath) {
        cursor.pathId = readU32(buf, p);
        cursor.hasPathId = true;
        p += 4;
      }
      const attributesLength = readU16(buf, p);
      p += 2;
      const attributesEnd = p + attributesLength;
      if (attributesEnd > end) {
        this.problem(
          'MRT_BAD_ATTRIBUTE_LENGTH',
          `RIB entry attributes (${attributesLength} bytes) run past the record`,
          p - 2,
        );
        return;
      }
      const peer = peers[peerIndex];
      if (peer === undefined) {
        this.problem(
          'MRT_BAD_PEER_INDEX',
          `peer index ${peerIndex} is not in the PEER_INDEX_TABLE (${peers.length} peers)`,
          p - fixed,
        );
        p = attributesEnd;
        continue;
      }
      cursor.setPeerFormatted(peer.family, peer.bytes, peer.address, peer.asn);
      cursor.attributes = this.decodeAttributes(p, attributesEnd, 4, addPath);
      cursor.bgpdumpPrints = bgpdumpPrints;
      this.hooks.onElement(cursor);
      p = attributesEnd;
    }
    if (p < end) this.problem('MRT_TRAILING_BYTES', `${end - p} bytes after the last RIB entry`, p);
  }

  private decodeRibGeneric(p: number, end: number, addPath: boolean): void {
    const buf = this.buf;
    if (end - p < 8) {
      this.problem('MRT_TRUNCATED_RECORD', 'RIB_GENERIC record shorter than its fixed fields', p);
      return;
    }
    p += 4; // sequence
    const afi = readU16(buf, p);
    const safi = buf[p + 2];
    p += 3;
    if ((afi !== 1 && afi !== 2) || (safi !== 1 && safi !== 2)) {
      this.problem(
        'MRT_UNSUPPORTED_AFI',
        `RIB_GENERIC with AFI ${afi} SAFI ${safi} is not decoded (record skipped)`,
        p - 3,
      );
      return;
    }
    const family = afi === 1 ? 4 : 6;
    const prefixLength = buf[p++];
    if (prefixLength > (family === 4 ? 32 : 128)) {
      this.problem(
        'MRT_BAD_PREFIX_LENGTH',
        `prefix length ${prefixLength} is too long for AFI ${afi}`,
        p - 1,
      );
      return;
    }
    const prefixBytes = (prefixLength + 7) >>> 3;
    if (p + prefixBytes + 2 > end) {
      this.problem('MRT_TRUNCATED_RECORD', 'RIB_GENERIC prefix runs past the record', p);
      return;
    }
    this.setPrefix(family, p, prefixBytes, prefixLength);
    p += prefixBytes;
    this.decodeRibEntries(p, end, addPath, false, addPath ? 'TABLE_DUMP2_AP' : 'TABLE_DUMP2');
  }

  // ----- TABLE_DUMP (RFC 6396 4.2) -----

  private decodeTableDump(p: number, end: number): void {
    const buf = this.buf;
    const cursor = this.cursor;
    const subtype = this.header.subtype;
    if (subtype < 1 || subtype > 4) {
      this.problem('MRT_UNKNOWN_SUBTYPE', `unknown TABLE_DUMP subtype ${subtype}`, this.recordStart);
      return;
    }
    const family = subtype === 1 || subtype === 3 ? 4 : 6;
    const asnLength = subtype <= 2 ? 2 : 4;
    const addressLength = family === 4 ? 4 : 16;
    const fixed = 4 + addressLength + 2 + 4 + addressLength + asnLength + 2;
    if (end - p < fixed) {
      this.problem('MRT_TRUNCATED_RECORD', `TABLE_DUMP record shorter than its ${fixed} fixed bytes`, p);
      return;
    }
    p += 4; // view, sequence
    const prefixAt = p;
    p += addressLength;
    const prefixLength = buf[p];
    p += 2 + 4; // prefix length, status, originated time
    if (prefixLength > addressLength * 8) {
      this.problem(
        'MRT_BAD_PREFIX_LENGTH',
        `prefix length ${prefixLength} exceeds ${addressLength * 8}`,
        p - 6,
      );
      return;
    }
    const peerAt = p;
    p += addressLength;
    const peerAsn = asnLength === 2 ? readU16(buf, p) : readU32(buf, p);
    p += asnLength;
    const attributesLength = readU16(buf, p);
    p += 2;
    let attributesEnd = p + attributesLength;
    if (attributesEnd > end) {
      this.problem(
        'MRT_BAD_ATTRIBUTE_LENGTH',
        `attributes (${attributesLength} bytes) run past the record`,
        p - 2,
      );
      attributesEnd = end;
    }
    this.setPrefix(family, prefixAt, addressLength, prefixLength);
    cursor.setPeer(family, buf, peerAt, peerAsn);
    cursor.type = 'B';
    cursor.format = 'TABLE_DUMP';
    cursor.nextHopSource = NextHopSource.Rib;
    cursor.attributes = this.decodeAttributes(p, attributesEnd, asnLength, false);
    this.hooks.onElement(cursor);
  }

  // ----- BGP4MP and BGP4MP_ET (RFC 6396 4.4, 4.5; RFC 8050) -----

  private decodeBgp4mp(p: number, end: number): void {
    const subtype = this.header.subtype;
    switch (subtype) {
      case 0 /* STATE_CHANGE */:
      case 5 /* STATE_CHANGE_AS4 */:
        this.decodeStateChange(p, end, subtype === Bgp4mpSubtype.STATE_CHANGE_AS4 ? 4 : 2);
        return;
      case 1 /* MESSAGE */:
      case 6 /* MESSAGE_LOCAL */:
      case 8 /* MESSAGE_ADDPATH */:
      case 10 /* MESSAGE_LOCAL_ADDPATH */:
        this.decodeMessage(p, end, 2);
        return;
      case 4 /* MESSAGE_AS4 */:
      case 7 /* MESSAGE_AS4_LOCAL */:
      case 9 /* MESSAGE_AS4_ADDPATH */:
      case 11 /* MESSAGE_AS4_LOCAL_ADDPATH */:
        this.decodeMessage(p, end, 4);
        return;
      case 2 /* ENTRY */:
        this.decodeEntry(p, end);
        return;
      default:
        this.problem(
          'MRT_UNKNOWN_SUBTYPE',
          `unsupported BGP4MP subtype ${subtype} (record skipped)`,
          this.recordStart,
        );
    }
  }

  private decodeStateChange(p: number, end: number, asnLength: number): void {
    const buf = this.buf;
    const cursor = this.cursor;
    const bodyLength = end - p;
    if (bodyLength === 8) {
      // Old Zebra wrote 8-byte state changes (two ASNs and the states, no addresses); bgpdump
      // reads them as peer 0.0.0.0 with the states read after the two ASN fields.
      const zero = new Uint8Array(4);
      cursor.setPeer(4, zero, 0, asnLength === 2 ? readU16(buf, p) : readU32(buf, p));
      const statesAt = p + 2 * asnLength;
      cursor.oldState = statesAt + 2 <= end ? readU16(buf, statesAt) : 0;
      cursor.newState = statesAt + 4 <= end ? readU16(buf, statesAt + 2) : 0;
      cursor.type = 'STATE';
      cursor.format = this.header.type === MrtType.BGP4MP_ET ? 'BGP4MP_ET' : 'BGP4MP';
      this.problem('MRT_SHORT_STATE_CHANGE', '8-byte STATE_CHANGE without addresses (old Zebra)', p);
      this.hooks.onElement(cursor);
      return;
    }
    if (bodyLength < 2 * asnLength + 4) {
      this.problem('MRT_TRUNCATED_RECORD', 'STATE_CHANGE shorter than its fixed fields', p);
      return;
    }
    const peerAsn = asnLength === 2 ? readU16(buf, p) : readU32(buf, p);
    p += 2 * asnLength + 2;
    const afi = readU16(buf, p);
    p += 2;
    if (afi !== 1 && afi !== 2) {
      this.problem('MRT_UNSUPPORTED_AFI', `STATE_CHANGE with address family ${afi}`, p - 2);
      return;
    }
    const addressLength = afi === 1 ? 4 : 16;
    if (p + 2 * addressLength + 4 > end) {
      this.problem('MRT_TRUNCATED_RECORD', 'STATE_CHANGE addresses and states run past the record', p);
      return;
    }
    cursor.setPeer(afi === 1 ? 4 : 6, buf, p, peerAsn);
    p += 2 * addressLength;
    cursor.oldState = readU16(buf, p);
    cursor.newState = readU16(buf, p + 2);
    cursor.type = 'STATE';
    cursor.format = this.header.type === MrtType.BGP4MP_ET ? 'BGP4MP_ET' : 'BGP4MP';
    // bgpdump insists on the exact body length of the two standard layouts.
    const expected = 2 * asnLength + 4 + 2 * addressLength + 4;
    cursor.bgpdumpPrints = bodyLength === expected;
    this.hooks.onElement(cursor);
  }

  private decodeMessage(p: number, end: number, asnLength: number): void {
    const buf = this.buf;
    const cursor = this.cursor;
    const subtype = this.header.subtype;
    const local =
      subtype === Bgp4mpSubtype.MESSAGE_LOCAL ||
      subtype === Bgp4mpSubtype.MESSAGE_AS4_LOCAL ||
      subtype === Bgp4mpSubtype.MESSAGE_LOCAL_ADDPATH ||
      subtype === Bgp4mpSubtype.MESSAGE_AS4_LOCAL_ADDPATH;
    const addPath = subtype >= Bgp4mpSubtype.MESSAGE_ADDPATH;
    if (end - p < 2 * asnLength + 4) {
      this.problem('MRT_TRUNCATED_RECORD', 'BGP4MP message shorter than its fixed fields', p);
      return;
    }
    const peerAsn =
      asnLength === 2
        ? (buf[p] << 8) | buf[p + 1]
        : ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
    p += 2 * asnLength + 2;
    const afi = (buf[p] << 8) | buf[p + 1];
    p += 2;
    if (afi !== 1 && afi !== 2) {
      this.problem(
        'MRT_UNSUPPORTED_AFI',
        `BGP4MP message with address family ${afi} (record skipped)`,
        p - 2,
      );
      return;
    }
    const addressLength = afi === 1 ? 4 : 16;
    if (p + 2 * addressLength > end) {
      this.problem('MRT_TRUNCATED_RECORD', 'BGP4MP peer addresses run past the record', p);
      return;
    }
    cursor.setPeer(afi === 1 ? 4 : 6, buf, p, peerAsn);
    p += 2 * addressLength;
    let format = this.header.type === MrtType.BGP4MP_ET ? 'BGP4MP_ET' : 'BGP4MP';
    if (local) format += '_LOCAL';
    if (addPath) format += '_AP';
    cursor.format = format;
    this.decodeBgpMessage(p, end, asnLength, addPath, afi === 1 && local);
  }

  /** A BGP message (header + body) inside BGP4MP: only UPDATEs produce elements. */
  private decodeBgpMessage(
    p: number,
    end: number,
    asnLength: number,
    addPath: boolean,
    bgpdumpV6PeerQuirk: boolean,
  ): void {
    const buf = this.buf;
    if (end - p < BGP_HEADER_LENGTH) {
      this.problem('MRT_TRUNCATED_RECORD', 'BGP message header runs past the record', p);
      return;
    }
    // One expression, no loop: this runs for every message, also before the JIT has compiled it.
    const marker =
      buf[p] &
      buf[p + 1] &
      buf[p + 2] &
      buf[p + 3] &
      buf[p + 4] &
      buf[p + 5] &
      buf[p + 6] &
      buf[p + 7] &
      buf[p + 8] &
      buf[p + 9] &
      buf[p + 10] &
      buf[p + 11] &
      buf[p + 12] &
      buf[p + 13] &
      buf[p + 14] &
      buf[p + 15];
    if (marker !== 0xff) {
      this.problem('BGP_BAD_MARKER', 'BGP message marker is not all ones (record skipped)', p);
      return;
    }
    const length = (buf[p + 16] << 8) | buf[p + 17];
    const type = buf[p + 18];
    if (length < BGP_HEADER_LENGTH || length > 65535) {
      this.problem('BGP_BAD_LENGTH', `BGP message length ${length} is below the 19-byte header`, p + 16);
      return;
    }
    let messageEnd = p + length;
    if (messageEnd > end) {
      this.problem(
        'BGP_TRUNCATED_MESSAGE',
        `BGP message of ${length} bytes cut to ${end - p} by the record`,
        p + 16,
      );
      messageEnd = end;
    }
    if (type !== 2) return; // OPEN, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH: no elements
    this.decodeUpdateBody(p + BGP_HEADER_LENGTH, messageEnd, asnLength, addPath, bgpdumpV6PeerQuirk);
  }

  /** UPDATE body (RFC 4271 4.3): withdrawals first, then announcements, in bgpdump's order. */
  private decodeUpdateBody(
    p: number,
    end: number,
    asnLength: number,
    addPath: boolean,
    bgpdumpV6PeerQuirk: boolean,
    legacy = false,
  ): void {
    const buf = this.buf;
    const cursor = this.cursor;
    if (end - p < 2) {
      this.problem('BGP_TRUNCATED_MESSAGE', 'UPDATE too short for its withdrawn-routes length', p);
      return;
    }
    const withdrawnLength = (buf[p] << 8) | buf[p + 1];
    p += 2;
    let withdrawnEnd = p + withdrawnLength;
    if (withdrawnEnd > end) {
      this.problem(
        'BGP_BAD_WITHDRAWN_LENGTH',
        `withdrawn routes length ${withdrawnLength} runs past the message`,
        p - 2,
      );
      withdrawnEnd = end;
    }
    const withdrawnStart = p;
    p = withdrawnEnd;
    let attributesEnd = p;
    let attributes: PathAttributes | undefined;
    if (p + 2 <= end) {
      const attributesLength = (buf[p] << 8) | buf[p + 1];
      p += 2;
      attributesEnd = p + attributesLength;
      if (attributesEnd > end) {
        this.problem(
          'BGP_BAD_ATTRIBUTE_LENGTH',
          `path attributes length ${attributesLength} runs past the message`,
          p - 2,
        );
        attributesEnd = end;
      }
      attributes = this.decodeAttributes(p, attributesEnd, asnLength, addPath);
    } else if (p < end) {
      this.problem('BGP_TRUNCATED_MESSAGE', 'UPDATE too short for its path-attributes length', p);
    }
    cursor.attributes = attributes;

    // Withdrawals: IPv4 withdrawn routes, then MP_UNREACH_NLRI.
    if (withdrawnEnd > withdrawnStart)
      this.emitPrefixes(withdrawnStart, withdrawnEnd, 4, addPath, 'W', NextHopSource.Attribute, true);
    if (attributes !== undefined && attributes.hasMpUnreach) {
      const mp = attributes.mpUnreach;
      const family = this.mpFamily(mp.afi, mp.safi);
      if (family !== 0) {
        this.emitPrefixes(
          mp.nlriStart,
          mp.nlriEnd,
          family,
          addPath,
          'W',
          NextHopSource.MpReach,
          !legacy,
          family === 6 && bgpdumpV6PeerQuirk,
        );
      }
    }
    // Announcements: IPv4 NLRI, then MP_REACH_NLRI.
    if (attributesEnd < end)
      this.emitPrefixes(attributesEnd, end, 4, addPath, 'A', NextHopSource.Attribute, true);
    if (attributes !== undefined && attributes.hasMpReach && !attributes.mpReach.abbreviated) {
      const mp = attributes.mpReach;
      const family = this.mpFamily(mp.afi, mp.safi);
      if (family !== 0)
        this.emitPrefixes(mp.nlriStart, mp.nlriEnd, family, addPath, 'A', NextHopSource.MpReach, !legacy);
    }
  }

  /** 4 or 6 for the AFI/SAFI pairs whose NLRI are plain prefixes; 0 (reported) otherwise. */
  private mpFamily(afi: number, safi: number): 0 | 4 | 6 {
    if ((afi === 1 || afi === 2) && safi >= 1 && safi <= 3) return afi === 1 ? 4 : 6;
    this.problem('MRT_UNSUPPORTED_AFI', `MP NLRI with AFI ${afi} SAFI ${safi} not decoded`, this.recordStart);
    return 0;
  }

  private emitPrefixes(
    p: number,
    end: number,
    family: 4 | 6,
    addPath: boolean,
    type: ElementType,
    nextHopSource: NextHopSource,
    bgpdumpPrints: boolean,
    bgpdumpPeerAsIPv6 = false,
  ): void {
    const buf = this.buf;
    const cursor = this.cursor;
    const maxBits = family === 4 ? 32 : 128;
    cursor.type = type;
    cursor.nextHopSource = nextHopSource;
    cursor.bgpdumpPrints = bgpdumpPrints;
    cursor.bgpdumpPeerAsIPv6 = bgpdumpPeerAsIPv6;
    const onPrefixRun = this.hooks.onPrefixRun;
    if (onPrefixRun !== undefined && family === 4 && end - p >= PREFIX_RUN_MIN_BYTES)
      onPrefixRun(buf, p, end, addPath);
    while (p < end) {
      if (addPath) {
        if (p + 5 > end) {
          this.problem('BGP_TRUNCATED_NLRI', 'ADD-PATH NLRI runs past its field', p);
          break;
        }
        cursor.pathId = readU32(buf, p);
        cursor.hasPathId = true;
        p += 4;
      }
      const length = buf[p++];
      if (length > maxBits) {
        this.problem(
          'BGP_BAD_PREFIX_LENGTH',
          `NLRI prefix length ${length} exceeds ${maxBits} (rest of field skipped)`,
          p - 1,
        );
        if (!this.bgpdumpCompatible) break;
        // bgpdump copies (length+7)/8 bytes into its 16-byte address field: bytes past it
        // overwrite the stored length (byte 16) and, with ADD-PATH, the path id (bytes 20-23).
        const bytes = (length + 7) >>> 3;
        if (p + bytes > end) break;
        this.setPrefix(family, p, Math.min(bytes, 16), bytes > 16 ? buf[p + 16] : length);
        if (bytes > 20 && addPath) {
          cursor.pathId =
            (buf[p + 20] | (buf[p + 21] << 8) | (buf[p + 22] << 16) | (buf[p + 23] << 24)) >>> 0;
        }
        p += bytes;
        this.hooks.onElement(cursor);
        continue;
      }
      const bytes = (length + 7) >>> 3;
      if (p + bytes > end) {
        this.problem(
          'BGP_TRUNCATED_NLRI',
          `NLRI prefix /${length} needs ${bytes} bytes, ${end - p} remain`,
          p - 1,
        );
        break;
      }
      if (bytes <= 4 && this.prefixBytesInUse <= 4) {
        // setPrefix's IPv4 case, written out: the call costs more than the copy before the JIT
        // has compiled this loop.
        const target = cursor.prefixBytes;
        target[0] = bytes > 0 ? buf[p] : 0;
        target[1] = bytes > 1 ? buf[p + 1] : 0;
        target[2] = bytes > 2 ? buf[p + 2] : 0;
        target[3] = bytes > 3 ? buf[p + 3] : 0;
        this.prefixBytesInUse = bytes;
        cursor.prefixFamily = family;
        cursor.prefixLength = length;
      } else this.setPrefix(family, p, bytes, length);
      p += bytes;
      this.hooks.onElement(cursor);
    }
    cursor.bgpdumpPeerAsIPv6 = false;
  }

  private setPrefix(family: 4 | 6, at: number, bytes: number, length: number): void {
    const target = this.cursor.prefixBytes;
    const buf = this.buf;
    if (bytes <= 4 && this.prefixBytesInUse <= 4) {
      // IPv4 without loops: this runs for every prefix, also before the JIT has compiled it.
      target[0] = bytes > 0 ? buf[at] : 0;
      target[1] = bytes > 1 ? buf[at + 1] : 0;
      target[2] = bytes > 2 ? buf[at + 2] : 0;
      target[3] = bytes > 3 ? buf[at + 3] : 0;
    } else {
      let i = 0;
      for (; i < bytes; i++) target[i] = buf[at + i];
      // Only bytes a previous prefix may have set need clearing (the rest are already zero).
      for (const end = this.prefixBytesInUse; i < end; i++) target[i] = 0;
    }
    this.prefixBytesInUse = bytes;
    this.cursor.prefixFamily = family;
    this.cursor.prefixLength = length;
  }

  /** How many leading bytes of cursor.prefixBytes may be non-zero. */
  private prefixBytesInUse = 16;

  /**
   * BGP4MP_ENTRY (from drafts before RFC 6396, written by OpenBGPD): one RIB entry, laid out as
   * peer AS, local AS (2 bytes each), interface, AFI, peer and local addresses, view, status,
   * originated time, then AFI, SAFI, next hop (length + bytes), prefix and attributes.
   */
  private decodeEntry(p: number, end: number): void {
    const buf = this.buf;
    const cursor = this.cursor;
    if (end - p < 8) {
      this.problem('MRT_TRUNCATED_RECORD', 'BGP4MP_ENTRY shorter than its fixed fields', p);
      return;
    }
    const peerAsn = readU16(buf, p);
    p += 6;
    const afi = readU16(buf, p);
    p += 2;
    if (afi !== 1 && afi !== 2) {
      this.problem('MRT_UNSUPPORTED_AFI', `BGP4MP_ENTRY with address family ${afi}`, p - 2);
      return;
    }
    const addressLength = afi === 1 ? 4 : 16;
    if (p + 2 * addressLength + 8 + 4 > end) {
      this.problem('MRT_TRUNCATED_RECORD', 'BGP4MP_ENTRY runs past the record', p);
      return;
    }
    cursor.setPeer(afi === 1 ? 4 : 6, buf, p, peerAsn);
    p += 2 * addressLength + 8; // addresses, view, status, originated time
    const routeAfi = readU16(buf, p);
    const safi = buf[p + 2];
    p += 3;
    const nextHopLength = buf[p];
    if (p + 1 + nextHopLength + 1 > end) {
      this.problem(
        'MRT_TRUNCATED_RECORD',
        `BGP4MP_ENTRY next hop length ${nextHopLength} runs past the record`,
        p,
      );
      return;
    }
    const nextHopAt = p + 1;
    p += 1 + nextHopLength;
    const family = this.mpFamily(routeAfi, safi);
    if (family === 0) return;
    const prefixLength = buf[p++];
    const prefixBytes = (prefixLength + 7) >>> 3;
    if (prefixLength > (family === 4 ? 32 : 128) || p + prefixBytes + 2 > end) {
      this.problem(
        'MRT_BAD_PREFIX_LENGTH',
        `BGP4MP_ENTRY prefix /${prefixLength} is invalid or runs past the record`,
        p - 1,
      );
      return;
    }
    this.setPrefix(family, p, prefixBytes, prefixLength);
    p += prefixBytes;
    const attributesLength = readU16(buf, p);
    p += 2;
    let attributesEnd = p + attributesLength;
    if (attributesEnd > end) {
      this.problem(
        'MRT_BAD_ATTRIBUTE_LENGTH',
        `attributes (${attributesLength} bytes) run past the record`,
        p - 2,
      );
      attributesEnd = end;
    }
    cursor.type = 'B';
    cursor.format = this.header.type === MrtType.BGP4MP_ET ? 'BGP4MP_ET' : 'BGP4MP';
    cursor.nextHopSource = NextHopSource.Rib;
    // OpenBGPD, the one writer of these records, uses 2-byte AS_PATHs (with 8-byte AGGREGATORs).
    cursor.attributes = this.decodeAttributes(p, attributesEnd, 2, false);
    // The entry carries its next hop outside the attributes.
    if (nextHopLength === 4) cursor.entryNextHop = formatIPv4(buf, nextHopAt);
    else if (nextHopLength === 16 || nextHopLength === 32) cursor.entryNextHop = formatIPv6(buf, nextHopAt);
    cursor.bgpdumpPrints = false;
    this.hooks.onElement(cursor);
    cursor.entryNextHop = undefined;
  }

  // ----- legacy BGP records (type 5, RIPE RIS 1999-2001) -----

  private decodeLegacyBgp(p: number, end: number): void {
    const buf = this.buf;
    const cursor = this.cursor;
    const subtype = this.header.subtype;
    cursor.format = 'BGP';
    if (subtype === LegacyBgpSubtype.STATE_CHANGE) {
      if (end - p < 10) {
        this.problem('MRT_TRUNCATED_RECORD', 'legacy STATE_CHANGE shorter than 10 bytes', p);
        return;
      }
      cursor.setPeer(4, buf, p + 2, readU16(buf, p));
      cursor.oldState = readU16(buf, p + 6);
      cursor.newState = readU16(buf, p + 8);
      cursor.type = 'STATE';
      this.hooks.onElement(cursor);
      return;
    }
    if (subtype !== LegacyBgpSubtype.UPDATE) return; // OPEN, NOTIFY, KEEPALIVE...: no elements
    if (end - p < 12) {
      this.problem('MRT_TRUNCATED_RECORD', 'legacy UPDATE shorter than its peer fields', p);
      return;
    }
    cursor.setPeer(4, buf, p + 2, readU16(buf, p));
    this.decodeUpdateBody(p + 12, end, 2, false, false, true);
  }
}

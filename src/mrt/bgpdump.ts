/**
 * `bgpdump -m` output, line for line as Debian's bgpdump 1.6.2 prints it, quirks included:
 *
 * - a missing NEXT_HOP prints as 255.255.255.255 (bgpdump's INADDR_NONE) and an absent ORIGIN
 *   as INCOMPLETE;
 * - IPv4 routes in MP_REACH_NLRI print LOCAL_PREF and MED as signed 32-bit numbers;
 * - an aggregator whose address is 255.255.255.255 prints as absent;
 * - legacy BGP records print MED and communities with no separator between them, and the
 *   peer address in place of a withdrawn prefix;
 * - RIB entries take an IPv6 next hop from MP_REACH_NLRI whenever bgpdump would, reading 16
 *   bytes whatever the next-hop length says;
 * - prefixes keep the bits past their length as sent (RFC 4271 says those bits are irrelevant;
 *   the JSON output masks them).
 *
 * Text that depends only on the attributes (path, origin, next hop, communities...) is built once
 * per attribute set, not once per prefix.
 */
import { formatIPv4 } from '../net/index.js';
import type { PathAttributes } from '../bgp/index.js';
import { MrtType } from './constants.js';
import { NextHopSource, type ElementCursor } from './element.js';

const ATOMIC_AGGREGATE = 6;
const MED = 4;
const LOCAL_PREF = 5;
const COMMUNITIES = 8;

/** Receives the pieces of one output line. */
export interface LineSink {
  text(piece: string): void;
  endLine(): void;
}

/** A byte buffer that lines are written into directly (see BgpdumpFormatter.writeBytes). */
export interface ByteSink extends LineSink {
  buffer: Uint8Array;
  position: number;
  /** Makes room for `bytes` more bytes (flushing if needed). */
  ensure(bytes: number): void;
}

/** ASCII text into `target` (grown when too small); returns the buffer holding it. */
function encodeAscii(text: string, target: Buffer): Buffer {
  const out = text.length <= target.length ? target : Buffer.allocUnsafe(text.length * 2);
  // One native call: flattens the (concatenated) string once and copies it.
  out.write(text, 0, 'latin1');
  return out;
}

/** Peers whose encoded line head a formatter keeps (see BgpdumpFormatter.writeRibLine). */
const MAX_RIB_PEERS = 65536;

interface RibPeer {
  asn: number;
  family: number;
  /** The peer's address bytes when the head was made (checked: the key is only an array). */
  address: Uint8Array;
  /** `|B|<peer>|<peer AS>|`. */
  bytes: Uint8Array;
}

function samePeer(peer: RibPeer, cursor: ElementCursor): boolean {
  if (peer.asn !== cursor.peerAsn || peer.family !== cursor.peerFamily) return false;
  const address = peer.address;
  const bytes = cursor.peerBytes;
  for (let i = 0; i < address.length; i++) if (address[i] !== bytes[i]) return false;
  return true;
}

/** Decimal digits of a non-negative integer below 2^32 at `pos`; returns the new position. */
function writeDecimal(buf: Uint8Array, pos: number, value: number): number {
  if (value < 10) {
    buf[pos] = 48 + value;
    return pos + 1;
  }
  if (value < 100) {
    buf[pos] = 48 + ((value / 10) | 0);
    buf[pos + 1] = 48 + (value % 10);
    return pos + 2;
  }
  if (value < 1000) {
    buf[pos] = 48 + ((value / 100) | 0);
    buf[pos + 1] = 48 + (((value / 10) | 0) % 10);
    buf[pos + 2] = 48 + (value % 10);
    return pos + 3;
  }
  let digits = 0;
  if (value < 0x80000000) {
    // Small-integer division (timestamps, most ASNs): no floating point.
    for (let v = value | 0; v > 0; v = (v / 10) | 0) digits++;
    let end = pos + digits;
    for (let v = value | 0; v > 0; v = (v / 10) | 0) buf[--end] = 48 + (v % 10);
    return pos + digits;
  }
  for (let v = value; v > 0; v = Math.floor(v / 10)) digits++;
  let end = pos + digits;
  for (let v = value; v > 0; v = Math.floor(v / 10)) buf[--end] = 48 + (v % 10);
  return pos + digits;
}

/** One formatter per input stream: it caches text by record offset. */
export class BgpdumpFormatter {
  private suffixGeneration = -1;
  private suffixSource = -1;
  private suffix = '';
  private readonly scratch = new Uint8Array(16);
  private head = '';
  private headOffset = -1;
  private headType = '';
  private headPeerBytes: Uint8Array | undefined;
  private headPeerAsn = -1;

  /**
   * The bgpdump -m line for the cursor's element (without newline), or undefined when bgpdump
   * prints nothing for it. `generation` identifies the attribute set (MrtDecoder.attributeGeneration).
   */
  format(cursor: ElementCursor, generation: number): string | undefined {
    if (!this.prepare(cursor, generation)) return undefined;
    return this.part2 === undefined ? this.head + this.part1 : this.head + this.part1 + this.part2;
  }

  /**
   * Same as `format`, but hands the pieces of the line to `sink` (the cached head and suffix
   * strings, and the prefix) instead of concatenating them: with a byte-buffer sink no per-line
   * string is built. Returns false when bgpdump prints nothing for the element.
   */
  write(cursor: ElementCursor, generation: number, sink: LineSink): boolean {
    if (!this.prepare(cursor, generation)) return false;
    sink.text(this.head);
    sink.text(this.part1);
    if (this.part2 !== undefined) sink.text(this.part2);
    sink.endLine();
    return true;
  }

  /**
   * The fastest path, for announcements and RIB entries: head and suffix are kept encoded as
   * bytes and the IPv4 prefix is written as digits straight into the sink's buffer, so no string
   * is built per line. Other lines go through `write`.
   */
  writeBytes(cursor: ElementCursor, generation: number, sink: ByteSink): boolean {
    if (cursor.type === 'W' || cursor.type === 'STATE' || cursor.prefixFamily !== 4) {
      return this.write(cursor, generation, sink);
    }
    if (cursor.type === 'B' && cursor.mrtType === MrtType.TABLE_DUMP_V2 && !cursor.hasMicroseconds) {
      if (!cursor.bgpdumpPrints || !this.prepareSuffix(cursor, generation)) return false;
      return this.writeRibLine(cursor, sink);
    }
    if (!this.prepareShared(cursor, generation)) return false;
    if (this.headBytesFor !== this.head) {
      this.headBytes = encodeAscii(this.head, this.headBytes);
      this.headView = this.headBytes.subarray(0, this.head.length);
      this.headBytesFor = this.head;
    }
    if (this.suffixBytesFor !== this.suffix) {
      this.suffixBytes = encodeAscii(this.suffix, this.suffixBytes);
      this.suffixView = this.suffixBytes.subarray(0, this.suffix.length);
      this.suffixBytesFor = this.suffix;
    }
    const head = this.headView;
    const suffix = this.suffixView;
    sink.ensure(head.length + suffix.length + 40);
    const buf = sink.buffer;
    // TypedArray#set of an exact-length view: a plain memmove, several times cheaper per line
    // than Buffer#copy, whose argument checks dominate at these lengths.
    buf.set(head, sink.position);
    sink.position = this.writeRouteTail(cursor, buf, sink.position + head.length, suffix);
    return true;
  }

  /** Prefix, path id, suffix and newline of a line at `pos` of `buf`; returns the new position. */
  private writeRouteTail(cursor: ElementCursor, buf: Uint8Array, pos: number, suffix: Uint8Array): number {
    if (cursor.prefixFamily === 4) {
      const p = cursor.prefixBytes;
      pos = writeDecimal(buf, pos, p[0]);
      buf[pos++] = 46;
      pos = writeDecimal(buf, pos, p[1]);
      buf[pos++] = 46;
      pos = writeDecimal(buf, pos, p[2]);
      buf[pos++] = 46;
      pos = writeDecimal(buf, pos, p[3]);
      buf[pos++] = 47;
      pos = writeDecimal(buf, pos, cursor.prefixLength);
    } else {
      const text = this.prefixText(cursor);
      for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    }
    buf[pos++] = 124;
    if (cursor.hasPathId) {
      pos = writeDecimal(buf, pos, cursor.pathId);
      buf[pos++] = 124;
    }
    buf.set(suffix, pos);
    pos += suffix.length;
    buf[pos++] = 10;
    return pos;
  }

  /**
   * A TABLE_DUMP_V2 RIB line, written as bytes: every entry of a RIB record is another peer's,
   * so the head (format, time, B, peer, peer AS) changes from line to line; its peer part is
   * kept encoded per peer-table entry (the cursor's peer bytes are that entry's own array).
   */
  private writeRibLine(cursor: ElementCursor, sink: ByteSink): boolean {
    if (this.suffixBytesFor !== this.suffix) {
      this.suffixBytes = encodeAscii(this.suffix, this.suffixBytes);
      this.suffixView = this.suffixBytes.subarray(0, this.suffix.length);
      this.suffixBytesFor = this.suffix;
    }
    const suffix = this.suffixView;
    let peer = this.ribPeers.get(cursor.peerBytes);
    if (peer === undefined || !samePeer(peer, cursor)) {
      // Bounded: a hostile file may hold many peer tables of 65,535 peers each.
      if (this.ribPeers.size >= MAX_RIB_PEERS) this.ribPeers.clear();
      peer = {
        asn: cursor.peerAsn,
        family: cursor.peerFamily,
        address: cursor.peerBytes.slice(0, cursor.peerFamily === 4 ? 4 : 16),
        bytes: Buffer.from(`|B|${this.peerText(cursor)}|${cursor.peerAsn}|`, 'latin1'),
      };
      this.ribPeers.set(cursor.peerBytes, peer);
    }
    if (this.ribFormat !== cursor.format) {
      this.ribFormat = cursor.format;
      this.ribFormatBytes = Buffer.from(`${cursor.format}|`, 'latin1');
    }
    const head = this.ribFormatBytes;
    const tail = peer.bytes;
    sink.ensure(head.length + tail.length + suffix.length + 60);
    const buf = sink.buffer;
    buf.set(head, sink.position);
    const pos = writeDecimal(buf, sink.position + head.length, cursor.timestamp);
    buf.set(tail, pos);
    sink.position = this.writeRouteTail(cursor, buf, pos + tail.length, suffix);
    return true;
  }

  /** By the peer-table entry's own address array; the head's peer part, encoded. */
  private readonly ribPeers = new Map<Uint8Array, RibPeer>();
  private ribFormat = '';
  private ribFormatBytes: Uint8Array = new Uint8Array(0);

  private headBytes: Buffer = Buffer.allocUnsafe(256);
  /** `headBytes` cut to the head's length (made when the head changes, not per line). */
  private headView: Uint8Array = this.headBytes.subarray(0, 0);
  private headBytesFor = '';
  private suffixBytes: Buffer = Buffer.allocUnsafe(1024);
  private suffixView: Uint8Array = this.suffixBytes.subarray(0, 0);
  private suffixBytesFor = '';

  private part1 = '';
  private part2: string | undefined;

  private prepareHead(cursor: ElementCursor): void {
    // The line head is the same for every prefix of a record (and of a RIB entry's peer).
    if (
      cursor.recordOffset !== this.headOffset ||
      cursor.type !== this.headType ||
      cursor.peerBytes !== this.headPeerBytes ||
      cursor.peerAsn !== this.headPeerAsn ||
      cursor.bgpdumpPeerAsIPv6
    ) {
      this.head = `${cursor.format}|${cursor.timeText()}|${cursor.type}|${this.peerText(cursor)}|${cursor.peerAsn}|`;
      this.headOffset = cursor.bgpdumpPeerAsIPv6 ? -1 : cursor.recordOffset;
      this.headType = cursor.type;
      this.headPeerBytes = cursor.peerBytes;
      this.headPeerAsn = cursor.peerAsn;
    }
  }

  private prepareSuffix(cursor: ElementCursor, generation: number): boolean {
    const attributes = cursor.attributes;
    if (attributes === undefined) return false;
    if (
      generation !== this.suffixGeneration ||
      cursor.nextHopSource !== this.suffixSource ||
      cursor.format === 'BGP'
    ) {
      this.suffix = this.buildSuffix(cursor, attributes);
      this.suffixGeneration = generation;
      this.suffixSource = cursor.nextHopSource;
    }
    return true;
  }

  /** Head and suffix of an announcement or RIB line. */
  private prepareShared(cursor: ElementCursor, generation: number): boolean {
    if (!cursor.bgpdumpPrints) return false;
    this.prepareHead(cursor);
    return this.prepareSuffix(cursor, generation);
  }

  /** Computes head, part1 and part2 (the line is their concatenation). */
  private prepare(cursor: ElementCursor, generation: number): boolean {
    if (!cursor.bgpdumpPrints) return false;
    this.prepareHead(cursor);
    if (cursor.type === 'STATE') {
      this.part1 = `${cursor.oldState}|${cursor.newState}`;
      this.part2 = undefined;
      return true;
    }
    if (cursor.type === 'W') {
      // Legacy records: bgpdump passes inet_ntoa() twice to one printf, so the peer address
      // (its static buffer's last content) prints in place of the withdrawn prefix.
      if (cursor.format === 'BGP') this.part1 = `${cursor.peerAddress()}/${cursor.prefixLength}`;
      else
        this.part1 = cursor.hasPathId
          ? `${this.prefixText(cursor)}|${cursor.pathId}`
          : this.prefixText(cursor);
      this.part2 = undefined;
      return true;
    }
    if (!this.prepareSuffix(cursor, generation)) return false;
    const prefix = this.prefixText(cursor);
    this.part1 = cursor.hasPathId ? `${prefix}|${cursor.pathId}|` : `${prefix}|`;
    this.part2 = this.suffix;
    return true;
  }

  private peerText(cursor: ElementCursor): string {
    if (cursor.bgpdumpPeerAsIPv6) {
      const scratch = this.scratch;
      scratch.fill(0);
      scratch.set(cursor.peerBytes.subarray(0, 4));
      return formatIPv6Bgpdump(scratch, 0);
    }
    return cursor.peerFamily === 4 ? cursor.peerAddress() : formatIPv6Bgpdump(cursor.peerBytes, 0);
  }

  private prefixText(cursor: ElementCursor): string {
    return cursor.prefixFamily === 4
      ? cursor.prefix()
      : `${formatIPv6Bgpdump(cursor.prefixBytes, 0)}/${cursor.prefixLength}`;
  }

  private buildSuffix(cursor: ElementCursor, attributes: PathAttributes): string {
    const origin = attributes.origin === 0 ? 'IGP' : attributes.origin === 1 ? 'EGP' : 'INCOMPLETE';
    let localPref = attributes.has(LOCAL_PREF) ? attributes.localPref : 0;
    let med = attributes.has(MED) ? attributes.med : 0;
    let nextHop: string;
    const mp = attributes.mpReach;
    switch (cursor.nextHopSource) {
      case NextHopSource.MpReach:
        if (cursor.prefixFamily === 4) {
          nextHop = this.readIPv4(attributes, mp.nextHopOffset);
          localPref |= 0; // printed with %d
          med |= 0;
        } else {
          nextHop = this.readIPv6(attributes, mp.nextHopOffset);
        }
        break;
      case NextHopSource.Rib:
        nextHop =
          attributes.hasMpReach && (mp.abbreviated || (mp.afi === 2 && mp.safi === 1))
            ? this.readIPv6(attributes, mp.nextHopOffset)
            : this.attributeNextHop(attributes);
        break;
      default:
        nextHop = this.attributeNextHop(attributes);
    }
    const communities = attributes.has(COMMUNITIES) ? attributes.communitiesText() : '';
    const aggregate = attributes.has(ATOMIC_AGGREGATE) ? 'AG' : 'NAG';
    const aggregator = this.aggregatorText(attributes);
    if (cursor.format === 'BGP') {
      // bgpdump's legacy-record printer omits the separator before the communities.
      const tail = attributes.has(COMMUNITIES) ? `${communities}|${aggregate}|` : `|${aggregate}|`;
      return `${attributes.asPathText()}|${origin}|${nextHop}|${localPref}|${med}${tail}${aggregator}|`;
    }
    return `${attributes.asPathText()}|${origin}|${nextHop}|${localPref}|${med}|${communities}|${aggregate}|${aggregator}|`;
  }

  private attributeNextHop(attributes: PathAttributes): string {
    return attributes.nextHopOffset >= 0
      ? formatIPv4(attributes.buf, attributes.nextHopOffset)
      : '255.255.255.255';
  }

  /** Bytes at `offset` of the attribute block, zero past its end (as bgpdump's mstream reads). */
  private readPadded(attributes: PathAttributes, offset: number, count: number): Uint8Array {
    const scratch = this.scratch;
    const buf = attributes.buf;
    const limit = attributes.mpReach.nlriEnd;
    for (let i = 0; i < count; i++) scratch[i] = offset >= 0 && offset + i < limit ? buf[offset + i] : 0;
    return scratch;
  }

  private readIPv4(attributes: PathAttributes, offset: number): string {
    return formatIPv4(this.readPadded(attributes, offset, 4), 0);
  }

  private readIPv6(attributes: PathAttributes, offset: number): string {
    return formatIPv6Bgpdump(this.readPadded(attributes, offset, 16), 0);
  }

  private aggregatorText(attributes: PathAttributes): string {
    let asn = attributes.aggregatorAsn;
    let at = attributes.aggregatorAddressOffset;
    if (
      attributes.asnLength === 2 &&
      at >= 0 &&
      attributes.as4AggregatorAddressOffset >= 0 &&
      asn === 23456
    ) {
      asn = attributes.as4AggregatorAsn;
      at = attributes.as4AggregatorAddressOffset;
    }
    if (at < 0) return '';
    // bgpdump reads the address zero-filled past the attribute's end (a short AGGREGATOR).
    const end = at === attributes.aggregatorAddressOffset ? attributes.aggregatorEnd : at + 4;
    const scratch = this.scratch;
    for (let i = 0; i < 4; i++) scratch[i] = at + i < end ? attributes.buf[at + i] : 0;
    if (scratch[0] === 255 && scratch[1] === 255 && scratch[2] === 255 && scratch[3] === 255) return '';
    return `${asn} ${formatIPv4(scratch, 0)}`;
  }
}

/**
 * IPv6 text as bgpdump's own fmt_ipv6 writes it, which is not inet_ntop: IPv4-mapped and
 * IPv4-compatible addresses (other than :: and ::1) get a dotted-quad tail, and the first longest
 * run of zero words is replaced by "::" even when it is a single word (RFC 5952 4.2.2 says a
 * single zero word must not be shortened; `formatIPv6` in net follows the RFC).
 */
export function formatIPv6Bgpdump(bytes: Uint8Array, offset = 0): string {
  let leadingZero = true;
  for (let i = 0; i < 10; i++) if (bytes[offset + i] !== 0) leadingZero = false;
  if (leadingZero) {
    const w5 = (bytes[offset + 10] << 8) | bytes[offset + 11];
    if (w5 === 0xffff) return `::ffff:${formatIPv4(bytes, offset + 12)}`;
    if (w5 === 0) {
      const tail =
        ((bytes[offset + 12] << 24) |
          (bytes[offset + 13] << 16) |
          (bytes[offset + 14] << 8) |
          bytes[offset + 15]) >>>
        0;
      if (tail > 1) return `::${formatIPv4(bytes, offset + 12)}`;
    }
  }
  // First longest run of zero words (a run of one counts).
  let bestStart = -1;
  let bestLength = 0;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    const zero = i < 8 && bytes[offset + 2 * i] === 0 && bytes[offset + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      if (i - runStart > bestLength) {
        bestLength = i - runStart;
        bestStart = runStart;
      }
      runStart = -1;
    }
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    text += ((bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1]).toString(16);
    if (i !== 7) text += ':';
  }
  return text;
}

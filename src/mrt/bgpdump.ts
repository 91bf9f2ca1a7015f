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
 * - some elements are not printed at all (see bgpdumpPrints), and the peer of an IPv6 withdrawal
 *   in an IPv4 session's MESSAGE_LOCAL record prints as IPv6 (see peerAsIPv6);
 * - prefixes keep the bits past their length as sent (RFC 4271 says those bits are irrelevant;
 *   the JSON output masks them).
 *
 * Text that depends only on the attributes (path, origin, next hop, communities...) is built once
 * per attribute set, not once per prefix. TABLE_DUMP_V2 RIB entries each carry a set of their
 * own, so theirs is written as bytes straight from the attribute block (writeRibSuffix), as is
 * every other suffix, except where only the string builder knows the quirk (AS4_PATH merging,
 * paths long enough for bgpdump's cut, malformed paths). `writeBytes` writes the line head
 * (format, time, type, peer, peer AS) as digits once per record and copies it and the suffix into
 * each prefix's line, so an UPDATE's lines allocate nothing.
 */
import { formatIPv4 } from '../net/index.js';
import { AttrType, WELL_KNOWN_COMMUNITIES, type PathAttributes } from '../bgp/index.js';
import { bgpdumpAsPathText } from './bgpdump-aspath.js';
import { Bgp4mpSubtype, MrtType, TableDumpV2Subtype } from './constants.js';
import { NextHopSource, type ElementCursor } from './element.js';

const { ATOMIC_AGGREGATE, MULTI_EXIT_DISC: MED, LOCAL_PREF, COMMUNITIES } = AttrType;

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

/** Bytes 4-15 of two IPv6 addresses (the first four are compared by the caller). */
function samePeerAddress(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 4; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

function samePeer(peer: RibPeer, cursor: ElementCursor): boolean {
  if (peer.asn !== cursor.peerAsn || peer.family !== cursor.peerFamily) return false;
  const address = peer.address;
  const bytes = cursor.peerBytes;
  for (let i = 0; i < address.length; i++) if (address[i] !== bytes[i]) return false;
  return true;
}

/**
 * Digits of 0-255, four bytes each: up to three digits, then their count. Octets and prefix
 * lengths are written from it with no branch on their size.
 */
const BYTE_DIGITS = (() => {
  const table = new Uint8Array(256 * 4);
  for (let v = 0; v < 256; v++) {
    const text = String(v);
    for (let i = 0; i < text.length; i++) table[v * 4 + i] = text.charCodeAt(i);
    table[v * 4 + 3] = text.length;
  }
  return table;
})();

/**
 * Decimal digits of `value` (0-255) at `pos`; returns the new position. Writes three bytes
 * whatever the count (the caller has room for them; what is past the end is overwritten next).
 */
function writeByteDecimal(buf: Uint8Array, pos: number, value: number): number {
  const k = value << 2;
  buf[pos] = BYTE_DIGITS[k];
  buf[pos + 1] = BYTE_DIGITS[k + 1];
  buf[pos + 2] = BYTE_DIGITS[k + 2];
  return pos + BYTE_DIGITS[k + 3];
}

/** 000 to 999, three digits each: microseconds in two lookups. */
const PADDED_THOUSANDS = (() => {
  const table = new Uint8Array(3000);
  for (let v = 0; v < 1000; v++) {
    const text = String(v).padStart(3, '0');
    for (let i = 0; i < 3; i++) table[v * 3 + i] = text.charCodeAt(i);
  }
  return table;
})();

/** "00" to "99", two bytes each: numbers are written two digits per lookup. */
const DIGIT_PAIRS = (() => {
  const table = new Uint8Array(200);
  for (let v = 0; v < 100; v++) {
    table[v * 2] = 48 + ((v / 10) | 0);
    table[v * 2 + 1] = 48 + (v % 10);
  }
  return table;
})();

/** Decimal digits of a non-negative integer below 2^32 at `pos`; returns the new position. */
export function writeDecimal(buf: Uint8Array, pos: number, value: number): number {
  if (value < 10) {
    buf[pos] = 48 + value;
    return pos + 1;
  }
  if (value < 100) {
    const k = value << 1;
    buf[pos] = DIGIT_PAIRS[k];
    buf[pos + 1] = DIGIT_PAIRS[k + 1];
    return pos + 2;
  }
  if (value < 1000) {
    const high = (value / 100) | 0;
    const k = (value - high * 100) << 1;
    buf[pos] = 48 + high;
    buf[pos + 1] = DIGIT_PAIRS[k];
    buf[pos + 2] = DIGIT_PAIRS[k + 1];
    return pos + 3;
  }
  if (value < 10000) {
    // Four and five digits: most ASNs.
    const high = (value / 100) | 0;
    const h = high << 1;
    const k = (value - high * 100) << 1;
    buf[pos] = DIGIT_PAIRS[h];
    buf[pos + 1] = DIGIT_PAIRS[h + 1];
    buf[pos + 2] = DIGIT_PAIRS[k];
    buf[pos + 3] = DIGIT_PAIRS[k + 1];
    return pos + 4;
  }
  if (value < 100000) {
    const top = (value / 10000) | 0;
    const rest = value - top * 10000;
    const high = (rest / 100) | 0;
    const h = high << 1;
    const k = (rest - high * 100) << 1;
    buf[pos] = 48 + top;
    buf[pos + 1] = DIGIT_PAIRS[h];
    buf[pos + 2] = DIGIT_PAIRS[h + 1];
    buf[pos + 3] = DIGIT_PAIRS[k];
    buf[pos + 4] = DIGIT_PAIRS[k + 1];
    return pos + 5;
  }
  let digits = 6;
  for (let limit = 1000000; digits < 10 && value >= limit; limit *= 10) digits++;
  let end = pos + digits;
  let v = value;
  if (v >= 0x80000000) {
    // Past the small integers: one floating-point step brings it below 2^31.
    const next = Math.floor(v / 10);
    buf[--end] = 48 + (v - next * 10);
    v = next;
  }
  v |= 0;
  while (v >= 100) {
    const next = (v / 100) | 0;
    const k = (v - next * 100) << 1;
    buf[--end] = DIGIT_PAIRS[k + 1];
    buf[--end] = DIGIT_PAIRS[k];
    v = next;
  }
  if (v >= 10) {
    const k = v << 1;
    buf[pos + 1] = DIGIT_PAIRS[k + 1];
    buf[pos] = DIGIT_PAIRS[k];
  } else buf[pos] = 48 + v;
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
    const type = cursor.type;
    if (type === 'STATE') {
      if (!bgpdumpPrints(cursor)) return false;
      const head = this.lineHead(cursor);
      sink.ensure(head.length + 24);
      const buf = sink.buffer;
      buf.set(head, sink.position);
      let pos = writeDecimal(buf, sink.position + head.length, cursor.oldState);
      buf[pos++] = 124;
      pos = writeDecimal(buf, pos, cursor.newState);
      buf[pos] = 10;
      sink.position = pos + 1;
      return true;
    }
    if (type === 'B' && cursor.mrtType === MrtType.TABLE_DUMP_V2 && !cursor.hasMicroseconds) {
      if (!bgpdumpPrints(cursor)) return false;
      const attributes = cursor.attributes;
      if (attributes === undefined) return false;
      // Every RIB entry is another attribute set: its suffix is written as bytes, not built as a
      // string, unless it needs what only the string builder does (see writeRibSuffix).
      if (directSuffixFits(attributes)) return this.writeRibLine(cursor, sink, attributes);
      if (!this.prepareSuffix(cursor, generation)) return false;
      return this.writeRibLine(cursor, sink, undefined);
    }
    if (!bgpdumpPrints(cursor)) return false;
    if (type === 'W') {
      // The two withdrawal quirks (legacy records' peer address as prefix, an IPv6 peer made of
      // an IPv4 one) stay with the string builder.
      if (cursor.format === 'BGP' || peerAsIPv6(cursor)) return this.write(cursor, generation, sink);
      const head = this.lineHead(cursor);
      sink.ensure(head.length + 60);
      const buf = sink.buffer;
      buf.set(head, sink.position);
      let pos = writePrefixText(cursor, buf, sink.position + head.length);
      if (cursor.hasPathId) {
        buf[pos++] = 124;
        pos = writeDecimal(buf, pos, cursor.pathId);
      }
      buf[pos] = 10;
      sink.position = pos + 1;
      return true;
    }
    const attributes = cursor.attributes;
    if (attributes === undefined) return false;
    const head = this.lineHead(cursor);
    const suffix = this.announcementSuffix(cursor, generation, attributes);
    sink.ensure(head.length + suffix.length + 60);
    const buf = sink.buffer;
    // TypedArray#set of an exact-length view: a plain memmove, several times cheaper per line
    // than Buffer#copy, whose argument checks dominate at these lengths.
    buf.set(head, sink.position);
    sink.position = this.writeRouteTail(cursor, buf, sink.position + head.length, suffix);
    return true;
  }

  /**
   * `<format>|<time>|<type>|<peer>|<peer AS>|` as bytes, made once per record (and type and
   * peer) straight from the cursor's numbers, so no string is built per record; the seconds and
   * the peer part are kept from the record before when they are the same.
   */
  private lineHead(cursor: ElementCursor): Uint8Array {
    if (
      cursor.recordOffset === this.lineHeadOffset &&
      cursor.type === this.lineHeadType &&
      cursor.peerBytes === this.lineHeadPeerBytes &&
      cursor.peerAsn === this.lineHeadPeerAsn
    )
      return this.lineHeadView;
    // The peer bytes array is reused from record to record: the offset is what says it changed.
    const buf = this.lineHeadBytes;
    let pos: number;
    if (cursor.format === this.timeFormat && cursor.timestamp === this.timeSeconds) pos = this.timeEnd;
    else {
      pos = writeAscii(buf, 0, cursor.format);
      buf[pos++] = 124;
      pos = writeDecimal(buf, pos, cursor.timestamp);
      this.timeFormat = cursor.format;
      this.timeSeconds = cursor.timestamp;
      this.timeEnd = pos;
    }
    if (cursor.hasMicroseconds) {
      buf[pos++] = 46;
      const micro = cursor.microseconds;
      if (micro < 1000000) {
        // Zero-padded to six digits, as String#padStart(6, '0') in timeText.
        const high = ((micro / 1000) | 0) * 3;
        const low = (micro % 1000) * 3;
        buf[pos] = PADDED_THOUSANDS[high];
        buf[pos + 1] = PADDED_THOUSANDS[high + 1];
        buf[pos + 2] = PADDED_THOUSANDS[high + 2];
        buf[pos + 3] = PADDED_THOUSANDS[low];
        buf[pos + 4] = PADDED_THOUSANDS[low + 1];
        buf[pos + 5] = PADDED_THOUSANDS[low + 2];
        pos += 6;
      } else pos = writeDecimal(buf, pos, micro);
    }
    const peer = this.peerPart(cursor);
    const length = this.peerPartLength;
    for (let i = 0; i < length; i++) buf[pos++] = peer[i];
    // A view per head length, not per record: the bytes under it change, its length rarely.
    if (this.lineHeadView.length !== pos) this.lineHeadView = buf.subarray(0, pos);
    this.lineHeadOffset = cursor.recordOffset;
    this.lineHeadType = cursor.type;
    this.lineHeadPeerBytes = cursor.peerBytes;
    this.lineHeadPeerAsn = cursor.peerAsn;
    return this.lineHeadView;
  }

  /** `|<type>|<peer>|<peer AS>|` of the cursor, kept while the type and peer are the same. */
  private peerPart(cursor: ElementCursor): Uint8Array {
    const buf = this.peerPartBytes;
    const address = cursor.peerBytes;
    const kept = this.peerPartAddress;
    const family = cursor.peerFamily;
    if (
      cursor.type === this.peerPartType &&
      cursor.peerAsn === this.peerPartAsn &&
      family === this.peerPartFamily &&
      address[0] === kept[0] &&
      address[1] === kept[1] &&
      address[2] === kept[2] &&
      address[3] === kept[3] &&
      (family === 4 || samePeerAddress(address, kept))
    )
      return buf;
    buf[0] = 124;
    let pos = writeAscii(buf, 1, cursor.type);
    buf[pos++] = 124;
    pos = family === 4 ? writeIPv4(buf, pos, address, 0) : writeIPv6Bgpdump(buf, pos, address, 0);
    buf[pos++] = 124;
    pos = writeDecimal(buf, pos, cursor.peerAsn);
    buf[pos++] = 124;
    this.peerPartLength = pos;
    this.peerPartType = cursor.type;
    this.peerPartAsn = cursor.peerAsn;
    this.peerPartFamily = family;
    for (let i = 0; i < 16; i++) kept[i] = i < 4 || family === 6 ? address[i] : 0;
    return buf;
  }

  /**
   * Long enough for any head: a format name, 10+1+10 digits of time, 39 of IPv6, 10 of ASN.
   * The formatter's own buffers are Buffers, as the sink's is: the writers then see one kind of
   * array (and the decoder's bytes another, see MrtFramer.push), not both at every store.
   */
  private readonly lineHeadBytes = Buffer.alloc(160);
  private lineHeadView = this.lineHeadBytes.subarray(0, 0);
  private lineHeadOffset = -1;
  private lineHeadType = '';
  private lineHeadPeerBytes: Uint8Array | undefined;
  private lineHeadPeerAsn = -1;
  private timeFormat = '';
  private timeSeconds = -1;
  private timeEnd = 0;
  private readonly peerPartBytes = Buffer.alloc(80);
  private peerPartLength = 0;
  private peerPartType = '';
  private peerPartAsn = -1;
  private peerPartFamily = 0;
  private readonly peerPartAddress = new Uint8Array(16);

  /**
   * The encoded suffix of an announcement, made once per attribute set (and next-hop source):
   * written as bytes where writeRibSuffix can, else built as a string and encoded. Kept apart
   * from the string path's cache, which `format` and `write` use.
   */
  private announcementSuffix(
    cursor: ElementCursor,
    generation: number,
    attributes: PathAttributes,
  ): Uint8Array {
    if (generation === this.directGeneration && cursor.nextHopSource === this.directSource)
      return this.directView;
    if (directSuffixFits(attributes)) {
      const room = ribSuffixRoom(attributes);
      if (this.directBytes.length < room) this.directBytes = Buffer.alloc(room * 2);
      this.directView = this.directViewOf(
        writeRibSuffix(
          attributes,
          this.directBytes,
          0,
          nextHopKind(cursor, attributes),
          cursor.format === 'BGP',
        ),
      );
    } else {
      const text = this.buildSuffix(cursor, attributes);
      if (this.directBytes.length < text.length) this.directBytes = Buffer.alloc(text.length * 2);
      for (let i = 0; i < text.length; i++) this.directBytes[i] = text.charCodeAt(i);
      this.directView = this.directViewOf(text.length);
    }
    this.directGeneration = generation;
    this.directSource = cursor.nextHopSource;
    return this.directView;
  }

  /** `directBytes` cut to `length`: one view per length, kept, instead of one per attribute set. */
  private directViewOf(length: number): Uint8Array {
    if (this.directViewsOf !== this.directBytes) {
      this.directViews = [];
      this.directViewsOf = this.directBytes;
    }
    let view = this.directViews[length];
    if (view === undefined) this.directViews[length] = view = this.directBytes.subarray(0, length);
    return view;
  }

  private directViews: Uint8Array[] = [];
  private directViewsOf: Uint8Array | undefined;
  private directGeneration = -1;
  private directSource = -1;
  private directBytes: Uint8Array = Buffer.alloc(1024);
  private directView: Uint8Array = this.directBytes.subarray(0, 0);

  /** Prefix, path id, suffix and newline of a line at `pos` of `buf`; returns the new position. */
  private writeRouteTail(cursor: ElementCursor, buf: Uint8Array, pos: number, suffix: Uint8Array): number {
    pos = this.writePrefix(cursor, buf, pos);
    buf.set(suffix, pos);
    pos += suffix.length;
    buf[pos++] = 10;
    return pos;
  }

  /** Prefix and path id of a line, each followed by "|", at `pos` of `buf`; returns the end. */
  private writePrefix(cursor: ElementCursor, buf: Uint8Array, pos: number): number {
    pos = writePrefixText(cursor, buf, pos);
    buf[pos++] = 124;
    if (cursor.hasPathId) {
      pos = writeDecimal(buf, pos, cursor.pathId);
      buf[pos++] = 124;
    }
    return pos;
  }

  /**
   * A TABLE_DUMP_V2 RIB line, written as bytes: every entry of a RIB record is another peer's,
   * so the head (format, time, B, peer, peer AS) changes from line to line; its peer part is
   * kept encoded per peer-table entry (the cursor's peer bytes are that entry's own array).
   */
  private writeRibLine(cursor: ElementCursor, sink: ByteSink, direct: PathAttributes | undefined): boolean {
    if (direct === undefined && this.suffixBytesFor !== this.suffix) {
      this.suffixBytes = encodeAscii(this.suffix, this.suffixBytes);
      this.suffixView = this.suffixBytes.subarray(0, this.suffix.length);
      this.suffixBytesFor = this.suffix;
    }
    const suffix = direct === undefined ? this.suffixView : EMPTY;
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
    if (this.ribFormat !== cursor.format || this.ribTime !== cursor.timestamp) {
      // One dump's entries share their time: "<format>|<time>" is encoded once.
      this.ribFormat = cursor.format;
      this.ribTime = cursor.timestamp;
      this.ribHead = Buffer.from(`${cursor.format}|${cursor.timestamp}`, 'latin1');
    }
    const head = this.ribHead;
    const tail = peer.bytes;
    const suffixRoom = direct === undefined ? suffix.length : ribSuffixRoom(direct);
    sink.ensure(head.length + tail.length + suffixRoom + 60);
    const buf = sink.buffer;
    let pos = copySmall(buf, sink.position, head);
    pos = copySmall(buf, pos, tail);
    if (direct === undefined) {
      sink.position = this.writeRouteTail(cursor, buf, pos, suffix);
      return true;
    }
    pos = writeRibSuffix(direct, buf, this.writePrefix(cursor, buf, pos), nextHopKind(cursor, direct));
    buf[pos] = 10;
    sink.position = pos + 1;
    return true;
  }

  /** By the peer-table entry's own address array; the head's peer part, encoded. */
  private readonly ribPeers = new Map<Uint8Array, RibPeer>();
  private ribFormat = '';
  private ribTime = -1;
  private ribHead: Uint8Array = new Uint8Array(0);

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
      peerAsIPv6(cursor)
    ) {
      this.head = `${cursor.format}|${cursor.timeText()}|${cursor.type}|${this.peerText(cursor)}|${cursor.peerAsn}|`;
      this.headOffset = peerAsIPv6(cursor) ? -1 : cursor.recordOffset;
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

  /** Computes head, part1 and part2 (the line is their concatenation). */
  private prepare(cursor: ElementCursor, generation: number): boolean {
    if (!bgpdumpPrints(cursor)) return false;
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
    if (peerAsIPv6(cursor)) {
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
      return `${bgpdumpAsPathText(attributes)}|${origin}|${nextHop}|${localPref}|${med}${tail}${aggregator}|`;
    }
    return `${bgpdumpAsPathText(attributes)}|${origin}|${nextHop}|${localPref}|${med}|${communities}|${aggregate}|${aggregator}|`;
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
  const end = writeIPv6Bgpdump(IPV6_TEXT, 0, bytes, offset);
  return IPV6_TEXT.toString('latin1', 0, end);
}

/** Room for the longest text (39 characters) and the digit table's overwrite past the end. */
const IPV6_TEXT = Buffer.allocUnsafe(48);

const EMPTY = new Uint8Array(0);

/** AS paths longer than this (bytes) take the string builder, which cuts them as bgpdump does. */
const MAX_DIRECT_AS_PATH_BYTES = 1024;
/** Communities beyond this (bytes) take the string builder (the room to reserve stays small). */
const MAX_DIRECT_COMMUNITY_BYTES = 4096;

/**
 * True when writeRibSuffix writes the suffix of a line exactly as buildSuffix would: an AS path
 * with no AS4_PATH to merge, short enough not to be cut, and not malformed.
 */
function directSuffixFits(attributes: PathAttributes): boolean {
  if (attributes.asPathStart >= 0) {
    if (attributes.asnLength === 2 && attributes.as4PathStart >= 0) return false;
    const start = attributes.asPathStart;
    const end = attributes.asPathEnd;
    if (end - start > MAX_DIRECT_AS_PATH_BYTES) return false;
    const buf = attributes.buf;
    const width = attributes.asnLength;
    for (let p = start; p < end;) {
      const type = buf[p];
      if (p + 2 > end || type < 1 || type > 4) return false;
      p += 2 + buf[p + 1] * width;
      if (p > end) return false;
    }
  }
  return (
    !attributes.has(COMMUNITIES) ||
    attributes.communitiesEnd - attributes.communitiesStart <= MAX_DIRECT_COMMUNITY_BYTES
  );
}

/** Most bytes writeRibSuffix writes for a set that directSuffixFits accepts. */
function ribSuffixRoom(attributes: PathAttributes): number {
  const path = attributes.asPathStart >= 0 ? attributes.asPathEnd - attributes.asPathStart : 0;
  const communities = attributes.has(COMMUNITIES)
    ? attributes.communitiesEnd - attributes.communitiesStart
    : 0;
  // An ASN of 2 or 4 bytes prints as at most 11 characters with its separator, a segment's two
  // header bytes as at most 3 delimiters; a 4-byte community as at most 12 ("no-advertise "); the
  // rest (origin, an IPv6 next hop, two signed numbers, the aggregator) is under 160.
  return path * 6 + communities * 3 + 160;
}

/** The next hop of a line: NEXT_HOP's (or 255.255.255.255 without one). */
const NEXT_HOP_ATTRIBUTE = 0;
/** 4 bytes from MP_REACH_NLRI (IPv4 routes in it), LOCAL_PREF and MED then printed signed. */
const NEXT_HOP_MP_IPV4 = 1;
/** 16 bytes from MP_REACH_NLRI, whatever its next-hop length says. */
const NEXT_HOP_MP_IPV6 = 2;

/** Where buildSuffix reads the line's next hop from (one of the NEXT_HOP_ kinds). */
function nextHopKind(cursor: ElementCursor, attributes: PathAttributes): number {
  const source = cursor.nextHopSource;
  if (source === NextHopSource.MpReach)
    return cursor.prefixFamily === 4 ? NEXT_HOP_MP_IPV4 : NEXT_HOP_MP_IPV6;
  if (source !== NextHopSource.Rib || !attributes.hasMpReach) return NEXT_HOP_ATTRIBUTE;
  const mp = attributes.mpReach;
  return mp.abbreviated || (mp.afi === 2 && mp.safi === 1) ? NEXT_HOP_MP_IPV6 : NEXT_HOP_ATTRIBUTE;
}

/** Bytes of MP_REACH_NLRI's next hop, zero past the attribute (as bgpdump's mstream reads). */
const MP_NEXT_HOP = new Uint8Array(16);

function readMpNextHop(attributes: PathAttributes, count: number): Uint8Array {
  const buf = attributes.buf;
  const offset = attributes.mpReach.nextHopOffset;
  const limit = attributes.mpReach.nlriEnd;
  for (let i = 0; i < count; i++) MP_NEXT_HOP[i] = offset >= 0 && offset + i < limit ? buf[offset + i] : 0;
  return MP_NEXT_HOP;
}

/** A 32-bit number printed with %d: negative from 2^31 up. */
function writeSigned(buf: Uint8Array, pos: number, value: number): number {
  if ((value | 0) >= 0) return writeDecimal(buf, pos, value >>> 0);
  buf[pos++] = 45;
  return writeDecimal(buf, pos, -(value | 0));
}

/**
 * The suffix of a line, as buildSuffix builds it, written as ASCII at `pos` of `buf`:
 * path|origin|next hop|LOCAL_PREF|MED|communities|AG or NAG|aggregator|. Returns the end.
 * `nextHop` is one of the NEXT_HOP_ kinds (nextHopKind). `legacy` (BGP records) leaves out the
 * separator after MED, as bgpdump's legacy printer does.
 */
function writeRibSuffix(
  attributes: PathAttributes,
  buf: Uint8Array,
  pos: number,
  nextHop: number,
  legacy = false,
): number {
  const bytes = attributes.buf;
  if (attributes.asPathStart >= 0)
    pos = writeAsPath(bytes, attributes.asPathStart, attributes.asPathEnd, attributes.asnLength, buf, pos);
  buf[pos++] = 124;
  const origin = attributes.origin;
  pos = writeAscii(buf, pos, origin === 0 ? 'IGP' : origin === 1 ? 'EGP' : 'INCOMPLETE');
  buf[pos++] = 124;
  if (nextHop === NEXT_HOP_ATTRIBUTE) {
    const at = attributes.nextHopOffset;
    pos = at >= 0 ? writeIPv4(buf, pos, bytes, at) : writeAscii(buf, pos, '255.255.255.255');
  } else if (nextHop === NEXT_HOP_MP_IPV4) pos = writeIPv4(buf, pos, readMpNextHop(attributes, 4), 0);
  else pos = writeIPv6Bgpdump(buf, pos, readMpNextHop(attributes, 16), 0);
  buf[pos++] = 124;
  const localPref = attributes.has(LOCAL_PREF) ? attributes.localPref : 0;
  const med = attributes.has(MED) ? attributes.med : 0;
  if (nextHop === NEXT_HOP_MP_IPV4) {
    pos = writeSigned(buf, pos, localPref);
    buf[pos++] = 124;
    pos = writeSigned(buf, pos, med);
  } else {
    pos = writeDecimal(buf, pos, localPref >>> 0);
    buf[pos++] = 124;
    pos = writeDecimal(buf, pos, med >>> 0);
  }
  if (!legacy) buf[pos++] = 124;
  if (attributes.has(COMMUNITIES)) {
    let first = true;
    for (let p = attributes.communitiesStart; p >= 0 && p < attributes.communitiesEnd; p += 4) {
      if (!first) buf[pos++] = 32;
      first = false;
      const high = (bytes[p] << 8) | bytes[p + 1];
      const low = (bytes[p + 2] << 8) | bytes[p + 3];
      const name = high === 0xffff ? WELL_KNOWN_COMMUNITIES[((high << 16) | low) >>> 0] : undefined;
      if (name !== undefined) pos = writeAscii(buf, pos, name);
      else {
        pos = writeDecimal(buf, pos, high);
        buf[pos++] = 58;
        pos = writeDecimal(buf, pos, low);
      }
    }
  }
  buf[pos++] = 124;
  pos = writeAscii(buf, pos, attributes.has(ATOMIC_AGGREGATE) ? 'AG' : 'NAG');
  buf[pos++] = 124;
  pos = writeAggregator(attributes, buf, pos);
  buf[pos++] = 124;
  return pos;
}

/** AS_PATH segments as formatSegmentsBgpdump prints them (the caller checked they are well formed). */
function writeAsPath(
  bytes: Uint8Array,
  start: number,
  end: number,
  width: number,
  buf: Uint8Array,
  pos: number,
): number {
  let previousType = 2; // AS_SEQUENCE
  let space = false;
  let lastType = -1;
  for (let p = start; p < end;) {
    const type = bytes[p];
    const length = bytes[p + 1];
    if (previousType !== 2) buf[pos++] = CLOSE_BYTES[previousType];
    if (space) buf[pos++] = 32;
    if (type !== 2) buf[pos++] = OPEN_BYTES[type];
    space = false;
    const separator = type === 1 || type === 4 ? 44 : 32;
    let data = p + 2;
    for (let i = 0; i < length; i++, data += width) {
      if (space) buf[pos++] = separator;
      else space = true;
      const asn =
        width === 2
          ? (bytes[data] << 8) | bytes[data + 1]
          : ((bytes[data] << 24) | (bytes[data + 1] << 16) | (bytes[data + 2] << 8) | bytes[data + 3]) >>> 0;
      pos = writeDecimal(buf, pos, asn);
    }
    previousType = type;
    lastType = type;
    p = data;
  }
  if (lastType !== -1 && lastType !== 2) buf[pos++] = CLOSE_BYTES[lastType];
  return pos;
}

/** Segment delimiters by type (AS_SET {}, AS_CONFED_SEQUENCE (), AS_CONFED_SET []); bgpdump
 *  closes an AS_SEQUENCE with a space. */
const OPEN_BYTES = Uint8Array.from([0, 123, 0, 40, 91]);
const CLOSE_BYTES = Uint8Array.from([0, 125, 32, 41, 93]);

/** `bytes` at `pos` of `buf`; for a few dozen bytes a loop beats TypedArray#set and its checks. */
function copySmall(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[pos++] = bytes[i];
  return pos;
}

function writeAscii(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  return pos;
}

/** The prefix as bgpdump prints it ("a.b.c.d/len", IPv6 as formatIPv6Bgpdump), at `pos`. */
function writePrefixText(cursor: ElementCursor, buf: Uint8Array, pos: number): number {
  const p = cursor.prefixBytes;
  pos = cursor.prefixFamily === 4 ? writeIPv4(buf, pos, p, 0) : writeIPv6Bgpdump(buf, pos, p, 0);
  buf[pos++] = 47;
  // A prefix length is one byte in every record type.
  return writeByteDecimal(buf, pos, cursor.prefixLength);
}

/** Lowercase hex digits, for IPv6 words. */
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** formatIPv6Bgpdump's text of `bytes[at, at + 16)` written at `pos` of `buf`; returns the end. */
export function writeIPv6Bgpdump(buf: Uint8Array, pos: number, bytes: Uint8Array, at: number): number {
  let leadingZero = true;
  for (let i = 0; i < 10; i++) if (bytes[at + i] !== 0) leadingZero = false;
  if (leadingZero) {
    const w5 = (bytes[at + 10] << 8) | bytes[at + 11];
    if (w5 === 0xffff) {
      for (let i = 0; i < 7; i++) buf[pos++] = MAPPED_PREFIX[i];
      return writeIPv4(buf, pos, bytes, at + 12);
    }
    if (w5 === 0) {
      const tail =
        ((bytes[at + 12] << 24) | (bytes[at + 13] << 16) | (bytes[at + 14] << 8) | bytes[at + 15]) >>> 0;
      if (tail > 1) {
        buf[pos++] = 58;
        buf[pos++] = 58;
        return writeIPv4(buf, pos, bytes, at + 12);
      }
    }
  }
  let bestStart = -1;
  let bestLength = 0;
  let runStart = -1;
  for (let i = 0; i <= 8; i++) {
    const zero = i < 8 && bytes[at + 2 * i] === 0 && bytes[at + 2 * i + 1] === 0;
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
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      if (i === 0) buf[pos++] = 58;
      buf[pos++] = 58;
      i += bestLength - 1;
      continue;
    }
    const word = (bytes[at + 2 * i] << 8) | bytes[at + 2 * i + 1];
    if (word >= 0x1000) buf[pos++] = HEX[word >>> 12];
    if (word >= 0x100) buf[pos++] = HEX[(word >>> 8) & 15];
    if (word >= 0x10) buf[pos++] = HEX[(word >>> 4) & 15];
    buf[pos++] = HEX[word & 15];
    if (i !== 7) buf[pos++] = 58;
  }
  return pos;
}

/** "::ffff:" */
const MAPPED_PREFIX = Uint8Array.from('::ffff:', (c) => c.charCodeAt(0));

function writeIPv4(buf: Uint8Array, pos: number, bytes: Uint8Array, at: number): number {
  pos = writeByteDecimal(buf, pos, bytes[at]);
  buf[pos++] = 46;
  pos = writeByteDecimal(buf, pos, bytes[at + 1]);
  buf[pos++] = 46;
  pos = writeByteDecimal(buf, pos, bytes[at + 2]);
  buf[pos++] = 46;
  return writeByteDecimal(buf, pos, bytes[at + 3]);
}

/** The aggregator as aggregatorText gives it ("ASN a.b.c.d", or nothing). */
function writeAggregator(attributes: PathAttributes, buf: Uint8Array, pos: number): number {
  let asn = attributes.aggregatorAsn;
  let at = attributes.aggregatorAddressOffset;
  if (attributes.asnLength === 2 && at >= 0 && attributes.as4AggregatorAddressOffset >= 0 && asn === 23456) {
    asn = attributes.as4AggregatorAsn;
    at = attributes.as4AggregatorAddressOffset;
  }
  if (at < 0) return pos;
  const end = at === attributes.aggregatorAddressOffset ? attributes.aggregatorEnd : at + 4;
  const bytes = attributes.buf;
  const a = at < end ? bytes[at] : 0;
  const b = at + 1 < end ? bytes[at + 1] : 0;
  const c = at + 2 < end ? bytes[at + 2] : 0;
  const d = at + 3 < end ? bytes[at + 3] : 0;
  if (a === 255 && b === 255 && c === 255 && d === 255) return pos;
  pos = writeDecimal(buf, pos, asn >>> 0);
  buf[pos++] = 32;
  pos = writeDecimal(buf, pos, a);
  buf[pos++] = 46;
  pos = writeDecimal(buf, pos, b);
  buf[pos++] = 46;
  pos = writeDecimal(buf, pos, c);
  buf[pos++] = 46;
  return writeDecimal(buf, pos, d);
}

/**
 * Whether bgpdump 1.6.2 prints a line for the element: not for multicast and generic RIBs, nor
 * BGP4MP_ENTRY records, nor the MP_REACH/MP_UNREACH routes of legacy BGP records, nor state
 * changes whose body is not exactly one of the two standard layouts (or old Zebra's 8 bytes).
 */
export function bgpdumpPrints(cursor: ElementCursor): boolean {
  switch (cursor.mrtType) {
    case MrtType.TABLE_DUMP_V2: {
      const subtype = cursor.mrtSubtype;
      return (
        subtype === TableDumpV2Subtype.RIB_IPV4_UNICAST ||
        subtype === TableDumpV2Subtype.RIB_IPV6_UNICAST ||
        subtype === TableDumpV2Subtype.RIB_IPV4_UNICAST_ADDPATH ||
        subtype === TableDumpV2Subtype.RIB_IPV6_UNICAST_ADDPATH
      );
    }
    case MrtType.BGP4MP:
    case MrtType.BGP4MP_ET: {
      if (cursor.mrtSubtype === Bgp4mpSubtype.ENTRY) return false;
      if (cursor.type !== 'STATE' || cursor.recordLength === 8) return true;
      const asnLength = cursor.mrtSubtype === Bgp4mpSubtype.STATE_CHANGE_AS4 ? 4 : 2;
      const addressLength = cursor.peerFamily === 4 ? 4 : 16;
      return cursor.recordLength === 2 * asnLength + 4 + 2 * addressLength + 4;
    }
    case MrtType.BGP:
      return cursor.type === 'STATE' || cursor.nextHopSource !== NextHopSource.MpReach;
    default:
      return true;
  }
}

/**
 * bgpdump prints the peer of an IPv6 withdrawal (MP_UNREACH_NLRI) in a MESSAGE_LOCAL record of
 * an IPv4 session as an IPv6 address: its 4 bytes followed by zeros.
 */
function peerAsIPv6(cursor: ElementCursor): boolean {
  if (cursor.type !== 'W' || cursor.prefixFamily !== 6 || cursor.peerFamily !== 4) return false;
  if (cursor.nextHopSource !== NextHopSource.MpReach) return false;
  if (cursor.mrtType !== MrtType.BGP4MP && cursor.mrtType !== MrtType.BGP4MP_ET) return false;
  const subtype = cursor.mrtSubtype;
  return (
    subtype === Bgp4mpSubtype.MESSAGE_LOCAL ||
    subtype === Bgp4mpSubtype.MESSAGE_AS4_LOCAL ||
    subtype === Bgp4mpSubtype.MESSAGE_LOCAL_ADDPATH ||
    subtype === Bgp4mpSubtype.MESSAGE_AS4_LOCAL_ADDPATH
  );
}

/**
 * The one MRT writer (RFC 6396, RFC 8050): encodes records into chunks of bytes, without I/O of
 * its own. BGP4MP / BGP4MP_ET messages and state changes (what a collector archives) and
 * TABLE_DUMP_V2 PEER_INDEX_TABLE and RIB records (a routing table, for example to load a daemon).
 * With an `output`, each full chunk (and whatever `flush` finds) goes there; without one, the
 * bytes are kept and `finish` returns them all. `writer-archive.ts` streams the chunks into
 * rotated gzip files.
 *
 * @example
 * const writer = new MrtWriter();
 * writer.peerIndexTable(time, { collectorBgpId: '192.0.2.1', peers: [{ bgpId: '10.0.0.1', address: '10.0.0.1', asn: 65001 }] });
 * writer.rib(time, '10.0.0.0/8', [{ peerIndex: 0, originatedTime: time, attributes: encodeRibAttributes(attrs, '10.0.0.0/8') }]);
 * writeFileSync('rib.mrt', writer.finish());
 */
import { encodeUpdate, type UpdateAttributes } from '../bgp/index.js';
import { CairnError } from '../errors/index.js';
import { parseAddress, parsePrefix, type IpAddress, type Prefix } from '../net/index.js';
import { Bgp4mpSubtype, MrtType, TableDumpV2Subtype } from './constants.js';

const AS_TRANS = 23456;
const MP_REACH_NLRI = 14;
const DEFAULT_CHUNK = 256 * 1024;

/**
 * The fixed start of every BGP4MP body of one session (RFC 6396 4.4.2): peer AS, local AS,
 * interface index, AFI, peer address, local address; built once per session. `as4` says the ASN
 * fields are 4 bytes (the *_AS4 subtypes); a session without 4-byte ASNs has 2-byte fields
 * (AS_TRANS for larger ASNs) and 2-byte AS_PATHs, as Quagga and RIS write them.
 */
export interface Bgp4mpPeer {
  readonly header: Uint8Array;
  readonly as4: boolean;
}

export function bgp4mpPeer(
  peerAsn: number,
  localAsn: number,
  peerAddress: IpAddress,
  localAddress: IpAddress,
  as4 = true,
): Bgp4mpPeer {
  if (peerAddress.family !== localAddress.family) {
    throw new CairnError('MRT_WRITE_MIXED_FAMILIES', 'peer and local addresses differ in family', {
      field: 'localAddress',
    });
  }
  const n = peerAddress.family === 4 ? 4 : 16;
  const w = as4 ? 4 : 2;
  const header = new Uint8Array(2 * w + 4 + 2 * n);
  const view = new DataView(header.buffer);
  if (as4) {
    view.setUint32(0, peerAsn >>> 0);
    view.setUint32(4, localAsn >>> 0);
  } else {
    view.setUint16(0, peerAsn > 0xffff ? AS_TRANS : peerAsn);
    view.setUint16(2, localAsn > 0xffff ? AS_TRANS : localAsn);
  }
  view.setUint16(2 * w, 0);
  view.setUint16(2 * w + 2, peerAddress.family === 4 ? 1 : 2);
  header.set(peerAddress.bytes.subarray(0, n), 2 * w + 4);
  header.set(localAddress.bytes.subarray(0, n), 2 * w + 4 + n);
  return { header, as4 };
}

/** One peer of a PEER_INDEX_TABLE (RFC 6396 4.3.1). */
export interface TableDumpPeer {
  bgpId: string;
  address: string | IpAddress;
  asn: number;
  /** Write the ASN in 4 bytes (peer type bit 1). Default true. */
  as4?: boolean;
}

export interface PeerIndexTable {
  collectorBgpId: string;
  viewName?: string;
  peers: readonly TableDumpPeer[];
}

/** One RIB entry (RFC 6396 4.3.4; `pathId` selects the RFC 8050 ADDPATH subtypes). */
export interface RibEntry {
  peerIndex: number;
  originatedTime: number;
  /** Path attributes as in a RIB entry: 4-byte AS_PATH, abbreviated MP_REACH_NLRI. */
  attributes: Uint8Array;
  pathId?: number;
}

function ipv4Bytes(text: string, field: string): Uint8Array {
  const address = parseAddress(text);
  if (address.family !== 4) throw new CairnError('MRT_WRITE_BAD_FIELD', `${text} is not IPv4`, { field });
  return address.bytes;
}

export interface MrtWriterOptions {
  /** Receives each full chunk and what `flush` hands over; without it the bytes are kept for `finish`. */
  output?: (chunk: Uint8Array) => void;
  /** Bytes per chunk; a larger record gets a chunk of its own size. Default 256 KiB. */
  chunkSize?: number;
}

export class MrtWriter {
  private readonly chunkSize: number;
  private readonly output: ((chunk: Uint8Array) => void) | undefined;
  private readonly kept: Uint8Array[] = [];
  private chunk: Buffer;
  private used = 0;
  private sequence = 0;
  /** Records written. */
  records = 0;

  constructor(options: MrtWriterOptions = {}) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    this.output = options.output;
    this.chunk = Buffer.allocUnsafe(this.chunkSize);
  }

  /** Bytes written and not yet handed to the output. */
  get buffered(): number {
    return this.used;
  }

  /**
   * A BGP message (header included) of the session `peer`: BGP4MP_ET with `micros`, BGP4MP when
   * `micros` is undefined; MESSAGE_AS4 / MESSAGE (by `peer.as4`), their ADDPATH forms when the
   * message's NLRI carry path identifiers (RFC 8050).
   */
  bgp4mpMessage(
    peer: Bgp4mpPeer,
    seconds: number,
    micros: number | undefined,
    message: Uint8Array,
    addPath = false,
  ): void {
    const subtype = peer.as4
      ? addPath
        ? Bgp4mpSubtype.MESSAGE_AS4_ADDPATH
        : Bgp4mpSubtype.MESSAGE_AS4
      : addPath
        ? Bgp4mpSubtype.MESSAGE_ADDPATH
        : Bgp4mpSubtype.MESSAGE;
    const header = peer.header;
    const p = this.bgp4mpHeader(seconds, micros, subtype, header.length + message.length);
    this.chunk.set(header, p);
    this.chunk.set(message, p + header.length);
    this.used = p + header.length + message.length;
  }

  /** A session state change (RFC 6396 4.4.1 numbering: 1 Idle .. 6 Established). */
  bgp4mpStateChange(
    peer: Bgp4mpPeer,
    seconds: number,
    micros: number | undefined,
    oldState: number,
    newState: number,
  ): void {
    const subtype = peer.as4 ? Bgp4mpSubtype.STATE_CHANGE_AS4 : Bgp4mpSubtype.STATE_CHANGE;
    const header = peer.header;
    const p = this.bgp4mpHeader(seconds, micros, subtype, header.length + 4);
    const c = this.chunk;
    c.set(header, p);
    c.writeUInt16BE(oldState, p + header.length);
    c.writeUInt16BE(newState, p + header.length + 2);
    this.used = p + header.length + 4;
  }

  /** A PEER_INDEX_TABLE; the RIB records after it are numbered from 0 again. */
  peerIndexTable(seconds: number, table: PeerIndexTable): void {
    const name = Buffer.from(table.viewName ?? '', 'utf8');
    const peers = table.peers.map((peer, i) => {
      const address = typeof peer.address === 'string' ? parseAddress(peer.address) : peer.address;
      return {
        bgpId: ipv4Bytes(peer.bgpId, `peers[${i}].bgpId`),
        address,
        asn: peer.asn,
        as4: peer.as4 ?? true,
      };
    });
    let length = 4 + 2 + name.length + 2;
    for (const peer of peers) length += 1 + 4 + (peer.address.family === 4 ? 4 : 16) + (peer.as4 ? 4 : 2);
    let p = this.recordHeader(seconds, MrtType.TABLE_DUMP_V2, TableDumpV2Subtype.PEER_INDEX_TABLE, length);
    const c = this.chunk;
    c.set(ipv4Bytes(table.collectorBgpId, 'collectorBgpId'), p);
    c.writeUInt16BE(name.length, p + 4);
    c.set(name, p + 6);
    p += 6 + name.length;
    c.writeUInt16BE(peers.length, p);
    p += 2;
    for (const peer of peers) {
      const v6 = peer.address.family === 6;
      c[p++] = (v6 ? 1 : 0) | (peer.as4 ? 2 : 0);
      c.set(peer.bgpId, p);
      p += 4;
      c.set(peer.address.bytes.subarray(0, v6 ? 16 : 4), p);
      p += v6 ? 16 : 4;
      if (peer.as4) {
        c.writeUInt32BE(peer.asn >>> 0, p);
        p += 4;
      } else {
        c.writeUInt16BE(peer.asn > 0xffff ? AS_TRANS : peer.asn, p);
        p += 2;
      }
    }
    this.used = p;
    this.sequence = 0;
  }

  /**
   * A RIB_IPV4_UNICAST or RIB_IPV6_UNICAST record (the _ADDPATH forms when the entries carry path
   * identifiers) for `prefix`, numbered in sequence after the last PEER_INDEX_TABLE.
   */
  rib(seconds: number, prefix: Prefix | string, entries: readonly RibEntry[]): void {
    const parsed = typeof prefix === 'string' ? parsePrefix(prefix) : prefix;
    const addPath = entries.length > 0 && entries[0].pathId !== undefined;
    const v6 = parsed.family === 6;
    const subtype = v6
      ? addPath
        ? TableDumpV2Subtype.RIB_IPV6_UNICAST_ADDPATH
        : TableDumpV2Subtype.RIB_IPV6_UNICAST
      : addPath
        ? TableDumpV2Subtype.RIB_IPV4_UNICAST_ADDPATH
        : TableDumpV2Subtype.RIB_IPV4_UNICAST;
    const prefixBytes = (parsed.length + 7) >>> 3;
    let length = 4 + 1 + prefixBytes + 2;
    for (const entry of entries) {
      if ((entry.pathId !== undefined) !== addPath) {
        throw new CairnError('MRT_WRITE_BAD_FIELD', 'either every RIB entry has a path id or none has', {
          field: 'pathId',
        });
      }
      length += 8 + (addPath ? 4 : 0) + entry.attributes.length;
    }
    let p = this.recordHeader(seconds, MrtType.TABLE_DUMP_V2, subtype, length);
    const c = this.chunk;
    c.writeUInt32BE(this.sequence++ >>> 0, p);
    c[p + 4] = parsed.length;
    p += 5;
    const bytes = parsed.bytes;
    for (let i = 0; i < prefixBytes; i++) c[p++] = bytes[i];
    c.writeUInt16BE(entries.length, p);
    p += 2;
    for (const entry of entries) {
      c.writeUInt16BE(entry.peerIndex, p);
      c.writeUInt32BE(entry.originatedTime >>> 0, p + 2);
      p += 6;
      if (addPath) {
        c.writeUInt32BE(entry.pathId! >>> 0, p);
        p += 4;
      }
      c.writeUInt16BE(entry.attributes.length, p);
      c.set(entry.attributes, p + 2);
      p += 2 + entry.attributes.length;
    }
    this.used = p;
  }

  /** Hands what is buffered to the output (nothing happens without one). */
  flush(): void {
    if (this.used === 0 || this.output === undefined) return;
    const data = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(this.chunkSize);
    this.used = 0;
    this.output(data);
  }

  /** Every byte written, when there is no output (then the writer starts empty again). */
  finish(): Uint8Array {
    if (this.output !== undefined) {
      throw new CairnError('MRT_WRITE_BAD_FIELD', 'finish() is for a writer without output; use flush()');
    }
    this.kept.push(this.chunk.subarray(0, this.used));
    const out = Buffer.concat(this.kept);
    this.kept.length = 0;
    this.chunk = Buffer.allocUnsafe(this.chunkSize);
    this.used = 0;
    return out;
  }

  private bgp4mpHeader(seconds: number, micros: number | undefined, subtype: number, body: number): number {
    if (micros === undefined) return this.recordHeader(seconds, MrtType.BGP4MP, subtype, body);
    // RFC 6396 3: for _ET types the length counts the microsecond field.
    const p = this.recordHeader(seconds, MrtType.BGP4MP_ET, subtype, body + 4);
    this.chunk.writeUInt32BE(micros >>> 0, p);
    return p + 4;
  }

  /** Makes room for the record, writes its common header, returns where its body starts. */
  private recordHeader(seconds: number, type: number, subtype: number, length: number): number {
    this.reserve(12 + length);
    const c = this.chunk;
    const at = this.used;
    c.writeUInt32BE(seconds >>> 0, at);
    c.writeUInt16BE(type, at + 4);
    c.writeUInt16BE(subtype, at + 6);
    c.writeUInt32BE(length, at + 8);
    this.records++;
    return at + 12;
  }

  private reserve(size: number): void {
    if (this.used + size <= this.chunk.length) return;
    if (this.used > 0) {
      const data = this.chunk.subarray(0, this.used);
      if (this.output !== undefined) this.output(data);
      else this.kept.push(data);
    }
    this.chunk = Buffer.allocUnsafe(Math.max(this.chunkSize, size));
    this.used = 0;
  }
}

/**
 * The path attributes of an encoded UPDATE message as a RIB entry carries them: MP_REACH_NLRI
 * reduced to next-hop length and next hop (RFC 6396 4.3.4), everything else as it is.
 */
export function ribAttributesFromUpdate(update: Uint8Array): Uint8Array {
  const view = new DataView(update.buffer, update.byteOffset, update.byteLength);
  // BGP header (19), withdrawn routes length (2) and routes, then the attributes' length (2).
  const start = 21 + view.getUint16(19);
  const length = view.getUint16(start);
  const block = update.subarray(start + 2, start + 2 + length);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let p = 0; p < block.length;) {
    const flags = block[p];
    const type = block[p + 1];
    const extended = (flags & 0x10) !== 0;
    const len = extended ? (block[p + 2] << 8) | block[p + 3] : block[p + 2];
    const head = extended ? 4 : 3;
    if (type !== MP_REACH_NLRI) {
      parts.push(block.subarray(p, p + head + len));
      size += head + len;
    } else {
      // AFI (2), SAFI (1), next-hop length (1), next hop: keep the last two.
      const hopLength = block[p + head + 3];
      parts.push(Uint8Array.of(flags & ~0x10, type, 1 + hopLength));
      parts.push(block.subarray(p + head + 3, p + head + 4 + hopLength));
      size += 3 + 1 + hopLength;
    }
    p += head + len;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The RIB-entry attributes of one route (`prefix` picks the family; an IPv6 route needs
 * `attributes.mpReach` with its next hop), encoded by src/bgp with 4-byte AS_PATHs as RFC 6396
 * 4.3.4 requires.
 */
export function encodeRibAttributes(attributes: UpdateAttributes, prefix: string): Uint8Array {
  const afi = prefix.includes(':') ? 2 : 1;
  return ribAttributesFromUpdate(
    encodeUpdate({ announced: [{ afi, safi: 1, prefixes: [{ prefix }] }], attributes }),
  );
}

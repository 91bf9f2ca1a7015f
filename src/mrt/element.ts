/**
 * Elements: one announced, withdrawn or RIB route per prefix and peer, or one peer state change.
 * The shape is the same whether it comes from an archive or (later) from a live session.
 *
 * `ElementCursor` is the allocation-free view the decoder fills for each element; `MrtElement`
 * is the plain object built from it for everything that is not a hot scan.
 */
import { formatAsPath, type AsPathSegment, type Origin, type PathAttributes } from '../bgp/index.js';
import { formatIPv4, formatIPv6 } from '../net/index.js';

export type ElementType = 'A' | 'W' | 'B' | 'STATE';

/** Where an element's next hop comes from, mirroring the branches bgpdump takes. */
export const NextHopSource = {
  /** NEXT_HOP attribute (IPv4 NLRI of an UPDATE, legacy BGP records). */
  Attribute: 0,
  /** MP_REACH_NLRI next hop (IPv4 or IPv6 routes carried in MP_REACH). */
  MpReach: 1,
  /** RIB entries: MP_REACH next hop when present, else NEXT_HOP. */
  Rib: 2,
} as const;
export type NextHopSource = (typeof NextHopSource)[keyof typeof NextHopSource];

/** A plain element, for JSON output and everything that is not a hot scan. */
export interface MrtElement {
  type: ElementType;
  /** Unix seconds, with microseconds as the fraction where the record has them (BGP4MP_ET). */
  timestamp: number;
  peerAddress: string;
  peerAsn: number;
  prefix?: string;
  pathId?: number;
  asPath?: string;
  asPathSegments?: AsPathSegment[];
  originAsns?: number[];
  origin?: Origin;
  nextHop?: string;
  localPref?: number;
  med?: number;
  communities?: string[];
  extendedCommunities?: string[];
  largeCommunities?: string[];
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  originatorId?: string;
  clusterList?: string[];
  oldState?: number;
  newState?: number;
  /** MRT record this element came from. */
  recordType: string;
  recordOffset: number;
}

export class ElementCursor {
  type: ElementType = 'A';
  /** MRT record type and subtype, and the record's offset in the decompressed stream. */
  mrtType = 0;
  mrtSubtype = 0;
  recordOffset = 0;
  /** Body length of the record (for BGP4MP_ET without the microsecond field). */
  recordLength = 0;
  /** bgpdump's first column for this record (`TABLE_DUMP2`, `BGP4MP_ET`, `BGP4MP_AP`...). */
  format = '';
  timestamp = 0;
  microseconds = 0;
  hasMicroseconds = false;

  peerFamily: 4 | 6 = 4;
  /** Peer address bytes (4 or 16 used); points at a peer-index entry's bytes for RIB records. */
  peerBytes: Uint8Array;
  private readonly ownPeerBytes = new Uint8Array(16);
  peerAsn = 0;
  private peerText: string | undefined;

  /** Prefix bytes (always 16, zero past the NLRI's bytes), family and length in bits. */
  readonly prefixBytes = new Uint8Array(16);
  prefixFamily: 4 | 6 = 4;
  prefixLength = 0;
  pathId = 0;
  hasPathId = false;

  /** Attributes of announcements and RIB entries; valid only during the visit. */
  attributes: PathAttributes | undefined;
  nextHopSource: NextHopSource = NextHopSource.Attribute as NextHopSource;

  oldState = 0;
  newState = 0;

  constructor() {
    this.peerBytes = this.ownPeerBytes;
  }

  /** Called by the decoder when a new peer is set. */
  setPeer(family: 4 | 6, bytes: Uint8Array, offset: number, asn: number): void {
    this.peerBytes = this.ownPeerBytes;
    this.peerFamily = family;
    const target = this.peerBytes;
    if (family === 4) {
      // No loop for IPv4: this runs for every record, also before the JIT has compiled it.
      target[0] = bytes[offset];
      target[1] = bytes[offset + 1];
      target[2] = bytes[offset + 2];
      target[3] = bytes[offset + 3];
    } else for (let i = 0; i < 16; i++) target[i] = bytes[offset + i];
    this.peerAsn = asn;
    this.peerText = undefined;
  }

  /** Sets the peer from a peer-index entry whose address is already formatted (once per table). */
  setPeerFormatted(family: 4 | 6, bytes: Uint8Array, text: string, asn: number): void {
    this.peerFamily = family;
    this.peerBytes = bytes;
    this.peerText = text;
    this.peerAsn = asn;
  }

  peerAddress(): string {
    if (this.peerText === undefined) {
      this.peerText = this.peerFamily === 4 ? formatIPv4(this.peerBytes, 0) : formatIPv6(this.peerBytes, 0);
    }
    return this.peerText;
  }

  prefix(): string {
    return (
      (this.prefixFamily === 4 ? formatIPv4(this.prefixBytes, 0) : formatIPv6(this.prefixBytes, 0)) +
      '/' +
      this.prefixLength
    );
  }

  /**
   * The prefix with the bits past its length cleared (RFC 4271 4.3: "trailing bits are
   * irrelevant"); `prefix()` shows the bytes as sent, which is what bgpdump prints.
   */
  canonicalPrefix(): string {
    const bytes = this.maskScratch;
    const length = this.prefixLength;
    for (let i = 0; i < 16; i++) {
      const bitsHere = length - i * 8;
      bytes[i] =
        bitsHere >= 8
          ? this.prefixBytes[i]
          : bitsHere <= 0
            ? 0
            : this.prefixBytes[i] & ((0xff << (8 - bitsHere)) & 0xff);
    }
    return (this.prefixFamily === 4 ? formatIPv4(bytes, 0) : formatIPv6(bytes, 0)) + '/' + length;
  }

  private readonly maskScratch = new Uint8Array(16);

  /** Time as bgpdump prints it: seconds, with ".uuuuuu" for extended-timestamp records. */
  timeText(): string {
    return this.hasMicroseconds
      ? `${this.timestamp}.${String(this.microseconds).padStart(6, '0')}`
      : `${this.timestamp}`;
  }

  /** Next hop given outside the attributes (BGP4MP_ENTRY records). */
  entryNextHop: string | undefined;

  nextHop(): string | undefined {
    if (this.entryNextHop !== undefined) return this.entryNextHop;
    const attributes = this.attributes;
    if (attributes === undefined) return undefined;
    if (this.nextHopSource === NextHopSource.Attribute) return attributes.nextHop();
    if (this.nextHopSource === NextHopSource.MpReach) return attributes.mpNextHop();
    return attributes.hasMpReach ? (attributes.mpNextHop() ?? attributes.nextHop()) : attributes.nextHop();
  }

  /** A plain object with every decoded field: correct values by the RFCs, not bgpdump's quirks. */
  toElement(): MrtElement {
    const element: MrtElement = {
      type: this.type,
      timestamp: this.hasMicroseconds ? this.timestamp + this.microseconds / 1e6 : this.timestamp,
      peerAddress: this.peerAddress(),
      peerAsn: this.peerAsn,
      recordType: this.format,
      recordOffset: this.recordOffset,
    };
    if (this.type === 'STATE') {
      element.oldState = this.oldState;
      element.newState = this.newState;
      return element;
    }
    element.prefix = this.canonicalPrefix();
    if (this.hasPathId) element.pathId = this.pathId;
    const attributes = this.attributes;
    if (this.type === 'W' || attributes === undefined) return element;
    const segments = attributes.asPath();
    if (segments !== undefined) {
      element.asPath = formatAsPath(segments);
      element.asPathSegments = segments;
      element.originAsns = attributes.originAsns();
    }
    const origin = attributes.originName();
    if (origin !== undefined) element.origin = origin;
    const nextHop = this.nextHop();
    if (nextHop !== undefined) element.nextHop = nextHop;
    if (attributes.has(5)) element.localPref = attributes.localPref;
    if (attributes.has(4)) element.med = attributes.med;
    if (attributes.communitiesStart >= 0) element.communities = attributes.communities();
    if (attributes.extendedCommunitiesStart >= 0)
      element.extendedCommunities = attributes.extendedCommunities();
    if (attributes.largeCommunitiesStart >= 0) element.largeCommunities = attributes.largeCommunities();
    element.atomicAggregate = attributes.has(6);
    const aggregator = attributes.aggregator();
    if (aggregator !== undefined) element.aggregator = aggregator;
    const originatorId = attributes.originatorId();
    if (originatorId !== undefined) element.originatorId = originatorId;
    if (attributes.clusterListStart >= 0) element.clusterList = attributes.clusterList();
    return element;
  }
}

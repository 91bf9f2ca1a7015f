/**
 * TABLE_DUMP_V2 records (RFC 6396 4.3, RFC 8050): the PEER_INDEX_TABLE that RIB entries point
 * into, the AFI/SAFI-specific RIBs (IPv4/IPv6 unicast and multicast), RIB_GENERIC, and their
 * ADD-PATH subtypes. Every RIB entry is one element with an attribute set of its own.
 */
import { readU16, readU32 } from '../bgp/index.js';
import { formatIPv4, formatIPv6 } from '../net/index.js';
import { TableDumpV2Subtype } from './constants.js';
import { NextHopSource } from './element.js';
import type { PeerIndexEntry, RecordContext } from './record.js';

export function decodeTableDumpV2(r: RecordContext, p: number, end: number): void {
  const subtype = r.header.subtype;
  switch (subtype) {
    case TableDumpV2Subtype.PEER_INDEX_TABLE:
      decodePeerIndexTable(r, p, end);
      return;
    case TableDumpV2Subtype.RIB_IPV4_UNICAST:
    case TableDumpV2Subtype.RIB_IPV4_MULTICAST:
      decodeRib(r, p, end, 4, false);
      return;
    case TableDumpV2Subtype.RIB_IPV4_UNICAST_ADDPATH:
    case TableDumpV2Subtype.RIB_IPV4_MULTICAST_ADDPATH:
      decodeRib(r, p, end, 4, true);
      return;
    case TableDumpV2Subtype.RIB_IPV6_UNICAST:
    case TableDumpV2Subtype.RIB_IPV6_MULTICAST:
      decodeRib(r, p, end, 6, false);
      return;
    case TableDumpV2Subtype.RIB_IPV6_UNICAST_ADDPATH:
    case TableDumpV2Subtype.RIB_IPV6_MULTICAST_ADDPATH:
      decodeRib(r, p, end, 6, true);
      return;
    case TableDumpV2Subtype.RIB_GENERIC:
    case TableDumpV2Subtype.RIB_GENERIC_ADDPATH:
      decodeRibGeneric(r, p, end, subtype === TableDumpV2Subtype.RIB_GENERIC_ADDPATH);
      return;
    default:
      r.problem('MRT_UNKNOWN_SUBTYPE', `unknown TABLE_DUMP_V2 subtype ${subtype}`, r.recordStart);
  }
}

/** RFC 6396 4.3.1: the collector's peers, which RIB entries name by index. */
function decodePeerIndexTable(r: RecordContext, p: number, end: number): void {
  const buf = r.buf;
  if (end - p < 8) {
    r.problem('MRT_TRUNCATED_RECORD', 'PEER_INDEX_TABLE shorter than its fixed fields', p);
    return;
  }
  p += 4; // collector BGP ID
  const viewNameLength = readU16(buf, p);
  if (p + 2 + viewNameLength + 2 > end) {
    r.problem('MRT_TRUNCATED_RECORD', `view name length ${viewNameLength} runs past the record`, p);
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
    r.problem(
      'MRT_TRUNCATED_RECORD',
      `PEER_INDEX_TABLE declares ${peerCount} peers but holds ${peers.length}`,
      p,
    );
  }
  r.peerIndex = peers;
}

/** RFC 6396 4.3.2: AFI/SAFI-specific RIB, the family given by the subtype. */
function decodeRib(r: RecordContext, p: number, end: number, family: 4 | 6, addPath: boolean): void {
  const buf = r.buf;
  if (end - p < 5) {
    r.problem('MRT_TRUNCATED_RECORD', 'RIB record shorter than its fixed fields', p);
    return;
  }
  p += 4; // sequence number
  const prefixLength = buf[p++];
  const maxBits = family === 4 ? 32 : 128;
  if (prefixLength > maxBits) {
    r.problem('MRT_BAD_PREFIX_LENGTH', `prefix length ${prefixLength} exceeds ${maxBits}`, p - 1);
    return;
  }
  const prefixBytes = (prefixLength + 7) >>> 3;
  if (p + prefixBytes + 2 > end) {
    r.problem('MRT_TRUNCATED_RECORD', 'RIB prefix runs past the record', p);
    return;
  }
  r.setPrefix(family, p, prefixBytes, prefixLength);
  decodeRibEntries(r, p + prefixBytes, end, addPath);
}

/** RFC 6396 4.3.3: RIB_GENERIC, the family given by AFI/SAFI fields (only plain prefixes decoded). */
function decodeRibGeneric(r: RecordContext, p: number, end: number, addPath: boolean): void {
  const buf = r.buf;
  if (end - p < 8) {
    r.problem('MRT_TRUNCATED_RECORD', 'RIB_GENERIC record shorter than its fixed fields', p);
    return;
  }
  p += 4; // sequence
  const afi = readU16(buf, p);
  const safi = buf[p + 2];
  p += 3;
  if ((afi !== 1 && afi !== 2) || (safi !== 1 && safi !== 2)) {
    r.problem(
      'MRT_UNSUPPORTED_AFI',
      `RIB_GENERIC with AFI ${afi} SAFI ${safi} is not decoded (record skipped)`,
      p - 3,
    );
    return;
  }
  const family = afi === 1 ? 4 : 6;
  const prefixLength = buf[p++];
  if (prefixLength > (family === 4 ? 32 : 128)) {
    r.problem('MRT_BAD_PREFIX_LENGTH', `prefix length ${prefixLength} is too long for AFI ${afi}`, p - 1);
    return;
  }
  const prefixBytes = (prefixLength + 7) >>> 3;
  if (p + prefixBytes + 2 > end) {
    r.problem('MRT_TRUNCATED_RECORD', 'RIB_GENERIC prefix runs past the record', p);
    return;
  }
  r.setPrefix(family, p, prefixBytes, prefixLength);
  decodeRibEntries(r, p + prefixBytes, end, addPath);
}

/** RFC 6396 4.3.4 (RFC 8050 with path identifiers): one element per entry. */
function decodeRibEntries(r: RecordContext, p: number, end: number, addPath: boolean): void {
  const buf = r.buf;
  const cursor = r.cursor;
  const peers = r.peerIndex;
  if (peers === undefined) {
    r.problem('MRT_NO_PEER_INDEX', 'RIB record before any PEER_INDEX_TABLE (record skipped)', r.recordStart);
    return;
  }
  const entryCount = readU16(buf, p);
  p += 2;
  cursor.type = 'B';
  cursor.format = addPath ? 'TABLE_DUMP2_AP' : 'TABLE_DUMP2';
  cursor.nextHopSource = NextHopSource.Rib;
  const fixed = addPath ? 12 : 8;
  for (let i = 0; i < entryCount; i++) {
    if (p + fixed > end) {
      r.problem('MRT_TRUNCATED_RECORD', `RIB entry ${i} of ${entryCount} runs past the record`, p);
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
      r.problem(
        'MRT_BAD_ATTRIBUTE_LENGTH',
        `RIB entry attributes (${attributesLength} bytes) run past the record`,
        p - 2,
      );
      return;
    }
    const peer = peers[peerIndex];
    if (peer === undefined) {
      r.problem(
        'MRT_BAD_PEER_INDEX',
        `peer index ${peerIndex} is not in the PEER_INDEX_TABLE (${peers.length} peers)`,
        p - fixed,
      );
      p = attributesEnd;
      continue;
    }
    cursor.setPeerFormatted(peer.family, peer.bytes, peer.address, peer.asn);
    cursor.attributes = r.decodeAttributes(p, attributesEnd, 4, addPath);
    r.hooks.onElement(cursor);
    p = attributesEnd;
  }
  if (p < end) r.problem('MRT_TRAILING_BYTES', `${end - p} bytes after the last RIB entry`, p);
}

/**
 * BGP4MP and BGP4MP_ET records (RFC 6396 4.4, 4.5; RFC 8050): state changes, BGP messages as
 * received or sent (AS4, LOCAL and ADD-PATH variants), the ENTRY records of the drafts before
 * RFC 6396 (written by OpenBGPD), and the legacy BGP records (type 5) of the 1999-2001 RIPE RIS
 * archives, whose UPDATEs go through the same walker.
 */
import { BGP_HEADER_LENGTH, readU16, readU32 } from '../bgp/index.js';
import { formatIPv4, formatIPv6 } from '../net/index.js';
import { Bgp4mpSubtype, LegacyBgpSubtype, MrtType } from './constants.js';
import { NextHopSource } from './element.js';
import type { RecordContext } from './record.js';
import type { UpdateElements } from './update-elements.js';

export function decodeBgp4mp(r: RecordContext, updates: UpdateElements, p: number, end: number): void {
  const subtype = r.header.subtype;
  // Literal case labels (names in comments): the interpreter jumps through a table instead of
  // loading each name; this runs for every record, also before the JIT compiles it.
  switch (subtype) {
    case 0 /* STATE_CHANGE */:
    case 5 /* STATE_CHANGE_AS4 */:
      decodeStateChange(r, p, end, subtype === Bgp4mpSubtype.STATE_CHANGE_AS4 ? 4 : 2);
      return;
    case 1 /* MESSAGE */:
    case 6 /* MESSAGE_LOCAL */:
    case 8 /* MESSAGE_ADDPATH */:
    case 10 /* MESSAGE_LOCAL_ADDPATH */:
      decodeMessage(r, updates, p, end, 2);
      return;
    case 4 /* MESSAGE_AS4 */:
    case 7 /* MESSAGE_AS4_LOCAL */:
    case 9 /* MESSAGE_AS4_ADDPATH */:
    case 11 /* MESSAGE_AS4_LOCAL_ADDPATH */:
      decodeMessage(r, updates, p, end, 4);
      return;
    case 2 /* ENTRY */:
      decodeEntry(r, p, end);
      return;
    default:
      r.problem(
        'MRT_UNKNOWN_SUBTYPE',
        `unsupported BGP4MP subtype ${subtype} (record skipped)`,
        r.recordStart,
      );
  }
}

function recordFormat(r: RecordContext): string {
  return r.header.type === MrtType.BGP4MP_ET ? 'BGP4MP_ET' : 'BGP4MP';
}

/** RFC 6396 4.4.1: peer ASN, local ASN, interface, AFI, peer and local addresses, two states. */
function decodeStateChange(r: RecordContext, p: number, end: number, asnLength: number): void {
  const buf = r.buf;
  const cursor = r.cursor;
  const bodyLength = end - p;
  if (bodyLength === 8) {
    // Old Zebra wrote 8-byte state changes (two ASNs and the states, no addresses): the peer
    // address is unknown, 0.0.0.0 as bgpdump shows it.
    cursor.setPeer(4, NO_ADDRESS, 0, asnLength === 2 ? readU16(buf, p) : readU32(buf, p));
    const statesAt = p + 2 * asnLength;
    cursor.oldState = statesAt + 2 <= end ? readU16(buf, statesAt) : 0;
    cursor.newState = statesAt + 4 <= end ? readU16(buf, statesAt + 2) : 0;
    cursor.type = 'STATE';
    cursor.format = recordFormat(r);
    r.problem('MRT_SHORT_STATE_CHANGE', '8-byte STATE_CHANGE without addresses (old Zebra)', p);
    r.hooks.onElement(cursor);
    return;
  }
  if (bodyLength < 2 * asnLength + 4) {
    r.problem('MRT_TRUNCATED_RECORD', 'STATE_CHANGE shorter than its fixed fields', p);
    return;
  }
  const peerAsn = asnLength === 2 ? readU16(buf, p) : readU32(buf, p);
  p += 2 * asnLength + 2;
  const afi = readU16(buf, p);
  p += 2;
  if (afi !== 1 && afi !== 2) {
    r.problem('MRT_UNSUPPORTED_AFI', `STATE_CHANGE with address family ${afi}`, p - 2);
    return;
  }
  const addressLength = afi === 1 ? 4 : 16;
  if (p + 2 * addressLength + 4 > end) {
    r.problem('MRT_TRUNCATED_RECORD', 'STATE_CHANGE addresses and states run past the record', p);
    return;
  }
  cursor.setPeer(afi === 1 ? 4 : 6, buf, p, peerAsn);
  p += 2 * addressLength;
  cursor.oldState = readU16(buf, p);
  cursor.newState = readU16(buf, p + 2);
  cursor.type = 'STATE';
  cursor.format = recordFormat(r);
  r.hooks.onElement(cursor);
}

const NO_ADDRESS = new Uint8Array(4);

/** RFC 6396 4.4.2 (RFC 8050 for ADD-PATH): peer and local ASN and address, then a BGP message. */
function decodeMessage(
  r: RecordContext,
  updates: UpdateElements,
  p: number,
  end: number,
  asnLength: number,
): void {
  const buf = r.buf;
  const cursor = r.cursor;
  const subtype = r.header.subtype;
  const local =
    subtype === Bgp4mpSubtype.MESSAGE_LOCAL ||
    subtype === Bgp4mpSubtype.MESSAGE_AS4_LOCAL ||
    subtype === Bgp4mpSubtype.MESSAGE_LOCAL_ADDPATH ||
    subtype === Bgp4mpSubtype.MESSAGE_AS4_LOCAL_ADDPATH;
  const addPath = subtype >= Bgp4mpSubtype.MESSAGE_ADDPATH;
  if (end - p < 2 * asnLength + 4) {
    r.problem('MRT_TRUNCATED_RECORD', 'BGP4MP message shorter than its fixed fields', p);
    return;
  }
  // Big-endian fields read in place rather than by readU16/readU32: a call per field costs more
  // than the field before the JIT compiles this.
  const peerAsn =
    asnLength === 2
      ? (buf[p] << 8) | buf[p + 1]
      : ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
  p += 2 * asnLength + 2;
  const afi = (buf[p] << 8) | buf[p + 1];
  p += 2;
  if (afi !== 1 && afi !== 2) {
    r.problem('MRT_UNSUPPORTED_AFI', `BGP4MP message with address family ${afi} (record skipped)`, p - 2);
    return;
  }
  const addressLength = afi === 1 ? 4 : 16;
  if (p + 2 * addressLength > end) {
    r.problem('MRT_TRUNCATED_RECORD', 'BGP4MP peer addresses run past the record', p);
    return;
  }
  cursor.setPeer(afi === 1 ? 4 : 6, buf, p, peerAsn);
  p += 2 * addressLength;
  let format = recordFormat(r);
  if (local) format += '_LOCAL';
  if (addPath) format += '_AP';
  cursor.format = format;
  decodeBgpMessage(r, updates, p, end, asnLength, addPath);
}

/** A BGP message (RFC 4271 4.1 header + body) inside BGP4MP: only UPDATEs produce elements. */
function decodeBgpMessage(
  r: RecordContext,
  updates: UpdateElements,
  p: number,
  end: number,
  asnLength: number,
  addPath: boolean,
): void {
  const buf = r.buf;
  if (end - p < BGP_HEADER_LENGTH) {
    r.problem('MRT_TRUNCATED_RECORD', 'BGP message header runs past the record', p);
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
    r.problem('BGP_BAD_MARKER', 'BGP message marker is not all ones (record skipped)', p);
    return;
  }
  const length = (buf[p + 16] << 8) | buf[p + 17];
  const type = buf[p + 18];
  if (length < BGP_HEADER_LENGTH) {
    r.problem('BGP_BAD_LENGTH', `BGP message length ${length} is below the 19-byte header`, p + 16);
    return;
  }
  let messageEnd = p + length;
  if (messageEnd > end) {
    r.problem(
      'BGP_TRUNCATED_MESSAGE',
      `BGP message of ${length} bytes cut to ${end - p} by the record`,
      p + 16,
    );
    messageEnd = end;
  }
  if (type !== 2 /* UPDATE */) return; // OPEN, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH: no elements
  updates.walk(p + BGP_HEADER_LENGTH, messageEnd, asnLength, addPath);
}

/**
 * BGP4MP_ENTRY (from drafts before RFC 6396, written by OpenBGPD): one RIB entry, laid out as
 * peer AS, local AS (2 bytes each), interface, AFI, peer and local addresses, view, status,
 * originated time, then AFI, SAFI, next hop (length + bytes), prefix and attributes.
 */
function decodeEntry(r: RecordContext, p: number, end: number): void {
  const buf = r.buf;
  const cursor = r.cursor;
  if (end - p < 8) {
    r.problem('MRT_TRUNCATED_RECORD', 'BGP4MP_ENTRY shorter than its fixed fields', p);
    return;
  }
  const peerAsn = readU16(buf, p);
  p += 6;
  const afi = readU16(buf, p);
  p += 2;
  if (afi !== 1 && afi !== 2) {
    r.problem('MRT_UNSUPPORTED_AFI', `BGP4MP_ENTRY with address family ${afi}`, p - 2);
    return;
  }
  const addressLength = afi === 1 ? 4 : 16;
  if (p + 2 * addressLength + 8 + 4 > end) {
    r.problem('MRT_TRUNCATED_RECORD', 'BGP4MP_ENTRY runs past the record', p);
    return;
  }
  cursor.setPeer(afi === 1 ? 4 : 6, buf, p, peerAsn);
  p += 2 * addressLength + 8; // addresses, view, status, originated time
  const routeAfi = readU16(buf, p);
  const safi = buf[p + 2];
  p += 3;
  const nextHopLength = buf[p];
  if (p + 1 + nextHopLength + 1 > end) {
    r.problem(
      'MRT_TRUNCATED_RECORD',
      `BGP4MP_ENTRY next hop length ${nextHopLength} runs past the record`,
      p,
    );
    return;
  }
  const nextHopAt = p + 1;
  p += 1 + nextHopLength;
  const family = r.mpFamily(routeAfi, safi);
  if (family === 0) return;
  const prefixLength = buf[p++];
  const prefixBytes = (prefixLength + 7) >>> 3;
  if (prefixLength > (family === 4 ? 32 : 128) || p + prefixBytes + 2 > end) {
    r.problem(
      'MRT_BAD_PREFIX_LENGTH',
      `BGP4MP_ENTRY prefix /${prefixLength} is invalid or runs past the record`,
      p - 1,
    );
    return;
  }
  r.setPrefix(family, p, prefixBytes, prefixLength);
  p += prefixBytes;
  const attributesEnd = r.attributesEnd(p, end);
  p += 2;
  cursor.type = 'B';
  cursor.format = recordFormat(r);
  cursor.nextHopSource = NextHopSource.Rib;
  // OpenBGPD, the one writer of these records, uses 2-byte AS_PATHs (with 8-byte AGGREGATORs).
  cursor.attributes = r.decodeAttributes(p, attributesEnd, 2, false);
  // The entry carries its next hop outside the attributes.
  if (nextHopLength === 4) cursor.entryNextHop = formatIPv4(buf, nextHopAt);
  else if (nextHopLength === 16 || nextHopLength === 32) cursor.entryNextHop = formatIPv6(buf, nextHopAt);
  r.hooks.onElement(cursor);
  cursor.entryNextHop = undefined;
}

/** Legacy BGP records (RFC 6396 appendix B.2): state changes and UPDATEs of 2-byte sessions. */
export function decodeLegacyBgp(r: RecordContext, updates: UpdateElements, p: number, end: number): void {
  const buf = r.buf;
  const cursor = r.cursor;
  const subtype = r.header.subtype;
  cursor.format = 'BGP';
  if (subtype === LegacyBgpSubtype.STATE_CHANGE) {
    if (end - p < 10) {
      r.problem('MRT_TRUNCATED_RECORD', 'legacy STATE_CHANGE shorter than 10 bytes', p);
      return;
    }
    cursor.setPeer(4, buf, p + 2, readU16(buf, p));
    cursor.oldState = readU16(buf, p + 6);
    cursor.newState = readU16(buf, p + 8);
    cursor.type = 'STATE';
    r.hooks.onElement(cursor);
    return;
  }
  if (subtype !== LegacyBgpSubtype.UPDATE) return; // OPEN, NOTIFY, KEEPALIVE...: no elements
  if (end - p < 12) {
    r.problem('MRT_TRUNCATED_RECORD', 'legacy UPDATE shorter than its peer fields', p);
    return;
  }
  cursor.setPeer(4, buf, p + 2, readU16(buf, p));
  updates.walk(p + 12, end, 2, false);
}

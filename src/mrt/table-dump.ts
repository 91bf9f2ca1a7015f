/**
 * TABLE_DUMP records (RFC 6396 4.2): one RIB entry per record, IPv4 or IPv6, 2- or 4-byte peer
 * ASN by subtype (the AS4 subtypes 3 and 4 are from the drafts that preceded TABLE_DUMP_V2).
 */
import { readU16, readU32 } from '../bgp/index.js';
import { NextHopSource } from './element.js';
import type { RecordContext } from './record.js';

export function decodeTableDump(r: RecordContext, p: number, end: number): void {
  const buf = r.buf;
  const cursor = r.cursor;
  const subtype = r.header.subtype;
  if (subtype < 1 || subtype > 4) {
    r.problem('MRT_UNKNOWN_SUBTYPE', `unknown TABLE_DUMP subtype ${subtype}`, r.recordStart);
    return;
  }
  const family = subtype === 1 || subtype === 3 ? 4 : 6;
  const asnLength = subtype <= 2 ? 2 : 4;
  const addressLength = family === 4 ? 4 : 16;
  const fixed = 4 + addressLength + 2 + 4 + addressLength + asnLength + 2;
  if (end - p < fixed) {
    r.problem('MRT_TRUNCATED_RECORD', `TABLE_DUMP record shorter than its ${fixed} fixed bytes`, p);
    return;
  }
  p += 4; // view, sequence
  const prefixAt = p;
  p += addressLength;
  const prefixLength = buf[p];
  p += 2 + 4; // prefix length, status, originated time
  if (prefixLength > addressLength * 8) {
    r.problem('MRT_BAD_PREFIX_LENGTH', `prefix length ${prefixLength} exceeds ${addressLength * 8}`, p - 6);
    return;
  }
  const peerAt = p;
  p += addressLength;
  const peerAsn = asnLength === 2 ? readU16(buf, p) : readU32(buf, p);
  p += asnLength;
  const attributesEnd = r.attributesEnd(p, end);
  p += 2;
  r.setPrefix(family, prefixAt, addressLength, prefixLength);
  cursor.setPeer(family, buf, peerAt, peerAsn);
  cursor.type = 'B';
  cursor.format = 'TABLE_DUMP';
  cursor.nextHopSource = NextHopSource.Rib;
  cursor.attributes = r.decodeAttributes(p, attributesEnd, asnLength, false);
  r.hooks.onElement(cursor);
}

/**
 * A minimal MRT TABLE_DUMP_V2 writer (RFC 6396 4.3): one peer, IPv4 unicast RIB entries. It
 * exists only to load a few thousand routes into GoBGP in one `gobgp mrt inject global` call
 * (one `gobgp global rib add` per route costs a process start each). The path attributes are
 * taken from an UPDATE encoded by src/bgp (4-byte AS_PATH, as RFC 6396 4.3.4 requires).
 */
import { encodeUpdate } from '../../src/bgp/index.js';
import { parsePrefix } from '../../src/net/index.js';
import type { LiveRoute } from './bird.js';

const TABLE_DUMP_V2 = 13;
const PEER_INDEX_TABLE = 1;
const RIB_IPV4_UNICAST = 2;

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

function record(time: number, subtype: number, body: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, time);
  view.setUint16(4, TABLE_DUMP_V2);
  view.setUint16(6, subtype);
  view.setUint32(8, body.length);
  out.set(body, 12);
  return out;
}

/** The path attributes (ORIGIN IGP, AS_PATH, NEXT_HOP) of one route, as on the wire. */
function attributes(route: LiveRoute, nextHop: string): Uint8Array {
  const update = encodeUpdate({
    announced: [{ afi: 1, safi: 1, prefixes: [{ prefix: route.prefix }] }],
    attributes: { origin: 'IGP', asPath: [{ kind: 'sequence', asns: route.path }], nextHop },
  });
  // BGP header (19), withdrawn routes length (2, zero here), path attribute length (2).
  const view = new DataView(update.buffer, update.byteOffset, update.byteLength);
  const withdrawnLength = view.getUint16(19);
  const start = 21 + withdrawnLength;
  const length = view.getUint16(start);
  return update.subarray(start + 2, start + 2 + length);
}

/** A TABLE_DUMP_V2 file: a PEER_INDEX_TABLE with one peer, then one RIB_IPV4_UNICAST per route. */
export function encodeTableDumpV2(
  routes: LiveRoute[],
  peer: { address: string; asn: number },
  time = Math.floor(Date.now() / 1000),
): Uint8Array {
  const parts: Uint8Array[] = [];
  const peerAsn = [peer.asn >>> 24, (peer.asn >>> 16) & 0xff, (peer.asn >>> 8) & 0xff, peer.asn & 0xff];
  parts.push(
    record(time, PEER_INDEX_TABLE, [
      ...ipv4Bytes(peer.address), // collector BGP id
      0,
      0, // view name length
      0,
      1, // peer count
      0x02, // peer type: IPv4 address, 4-byte AS
      ...ipv4Bytes(peer.address), // peer BGP id
      ...ipv4Bytes(peer.address),
      ...peerAsn,
    ]),
  );
  routes.forEach((route, sequence) => {
    const prefix = parsePrefix(route.prefix);
    if (prefix.family !== 4) throw new Error(`IPv4 only: ${route.prefix}`);
    const prefixBytes = Array.from(prefix.bytes.subarray(0, Math.ceil(prefix.length / 8)));
    const attrs = attributes(route, peer.address);
    const body = new Uint8Array(4 + 1 + prefixBytes.length + 2 + 2 + 4 + 2 + attrs.length);
    const view = new DataView(body.buffer);
    let p = 0;
    view.setUint32(p, sequence);
    p += 4;
    body[p++] = prefix.length;
    body.set(prefixBytes, p);
    p += prefixBytes.length;
    view.setUint16(p, 1); // entry count
    p += 2;
    view.setUint16(p, 0); // peer index
    p += 2;
    view.setUint32(p, time); // originated time
    p += 4;
    view.setUint16(p, attrs.length);
    p += 2;
    body.set(attrs, p);
    parts.push(record(time, RIB_IPV4_UNICAST, body));
  });
  const size = parts.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

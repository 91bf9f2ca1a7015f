// A routing table of real routes, written as an MRT TABLE_DUMP_V2 file (RFC 6396 4.3) for
// `gobgp mrt inject global FILE` (bench/collector-daemon.mjs).
//
// - `realTable(file, exclude)`: the last announcement of every prefix of an update file (elements
//   decoded by src/mrt through dist/), with its attributes; prefixes for which `exclude` says yes
//   are left out (the watched prefixes, which the benchmark announces and withdraws itself).
// - `writeTableDumpV2(path, routes, peer, padding)`: one PEER_INDEX_TABLE with one peer, then one
//   RIB_IPV4_UNICAST / RIB_IPV6_UNICAST record per route, then `padding` routes. The path
//   attributes are those of an UPDATE encoded by src/bgp (encodeUpdate: 4-byte AS_PATH, as RFC
//   6396 4.3.4 requires), cut out of the message; for IPv6, MP_REACH_NLRI is rewritten to the
//   abbreviated form of RFC 6396 4.3.4 (next-hop length and next hop only). Attribute blocks are
//   cached by content (a table has far fewer distinct attribute sets than routes).
//
// test/live/table-dump.ts does the same for a few thousand IPv4 routes in TS; bench scripts run
// on dist/ in plain node and must not import test code, hence this file.
import { writeFileSync } from 'node:fs';

const TABLE_DUMP_V2 = 13;
const PEER_INDEX_TABLE = 1;
const RIB_IPV4_UNICAST = 2;
const RIB_IPV6_UNICAST = 4;
const MP_REACH_NLRI = 14;

/**
 * The last announcement per prefix of `file`, as { prefix, v6, attributes } (attributes in the
 * shape of src/bgp's UpdateAttributes, without next hop). Withdrawals do not remove a prefix: the
 * benchmark wants every real route the file announces.
 */
export async function realTable(root, file, exclude = () => false) {
  const { readElements } = await import(`${root}/dist/mrt/index.js`);
  const last = new Map();
  let elements = 0;
  for await (const e of readElements(file)) {
    elements++;
    if (e.type !== 'A' || e.prefix === undefined || exclude(e.prefix)) continue;
    last.set(e.prefix, e);
  }
  const routes = [];
  for (const [prefix, e] of last) {
    const attributes = { origin: e.origin ?? 'IGP', asPath: e.asPathSegments ?? [] };
    if (e.med !== undefined) attributes.med = e.med;
    if (e.communities !== undefined && e.communities.length > 0) attributes.communities = e.communities;
    if (e.extendedCommunities !== undefined && e.extendedCommunities.length > 0)
      attributes.extendedCommunities = e.extendedCommunities;
    if (e.aggregator !== undefined) attributes.aggregator = e.aggregator;
    if (e.atomicAggregate === true) attributes.atomicAggregate = true;
    routes.push({ prefix, v6: prefix.includes(':'), attributes });
  }
  return { routes, elements };
}

/** 198.18.0.0/28, 198.18.0.16/28, ... (RFC 2544 benchmarking space, never in a real table). */
export function paddingRoutes(count) {
  if (count > 8192) throw new Error('at most 8192 /28 padding routes fit in 198.18.0.0/15');
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = (198 << 24) + (18 << 16) + i * 16;
    out.push({
      prefix: `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}/28`,
      v6: false,
      attributes: { origin: 'IGP', asPath: [{ kind: 'sequence', asns: [64511] }] },
    });
  }
  return out;
}

export const PADDING_PREFIX = '198.18.0.0/15';

export function isPadding(prefix) {
  return prefix.startsWith('198.18.') || prefix.startsWith('198.19.');
}

/** Appends bytes to a list of 1 MiB chunks. */
class Out {
  constructor() {
    this.chunks = [];
    this.buf = Buffer.allocUnsafe(1 << 20);
    this.p = 0;
    this.size = 0;
  }
  reserve(n) {
    if (this.p + n <= this.buf.length) return;
    this.chunks.push(this.buf.subarray(0, this.p));
    this.buf = Buffer.allocUnsafe(Math.max(1 << 20, n));
    this.p = 0;
  }
  result() {
    this.chunks.push(this.buf.subarray(0, this.p));
    return Buffer.concat(this.chunks);
  }
}

/**
 * Writes the TABLE_DUMP_V2 file; returns { bytes, records, attributeSets }. `bgp` is dist/bgp
 * (encodeUpdate), `net` dist/net (parsePrefix). `peer` = { address (IPv4), asn }.
 */
export function writeTableDumpV2(path, routes, peer, { bgp, net, time = Math.floor(Date.now() / 1000) }) {
  const out = new Out();
  const peerIp = peer.address.split('.').map(Number);
  // PEER_INDEX_TABLE: collector BGP id, view name length 0, 1 peer (type 2: IPv4 address, 4-byte AS).
  const pit = Buffer.from([
    ...peerIp,
    0,
    0,
    0,
    1,
    0x02,
    ...peerIp,
    ...peerIp,
    peer.asn >>> 24,
    (peer.asn >>> 16) & 0xff,
    (peer.asn >>> 8) & 0xff,
    peer.asn & 0xff,
  ]);
  header(out, time, PEER_INDEX_TABLE, pit.length);
  pit.copy(out.buf, out.p);
  out.p += pit.length;

  const cache = new Map();
  const attributeBlock = (route) => {
    const key = (route.v6 ? '6' : '4') + JSON.stringify(route.attributes);
    let block = cache.get(key);
    if (block === undefined) {
      block = encodeAttributes(bgp, route, peer.address);
      cache.set(key, block);
    }
    return block;
  };
  let sequence = 0;
  for (const route of routes) {
    const prefix = net.parsePrefix(route.prefix);
    const prefixBytes = Math.ceil(prefix.length / 8);
    const attrs = attributeBlock(route);
    const bodyLength = 4 + 1 + prefixBytes + 2 + 2 + 4 + 2 + attrs.length;
    header(out, time, prefix.family === 6 ? RIB_IPV6_UNICAST : RIB_IPV4_UNICAST, bodyLength);
    const b = out.buf;
    let p = out.p;
    b.writeUInt32BE(sequence++ >>> 0, p);
    p += 4;
    b[p++] = prefix.length;
    for (let i = 0; i < prefixBytes; i++) b[p++] = prefix.bytes[i];
    b.writeUInt16BE(1, p); // entry count
    b.writeUInt16BE(0, p + 2); // peer index
    b.writeUInt32BE(time, p + 4); // originated time
    b.writeUInt16BE(attrs.length, p + 8);
    p += 10;
    attrs.copy(b, p);
    out.p = p + attrs.length;
  }
  const bytes = out.result();
  writeFileSync(path, bytes);
  return { bytes: bytes.length, records: sequence + 1, attributeSets: cache.size };
}

function header(out, time, subtype, length) {
  out.reserve(12 + length);
  const b = out.buf;
  b.writeUInt32BE(time, out.p);
  b.writeUInt16BE(TABLE_DUMP_V2, out.p + 4);
  b.writeUInt16BE(subtype, out.p + 6);
  b.writeUInt32BE(length, out.p + 8);
  out.p += 12;
}

/** The path attributes of one route as in a TABLE_DUMP_V2 RIB entry. */
function encodeAttributes(bgp, route, nextHop) {
  const family = { afi: route.v6 ? 2 : 1, safi: 1, prefixes: [{ prefix: route.prefix }] };
  const attributes = { ...route.attributes };
  if (route.v6) attributes.mpReach = { afi: 2, safi: 1, nextHop: '::ffff:' + nextHop };
  else attributes.nextHop = nextHop;
  const update = Buffer.from(bgp.encodeUpdate({ announced: [family], attributes }));
  // BGP header (19), withdrawn routes length (2), then path attribute length (2) and attributes.
  const start = 21 + update.readUInt16BE(19);
  const length = update.readUInt16BE(start);
  const block = update.subarray(start + 2, start + 2 + length);
  if (!route.v6) return Buffer.from(block);
  // RFC 6396 4.3.4: in RIB entries MP_REACH_NLRI holds only the next-hop length and next hop.
  const parts = [];
  for (let p = 0; p < block.length;) {
    const flags = block[p];
    const type = block[p + 1];
    const extended = (flags & 0x10) !== 0;
    const len = extended ? block.readUInt16BE(p + 2) : block[p + 2];
    const hdr = extended ? 4 : 3;
    if (type !== MP_REACH_NLRI) parts.push(block.subarray(p, p + hdr + len));
    else {
      const value = block.subarray(p + hdr, p + hdr + len);
      const hopLength = value[3];
      parts.push(Buffer.from([flags & ~0x10, type, 1 + hopLength]), value.subarray(3, 4 + hopLength));
    }
    p += hdr + len;
  }
  return Buffer.concat(parts);
}

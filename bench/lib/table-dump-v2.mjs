// A routing table of real routes, written as an MRT TABLE_DUMP_V2 file (RFC 6396 4.3) for
// `gobgp mrt inject global FILE` (bench/collector-daemon.mjs).
//
// - `realTable(file, exclude)`: the last announcement of every prefix of an update file (elements
//   decoded by src/mrt through dist/), with its attributes; prefixes for which `exclude` says yes
//   are left out (the watched prefixes, which the benchmark announces and withdraws itself).
// - `writeTableDumpV2(path, routes, peer)`: one PEER_INDEX_TABLE with one peer, then one
//   RIB_IPV4_UNICAST / RIB_IPV6_UNICAST record per route, written by the one MRT writer of
//   src/mrt (through dist/): path attributes encoded by src/bgp with 4-byte AS_PATHs and the
//   abbreviated MP_REACH_NLRI of RFC 6396 4.3.4. Attribute blocks are cached by content (a table
//   has far fewer distinct attribute sets than routes).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const mrt = await import(join(dirname(fileURLToPath(import.meta.url)), '../../dist/mrt/index.js'));

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

/**
 * Writes the TABLE_DUMP_V2 file with the one MRT writer (dist/mrt); returns { bytes, records,
 * attributeSets }. `peer` = { address (IPv4), asn }. `bgp` and `net` are no longer needed (the
 * writer encodes through dist/bgp itself) and are ignored.
 */
export function writeTableDumpV2(path, routes, peer, { time = Math.floor(Date.now() / 1000) } = {}) {
  const writer = new mrt.MrtWriter({ chunkSize: 1 << 20 });
  writer.peerIndexTable(time, {
    collectorBgpId: peer.address,
    peers: [{ bgpId: peer.address, address: peer.address, asn: peer.asn }],
  });
  const cache = new Map();
  const attributeBlock = (route) => {
    const key = (route.v6 ? '6' : '4') + JSON.stringify(route.attributes);
    let block = cache.get(key);
    if (block === undefined) {
      const attributes = { ...route.attributes };
      // IPv6 routes carry the peer's IPv4 address as an IPv4-mapped next hop.
      if (route.v6) attributes.mpReach = { afi: 2, safi: 1, nextHop: '::ffff:' + peer.address };
      else attributes.nextHop = peer.address;
      block = mrt.encodeRibAttributes(attributes, route.prefix);
      cache.set(key, block);
    }
    return block;
  };
  for (const route of routes) {
    writer.rib(time, route.prefix, [
      { peerIndex: 0, originatedTime: time, attributes: attributeBlock(route) },
    ]);
  }
  const records = writer.records;
  const bytes = writer.finish();
  writeFileSync(path, bytes);
  return { bytes: bytes.length, records, attributeSets: cache.size };
}

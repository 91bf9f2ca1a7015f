/**
 * A TABLE_DUMP_V2 file (RFC 6396 4.3) of one peer's IPv4 routes, written with the one MRT writer
 * (src/mrt). It exists only to load a few thousand routes into GoBGP in one
 * `gobgp mrt inject global` call (one `gobgp global rib add` per route costs a process start each).
 */
import { MrtWriter, encodeRibAttributes } from '../../src/mrt/index.js';
import type { LiveRoute } from './bird.js';

/** A PEER_INDEX_TABLE with one peer, then one RIB_IPV4_UNICAST per route (next hop: the peer). */
export function encodeTableDumpV2(
  routes: LiveRoute[],
  peer: { address: string; asn: number },
  time = Math.floor(Date.now() / 1000),
): Uint8Array {
  const writer = new MrtWriter();
  writer.peerIndexTable(time, {
    collectorBgpId: peer.address,
    peers: [{ bgpId: peer.address, address: peer.address, asn: peer.asn }],
  });
  for (const route of routes) {
    const attributes = encodeRibAttributes(
      { origin: 'IGP', asPath: [{ kind: 'sequence', asns: route.path }], nextHop: peer.address },
      route.prefix,
    );
    writer.rib(time, route.prefix, [{ peerIndex: 0, originatedTime: time, attributes }]);
  }
  return writer.finish();
}

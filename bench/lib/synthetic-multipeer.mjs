// SYNTHETIC multi-peer RIB for the what-if benchmark, generated at bench time into a temporary
// file (never committed), because no full multi-peer table of a collector is in data/ or in the
// corpus. The ROUTES and the AS PATHS are real: every prefix of the one peer's full table of 2015
// (data/mrt/ripe-bgpdump/updates.et-header.2015.gz). The PEERS are synthetic sessions of real
// ASes: the original peer, and the PEERS - 1 ASes that appear on the most of its paths (the
// large transit networks a collector's full feeds come from). Peer X's route to a prefix is the
// real path's suffix from X when X is on it (a route X really carries), else X followed by the
// original peer's path (X reaching it over that peer: the only links added are X to the
// original peer). Written as one TABLE_DUMP_V2 file (RFC 6396 4.3) by the MRT writer of src/mrt.
// Deterministic: the same arguments give the same bytes.
import { closeSync, openSync, writeSync } from 'node:fs';

const dist = (p) => new URL(`../../dist/${p}`, import.meta.url).href;
export const REAL_TABLE = new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url)
  .pathname;

/**
 * Writes the synthetic RIB to `file` with `peers` full-table peers; returns
 * { peers: [{ asn, suffixRoutes }], prefixes, routes, bytes }.
 */
export async function writeSyntheticMultiPeerRib(file, { peers: peerCount = 10, time = 1443657600 } = {}) {
  const { readElements, MrtWriter, encodeRibAttributes } = await import(dist('mrt/index.js'));
  // The last announcement of each prefix with a plain AS_SEQUENCE path, as realTable takes it.
  const last = new Map();
  for await (const e of readElements(REAL_TABLE)) {
    if (e.type !== 'A' || e.prefix === undefined) continue;
    const segments = e.asPathSegments ?? [];
    if (segments.length !== 1 || segments[0].kind !== 'sequence' || segments[0].asns.length < 1) continue;
    last.set(e.prefix, { path: segments[0].asns.slice(), origin: e.origin ?? 'IGP' });
  }
  const routes = [...last].map(([prefix, r]) => ({ prefix, v6: prefix.includes(':'), ...r }));
  // The original peer: the first AS of the paths.
  const heads = new Map();
  for (const r of routes) heads.set(r.path[0], (heads.get(r.path[0]) ?? 0) + 1);
  const original = [...heads].sort((a, b) => b[1] - a[1])[0][0];
  // The ASes on the most paths (past the head), ties by ASN.
  const onPaths = new Map();
  for (const r of routes)
    for (const asn of new Set(r.path.slice(1))) onPaths.set(asn, (onPaths.get(asn) ?? 0) + 1);
  const chosen = [...onPaths]
    .filter(([asn]) => asn !== original)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, peerCount - 1)
    .map(([asn]) => asn);
  const asns = [original, ...chosen];
  const peers = asns.map((asn, i) => ({
    asn,
    address: `192.0.2.${i + 1}`,
    v6: `2001:db8::${(i + 1).toString(16)}`,
    suffixRoutes: 0,
  }));
  const fd = openSync(file, 'w');
  let bytes = 0;
  const writer = new MrtWriter({
    chunkSize: 1 << 22,
    output: (chunk) => {
      writeSync(fd, chunk);
      bytes += chunk.length;
    },
  });
  writer.peerIndexTable(time, {
    collectorBgpId: '192.0.2.254',
    viewName: 'cairn-synthetic',
    peers: peers.map((p) => ({ bgpId: p.address, address: p.address, asn: p.asn })),
  });
  const cache = new Map();
  let count = 0;
  for (const r of routes) {
    const entries = [];
    for (let k = 0; k < peers.length; k++) {
      const peer = peers[k];
      const at = r.path.indexOf(peer.asn);
      const path = at >= 0 ? r.path.slice(at) : [peer.asn, ...r.path];
      if (at >= 0 && k > 0) peer.suffixRoutes++;
      const key = `${k}|${r.v6 ? 6 : 4}|${r.origin}|${path.join(' ')}`;
      let block = cache.get(key);
      if (block === undefined) {
        const attributes = { origin: r.origin, asPath: [{ kind: 'sequence', asns: path }] };
        if (r.v6) attributes.mpReach = { afi: 2, safi: 1, nextHop: peer.v6 };
        else attributes.nextHop = peer.address;
        block = encodeRibAttributes(attributes, r.prefix);
        // Bounded: most (peer, path) pairs are met once.
        if (cache.size >= 100_000) cache.clear();
        cache.set(key, block);
      }
      entries.push({ peerIndex: k, originatedTime: time, attributes: block });
      count++;
    }
    writer.rib(time, r.prefix, entries);
  }
  writer.flush();
  closeSync(fd);
  return {
    peers: peers.map((p) => ({ asn: p.asn, suffixRoutes: p.suffixRoutes })),
    prefixes: routes.length,
    routes: count,
    bytes,
  };
}

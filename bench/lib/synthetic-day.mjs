// SYNTHETIC day of RIS-style update files for the scale benchmarks, generated at bench time into a
// temporary folder (never committed). The ROUTES are real: the prefixes and AS paths of the one
// peer's full table in data/mrt/ripe-bgpdump/updates.et-header.2015.gz. The PEERS are synthetic
// (documentation ASNs 64496.., TEST-NET-1 and 2001:db8:: addresses, each prepending its ASN to the
// real path), and the CHURN is synthetic: every 5-minute file holds seeded random announcements
// (a real path, or a real path of another prefix to model a path change) and withdrawals, written
// as BGP4MP_MESSAGE_AS4 records in time order and gzip-compressed as RIS writes them. The first
// file carries every peer's table (as after a collector restart) so the day starts from a full
// table. Deterministic: the same arguments give the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dist = (p) => new URL(`../../dist/${p}`, import.meta.url).href;
export const REAL_TABLE = new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url)
  .pathname;

/** Seeded PRNG (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes `files` 5-minute update files (`synthetic-updates.YYYYMMDD.HHMM.gz`) into `dir`: `peers`
 * synthetic peers over the first `routes` real routes, `churn` elements per file after the first.
 * Returns { files, elements }.
 */
export async function writeSyntheticDay(dir, options = {}) {
  const {
    files: count = 288,
    peers: peerCount = 4,
    routes: routeCount = 100_000,
    churn = 4000,
    seed = 2015,
  } = options;
  const { readElements, MrtWriter, bgp4mpPeer } = await import(dist('mrt/index.js'));
  const { encodeUpdate } = await import(dist('bgp/index.js'));
  const { parseAddress } = await import(dist('net/index.js'));
  const routes = [];
  const seen = new Set();
  for await (const e of readElements(REAL_TABLE)) {
    if (e.type !== 'A' || e.prefix === undefined || seen.has(e.prefix)) continue;
    const segments = e.asPathSegments ?? [];
    if (segments.length !== 1 || segments[0].kind !== 'sequence' || segments[0].asns.length < 1) continue;
    seen.add(e.prefix);
    routes.push({ prefix: e.prefix, v6: e.prefix.includes(':'), path: segments[0].asns.slice() });
    if (routes.length >= routeCount) break;
  }
  const peers = [];
  for (let i = 0; i < peerCount; i++) {
    const asn = 64496 + i;
    peers.push({
      asn,
      v4: bgp4mpPeer(asn, 12654, parseAddress(`192.0.2.${i + 1}`), parseAddress('192.0.2.254')),
      v6: bgp4mpPeer(asn, 12654, parseAddress(`2001:db8::${i + 1}`), parseAddress('2001:db8::fe')),
      nextHop4: `192.0.2.${i + 1}`,
      nextHop6: `2001:db8::${i + 1}`,
    });
  }
  const message = (peer, route, pathOf, withdraw) => {
    const family = route.v6 ? { afi: 2, safi: 1, mp: true } : { afi: 1, safi: 1 };
    const nlri = [{ ...family, prefixes: [{ prefix: route.prefix }] }];
    if (withdraw) return encodeUpdate({ withdrawn: nlri });
    const attributes = {
      origin: 'IGP',
      asPath: [{ kind: 'sequence', asns: [peer.asn, ...pathOf] }],
      ...(route.v6 ? { mpReach: { nextHop: peer.nextHop6 } } : { nextHop: peer.nextHop4 }),
    };
    return encodeUpdate({ announced: nlri, attributes });
  };
  const random = prng(seed);
  fs.mkdirSync(dir, { recursive: true });
  const start = Date.UTC(2015, 7, 1) / 1000;
  const out = [];
  let elements = 0;
  for (let f = 0; f < count; f++) {
    const fileStart = start + f * 300;
    const writer = new MrtWriter();
    if (f === 0) {
      for (const peer of peers)
        for (const route of routes) {
          writer.bgp4mpMessage(
            route.v6 ? peer.v6 : peer.v4,
            fileStart,
            undefined,
            message(peer, route, route.path),
          );
          elements++;
        }
    } else {
      const times = Array.from({ length: churn }, () => fileStart + Math.floor(random() * 300)).sort(
        (a, b) => a - b,
      );
      for (const time of times) {
        const peer = peers[Math.floor(random() * peers.length)];
        const route = routes[Math.floor(random() * routes.length)];
        const roll = random();
        const pathOf = roll < 0.3 ? routes[Math.floor(random() * routes.length)].path : route.path;
        writer.bgp4mpMessage(
          route.v6 ? peer.v6 : peer.v4,
          time,
          undefined,
          message(peer, route, pathOf, roll > 0.75),
        );
        elements++;
      }
    }
    const stamp = new Date(fileStart * 1000)
      .toISOString()
      .replace(/[-:]/g, '')
      .slice(0, 13)
      .replace('T', '.');
    const file = path.join(dir, `synthetic-updates.${stamp}.gz`);
    fs.writeFileSync(file, zlib.gzipSync(writer.finish(), { level: 6 }));
    out.push(file);
  }
  return { files: out, elements };
}

// Run alone: node bench/lib/synthetic-day.mjs DIR [files] [peers] [routes] [churn]
if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [dir, files, peers, routes, churn] = process.argv.slice(2);
  const t = performance.now();
  const result = await writeSyntheticDay(dir, {
    ...(files ? { files: Number(files) } : {}),
    ...(peers ? { peers: Number(peers) } : {}),
    ...(routes ? { routes: Number(routes) } : {}),
    ...(churn ? { churn: Number(churn) } : {}),
  });
  console.log(
    `${result.files.length} files, ${result.elements} elements, ${(performance.now() - t).toFixed(0)} ms`,
  );
}

/**
 * Independent references for the country tests: plain code over `bgpdump -m` text and the
 * delegated file split on '|'. Deliberately simple and slow; shares nothing with src/.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { bgpdumpText } from './bgpdump-reference.js';

export interface RefRoute {
  peer: string; // "ip asn"
  peerAsn: number;
  prefix: string;
  path: string[]; // tokens as bgpdump prints them
}

/**
 * Replays and registries already computed, by path: they are read-only to the tests. The unit
 * project runs files one after the other in a worker without reloading modules (`isolate: false`),
 * so these maps outlive the test file that filled them: a replay keeps the whole `bgpdump -m` text
 * alive (its keys are slices of it), some 480 MB for the two files test/country.test.ts reads, and
 * every major GC of every later file in that worker would mark it. Each file that fills them calls
 * `forgetReferences` in `afterAll`.
 */
const replays = new Map<string, ReadonlyMap<string, RefRoute>>();
const registries = new Map<string, RefRegistry>();

/** Drops the replays and registries computed so far (a test file's `afterAll`). */
export function forgetReferences(): void {
  replays.clear();
  registries.clear();
}

/**
 * Final routes after replaying `bgpdump -m` output (A/B install, W remove, STATE from 6 clears the
 * peer), computed once per file (until `forgetReferences`) since bgpdump over a RIB takes seconds.
 */
export function replayBgpdump(file: string): ReadonlyMap<string, RefRoute> {
  let routes = replays.get(file);
  if (routes === undefined) replays.set(file, (routes = replayBgpdumpText(file)));
  return routes;
}

function replayBgpdumpText(file: string): Map<string, RefRoute> {
  const text = bgpdumpText(file);
  const routes = new Map<string, RefRoute>();
  forEachBgpdumpLine(text, (f) => {
    if (f.length < 5) return;
    const peer = `${f[3]} ${f[4]}`;
    if (f[2] === 'STATE') {
      if (f[5] === '6' && f[6] !== '6')
        for (const [key, r] of routes) if (r.peer === peer) routes.delete(key);
      return;
    }
    const key = `${peer}|${f[5]}`;
    if (f[2] === 'W') routes.delete(key);
    else if (f[2] === 'A' || f[2] === 'B') {
      routes.set(key, {
        peer,
        peerAsn: Number(f[4]),
        prefix: f[5],
        path: f[6] === '' ? [] : f[6].split(' '),
      });
    }
  });
  return routes;
}

/**
 * Calls `visit` with the first seven '|'-separated fields of each line of `bgpdump -m` text (type,
 * peer address and AS, prefix or old state, path or new state): cut with indexOf, as a split of the
 * whole text and of every line made most of a replay's time. The array is reused for each line.
 */
function forEachBgpdumpLine(text: string, visit: (fields: readonly string[]) => void): void {
  const f: string[] = [];
  for (let lineStart = 0; lineStart < text.length;) {
    let end = text.indexOf('\n', lineStart);
    if (end < 0) end = text.length;
    f.length = 0;
    for (let from = lineStart; f.length < 7;) {
      const bar = text.indexOf('|', from);
      if (bar < 0 || bar >= end) {
        f.push(text.slice(from, end));
        break;
      }
      f.push(text.slice(from, bar));
      from = bar + 1;
    }
    lineStart = end + 1;
    visit(f);
  }
}

export interface RefRegistry {
  v4: Array<{ start: number; end: number; cc: string }>;
  asn: Array<{ start: number; end: number; cc: string }>;
}

function ipv4ToNumber(text: string): number {
  // Digit by digit: the references turn hundreds of thousands of prefixes into numbers.
  let n = 0;
  let part = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 0x30);
  }
  return n * 256 + part;
}

/** The delegated file's allocated and assigned rows, parsed once per file (until `forgetReferences`). */
export function loadRegistry(file: string): RefRegistry {
  let registry = registries.get(file);
  if (registry === undefined) registries.set(file, (registry = parseRegistry(file)));
  return registry;
}

function parseRegistry(file: string): RefRegistry {
  const text = gunzipSync(readFileSync(file)).toString();
  const v4: RefRegistry['v4'] = [];
  const asn: RefRegistry['asn'] = [];
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f.length < 7 || (f[6] !== 'allocated' && f[6] !== 'assigned') || f[1] === '' || f[1] === '*')
      continue;
    if (f[2] === 'ipv4') {
      const start = ipv4ToNumber(f[3]);
      v4.push({ start, end: start + Number(f[4]), cc: f[1] });
    } else if (f[2] === 'asn') asn.push({ start: Number(f[3]), end: Number(f[3]) + Number(f[4]), cc: f[1] });
  }
  v4.sort((a, b) => a.start - b.start);
  return { v4, asn };
}

export function prefixRange(prefix: string): { start: number; end: number } {
  const slash = prefix.indexOf('/');
  const start = ipv4ToNumber(prefix.slice(0, slash));
  return { start, end: start + 2 ** (32 - Number(prefix.slice(slash + 1))) };
}

/** An announced IPv4 prefix and its address range. */
interface RefRange {
  p: string;
  start: number;
  end: number;
}

const distinctRanges = new WeakMap<ReadonlyMap<string, RefRoute>, RefRange[]>();

/**
 * The IPv4 prefixes of `routes`, each once in the order first met, with their ranges: computed
 * once per replay (a RIB repeats every prefix for each peer).
 */
function ipv4Ranges(routes: ReadonlyMap<string, RefRoute>): RefRange[] {
  let ranges = distinctRanges.get(routes);
  if (ranges === undefined) {
    const seen = new Set<string>();
    ranges = [];
    for (const r of routes.values()) {
      if (r.prefix.includes(':') || seen.has(r.prefix)) continue;
      seen.add(r.prefix);
      ranges.push({ p: r.prefix, ...prefixRange(r.prefix) });
    }
    distinctRanges.set(routes, ranges);
  }
  return ranges;
}

export function countryOfIpv4Prefix(registry: RefRegistry, prefix: string): string | undefined {
  return countryOfRange(registry, prefixRange(prefix));
}

function countryOfRange(
  registry: RefRegistry,
  { start, end }: { start: number; end: number },
): string | undefined {
  // APNIC records do not overlap: the one starting last at or before `start` is the only candidate.
  const v4 = registry.v4;
  let low = 0;
  let high = v4.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (v4[mid].start <= start) low = mid + 1;
    else high = mid - 1;
  }
  const record = high >= 0 ? v4[high] : undefined;
  return record !== undefined && end <= record.end ? record.cc : undefined;
}

export function countryOfAsn(registry: RefRegistry, asn: number): string {
  return registry.asn.find((r) => r.start <= asn && asn < r.end)?.cc ?? '';
}

const byCountryOf = new WeakMap<ReadonlyMap<string, RefRoute>, Map<RefRegistry, Map<string, string[]>>>();

/** Country -> its announced IPv4 prefixes (a new map each call, computed once per replay and registry). */
export function prefixesByCountry(
  registry: RefRegistry,
  routes: ReadonlyMap<string, RefRoute>,
): Map<string, string[]> {
  let ofRoutes = byCountryOf.get(routes);
  if (ofRoutes === undefined) byCountryOf.set(routes, (ofRoutes = new Map()));
  let computed = ofRoutes.get(registry);
  if (computed === undefined) {
    computed = new Map<string, string[]>();
    for (const range of ipv4Ranges(routes)) {
      const cc = countryOfRange(registry, range);
      if (cc === undefined) continue;
      const list = computed.get(cc);
      if (list === undefined) computed.set(cc, [range.p]);
      else list.push(range.p);
    }
    ofRoutes.set(registry, computed);
  }
  return new Map([...computed].map(([cc, prefixes]) => [cc, [...prefixes]]));
}

/** Weight of each of `prefixes`: its addresses minus those of announced prefixes strictly inside it (maximal ones). */
export function weights(prefixes: string[], routes: ReadonlyMap<string, RefRoute>): Map<string, number> {
  const ranges = prefixes.map((p) => ({ p, ...prefixRange(p) }));
  // A wanted prefix holding a route's is one of the route's covering blocks (its own block, then
  // each shorter length): one lookup per length, not a scan of every wanted prefix per route. A
  // block [start, start + size) is keyed 2 * start + size, an odd multiple of size: one key each.
  const wanted = new Set<number>();
  for (const c of ranges) {
    if (c.start % (c.end - c.start) !== 0) throw new Error(`${c.p}: host bits set`);
    wanted.add(2 * c.start + (c.end - c.start));
  }
  const inside = new Set<string>();
  for (const x of ipv4Ranges(routes)) {
    for (let size = x.end - x.start; size <= 2 ** 32; size *= 2) {
      const start = Math.floor(x.start / size) * size;
      if (x.end <= start + size && wanted.has(2 * start + size)) {
        inside.add(x.p);
        break;
      }
    }
  }
  // A prefix of `inside` is maximal in a wanted prefix strictly holding it when no prefix of
  // `inside` lies between them: walking its covering blocks up from the next length, it counts for
  // each wanted block met up to the first block in `inside` (an announced wanted prefix is one).
  // The same sums as filtering every wanted prefix's inner prefixes pairwise, without the squares.
  const relevant = [...inside].map((p) => ({ p, ...prefixRange(p) }));
  const announced = new Set(relevant.map((x) => 2 * x.start + (x.end - x.start)));
  const maximalInside = new Map<number, number>();
  for (const x of relevant) {
    for (let size = 2 * (x.end - x.start); size <= 2 ** 32; size *= 2) {
      const key = 2 * (Math.floor(x.start / size) * size) + size;
      if (wanted.has(key)) maximalInside.set(key, (maximalInside.get(key) ?? 0) + (x.end - x.start));
      if (announced.has(key)) break;
    }
  }
  const out = new Map<string, number>();
  for (const c of ranges) {
    const size = c.end - c.start;
    out.set(c.p, size - (maximalInside.get(2 * c.start + size) ?? 0));
  }
  return out;
}

/** Plain ASes of a bgpdump path (sets `{..}` dropped). */
export function sequenceAsns(path: string[]): number[] {
  return path.filter((t) => /^[0-9]+$/.test(t)).map(Number);
}

/** IHR-style hegemony of every AS for the prefixes of one country. */
export function referenceHegemony(
  prefixes: string[],
  w: Map<string, number>,
  routes: ReadonlyMap<string, RefRoute>,
): Map<number, number> {
  const wanted = new Set(prefixes);
  const perPeer = new Map<string, { peerAsn: number; seen: number; crossed: Map<number, number> }>();
  for (const r of routes.values()) {
    if (!wanted.has(r.prefix)) continue;
    const weight = w.get(r.prefix) ?? 0;
    if (weight === 0) continue;
    let state = perPeer.get(r.peer);
    if (state === undefined)
      perPeer.set(r.peer, (state = { peerAsn: r.peerAsn, seen: 0, crossed: new Map() }));
    state.seen += weight;
    const last = r.path[r.path.length - 1] ?? '';
    const origin = /^[0-9]+$/.test(last) ? Number(last) : -1;
    for (const asn of new Set(sequenceAsns(r.path))) {
      if (asn === r.peerAsn || asn === origin) continue;
      state.crossed.set(asn, (state.crossed.get(asn) ?? 0) + weight);
    }
  }
  const byPeerAs = new Map<number, Array<{ seen: number; crossed: Map<number, number> }>>();
  for (const s of perPeer.values()) byPeerAs.set(s.peerAsn, [...(byPeerAs.get(s.peerAsn) ?? []), s]);
  const allAses = new Set<number>();
  for (const s of perPeer.values()) for (const asn of s.crossed.keys()) allAses.add(asn);
  const out = new Map<number, number>();
  for (const asn of allAses) {
    const values: number[] = [];
    for (const sessions of byPeerAs.values()) {
      values.push(sessions.reduce((sum, s) => sum + (s.crossed.get(asn) ?? 0) / s.seen, 0) / sessions.length);
    }
    values.sort((a, b) => a - b);
    const cut = Math.floor(values.length * 0.1);
    const kept = values.slice(cut, values.length - cut);
    out.set(asn, kept.reduce((a, b) => a + b, 0) / kept.length);
  }
  return out;
}

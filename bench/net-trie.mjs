// PrefixTrie longest-match speed, against a common JS peer in the same run: one Map per prefix
// length probed from the longest length down (33 probes at worst for IPv4).
//
//   npx tsc -p tsconfig.build.json && node bench/net-trie.mjs
//
// Prefix lengths follow the shape of a real IPv4 table (mostly /24, then /22-/23, /16-/21, few
// shorter), addresses are uniform over the space with half of them inside a stored prefix.
import { Prefix, PrefixTrie } from '../dist/net/index.js';

const PREFIXES = Number(process.env.PREFIXES ?? 100_000);
const LOOKUPS = Number(process.env.LOOKUPS ?? 500_000);
const ROUNDS = 5;

let state = 0x12345678;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randomU32 = () => Math.floor(random() * 4294967296);
function ipv4Length() {
  const r = random();
  if (r < 0.6) return 24;
  if (r < 0.75) return 22 + Math.floor(random() * 2);
  if (r < 0.95) return 16 + Math.floor(random() * 6);
  return 8 + Math.floor(random() * 8);
}
const toBytes4 = (v) => Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
const mask4 = (length) => (length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
function time(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

// --- data
const stored = [];
for (let i = 0; i < PREFIXES; i++) {
  const length = ipv4Length();
  stored.push({ network: (randomU32() & mask4(length)) >>> 0, length });
}
const targets = [];
const targetKeys = new Uint32Array(LOOKUPS);
for (let i = 0; i < LOOKUPS; i++) {
  let value = randomU32();
  if (i % 2 === 0) {
    const s = stored[Math.floor(random() * stored.length)];
    value = (s.network | (value & ~mask4(s.length))) >>> 0;
  }
  targetKeys[i] = value;
  targets.push({ family: 4, bytes: toBytes4(value) });
}

// --- cairn PrefixTrie
const build = time(() => {
  const trie = new PrefixTrie();
  stored.forEach((s, i) => trie.set(Prefix.fromBytes(4, toBytes4(s.network), 0, s.length), i));
  return trie;
});
const trie = build.result;
const trieRuns = [];
let trieHits = 0;
for (let round = 0; round < ROUNDS; round++) {
  const run = time(() => {
    let hits = 0;
    for (let i = 0; i < LOOKUPS; i++) if (trie.longestMatch(targets[i]) !== undefined) hits++;
    return hits;
  });
  trieRuns.push(run.ms);
  trieHits = run.result;
}

// --- peer: Map per prefix length, keyed by the masked 32-bit network
const maps = Array.from({ length: 33 }, () => new Map());
stored.forEach((s, i) => maps[s.length].set(s.network, i));
const lengthsPresent = [...maps.keys()].filter((l) => maps[l].size > 0).sort((a, b) => b - a);
const masks = lengthsPresent.map(mask4);
const mapRuns = [];
let mapHits = 0;
for (let round = 0; round < ROUNDS; round++) {
  const run = time(() => {
    let hits = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const bytes = targets[i].bytes;
      const key = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
      for (let j = 0; j < lengthsPresent.length; j++) {
        if (maps[lengthsPresent[j]].get((key & masks[j]) >>> 0) !== undefined) {
          hits++;
          break;
        }
      }
    }
    return hits;
  });
  mapRuns.push(run.ms);
  mapHits = run.result;
}
if (mapHits !== trieHits) throw new Error(`peers disagree: trie ${trieHits} hits, map ${mapHits}`);

const rate = (ms) => `${(((LOOKUPS / ms) * 1000) / 1e6).toFixed(2)} M lookups/s`;
console.log(
  `IPv4: ${PREFIXES} prefixes (${trie.size} distinct), ${LOOKUPS} lookups, ${trieHits} hits; median of ${ROUNDS}`,
);
console.log(
  `  PrefixTrie.longestMatch  build ${build.ms.toFixed(0)} ms, lookups ${median(trieRuns).toFixed(1)} ms  ${rate(median(trieRuns))}`,
);
console.log(`  Map per length (peer)    lookups ${median(mapRuns).toFixed(1)} ms  ${rate(median(mapRuns))}`);

// --- IPv6: 100k prefixes /29../48 under 2000::/3, same lookups count
const v6Targets = [];
const trie6 = new PrefixTrie();
const v6Stored = [];
for (let i = 0; i < PREFIXES; i++) {
  const bytes = new Uint8Array(16);
  for (let b = 0; b < 8; b++) bytes[b] = Math.floor(random() * 256);
  bytes[0] = 0x20 | (bytes[0] & 0x0f);
  const prefix = Prefix.fromBytes(6, bytes, 0, 29 + Math.floor(random() * 20));
  v6Stored.push(prefix);
  trie6.set(prefix, i);
}
for (let i = 0; i < LOOKUPS; i++) {
  const bytes = new Uint8Array(16);
  for (let b = 0; b < 16; b++) bytes[b] = Math.floor(random() * 256);
  if (i % 2 === 0) bytes.set(v6Stored[Math.floor(random() * v6Stored.length)].bytes.subarray(0, 6));
  bytes[0] = 0x20 | (bytes[0] & 0x0f);
  v6Targets.push({ family: 6, bytes });
}
const v6Runs = [];
let v6Hits = 0;
for (let round = 0; round < ROUNDS; round++) {
  const run = time(() => {
    let hits = 0;
    for (let i = 0; i < LOOKUPS; i++) if (trie6.longestMatch(v6Targets[i]) !== undefined) hits++;
    return hits;
  });
  v6Runs.push(run.ms);
  v6Hits = run.result;
}
console.log(`IPv6: ${PREFIXES} prefixes /29-/48, ${LOOKUPS} lookups, ${v6Hits} hits`);
console.log(`  PrefixTrie.longestMatch  lookups ${median(v6Runs).toFixed(1)} ms  ${rate(median(v6Runs))}`);

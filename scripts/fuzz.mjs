// Fuzz run of its own (`npm run fuzz`; not part of the unit suite): at least FUZZ_COUNT (default
// 100,000) deterministic mutations of real records from data/ across five inputs: MRT records,
// BGP session messages (cut from BGP4MP records), STIX objects, MISP events and CSV indicator
// lists. Every decoder must end normally or with a CairnError: any other exception, or an
// element count beyond the input size, is a failure reported with its format, source, mutation
// and seed. Prints the count per format, the seed and the slowest case. Reads the built code
// in dist/ (the npm script builds it first).
//
//   npm run fuzz                  # a fresh seed, printed
//   FUZZ_SEED=1234 npm run fuzz   # the same run again
//   FUZZ_COUNT=1000000 npm run fuzz
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => import(join(root, 'dist', path));
const { CairnError } = await dist('errors/index.js');
const { scanMrtBytesSync } = await dist('mrt/index.js');
const { decodeBgpMessage } = await dist('bgp/index.js');
const { EvidenceGraph, importFile } = await dist('intel/index.js');

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const target = Number(process.env.FUZZ_COUNT ?? 100_000);

/** mulberry32: small deterministic PRNG, so a seed replays a run. */
function prng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(seed);
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (n) => Math.floor(random() * n);

function read(relative) {
  const bytes = readFileSync(join(root, relative));
  return relative.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

function filesUnder(relative, pattern) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (pattern.test(name)) out.push(full.slice(root.length + 1));
    }
  };
  walk(join(root, relative));
  return out;
}

// ---- real records ------------------------------------------------------------------------------

/** MRT records (a RIB record with the PEER_INDEX_TABLE before it) and the BGP messages inside. */
function mrtUnits() {
  const files = [
    'data/mrt/mrtparse-samples/bird_bgp',
    'data/mrt/mrtparse-samples/bird6_bgp',
    'data/mrt/mrtparse-samples/bird-mrtdump_bgp',
    'data/mrt/mrtparse-samples/bird-mrtdump_rib',
    'data/mrt/mrtparse-samples/bird6-mrtdump_rib',
    'data/mrt/libbgpstream/ris.rrc06.updates.1427846400.gz',
    'data/mrt/ripe-bgpdump/updates.20071015.1505.gz',
    'data/mrt/ripe-bgpdump/bview.ipv4_unicast_add_path.gz',
    'data/mrt/ripe-bgpdump/bview.ipv6_unicast_add_path.gz',
  ];
  const records = [];
  const messages = [];
  for (const file of files) {
    let bytes;
    try {
      bytes = read(file);
    } catch {
      continue; // a sample not bundled in this checkout
    }
    let peerTable;
    for (let at = 0, n = 0; at + 12 <= bytes.length && n < 400; n++) {
      const type = bytes.readUInt16BE(at + 4);
      const subtype = bytes.readUInt16BE(at + 6);
      const end = at + 12 + bytes.readUInt32BE(at + 8);
      if (end > bytes.length) break;
      const record = bytes.subarray(at, end);
      if (type === 13 && subtype === 1) peerTable = record;
      else
        records.push({
          source: `${file}@${at}`,
          bytes: type === 13 && peerTable ? Buffer.concat([peerTable, record]) : record,
        });
      // The BGP message of a BGP4MP(_ET) MESSAGE record starts at its 16-byte marker.
      if (type === 16 || type === 17) {
        const marker = record.indexOf(Buffer.alloc(16, 0xff), 12);
        if (marker > 0)
          messages.push({
            source: `${file}@${at}`,
            bytes: record.subarray(marker),
            asn4: subtype === 4 || subtype === 7,
          });
      }
      at = end;
    }
  }
  return { records, messages };
}

/** Each STIX object of the bundled bundles, alone in a bundle of its own. */
function stixUnits() {
  const units = [];
  for (const file of filesUnder('data/intel/stix', /\.json$/)) {
    const bundle = JSON.parse(read(file).toString('utf8'));
    for (const object of bundle.objects ?? []) {
      const text = JSON.stringify({ type: 'bundle', id: bundle.id, objects: [object] });
      if (text.length < 20_000)
        units.push({
          source: `${file}#${object.id}`,
          path: 'fuzz/stix/bundle.json',
          bytes: Buffer.from(text),
        });
    }
  }
  return units;
}

/** Each bundled MISP event cut to runs of at most 8 of its attributes (objects dropped). */
function mispUnits() {
  const units = [];
  for (const file of filesUnder('data/intel/misp-events', /\.json$/)) {
    const document = JSON.parse(read(file).toString('utf8'));
    // A MISP export is {"Event": ...}, or {"response": [{"Event": ...}]} from the REST API.
    const event = document.response?.[0]?.Event ?? document.Event ?? document;
    // Attributes of objects count as attributes here; fields larger than 4 kB (galaxies, reports)
    // are dropped so that a case costs milliseconds.
    const attributes = [
      ...(event.Attribute ?? []),
      ...(event.Object ?? []).flatMap((o) => o.Attribute ?? []),
    ];
    const small = Object.fromEntries(
      Object.entries(event).filter(([, v]) => JSON.stringify(v).length <= 4096),
    );
    for (let i = 0; i < Math.max(1, attributes.length); i += 8) {
      const cut = { ...small, Attribute: attributes.slice(i, i + 8), Object: [] };
      units.push({
        source: `${file}#${i}`,
        path: 'fuzz/misp/event.json',
        bytes: Buffer.from(JSON.stringify({ Event: cut })),
      });
    }
  }
  return units;
}

/** The header and runs of 5 lines of each bundled CSV indicator list, and the hash lists. */
function csvUnits() {
  const units = [];
  for (const file of filesUnder('data/intel/iocs', /\.(csv|md5|sha1|sha256)$/)) {
    const lines = read(file).toString('utf8').split('\n');
    const csv = file.endsWith('.csv');
    const header = csv ? [lines[0]] : [];
    for (let i = header.length; i < lines.length; i += 5) {
      const name = file.slice(file.lastIndexOf('/') + 1);
      units.push({
        source: `${file}:${i + 1}`,
        path: `fuzz/iocs/${name}`,
        bytes: Buffer.from([...header, ...lines.slice(i, i + 5)].join('\n')),
      });
    }
  }
  return units;
}

// ---- mutations ---------------------------------------------------------------------------------

const TEXT_TOKENS = [
  '"',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '\\',
  '\n',
  '\r\n',
  '\u0000',
  'null',
  '-1',
  '1e999',
  '"a"',
  '\ufeff',
  '\ud800',
  '\u00ff',
  ',,,,',
  '""""',
].map((t) => Buffer.from(t));

/** One mutation of `bytes`, named. Text formats also get JSON/CSV tokens spliced in. */
function mutate(bytes, text) {
  const b = Buffer.from(bytes);
  switch (int(text ? 9 : 7)) {
    case 0: {
      const n = 1 + int(8);
      for (let i = 0; i < n && b.length > 0; i++) b[int(b.length)] ^= 1 << int(8);
      return { name: `flip${n}`, bytes: b };
    }
    case 1: {
      const at = int(b.length);
      b[at] = pick([0, 0xff, 0x7f, 0x80, int(256)]);
      return { name: `set@${at}`, bytes: b };
    }
    case 2: {
      const at = int(b.length + 1);
      return { name: `cut@${at}`, bytes: b.subarray(0, at) };
    }
    case 3: {
      const from = int(b.length);
      const to = from + int(Math.min(64, b.length - from) + 1);
      return { name: `delete${from}-${to}`, bytes: Buffer.concat([b.subarray(0, from), b.subarray(to)]) };
    }
    case 4: {
      const from = int(b.length);
      const to = from + int(Math.min(64, b.length - from) + 1);
      const at = int(b.length + 1);
      return {
        name: `dup${from}-${to}@${at}`,
        bytes: Buffer.concat([b.subarray(0, at), b.subarray(from, to), b.subarray(at)]),
      };
    }
    case 5: {
      // A 2- or 4-byte field set to 0, its maximum, or one off.
      const at = int(Math.max(1, b.length - 3));
      const width = pick([2, 4]);
      if (at + width > b.length) return { name: 'none', bytes: b };
      const value = pick([
        0,
        1,
        2 ** (8 * width) - 1,
        (width === 2 ? b.readUInt16BE(at) : b.readUInt32BE(at)) + pick([-1, 1]),
      ]);
      const clamped = Math.max(0, Math.min(2 ** (8 * width) - 1, value));
      if (width === 2) b.writeUInt16BE(clamped, at);
      else b.writeUInt32BE(clamped, at);
      return { name: `field${width}@${at}=${clamped}`, bytes: b };
    }
    case 6: {
      const n = 1 + int(16);
      const at = int(b.length + 1);
      const noise = Buffer.from(Array.from({ length: n }, () => int(256)));
      return { name: `insert${n}@${at}`, bytes: Buffer.concat([b.subarray(0, at), noise, b.subarray(at)]) };
    }
    default: {
      const token = pick(TEXT_TOKENS);
      const at = int(b.length + 1);
      const replace = int(3);
      return {
        name: `token${JSON.stringify(token.toString('latin1'))}@${at}`,
        bytes: Buffer.concat([b.subarray(0, at), token, b.subarray(Math.min(b.length, at + replace))]),
      };
    }
  }
}

// ---- targets -----------------------------------------------------------------------------------

const mrt = mrtUnits();
const targets = [
  {
    name: 'MRT',
    units: mrt.records,
    text: false,
    run(unit, bytes) {
      let elements = 0;
      const summary = scanMrtBytesSync('fuzz.mrt', bytes, () => void elements++);
      if (elements > bytes.length) throw new Error(`${elements} elements from ${bytes.length} bytes`);
      for (const p of summary.problems)
        if (p.location.offset === undefined || p.location.offset > bytes.length)
          throw new Error(`problem ${p.code} outside the input: ${p.location.offset}`);
      try {
        scanMrtBytesSync('fuzz.mrt', bytes, () => {}, { strict: true });
      } catch (error) {
        if (!(error instanceof CairnError)) throw error;
      }
    },
  },
  {
    name: 'BGP',
    units: mrt.messages,
    text: false,
    run(unit, bytes) {
      try {
        decodeBgpMessage(bytes, 0, { asn4: unit.asn4, file: 'fuzz.bgp' });
      } catch (error) {
        if (!(error instanceof CairnError)) throw error;
      }
    },
  },
  ...[
    ['STIX', stixUnits()],
    ['MISP', mispUnits()],
    ['CSV', csvUnits()],
  ].map(([name, units]) => ({
    name,
    units,
    text: true,
    run(unit, bytes) {
      try {
        importFile(new EvidenceGraph(), unit.path, bytes);
      } catch (error) {
        if (!(error instanceof CairnError)) throw error;
      }
    },
  })),
];

for (const t of targets)
  if (t.units.length === 0) throw new Error(`no real ${t.name} records found under data/`);

console.log(
  `fuzz: seed ${seed}, ${target} mutations; real records: ${targets.map((t) => `${t.name} ${t.units.length}`).join(', ')}`,
);
const counts = Object.fromEntries(targets.map((t) => [t.name, 0]));
const failures = [];
let slowest = { ms: 0, what: '' };
const started = performance.now();
for (let i = 0; i < target; i++) {
  const t = targets[i % targets.length];
  const unit = pick(t.units);
  let mutation = mutate(unit.bytes, t.text);
  if (random() < 0.25) {
    const again = mutate(mutation.bytes, t.text);
    mutation = { name: `${mutation.name}+${again.name}`, bytes: again.bytes };
  }
  const before = performance.now();
  try {
    t.run(unit, mutation.bytes);
  } catch (error) {
    failures.push(
      `${t.name} ${unit.source} ${mutation.name} (case ${i}): ${error instanceof Error ? error.stack : String(error)}`,
    );
    if (failures.length >= 20) break;
  }
  const ms = performance.now() - before;
  if (ms > slowest.ms) slowest = { ms, what: `${t.name} ${unit.source} ${mutation.name} (case ${i})` };
  counts[t.name]++;
  if ((i + 1) % 20_000 === 0) console.log(`  ${i + 1} mutations`);
}
const total = Object.values(counts).reduce((a, b) => a + b, 0);
const seconds = (performance.now() - started) / 1000;
console.log(
  `fuzz: ${total} mutations (${targets.map((t) => `${t.name} ${counts[t.name]}`).join(', ')}) in ${seconds.toFixed(1)} s, seed ${seed}`,
);
console.log(`fuzz: slowest case ${slowest.ms.toFixed(1)} ms: ${slowest.what}`);
if (failures.length > 0) {
  console.error(`fuzz: ${failures.length} failure(s), seed ${seed} (FUZZ_SEED=${seed} replays them):`);
  for (const f of failures) console.error(`  ${f}`);
  process.exit(1);
}
console.log('fuzz: no failures');

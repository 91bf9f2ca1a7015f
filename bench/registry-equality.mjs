// Two builds give the same registry results: parseDelegated's output (every record field, every
// problem's code, message and location) and the Registry's answers, on every real delegated file
// of the corpus, the bundled one, all of them together, and mutated copies (hostile lines).
//   node bench/registry-equality.mjs --base <other dist> [--seed 1]
// Exits 1 on the first difference, naming it.
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundledFile, corpusFiles, readDelegatedText } from './lib/registry-corpus.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const baseDist = resolve(option('base', ''));
let seed = Number(option('seed', '1'));
const random = () => {
  // mulberry32: the same mutations for both builds and every run with one seed.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};
const FILES = [bundledFile(root), ...corpusFiles(root)];
const readText = readDelegatedText;

const load = async (dist) => ({
  registry: await import(pathToFileURL(join(dist, 'registry/index.js')).href),
  net: await import(pathToFileURL(join(dist, 'net/index.js')).href),
});
const base = await load(baseDist);
const mine = await load(join(root, 'dist'));
if (base.registry === mine.registry) throw new Error('--base is this build');

/** Plain data with classes named and key order kept, so two builds' objects compare. */
function plain(value) {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return { Uint8Array: [...value] };
  if (Array.isArray(value)) return value.map(plain);
  const out = { class: value.constructor?.name };
  if (value instanceof Error) {
    out.name = value.name;
    out.message = value.message;
  }
  for (const key of Object.keys(value)) if (key !== 'stack') out[key] = plain(value[key]);
  // Keys present with undefined values count: the records keep opaqueId and delegatedTo keys.
  out.keys = Object.keys(value).join(',');
  return out;
}

let compared = 0;
function same(what, a, b) {
  compared++;
  const pa = plain(a);
  const pb = plain(b);
  if (!isDeepStrictEqual(pa, pb)) {
    console.error(`DIFFERENT: ${what}`);
    console.error(' base:', JSON.stringify(pa)?.slice(0, 2000));
    console.error(' this:', JSON.stringify(pb)?.slice(0, 2000));
    process.exit(1);
  }
}

function compareParse(name, text, options) {
  const a = base.registry.parseDelegated(name, text, options);
  const b = mine.registry.parseDelegated(name, text, options);
  same(`${name}: records count`, a.records.length, b.records.length);
  for (let i = 0; i < a.records.length; i++) same(`${name}: record ${i}`, a.records[i], b.records[i]);
  same(`${name}: whole parse`, a, b);
  return a;
}

/** Probe addresses and ASNs from the records: ends and middles of every block, and random ones. */
function probesOf(parsedFiles) {
  const v4 = [];
  const v6 = [];
  const asns = [];
  for (const parsed of parsedFiles) {
    for (const record of parsed.records) {
      if (record.type === 'asn') {
        asns.push(
          record.firstAsn - 1,
          record.firstAsn,
          record.firstAsn + record.value - 1,
          record.firstAsn + record.value,
        );
        continue;
      }
      for (const prefix of record.prefixes) {
        if (prefix.family === 4) {
          const b = prefix.bytes;
          const network = ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
          const size = 2 ** (32 - prefix.length);
          v4.push(
            [network, prefix.length],
            [network, 32],
            [network + size - 1, 32],
            [network + size / 2, 32],
          );
          if (prefix.length > 0) v4.push([network - (network % (2 * size)), prefix.length - 1]);
          if (network > 0) v4.push([network - 1, 32]);
          if (prefix.length < 32)
            v4.push([network, prefix.length + 1], [network + size / 2, prefix.length + 1]);
        } else {
          const bytes = [...prefix.bytes];
          v6.push(prefix.toString());
          bytes[15] = 1;
          v6.push(bytes);
          const last = [...prefix.bytes];
          for (let bit = prefix.length; bit < 128; bit++) last[bit >> 3] |= 0x80 >> (bit & 7);
          v6.push(last);
        }
      }
    }
  }
  for (let i = 0; i < 100_000; i++) v4.push([Math.floor(random() * 2 ** 32), 32]);
  for (let i = 0; i < 20_000; i++) v4.push([Math.floor(random() * 2 ** 32), 8 + Math.floor(random() * 25)]);
  for (let i = 0; i < 20_000; i++) {
    const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
    bytes[0] = 0x20 + Math.floor(random() * 4);
    v6.push(bytes);
  }
  for (let i = 0; i < 20_000; i++) asns.push(Math.floor(random() * 2 ** 32), Math.floor(random() * 500_000));
  return { v4, v6, asns };
}

function compareRegistry(label, loads, probes) {
  const a = new base.registry.Registry();
  const b = new mine.registry.Registry();
  for (const [name, text, options] of loads) {
    same(`${label}: loadText ${name}`, a.loadText(name, text, options), b.loadText(name, text, options));
  }
  same(`${label}: size`, a.size, b.size);
  for (const [network, length] of probes.v4) {
    const masked = length === 0 ? 0 : (network & (0xffffffff << (32 - length))) >>> 0;
    same(
      `${label}: countryOfIPv4 ${network}/${length}`,
      a.countryOfIPv4(masked, length),
      b.countryOfIPv4(masked, length),
    );
  }
  for (const probe of probes.v6) {
    if (typeof probe === 'string') {
      same(
        `${label}: countryOfPrefix ${probe}`,
        a.countryOfPrefix(base.net.parsePrefix(probe)),
        b.countryOfPrefix(mine.net.parsePrefix(probe)),
      );
    } else {
      const text = base.net.formatIPv6(Uint8Array.from(probe), 0);
      same(
        `${label}: countryOfAddress ${text}`,
        a.countryOfAddress(base.net.parseAddress(text)),
        b.countryOfAddress(mine.net.parseAddress(text)),
      );
    }
  }
  for (const asn of probes.asns)
    same(`${label}: countryOfAsn ${asn}`, a.countryOfAsn(asn), b.countryOfAsn(asn));
  same(`${label}: blockCountries`, a.blockCountries(), b.blockCountries());
  const countries = a.countries();
  same(`${label}: countries`, countries, b.countries());
  for (const country of [...countries, 'ZZ', 'XX']) {
    same(
      `${label}: prefixesOfCountry ${country}`,
      a.prefixesOfCountry(country).map(String),
      b.prefixesOfCountry(country).map(String),
    );
    same(`${label}: asnsOfCountry ${country}`, a.asnsOfCountry(country), b.asnsOfCountry(country));
    same(`${label}: registeredSpace ${country}`, a.registeredSpace(country), b.registeredSpace(country));
  }
  // loadParsed of each parse gives the same answers as loadText.
  const c = new mine.registry.Registry();
  for (const [name, text, options] of loads) c.loadParsed(mine.registry.parseDelegated(name, text, options));
  same(`${label}: loadParsed blockCountries`, c.blockCountries(), b.blockCountries());
  for (const country of countries) {
    same(`${label}: loadParsed asnsOfCountry ${country}`, c.asnsOfCountry(country), b.asnsOfCountry(country));
  }
}

/** Lines of `text` changed the ways a fast path could get wrong; the same changes for both builds. */
function mutate(text) {
  const lines = text.split('\n');
  const edits = [
    (l) => l + '\r',
    (l) => ' ' + l,
    (l) => l + ' ',
    (l) => l + '\t\r',
    (l) => l.replace('|', ' |'),
    (l) => l.replace(/\|([0-9]+)\.([0-9]+)/, '|0$1.$2'),
    (l) => l.replace(/\.([0-9]+)\|/, '.0$1|'),
    (l) => l.replace(/\|(asn)\|([0-9]+)\|/, '|$1|00$2|'),
    (l) => l.replace(/\|([0-9]+)\|([0-9]{8})\|/, '|0$1|$2|'),
    (l) => l.replace(/\|([0-9]{8})\|/, '|00000000|'),
    (l) => l.replace(/\|([0-9]{8})\|/, '||'),
    (l) => l.replace(/\|([0-9]{8})\|/, '|20150230|'),
    (l) => l.replace(/\|([0-9]{8})\|/, '|2015023|'),
    (l) => l.replace(/\|[A-Z]{2}\|/, '||'),
    (l) => l.replace(/\|[A-Z]{2}\|/, '|jp|'),
    (l) => l.replace(/\|[A-Z]{2}\|/, '|XK|'),
    (l) => l.replace(/\|[A-Z]{2}\|/, '|J|'),
    (l) => l.replace('allocated', 'ALLOCATED'),
    (l) => l.replace('assigned', 'Assigned'),
    (l) => l.replace(/allocated|assigned/, 'available'),
    (l) => l.replace(/allocated|assigned/, 'reserved'),
    (l) => l + '|',
    (l) => l + '|opaque-id',
    (l) => l + '|A91|extra',
    (l) => l + '|' + 'x'.repeat(1100),
    (l) => l.split('|').slice(0, 6).join('|'),
    (l) => l.split('|').slice(0, 4).join('|'),
    (l) => l.replace('ipv4', 'ipv6'),
    (l) => l.replace('ipv6', 'ipv4'),
    (l) => l.replace('asn', 'ipv4'),
    (l) => l.replace('ipv4', 'asn'),
    (l) => l.replace(/\|[0-9]+\|([0-9]{8}|)\|/, '|0|$1|'),
    (l) => l.replace(/\|[0-9]+\|([0-9]{8}|)\|/, '|3|$1|'),
    (l) => l.replace(/\|[0-9]+\|([0-9]{8}|)\|/, '|4294967296|$1|'),
    (l) => l.replace(/\|[0-9]+\|([0-9]{8}|)\|/, '|129|$1|'),
    (l) => l.replace(/\|[0-9]+\|([0-9]{8}|)\|/, '|99999999999999999999|$1|'),
    (l) => l.replace(/\|[0-9]+\|([0-9]{8}|)\|/, '|1e3|$1|'),
    (l) => l.replace(/\|(ipv4)\|[0-9.]+\|/, '|$1|255.255.255.0|'),
    (l) => l.replace(/\|(ipv4)\|[0-9.]+\|/, '|$1|1.2.3.256|'),
    (l) => l.replace(/\|(ipv4)\|[0-9.]+\|/, '|$1|1.2.3|'),
    (l) => l.replace(/\|(ipv4)\|[0-9.]+\|/, '|$1|1.2.3.4.5|'),
    (l) => l.replace(/\|(ipv4)\|[0-9.]+\|/, '|$1|1.2.3.|'),
    (l) => l.replace(/\|(ipv4)\|[0-9.]+\|/, '|$1|::ffff:1.2.3.4|'),
    (l) => l.replace(/\|(ipv4)\|[0-9.]+\|/, '|$1|10.0.0.4|'),
    (l) => l.replace(/\|(ipv6)\|([0-9a-f:]+)::\|/, '|$1|$2::1|'),
    (l) => l.replace(/\|(ipv6)\|([0-9a-f:]+)\|/, '|$1|$2%eth0|'),
    (l) => l.replace(/\|(asn)\|[0-9]+\|/, '|$1|4294967295|'),
    (l) => l.replace(/\|(asn)\|[0-9]+\|/, '|$1|4294967296|'),
    (l) => l.replace(/\|(asn)\|[0-9]+\|/, '|$1|AS123|'),
    (l) => l.replace(/^[a-z]+\|/, 'iana|'),
    (l) => l.replace(/^[a-z]+\|/, 'Apnic|'),
    (l) => l.replace(/^[a-z]+\|/, 'ripe|'),
    (l) => l.replace(/^[a-z]+\|/, '|'),
    (l) => '#' + l,
    (l) => l.replace(/\|/g, '||'),
    (l) => l.replace('|', '\u00a0|'),
    (l) => l + '\u2028',
    (l) => l.toUpperCase(),
    () => '',
    () => '2|apnic|20141009|1|19850701|20141008|+1000',
    () => 'apnic|*|ipv4|*|5|summary',
  ];
  let changed = 0;
  for (let i = 0; i < lines.length; i++) {
    if (random() < 0.04) {
      lines[i] = edits[Math.floor(random() * edits.length)](lines[i]);
      changed++;
    }
  }
  return { text: lines.join('\n'), changed };
}

const texts = FILES.map((file) => [file, readText(file)]);
const parsedFiles = [];
for (const [file, text] of texts) {
  parsedFiles.push(compareParse(file, text, {}));
  const records = parsedFiles.at(-1).records.length;
  compareRegistry(file, [[file, text, {}]], probesOf([parsedFiles.at(-1)]));
  console.log(`same: ${file} (${records} records)`);
}
const all = texts.map(([file, text]) => [file, text, {}]);
const probes = probesOf(parsedFiles);
compareRegistry('all files', all, probes);
compareRegistry('all files, reversed', [...all].reverse(), probes);
console.log(`same: all ${texts.length} files together, both orders`);
for (const [file, text] of texts) {
  for (const crlf of [false, true]) {
    const { text: mutated, changed } = mutate(crlf ? text.replaceAll('\n', '\r\n') : text);
    const name = `${file} (mutated${crlf ? ', CRLF' : ''})`;
    for (const options of [{}, { maxProblems: 20 }]) {
      const parsed = compareParse(name, mutated, options);
      compareRegistry(name, [[name, mutated, options]], probesOf([parsed]));
    }
    console.log(`same: ${name}, ${changed} lines changed`);
  }
}
console.log(`all same: ${compared} comparisons`);

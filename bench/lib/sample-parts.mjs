// Where `cairn intel sample` spends its CPU, part by part, in one thread over the files of DIR
// (at most 1,000), best of 3 each: the hashes, the type, the PE reader, the string scan, the whole
// analysis, and the cost of handing results from a worker (structured clone) and printing them.
//
//   GENERATE_ONLY=1 FILES=600 node bench/sample.mjs     (prints the folder; remove it after)
//   node bench/lib/sample-parts.mjs DIR       (DIST=dist-before for another build)
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
// DIST=dist-before: another build (a copy of dist/ in the repo), for a before/after in one run.
const D = new URL(`../../${process.env.DIST ?? 'dist'}`, import.meta.url).href;
const H = await import(D + '/hash/index.js');
const I = await import(D + '/intel/index.js');
const S = await import(D + '/app/sample.js');
const dir = process.argv[2];
const files = readdirSync(dir)
  .sort()
  .slice(0, 1000)
  .map((f) => dir + '/' + f);
const bufs = files.map((f) => readFileSync(f));
const tot = bufs.reduce((s, b) => s + b.length, 0);
const parts = {
  'md5+sha1+sha256 (node crypto)': (b) => {
    for (const a of ['md5', 'sha1', 'sha256']) createHash(a).update(b).digest('hex');
  },
  'sha256 only': (b) => createHash('sha256').update(b).digest('hex'),
  'ssdeep (setTotalLength)': (b) => new H.SsdeepHasher().setTotalLength(b.length).update(b).digest(),
  tlsh: (b) => new H.TlshHasher({ oneByteChecksum: true }).update(b).digest(),
  fileType: (b) => I.fileType(b),
  'readPe (PE files)': (b) => (b[0] === 0x4d && b[1] === 0x5a ? I.readPe(b) : undefined),
  networkStrings: (b) => I.networkStrings(b),
  'analyzeSample (all)': (b) => I.analyzeSample(b),
};
const res = {};
for (let r = 0; r < 3; r++)
  for (const [k, f] of Object.entries(parts)) {
    const c0 = process.cpuUsage();
    for (const b of bufs) f(b);
    const c = process.cpuUsage(c0);
    res[k] = Math.min(res[k] ?? Infinity, (c.user + c.system) / 1000);
  }
const results = files.map((f) => S.readSample(f, 1 << 28));
for (let r = 0; r < 3; r++) {
  let c0 = process.cpuUsage();
  for (const f of files) S.readSample(f, 1 << 28);
  let c = process.cpuUsage(c0);
  res['readSample (read + analyze + toJSON)'] = Math.min(
    res['readSample (read + analyze + toJSON)'] ?? Infinity,
    (c.user + c.system) / 1000,
  );
  c0 = process.cpuUsage();
  for (const x of results) v8.deserialize(v8.serialize(x));
  c = process.cpuUsage(c0);
  res['structured clone of results (v8 serialize+deserialize)'] = Math.min(
    res['structured clone of results (v8 serialize+deserialize)'] ?? Infinity,
    (c.user + c.system) / 1000,
  );
  c0 = process.cpuUsage();
  for (const x of results) JSON.stringify(x);
  c = process.cpuUsage(c0);
  res['JSON.stringify of results'] = Math.min(
    res['JSON.stringify of results'] ?? Infinity,
    (c.user + c.system) / 1000,
  );
}
console.log(`${files.length} files, ${(tot / 2 ** 20).toFixed(1)} MiB, CPU ms (best of 3), ms per MiB`);
for (const [k, v] of Object.entries(res))
  console.log(`| ${k} | ${v.toFixed(0)} | ${(v / (tot / 2 ** 20)).toFixed(1)} |`);
const strings = results.reduce((s, r) => s + (r.facts?.strings.length ?? 0), 0);
console.log(
  'strings reported',
  strings,
  'JSON bytes',
  results.reduce((s, r) => s + JSON.stringify(r).length, 0),
);

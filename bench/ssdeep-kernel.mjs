// ssdeep's CPU per MiB over the sample bench's three kinds of files (random, text, PE), for
// several builds or kernel kinds in one process, alternated round by round:
//
//   GENERATE_ONLY=1 node bench/sample.mjs            # prints DIR (the samples folder)
//   npx tsc -p tsconfig.build.json
//   node bench/ssdeep-kernel.mjs DIR BUILD[:KIND] ...
//
// BUILD is a checkout with a dist/ folder (e.g. . and a worktree of main); KIND, when given,
// makes `ssdeepDigest` run that kernel (`vector` or `scalar`, see src/hash/ssdeep-kernel.ts;
// builds before it have one kind and take none). Each round times `ssdeepDigest` over every
// file of a kind with process.cpuUsage (user + system); ROUNDS (default 8) rounds, the order of
// the builds reversed every other round. Prints the best and the median ms per MiB for each
// kind and for all files. The digests of the first 300 files of each kind are compared across
// the builds first.

import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, ...specs] = process.argv.slice(2);
if (dir === undefined || specs.length === 0) {
  console.error('usage: node bench/ssdeep-kernel.mjs DIR BUILD[:KIND] ...');
  process.exit(2);
}
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 8));

const builds = [];
for (const spec of specs) {
  const [root, kind] = spec.split(':');
  const url = (file) => pathToFileURL(resolve(root, 'dist/hash', file)).href;
  const hash = await import(url('index.js'));
  const kernel = kind === undefined ? undefined : await import(url('ssdeep-kernel.js'));
  const digest = (bytes) => {
    kernel?.preferSsdeepKernel(kind);
    return hash.ssdeepDigest(bytes);
  };
  builds.push({ spec, digest });
}

const kinds = { random: [], text: [], pe: [] };
for (const name of readdirSync(dir).sort()) {
  const bytes = readFileSync(resolve(dir, name));
  const text = bytes.subarray(0, 200).every((c) => c === 10 || (c >= 32 && c < 127));
  kinds[bytes[0] === 0x4d && bytes[1] === 0x5a ? 'pe' : text ? 'text' : 'random'].push(bytes);
}
const mib = Object.fromEntries(
  Object.entries(kinds).map(([k, files]) => [k, files.reduce((a, b) => a + b.length, 0) / 2 ** 20]),
);
const allMib = Object.values(mib).reduce((a, b) => a + b, 0);
console.log(
  Object.keys(kinds)
    .map((k) => `${k}: ${kinds[k].length} files, ${mib[k].toFixed(1)} MiB`)
    .join('; '),
);

for (const files of Object.values(kinds)) {
  for (const bytes of files.slice(0, 300)) {
    const digests = builds.map((b) => b.digest(bytes));
    if (digests.some((d) => d !== digests[0])) throw new Error(`the builds differ: ${digests.join(' ')}`);
  }
}

const times = builds.map(() => ({ random: [], text: [], pe: [], all: [] }));
for (let r = 0; r < ROUNDS; r++) {
  for (let j = 0; j < builds.length; j++) {
    const i = r % 2 === 0 ? j : builds.length - 1 - j;
    let all = 0;
    for (const [k, files] of Object.entries(kinds)) {
      const start = process.cpuUsage();
      for (const bytes of files) builds[i].digest(bytes);
      const used = process.cpuUsage(start);
      const ms = (used.user + used.system) / 1000;
      times[i][k].push(ms / mib[k]);
      all += ms;
    }
    times[i].all.push(all / allMib);
  }
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
};
builds.forEach((b, i) => {
  const cells = Object.entries(times[i]).map(
    ([k, v]) => `${k} ${Math.min(...v).toFixed(2)} / ${median(v).toFixed(2)}`,
  );
  console.log(`${b.spec}: ms per MiB, best / median: ${cells.join(' | ')}`);
});

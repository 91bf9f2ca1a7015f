// Several MRT files at once (issue 20 point 4) and the readers of gzip against the decoder (point
// 5), each in its own process, the commands in turns, best of BENCH_RUNS (default 3):
// (a) `cairn mrt dump` and `mrt stats` over the same files with --jobs 1 (one file at a time) and
//     --jobs 2 (worker threads, output in file order), against bgpdump -m run on each file;
// (b) on one gzip file: decode-only, `cairn country KP --mrt` (country-table load) and
//     `cairn outages --mrt --country KP` (outage replay), as ratios of the decoder's time, with
//     the fastest gzip inflater present (auto) and with Node's zlib (PATH without igzip/libdeflate).
// Run: npm run bench -- mrt-parallel [FILE ...]   (default: the real update files listed below)
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, measureInTurns, today } from './lib/measure.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = process.env.CAIRN_CORPUS ?? join(root, '../shared/data');
const DEFAULT_FILES = [
  'data/mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz',
  'data/mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz',
  'data/mrt/ripe-bgpdump/updates.20070211.0141.gz',
  'data/mrt/ripe-bgpdump/updates.20160811.1600.gz',
  'data/mrt/ripe-bgpdump/updates.20071015.1505.gz',
  'data/mrt/ripe-bgpdump/updates.et-header.2015.gz',
  'data/mrt/libbgpstream/routeviews.route-views.jinx.updates.1427846400.bz2',
  `${corpus}/routing/mrt/morrowc-mrtparser/updates.20260222.1530.bz2`,
]
  .map((f) => (f.startsWith('/') ? f : join(root, f)))
  .filter((f) => existsSync(f));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const node = process.execPath;
const cli = join(root, 'dist/cli/main.js');
const decodeOnly = join(root, 'bench/lib/decode-only.mjs');
const files = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_FILES;
const sh = (command, ...args) => ['sh', '-c', command, 'sh', ...args];

console.log(`# mrt over several files, ${today()}; ${machine()}; best of ${runs}`);
console.log(`# ${files.length} files: ${files.map((f) => f.split('/').pop()).join(', ')}`);
const [dump1, dump2, stats1, stats2, peer] = measureInTurns(
  [
    sh(`"${node}" "${cli}" mrt dump -q --no-progress --jobs 1 "$@" > /dev/null`, ...files),
    sh(`"${node}" "${cli}" mrt dump -q --no-progress --jobs 2 "$@" > /dev/null`, ...files),
    sh(`"${node}" "${cli}" mrt stats --json --no-progress --jobs 1 "$@" > /dev/null`, ...files),
    sh(`"${node}" "${cli}" mrt stats --json --no-progress --jobs 2 "$@" > /dev/null`, ...files),
    sh('for f in "$@"; do bgpdump -m "$f"; done > /dev/null 2>&1', ...files),
  ],
  runs,
);
const row = (label, m, base) =>
  console.log(
    `  ${label.padEnd(34)} ${(m.seconds * 1000).toFixed(0).padStart(7)} ms  (median ${(m.median * 1000).toFixed(0)} ms)` +
      `  peak ${m.peakRssMiB.toFixed(0)} MiB${base ? `  x${(base.seconds / m.seconds).toFixed(2)} vs ${base.label}` : ''}`,
  );
peer.label = 'bgpdump';
dump1.label = 'jobs 1';
stats1.label = 'jobs 1';
row('bgpdump -m, file after file', peer);
row('mrt dump, --jobs 1', dump1, peer);
row('mrt dump, --jobs 2', dump2, dump1);
row('mrt stats, --jobs 1', stats1);
row('mrt stats, --jobs 2', stats2, stats1);

// (b) readers of gzip against the decoder, with the fastest inflater and with zlib only.
const gz = join(root, 'data/mrt/ripe-bgpdump/updates.et-header.2015.gz');
const noInflaters = mkdtempSync(join(tmpdir(), 'cairn-bench-path-'));
for (const dir of (process.env.PATH ?? '').split(':'))
  for (const tool of ['node', 'sh', 'bgpdump', 'lbzip2', 'bzip2'])
    if (existsSync(join(dir, tool)) && !existsSync(join(noInflaters, tool)))
      symlinkSync(join(dir, tool), join(noInflaters, tool));
const zlibOnly = `PATH="${noInflaters}"`;
const readers = (env) => [
  sh(`${env} "${node}" "${decodeOnly}" decode "$1" > /dev/null`, gz),
  sh(`${env} "${node}" "${cli}" country KP --mrt "$1" > /dev/null 2>&1`, gz),
  sh(`${env} "${node}" "${cli}" outages --mrt "$1" --country KP > /dev/null 2>&1`, gz),
];
const measured = measureInTurns([...readers(''), ...readers(zlibOnly)], runs);
rmSync(noInflaters, { recursive: true, force: true });
console.log(
  `\n# gzip readers on ${gz.split('/').pop()}: time, and ratio to the decoder's time in the same setting`,
);
for (const [k, setting] of ['fastest inflater (auto)', 'Node zlib only'].entries()) {
  const [decode, country, outages] = measured.slice(k * 3, k * 3 + 3);
  console.log(`  ${setting}`);
  console.log(`    decode only          ${(decode.seconds * 1000).toFixed(0)} ms`);
  console.log(
    `    country-table load   ${(country.seconds * 1000).toFixed(0)} ms  (${(country.seconds / decode.seconds).toFixed(2)}x the decoder)`,
  );
  console.log(
    `    outage replay        ${(outages.seconds * 1000).toFixed(0)} ms  (${(outages.seconds / decode.seconds).toFixed(2)}x the decoder)`,
  );
}

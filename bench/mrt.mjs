// MRT decoder benchmark, against Debian's bgpdump on the same files in the same run:
// (a) cairn decode only (visitor API), (b) cairn `mrt dump --format bgpdump` to /dev/null,
// (c) `bgpdump -m` to /dev/null, (d) decompression alone (the ceiling). Elements/s, peak RSS,
// ratios; results appended to bench/RESULTS.md.
import { appendFileSync, existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, measureInTurns, today } from './lib/measure.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = [
  'data/mrt/ripe-bgpdump/updates.et-header.2015.gz',
  'data/mrt/pyasn/rib.20140523.0600_firstMB.bz2',
];
const runs = Number(process.env.BENCH_RUNS ?? 10);
const node = process.execPath;
const cli = join(root, 'dist/cli/main.js');
const child = join(root, 'bench/lib/decode-only.mjs');

const rows = [];
for (const rel of files) {
  const file = join(root, rel);
  const elements = Number(execFileSync(node, [child, 'decode', file], { encoding: 'utf8' }).trim());
  const bgpdumpElements = Number(
    execFileSync('sh', ['-c', `bgpdump -m "${file}" 2>/dev/null | wc -l`], { encoding: 'utf8' }).trim(),
  );
  if (elements !== bgpdumpElements)
    throw new Error(`${rel}: cairn decodes ${elements} elements, bgpdump ${bgpdumpElements}`);
  const [decompress, decode, format, peer] = measureInTurns(
    [
      [node, child, 'decompress', file],
      [node, child, 'decode', file],
      // A cut file (the firstMB excerpts) is printed in full, then exits 2 (no silent success).
      Object.assign([node, cli, 'mrt', 'dump', '--format', 'bgpdump', '--no-progress', '-q', file], {
        okExit: [2],
      }),
      ['bgpdump', '-m', file],
    ],
    runs,
  );
  const rate = (m) => elements / m.seconds;
  rows.push({ rel, elements, decompress, decode, format, peer, rate });
  const line = (label, m) =>
    `  ${label.padEnd(34)} ${(rate(m) / 1e6).toFixed(2).padStart(6)} M el/s  ${m.seconds.toFixed(3)} s  cpu ${m.cpuSeconds.toFixed(3)} s  peak RSS ${m.peakRssMiB.toFixed(0)} MiB`;
  console.log(`${rel} (${elements.toLocaleString('en-US')} elements)`);
  console.log(line('(d) decompression alone (ceiling)', decompress));
  console.log(line('(a) cairn decode only', decode));
  console.log(line('(b) cairn --format bgpdump', format));
  console.log(line('(c) bgpdump -m', peer));
  console.log(
    `  ratios: (a)/(c) ${(peer.seconds / decode.seconds).toFixed(2)}x, (b)/(c) ${(peer.seconds / format.seconds).toFixed(2)}x, (a)/(d) ${((100 * decompress.seconds) / decode.seconds).toFixed(0)}% of the ceiling; by CPU time (a)/(c) ${(peer.cpuSeconds / decode.cpuSeconds).toFixed(2)}x, (b)/(c) ${(peer.cpuSeconds / format.cpuSeconds).toFixed(2)}x`,
  );
}

const table = [
  '',
  `### MRT decoder — ${today()}`,
  '',
  `Machine: ${machine()}. Command: \`npm run bench -- mrt\` (best of ${runs} runs, taken in turns; each run is a`,
  'new process, so start-up and JIT warm-up are included, as a user sees them; peak RSS from getrusage).',
  '',
  '| file | elements | (d) decompress only | (a) cairn decode | (b) cairn --format bgpdump | (c) bgpdump -m | (a)/(c) | (b)/(c) | (a)/(c), (b)/(c) by CPU time | (a) vs ceiling | peak RSS a / b / c |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.rel.split('/').pop()} | ${r.elements.toLocaleString('en-US')} | ${(r.rate(r.decompress) / 1e6).toFixed(2)} M/s | ${(r.rate(r.decode) / 1e6).toFixed(2)} M/s | ${(r.rate(r.format) / 1e6).toFixed(2)} M/s | ${(r.rate(r.peer) / 1e6).toFixed(2)} M/s | ${(r.peer.seconds / r.decode.seconds).toFixed(2)}× | ${(r.peer.seconds / r.format.seconds).toFixed(2)}× | ${(r.peer.cpuSeconds / r.decode.cpuSeconds).toFixed(2)}×, ${(r.peer.cpuSeconds / r.format.cpuSeconds).toFixed(2)}× | ${((100 * r.decompress.seconds) / r.decode.seconds).toFixed(0)}% | ${r.decode.peakRssMiB.toFixed(0)} / ${r.format.peakRssMiB.toFixed(0)} / ${r.peer.peakRssMiB.toFixed(0)} MiB |`,
  ),
  '',
];
// A multi-file gzip input, large enough that process start-up is a small part of the time: every
// gzip update file in data/mrt, the list given REPEAT times, in one command each.
const REPEAT = Number(process.env.BENCH_MRT_REPEAT ?? 3);
const updateFiles = execFileSync('sh', ['-c', `find data/mrt -name 'updates*.gz' | sort`], {
  cwd: root,
  encoding: 'utf8',
})
  .trim()
  .split('\n')
  .map((rel) => join(root, rel));
const many = Array.from({ length: REPEAT }, () => updateFiles).flat();
const dist = join(root, 'dist/mrt/index.js');
const inProcess = (body, mrtIndex = dist) => [
  node,
  '--input-type=module',
  '-e',
  `import { openByteSource, scanMrt } from ${JSON.stringify(mrtIndex)}; import zlib from 'node:zlib'; import fs from 'node:fs';
let n = 0; for (const file of process.argv.slice(1)) { ${body} } process.stdout.write(n + '\\n');`,
  ...many,
];
const byteSource = (decompressor) =>
  inProcess(`const s = await openByteSource(file, { decompressor: '${decompressor}' });
try { for await (const c of s.chunks()) n += c.length; } catch {} await s.close();`);
const decodeBody = 'await scanMrt(file, () => { n++; });';
const decodeAll = inProcess(decodeBody);
const manyElements = Number(execFileSync(decodeAll[0], decodeAll.slice(1), { encoding: 'utf8' }).trim());
const bgpdumpAll = ['sh', '-c', 'for f do bgpdump -m "$f"; done', 'sh', ...many];
const manyBgpdumpElements = Number(
  execFileSync('sh', ['-c', 'for f do bgpdump -m "$f" 2>/dev/null; done | wc -l', 'sh', ...many], {
    encoding: 'utf8',
  }).trim(),
);
const compressed = many.reduce((sum, file) => sum + statSync(file).size, 0);
const commands = [
  ['igzip -dc', ['igzip', '-dc', ...many]],
  ['libdeflate-gunzip -c', ['libdeflate-gunzip', '-c', ...many]],
  ['Node zlib.gunzipSync', inProcess('n += zlib.gunzipSync(fs.readFileSync(file)).length;')],
  ['cairn byte source, igzip', byteSource('igzip')],
  ['cairn byte source, zlib', byteSource('zlib')],
  ['bgpdump -m', bgpdumpAll],
  ['cairn decode only', decodeAll],
  [
    'cairn --format bgpdump',
    // Several files: as many jobs as the input and the cores pay for (app/mrt-jobs.ts).
    // updates.20000325.0345.gz ends inside a desynchronised record: exit 2 after all the output.
    Object.assign([node, cli, 'mrt', 'dump', '--format', 'bgpdump', '--no-progress', '-q', ...many], {
      okExit: [2],
    }),
  ],
];
commands.push([
  'cairn --format bgpdump --jobs 2',
  Object.assign(
    [node, cli, 'mrt', 'dump', '--format', 'bgpdump', '--no-progress', '-q', '--jobs', '2', ...many],
    {
      okExit: [2],
    },
  ),
]);
commands.push([
  'cairn --format bgpdump --jobs 1',
  Object.assign(
    [node, cli, 'mrt', 'dump', '--format', 'bgpdump', '--no-progress', '-q', '--jobs', '1', ...many],
    {
      okExit: [2],
    },
  ),
]);
// BENCH_MRT_BEFORE=<a dist/ built from another commit, inside the repository so that it finds
// node_modules>: its `--format bgpdump` in the same turns, for a before/after in one run.
const before = process.env.BENCH_MRT_BEFORE;
if (before !== undefined) {
  const beforeCli = join(before, 'cli/main.js');
  commands.push(['before: decode only', inProcess(decodeBody, join(before, 'mrt/index.js'))]);
  for (const jobs of ['2', '1'])
    commands.push([
      `before: --format bgpdump --jobs ${jobs}`,
      Object.assign(
        [
          node,
          beforeCli,
          'mrt',
          'dump',
          '--format',
          'bgpdump',
          '--no-progress',
          '-q',
          '--jobs',
          jobs,
          ...many,
        ],
        {
          okExit: [2],
        },
      ),
    ]);
}
const measured = measureInTurns(
  commands.map(([, argv]) => argv),
  runs,
);
const byLabel = Object.fromEntries(commands.map(([label], i) => [label, measured[i]]));
const fastest = ['igzip -dc', 'libdeflate-gunzip -c', 'Node zlib.gunzipSync'].reduce((best, label) =>
  byLabel[label].seconds < byLabel[best].seconds ? label : best,
);
const decodeOnly = byLabel['cairn decode only'];
const peerMany = byLabel['bgpdump -m'];
console.log(
  `${many.length} gzip update files (${updateFiles.length} x ${REPEAT}), ${(compressed / 1e6).toFixed(1)} MB compressed, ${manyElements.toLocaleString('en-US')} elements (bgpdump ${manyBgpdumpElements.toLocaleString('en-US')})`,
);
for (const [label] of commands) {
  const m = byLabel[label];
  console.log(
    `  ${label.padEnd(28)} ${m.seconds.toFixed(3)} s  cpu ${m.cpuSeconds.toFixed(3)} s  peak RSS ${m.peakRssMiB.toFixed(0)} MiB`,
  );
}
console.log(
  `  decode only: ${((100 * byLabel[fastest].seconds) / decodeOnly.seconds).toFixed(0)}% of ${fastest}, ${(peerMany.seconds / decodeOnly.seconds).toFixed(2)}x bgpdump; --format bgpdump ${(peerMany.seconds / byLabel['cairn --format bgpdump'].seconds).toFixed(2)}x bgpdump`,
);
table.push(
  `Multi-file gzip input: the ${updateFiles.length} gzip update files of data/mrt given ${REPEAT} times (${many.length} files, ${(compressed / 1e6).toFixed(1)} MB compressed, ${manyElements.toLocaleString('en-US')} elements; bgpdump prints ${manyBgpdumpElements.toLocaleString('en-US')} lines), one command each, in the same turns. Fastest decompressor: ${fastest}.`,
  '',
  '| command | best s | vs fastest decompressor | vs bgpdump | CPU s (user+sys) | vs bgpdump by CPU | peak RSS |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...commands.map(([label]) => {
    const m = byLabel[label];
    return `| ${label} | ${m.seconds.toFixed(3)} | ${(m.seconds / byLabel[fastest].seconds).toFixed(2)}× time | ${(peerMany.seconds / m.seconds).toFixed(2)}× | ${m.cpuSeconds.toFixed(3)} | ${(peerMany.cpuSeconds / m.cpuSeconds).toFixed(2)}× | ${m.peakRssMiB.toFixed(0)} MiB |`;
  }),
  '',
  `Decode only reaches ${((100 * byLabel[fastest].seconds) / decodeOnly.seconds).toFixed(0)}% of ${fastest}'s speed (target 80%) and ${(peerMany.seconds / decodeOnly.seconds).toFixed(2)}× bgpdump (target 6×); --format bgpdump ${(peerMany.seconds / byLabel['cairn --format bgpdump'].seconds).toFixed(2)}× bgpdump (target 3×). By CPU time: decode only ${(peerMany.cpuSeconds / decodeOnly.cpuSeconds).toFixed(2)}×, --format bgpdump ${(peerMany.cpuSeconds / byLabel['cairn --format bgpdump'].cpuSeconds).toFixed(2)}× bgpdump.`,
  '',
);

const results = join(root, 'bench/RESULTS.md');
if (!existsSync(results))
  appendFileSync(results, '# Benchmark results\n\nEach section is appended by the benchmark named in it.\n');
appendFileSync(results, table.join('\n'));
console.log(`appended to ${results}`);

// MRT decoder benchmark, against Debian's bgpdump on the same files in the same run:
// (a) cairn decode only (visitor API), (b) cairn `mrt dump --format bgpdump` to /dev/null,
// (c) `bgpdump -m` to /dev/null, (d) decompression alone (the ceiling). Elements/s, peak RSS,
// ratios; results appended to bench/RESULTS.md.
import { appendFileSync, existsSync } from 'node:fs';
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
      [node, cli, 'mrt', 'dump', '--format', 'bgpdump', '--no-progress', '-q', file],
      ['bgpdump', '-m', file],
    ],
    runs,
  );
  const rate = (m) => elements / m.seconds;
  rows.push({ rel, elements, decompress, decode, format, peer, rate });
  const line = (label, m) =>
    `  ${label.padEnd(34)} ${(rate(m) / 1e6).toFixed(2).padStart(6)} M el/s  ${m.seconds.toFixed(3)} s  peak RSS ${m.peakRssMiB.toFixed(0)} MiB`;
  console.log(`${rel} (${elements.toLocaleString('en-US')} elements)`);
  console.log(line('(d) decompression alone (ceiling)', decompress));
  console.log(line('(a) cairn decode only', decode));
  console.log(line('(b) cairn --format bgpdump', format));
  console.log(line('(c) bgpdump -m', peer));
  console.log(
    `  ratios: (a)/(c) ${(peer.seconds / decode.seconds).toFixed(2)}x, (b)/(c) ${(peer.seconds / format.seconds).toFixed(2)}x, (a)/(d) ${((100 * decompress.seconds) / decode.seconds).toFixed(0)}% of the ceiling`,
  );
}

const table = [
  '',
  `### MRT decoder — ${today()}`,
  '',
  `Machine: ${machine()}. Command: \`npm run bench -- mrt\` (best of ${runs} runs, taken in turns; each run is a`,
  'new process, so start-up and JIT warm-up are included, as a user sees them; peak RSS from getrusage).',
  '',
  '| file | elements | (d) decompress only | (a) cairn decode | (b) cairn --format bgpdump | (c) bgpdump -m | (a)/(c) | (b)/(c) | (a) vs ceiling | peak RSS a / b / c |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.rel.split('/').pop()} | ${r.elements.toLocaleString('en-US')} | ${(r.rate(r.decompress) / 1e6).toFixed(2)} M/s | ${(r.rate(r.decode) / 1e6).toFixed(2)} M/s | ${(r.rate(r.format) / 1e6).toFixed(2)} M/s | ${(r.rate(r.peer) / 1e6).toFixed(2)} M/s | ${(r.peer.seconds / r.decode.seconds).toFixed(2)}× | ${(r.peer.seconds / r.format.seconds).toFixed(2)}× | ${((100 * r.decompress.seconds) / r.decode.seconds).toFixed(0)}% | ${r.decode.peakRssMiB.toFixed(0)} / ${r.format.peakRssMiB.toFixed(0)} / ${r.peer.peakRssMiB.toFixed(0)} MiB |`,
  ),
  '',
];
const results = join(root, 'bench/RESULTS.md');
if (!existsSync(results))
  appendFileSync(results, '# Benchmark results\n\nEach section is appended by the benchmark named in it.\n');
appendFileSync(results, table.join('\n'));
console.log(`appended to ${results}`);

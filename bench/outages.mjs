#!/usr/bin/env node
// Outage replay benchmark: updates per second through the RoutingTable and the OutageDetector
// (KP by country, plus CN, JP, AU, KR, IN: six detectors on one table) on the real RIPE update
// files, against bgpdump -m > /dev/null on the same files in the same run. Each measurement is a
// child process (median of 3 wall times, peak RSS from getrusage of the child: bench/lib/measure.mjs).
// Then the live part: bench/collector-daemon.mjs with BIRD 2 injecting the 577k-route table
// (skipped with --replay-only). Build first: npx tsc -p tsconfig.build.json.
// Run: node bench/outages.mjs [--replay-only] [FILE...]. Writes bench/RESULTS-outages.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machine, measure, today } from './lib/measure.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
const REGISTRY = `${root}data/registry/delegated-apnic-20141009.gz`;
const COUNTRIES = ['KP', 'CN', 'JP', 'AU', 'KR', 'IN'];
const DEFAULT_FILES = [
  'updates.20020722.2238.gz',
  'updates.20070211.0141.gz',
  'updates.20160811.1600.gz',
  'updates.et-header.2015.gz',
].map((f) => `${root}data/mrt/ripe-bgpdump/${f}`);

async function child(file) {
  const { scanMrt } = await import(dist('mrt/index.js'));
  const { RoutingTable } = await import(dist('routing/index.js'));
  const { loadRegistryFiles } = await import(dist('app/registry-files.js'));
  const { OutageDetector, selectCountry } = await import(dist('observatory/index.js'));
  const { registry } = await loadRegistryFiles([REGISTRY]);
  const table = new RoutingTable();
  const detectors = COUNTRIES.map(
    (country) => new OutageDetector(table, { select: selectCountry(registry, country) }),
  );
  let last = 0;
  table.onEvent((event) => {
    if (event.time > last) last = event.time;
  });
  const start = performance.now();
  const summary = await scanMrt(file, table.visitor());
  for (const detector of detectors) detector.finish(last);
  const ms = performance.now() - start;
  process.stdout.write(
    JSON.stringify({ elements: summary.elements, ms, events: detectors.map((d) => d.events.length) }) + '\n',
  );
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const files = args.length > 0 ? args : DEFAULT_FILES;
  const rows = [];
  for (const file of files) {
    const elements = Number(
      execFileSync('bash', ['-c', `bgpdump -m "$0" 2>/dev/null | wc -l`, file], { encoding: 'utf8' }).trim(),
    );
    const replay = measure([process.execPath, fileURLToPath(import.meta.url), '--child', file]);
    // In-process time of the replay alone (no Node start-up, no registry load), best of 3.
    const inner = Math.min(
      ...[0, 1, 2].map(
        (_) =>
          JSON.parse(
            execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', file], {
              encoding: 'utf8',
            }),
          ).ms / 1000,
      ),
    );
    const bgpdump = measure(['bgpdump', '-m', file]);
    const row = {
      file: file.replace(root, ''),
      elements,
      replayS: replay.seconds,
      replayRate: elements / replay.seconds,
      replayRss: replay.peakRssMiB,
      innerS: inner,
      innerRate: elements / inner,
      bgpdumpS: bgpdump.seconds,
      bgpdumpRate: elements / bgpdump.seconds,
      bgpdumpRss: bgpdump.peakRssMiB,
    };
    row.ratio = row.replayRate / row.bgpdumpRate;
    row.innerRatio = row.innerRate / row.bgpdumpRate;
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const total = (key) => rows.reduce((n, r) => n + r[key], 0);
  const overall = total('elements') / total('replayS') / (total('elements') / total('bgpdumpS'));
  const overallInner = total('elements') / total('innerS') / (total('elements') / total('bgpdumpS'));
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const lines = [
    '# Outage replay benchmark',
    '',
    `Command: \`npx tsc -p tsconfig.build.json && node bench/outages.mjs\`; date: ${today()}; machine: ${machine()}.`,
    '',
    'Replay = decode + RoutingTable + six OutageDetectors (KP, CN, JP, AU, KR, IN by APNIC registry',
    'country, 5-minute bins), including Node start-up and the registry load (~0.3 s); bgpdump = `bgpdump -m FILE > /dev/null`',
    '(1.6.2). Elements = lines of bgpdump -m. Median of 3 runs, each in its own child process; peak RSS of the child.',
    'In-process = the same replay timed inside the child (scan + detectors, without start-up and registry load).',
    'Target: replay rate >= 50% of bgpdump decode rate.',
    '',
    '| file | elements | replay s | replay elem/s | replay RSS MiB | bgpdump s | bgpdump elem/s | bgpdump RSS MiB | replay / bgpdump | in-process elem/s | in-process / bgpdump |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.file} | ${fmt(r.elements)} | ${r.replayS.toFixed(2)} | ${fmt(r.replayRate)} | ${r.replayRss.toFixed(0)} | ` +
        `${r.bgpdumpS.toFixed(2)} | ${fmt(r.bgpdumpRate)} | ${r.bgpdumpRss.toFixed(0)} | ${(r.ratio * 100).toFixed(0)}% | ${fmt(r.innerRate)} | ${(r.innerRatio * 100).toFixed(0)}% |`,
    ),
    '',
    `All files together: replay rate = ${(overall * 100).toFixed(0)}% of bgpdump's (with start-up), ` +
      `${(overallInner * 100).toFixed(0)}% in-process.`,
    '',
  ];
  lines.push(
    'Live part (issue 5 item 7: ingestion while a daemon injects the 577k-route table, withdrawal to',
    'alert delay, peak RSS): `bench/collector-daemon.mjs`, run next by this benchmark with BIRD 2',
    '(`--replay-only` skips it; `npm run bench -- collector-daemon` runs GoBGP too); results in',
    '`bench/RESULTS-collector.md`.',
    '',
  );
  writeFileSync(new URL('./RESULTS-outages.md', import.meta.url), lines.join('\n'));
  console.log(lines.join('\n'));
  if (!process.argv.includes('--replay-only')) {
    const live = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('./collector-daemon.mjs', import.meta.url)), '--daemon', 'bird'],
      { stdio: 'inherit' },
    );
    if (live.status !== 0) process.exitCode = live.status ?? 1;
  }
}

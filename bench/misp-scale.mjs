// Large MISP cases (issue #18, point 5): time and peak RSS of `intel import`, `show`, `export
// --format misp`, `export --format stix` and `attribute` on generated (synthetic) MISP events of 10k, 100k and 1M
// attributes, each command in a process of its own measured by /usr/bin/time. Build first:
//   npx tsc -p tsconfig.build.json && node bench/misp-scale.mjs [SIZES...] [--write]
// SIZES default to 10000 100000 1000000; --write appends the table to bench/RESULTS-misp.md;
// --commands=import,export-stix runs only those commands; --node=FLAG passes FLAG to node.
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist/cli/main.js');
const args = process.argv.slice(2);
const write = args.includes('--write');
const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
if (sizes.length === 0) sizes.push(10_000, 100_000, 1_000_000);
const only = args
  .find((a) => a.startsWith('--commands='))
  ?.slice('--commands='.length)
  .split(',');
// --node=FLAG passes FLAG to node (e.g. --node=--max-old-space-size=1024 to check the live set).
const nodeFlags = args.filter((a) => a.startsWith('--node=')).map((a) => a.slice('--node='.length));

const hex = (n, width) => n.toString(16).padStart(width, '0');
const uuid = (n) => `5eed5ca1-0000-4000-8000-${hex(n, 12)}`;

/** One synthetic attribute of a cycle of common types (values unique per index). */
function attribute(i) {
  const k = i % 6;
  const base = {
    uuid: uuid(i + 1),
    category: 'Network activity',
    to_ids: true,
    timestamp: '1700000000',
    distribution: '5',
    comment: '',
  };
  if (k === 0)
    return { ...base, type: 'ip-dst', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
  if (k === 1) return { ...base, type: 'domain', value: `h${i}.synthetic.example` };
  if (k === 2) return { ...base, type: 'sha256', category: 'Payload delivery', value: hex(i, 64) };
  if (k === 3) return { ...base, type: 'url', value: `http://u${i}.synthetic.example/p` };
  if (k === 4)
    return { ...base, type: 'filename|md5', category: 'Payload delivery', value: `f${i}.exe|${hex(i, 32)}` };
  return { ...base, type: 'email-dst', category: 'Payload delivery', value: `m${i}@synthetic.example` };
}

/** Writes a generated event of `n` attributes to `file`, a chunk at a time. */
function generate(file, n) {
  const fd = openSync(file, 'w');
  const head = {
    uuid: uuid(0),
    info: `synthetic MISP scale event of ${n} attributes`,
    date: '2024-01-01',
    threat_level_id: '4',
    analysis: '0',
    distribution: '0',
    published: false,
    Tag: [{ name: 'tlp:green' }],
  };
  writeSync(fd, `{"Event":${JSON.stringify(head).slice(0, -1)},"Attribute":[`);
  let buf = '';
  for (let i = 0; i < n; i++) {
    buf += (i === 0 ? '' : ',') + JSON.stringify(attribute(i));
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf + ']}}\n');
  closeSync(fd);
}

/**
 * Runs the CLI under /usr/bin/time as a user would (node's default heap limit: a raised one lets
 * V8 defer full collections and the peak RSS then measures garbage, not the command): seconds and
 * peak RSS in MB.
 */
function measure(cliArgs) {
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', '%e %U %S %M', process.execPath, ...nodeFlags, cli, ...cliArgs],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 26,
    },
  );
  const lines = run.stderr.toString('utf8').trim().split('\n');
  const [secs, user, sys, kb] = lines[lines.length - 1].split(' ').map(Number);
  return {
    secs,
    cpu: user + sys,
    mb: kb / 1024,
    ok: run.status === 0,
    err: run.status === 0 ? '' : lines.slice(-4).join(' | '),
  };
}

const loadAtStart = os.loadavg()[0];
const dir = mkdtempSync(path.join(os.tmpdir(), 'cairn-misp-scale-'));
const rows = [];
try {
  for (const n of sizes) {
    const file = path.join(dir, `event-${n}.json`);
    generate(file, n);
    const mbIn = statSync(file).size / 2 ** 20;
    const commands = {
      import: ['intel', 'import', file, '--json', '--no-progress'],
      show: ['intel', 'show', file, '--json', '--no-progress'],
      export: ['intel', 'export', '--format', 'misp', file, '--no-progress'],
      'export-stix': ['intel', 'export', '--format', 'stix', file, '--no-progress'],
      attribute: ['intel', 'attribute', '--case', file, '--json', '--no-progress'],
    };
    for (const [name, cliArgs] of Object.entries(commands)) {
      if (only !== undefined && !only.includes(name)) continue;
      const m = measure(cliArgs);
      const row = { n, mbIn, name, ...m };
      rows.push(row);
      console.log(
        `${String(n).padStart(8)} attrs ${mbIn.toFixed(1).padStart(7)} MB  ${name.padEnd(11)} ${m.secs.toFixed(1).padStart(6)} s  cpu ${m.cpu.toFixed(1).padStart(6)} s  peak RSS ${m.mb.toFixed(0).padStart(6)} MB${m.ok ? '' : `  FAILED ${m.err}`}`,
      );
    }
    rmSync(file);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (write) {
  const table = [
    '',
    `## ${new Date().toISOString().slice(0, 10)}: \`node bench/misp-scale.mjs ${sizes.join(' ')}${only !== undefined ? ` --commands=${only.join(',')}` : ''}\` (${os.cpus().length} cores, ${process.version})`,
    '',
    `Load average at the start: ${loadAtStart.toFixed(1)} (the machine is shared; CPU seconds are the steadier figure).`,
    '',
    '| attributes | file MB | command | wall s | CPU s | peak RSS MB | RSS / file size |',
    '|---:|---:|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.n} | ${r.mbIn.toFixed(1)} | ${r.name}${r.ok ? '' : ' (failed)'} | ${r.secs.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.mb.toFixed(0)} | ${(r.mb / r.mbIn).toFixed(1)} |`,
    ),
  ];
  appendFileSync(path.join(repo, 'bench/RESULTS-misp.md'), table.join('\n') + '\n');
}

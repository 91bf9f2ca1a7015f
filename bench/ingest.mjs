#!/usr/bin/env node
// Ingest benchmark: `cairn ingest` (app ingest into a fresh DuckDB store) compared in the same run
// with the decoder alone (scanMrt with an empty visitor) and with loading the routing table, on
// the same files in time order; each measurement in its own child process, the modes in turns,
// best of REPEAT. Reports elements/s, ingest's share of the decoder's rate, the store's size per
// element and what it holds. Ingest runs on one thread (--jobs 1) and on two (--jobs 2: outage
// detection in a worker thread), with outage detectors for every registry country, and on two
// threads for KP only; `ingest-1-ref`/`ingest-2-ref` run the same with one outage detector per
// country attached to the table on its own (the reference the one-pass detection replaced), for a
// before/after in the same run. Besides the bundled real files, a SYNTHETIC day of 5-minute update files
// (bench/lib/synthetic-day.mjs: real routes, synthetic peers and churn), written into a temporary
// folder at bench time, is the scale input (--day-files N of its 288 files; 0 leaves it out).
// Build first (npm run bench does).
// A mode `MODE@before` runs MODE from the build in `--before DIR` (a copy of dist/ made before a
// change, beside a node_modules it can resolve), so a change is measured against its base in the same
// run; every ingest mode's store is digested table by table (rows in order) and the digests compared.
// Run: npm run bench -- ingest [--repeat N] [--day-files N] [--day-only] [--modes a,b,...] [--before DIR] [FILE|DIR ...]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// A mode named `MODE@before` runs MODE from the build in --before DIR (a copy of dist/ made before a change).
const distDir = process.env.CAIRN_BENCH_DIST ?? fileURLToPath(new URL('../dist/', import.meta.url));
const dist = (p) => pathToFileURL(path.join(distDir, p)).href;

/** The bundled sets: RIPE RIS update files of 2010 (two 5-minute files of rrc15 and rrc03's first records), and one peer's full table as BGP4MP_ET updates (2015). */
const SETS = [
  {
    name: 'RIS update files (rrc15 2010-02-27 16:00+16:10, rrc03 16:00 first 796 records)',
    files: [
      `${root}data/mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz`,
      `${root}data/mrt/bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz`,
      `${root}data/mrt/bgpkit/ripe/rrc03/2010.02/updates.20100227.1600.first-796-records.gz`,
    ],
  },
  {
    name: 'one peer full table as updates (updates.et-header.2015.gz)',
    files: [`${root}data/mrt/ripe-bgpdump/updates.et-header.2015.gz`],
  },
];

async function child(mode, files) {
  const result = {};
  const start = performance.now();
  if (mode === 'decode' || mode === 'load') {
    const { scanMrt } = await import(dist('mrt/index.js'));
    const { orderMrtFiles, reserveForFiles } = await import(dist('app/replay.js'));
    const ordered = await orderMrtFiles(files);
    let visit = () => {};
    if (mode === 'load') {
      const { RoutingTable } = await import(dist('routing/index.js'));
      const table = new RoutingTable();
      reserveForFiles(table, ordered);
      visit = table.visitor();
    }
    let elements = 0;
    for (const f of ordered) elements += (await scanMrt(f.path, visit)).elements;
    result.elements = elements;
  } else {
    const { ingest } = await import(dist('app/ingest.js'));
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-ingest-')), 'bench.duckdb');
    const out = await ingest(
      {
        mrt: files,
        db,
        jobs: mode.startsWith('ingest-1') ? 1 : 2,
        ...(mode === 'ingest-kp' ? { outageCountries: ['KP'] } : {}),
      },
      {},
      { outageDetection: mode.endsWith('-ref') ? 'per-country' : 'one-pass' },
    );
    result.elements = out.elements;
    result.storeBytes = out.storeBytes;
    result.counts = out.counts;
    result.digest = await storeDigest(db);
    fs.rmSync(path.dirname(db), { recursive: true, force: true });
  }
  result.ms = performance.now() - start;
  const cpu = process.cpuUsage();
  result.cpuMs = (cpu.user + cpu.system) / 1000;
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(result));
}

/** Tables of the routing history and how a digest reads them (row order included; ingest times left out). */
const DIGEST_TABLES = [
  ['files', 'SELECT f.seq AS k, f AS r FROM (SELECT * EXCLUDE (ingested_at) FROM files) f'],
  ...[
    'bins',
    'visibility',
    'dependency_snapshots',
    'dependency_shares',
    'upstream_shares',
    'prefix_changes',
    'outage_states',
    'outage_phases',
    'session_resets',
  ].map((t) => [t, `SELECT rowid AS k, t AS r FROM ${t} t`]),
];

/** Per table, its row count and an MD5 of its rows in order: two stores with equal digests hold the same. */
async function storeDigest(db) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const c = await instance.connect();
  const digest = {};
  try {
    for (const [table, select] of DIGEST_TABLES) {
      const reader = await c.runAndReadAll(
        `SELECT count(*)::VARCHAR AS n, coalesce(md5(string_agg(hash(r)::VARCHAR || ':' || r::VARCHAR, chr(10) ORDER BY k)), '') AS md5
         FROM (${select})`,
      );
      const [n, md5] = reader.getRows()[0];
      digest[table] = `${n} ${md5}`;
    }
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  return digest;
}

let beforeDist;

function run(mode, files) {
  const [base, build] = mode.split('@');
  if (build !== undefined && (build !== 'before' || beforeDist === undefined))
    throw new Error(`mode ${mode}: give --before DIR (a copy of dist/) for @before modes`);
  const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', base, ...files], {
    encoding: 'utf8',
    env: build === undefined ? process.env : { ...process.env, CAIRN_BENCH_DIST: beforeDist },
    maxBuffer: 1 << 24,
  });
  if (out.status !== 0) throw new Error(`${mode} failed: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

function bestInTurns(modes, files, repeat) {
  const best = modes.map(() => undefined);
  for (let i = 0; i < repeat; i++)
    modes.forEach((mode, k) => {
      const result = run(mode, files);
      if (best[k] === undefined || result.ms < best[k].ms) best[k] = result;
    });
  return best;
}

async function main() {
  if (process.argv[2] === '--child') return child(process.argv[3], process.argv.slice(4));
  let args = process.argv.slice(2);
  let repeat = 3;
  let dayFiles = 288;
  let onlyDay = false;
  let modes = ['decode', 'load', 'ingest-1', 'ingest-2', 'ingest-kp', 'ingest-1-ref', 'ingest-2-ref'];
  for (;;) {
    if (args[0] === '--repeat') repeat = Number(args[1]);
    else if (args[0] === '--modes') modes = ['decode', ...args[1].split(',').filter((m) => m !== 'decode')];
    else if (args[0] === '--day-files') dayFiles = Number(args[1]);
    else if (args[0] === '--before') beforeDist = path.resolve(args[1]);
    else if (args[0] === '--day-only') {
      onlyDay = true;
      args = args.slice(1);
      continue;
    } else break;
    args = args.slice(2);
  }
  const sets = args.length > 0 ? [{ name: args.join(' '), files: args }] : onlyDay ? [] : [...SETS];
  let dayDir;
  if (args.length === 0 && dayFiles > 0) {
    const { writeSyntheticDay } = await import('./lib/synthetic-day.mjs');
    dayDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-day-'));
    const day = await writeSyntheticDay(dayDir, { files: dayFiles });
    sets.push({
      name: `SYNTHETIC day: ${dayFiles} 5-minute update files (4 peers x 100,000 real routes, then 4,000 elements a file)`,
      files: day.files,
    });
  }
  console.log(`# cairn ingest benchmark, ${new Date().toISOString()}`);
  console.log(
    `# ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, node ${process.version}, best of ${repeat}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const LABELS = {
    load: 'load table',
    'ingest-1': 'ingest, 1 thread',
    'ingest-2': 'ingest, 2 threads',
    'ingest-kp': 'ingest, 2 threads, KP',
    'ingest-1-ref': 'ingest, 1 thread, per-country detectors',
    'ingest-2-ref': 'ingest, 2 threads, per-country detectors',
  };
  for (const set of sets) {
    const results = bestInTurns(modes, set.files, repeat);
    const decode = results[0];
    const rate = (r) => Math.round((r.elements / r.ms) * 1000);
    const share = (r) => `${((rate(r) / rate(decode)) * 100).toFixed(1)}% of the decoder`;
    console.log(`\n${set.name}`);
    console.log(`  elements                  ${decode.elements}`);
    console.log(
      `  decoder only              ${decode.ms.toFixed(0)} ms  ${rate(decode)} elements/s, CPU ${decode.cpuMs.toFixed(0)} ms`,
    );
    modes.forEach((mode, k) => {
      if (k === 0) return;
      const r = results[k];
      const store =
        r.storeBytes === undefined
          ? ''
          : `  store ${r.storeBytes} B, ${(r.storeBytes / r.elements).toFixed(1)} B/element`;
      const [base, build] = mode.split('@');
      const label = `${LABELS[base] ?? base}${build === undefined ? '' : ` (${build})`}`;
      console.log(
        `  ${label.padEnd(25)} ${r.ms.toFixed(0)} ms  ${rate(r)} elements/s  (${share(r)})${store}, ` +
          `CPU ${r.cpuMs.toFixed(0)} ms (${((r.cpuMs / r.elements) * 1000).toFixed(1)} us/element against ${((decode.cpuMs / decode.elements) * 1000).toFixed(1)}), ` +
          `maxRSS ${r.maxRssMB.toFixed(0)} MB`,
      );
      const c = r.counts;
      if (c !== undefined)
        console.log(
          `    store holds ${c.files} files, ${c.bins} bins, ${c.visibilityPoints} visibility points, ` +
            `${c.dependencySnapshots} dependency snapshots, ${c.changes} prefix changes, ${c.outages} outages, ${c.resets} resets`,
        );
    });
    const digests = results.filter((r) => r.digest !== undefined).map((r) => JSON.stringify(r.digest));
    if (digests.length > 1)
      console.log(
        digests.every((d) => d === digests[0])
          ? `  store identical in every ingest mode (every table's rows in order: ${digests[0]})`
          : `  STORES DIFFER: ${digests.join('\n    ')}`,
      );
  }
  if (dayDir !== undefined) fs.rmSync(dayDir, { recursive: true, force: true });
}

await main();

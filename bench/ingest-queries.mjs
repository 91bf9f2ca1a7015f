// Store query latency and size (issue 15 point 9), on a store filled by `cairn ingest` from the
// SYNTHETIC day of update files (bench/lib/synthetic-day.mjs: real routes, synthetic peers and
// churn) written into a temporary folder: country visibility series over the day, dependency of
// a country at a time, outage list; each COLD (a fresh process opens the store and asks once) and
// WARM (the same process asks again, best of 20). Then bytes per element and per stored row, and
// the projection of a day and a year of all RIS and RouteViews collectors from these figures.
// Per outage event: the rows it left (one state row per file it was open in or touched, one row per
// phase) and their logical bytes (strings and numbers as stored, before DuckDB's compression).
// Build first (npm run bench does). Run: npm run bench -- ingest-queries [--day-files N] [--repeat N]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

const QUERIES = {
  'country series over the day (US)': (s, r) => s.visibilitySeries('country', 'US', r.first, r.last),
  'country series over the day (KP)': (s, r) => s.visibilitySeries('country', 'KP', r.first, r.last),
  'dependency at a time (US, mid-day)': (s, r) => s.dependencyAt('US', (r.first + r.last) / 2),
  'outage list (all)': (s) => s.outages(),
};

async function child(db, name) {
  const { openStore } = await import(dist('store/index.js'));
  const start = performance.now();
  const store = await openStore(db);
  const range = await store.timeRange();
  const opened = performance.now();
  const query = QUERIES[name];
  const first = await query(store, range);
  const cold = performance.now() - opened;
  let warm = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await query(store, range);
    warm = Math.min(warm, performance.now() - t);
  }
  await store.close();
  const rows = Array.isArray(first) ? first.length : first === undefined ? 0 : 1;
  process.stdout.write(JSON.stringify({ openMs: opened - start, cold, warm, rows }));
}

async function main() {
  if (process.argv[2] === '--child') return child(process.argv[3], process.argv[4]);
  let args = process.argv.slice(2);
  let dayFiles = 288;
  let repeat = 3;
  for (;;) {
    if (args[0] === '--day-files') dayFiles = Number(args[1]);
    else if (args[0] === '--repeat') repeat = Number(args[1]);
    else break;
    args = args.slice(2);
  }
  const { writeSyntheticDay } = await import('./lib/synthetic-day.mjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-queries-'));
  try {
    const day = await writeSyntheticDay(path.join(dir, 'mrt'), { files: dayFiles });
    const { ingest } = await import(dist('app/ingest.js'));
    const db = path.join(dir, 'day.duckdb');
    const t = performance.now();
    const result = await ingest({ mrt: [path.join(dir, 'mrt')], db });
    const ingestMs = performance.now() - t;
    console.log(`# cairn store queries, ${new Date().toISOString()}`);
    console.log(
      `# ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, node ${process.version}, load ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      `SYNTHETIC day: ${dayFiles} files, ${day.elements} elements, ingested in ${ingestMs.toFixed(0)} ms`,
    );
    const c = result.counts;
    const rows = c.bins + c.visibilityPoints + c.dependencySnapshots + c.changes + c.outages + c.resets;
    console.log(
      `  store ${result.storeBytes} B: ${(result.storeBytes / result.elementsWritten).toFixed(1)} B/element, ` +
        `${(result.storeBytes / rows).toFixed(1)} B per stored row (${rows} rows: ${JSON.stringify(c)})`,
    );
    {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(db);
      const connection = await instance.connect();
      const one = async (sql) => (await connection.runAndReadAll(sql)).getRows()[0].map(Number);
      const [events] = await one(
        'SELECT count(*) FROM (SELECT DISTINCT selection, start FROM outage_states)',
      );
      const [states, stateBytes] = await one(
        'SELECT count(*), coalesce(sum(strlen(selection) + strlen(event) + 8 + 1 + 8 + 8), 0) FROM outage_states',
      );
      const [phases, phaseBytes] = await one(
        'SELECT count(*), coalesce(sum(strlen(selection) + 8 + strlen(phase) + 8 + 8), 0) FROM outage_phases',
      );
      connection.closeSync();
      instance.closeSync();
      console.log(
        `  outage events ${events}: ${states} state rows, ${phases} phase rows; ` +
          (events > 0
            ? `${((stateBytes + phaseBytes) / events).toFixed(0)} logical B per event ` +
              `(${(states / events).toFixed(1)} state rows of ${(stateBytes / Math.max(1, states)).toFixed(0)} B, ` +
              `${(phases / events).toFixed(1)} phase rows of ${(phaseBytes / Math.max(1, phases)).toFixed(0)} B)`
            : 'no event'),
      );
    }
    for (const name of Object.keys(QUERIES)) {
      let best;
      for (let i = 0; i < repeat; i++) {
        const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', db, name], {
          encoding: 'utf8',
        });
        if (out.status !== 0) throw new Error(`${name}: ${out.stderr}`);
        const r = JSON.parse(out.stdout);
        if (best === undefined || r.cold < best.cold)
          best = { ...r, warm: Math.min(r.warm, best?.warm ?? Infinity) };
      }
      console.log(
        `  ${name.padEnd(38)} cold ${best.cold.toFixed(1)} ms (store open ${best.openMs.toFixed(0)} ms)  warm ${best.warm.toFixed(2)} ms  ${best.rows} rows`,
      );
    }
    return {
      bytesPerElement: result.storeBytes / result.elementsWritten,
      elementsPerSecond: result.elementsWritten / (ingestMs / 1000),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

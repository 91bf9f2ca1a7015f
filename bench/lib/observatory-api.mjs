#!/usr/bin/env node
// Country views and outage replay through the public APIs (routing, observatory) of two builds,
// measured in turns in child processes, best of N: for comparing a change against its base when
// the CLI does not build. Run: node bench/lib/observatory-api.mjs OLD_ROOT NEW_ROOT [N]
// (each root holds a dist/ built with `npx tsc -p tsconfig.build.json`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const data = fileURLToPath(new URL('../../data/', import.meta.url));
const REGISTRY = `${data}registry/delegated-apnic-20141009.gz`;
const COUNTRY_FILES = [
  `${data}mrt/ripe-bgpdump/updates.et-header.2015.gz`,
  `${data}mrt/pyasn/rib.20140523.0600_firstMB.bz2`,
];
const OUTAGE_FILES = [
  'updates.20020722.2238.gz',
  'updates.20070211.0141.gz',
  'updates.20160811.1600.gz',
  'updates.et-header.2015.gz',
].map((f) => `${data}mrt/ripe-bgpdump/${f}`);
const COUNTRIES = ['KP', 'CN', 'JP', 'AU', 'KR', 'IN'];

async function child(root, mode, file) {
  const dist = (p) => pathToFileURL(`${root}/dist/${p}`).href;
  const { scanMrt } = await import(dist('mrt/index.js'));
  const { RoutingTable } = await import(dist('routing/index.js'));
  const { loadRegistryFiles } = await import(dist('app/registry-files.js'));
  const { Observatory, OutageDetector, selectCountry } = await import(dist('observatory/index.js'));
  const { registry } = await loadRegistryFiles([REGISTRY]);
  const table = new RoutingTable();
  const out = {};
  if (mode === 'load') {
    const t = performance.now();
    await scanMrt(file, table.visitor());
    out.ms = performance.now() - t;
    out.check = String(table.routeCount);
  } else if (mode === 'country') {
    let t = performance.now();
    await scanMrt(file, table.visitor());
    out.loadMs = performance.now() - t;
    t = performance.now();
    const observatory = new Observatory(table, registry);
    const kp = observatory.country('KP');
    out.kpMs = performance.now() - t;
    t = performance.now();
    const views = observatory.allCountries();
    out.allMs = performance.now() - t;
    t = performance.now();
    const as = observatory.asView(4837);
    out.asMs = performance.now() - t;
    out.ms = out.loadMs + out.kpMs + out.allMs + out.asMs;
    out.check = JSON.stringify([
      kp.upstreams,
      kp.dependency.slice(0, 3),
      views.length,
      as.prefixes.length,
    ]).length;
  } else {
    const detectors = COUNTRIES.map((c) => new OutageDetector(table, { select: selectCountry(registry, c) }));
    let last = 0;
    table.onEvent((event) => {
      if (event.time > last) last = event.time;
    });
    const t = performance.now();
    await scanMrt(file, table.visitor());
    for (const detector of detectors) detector.finish(last);
    out.ms = performance.now() - t;
    out.check = detectors.map((d) => d.events.length).join(',');
  }
  process.stdout.write(JSON.stringify(out));
}

function run(root, mode, file) {
  const r = spawnSync(process.execPath, [here, '--child', root, mode, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${root} ${mode} ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], process.argv[5]);
} else {
  const [oldRoot, newRoot, n = '7'] = process.argv.slice(2);
  const cases = [
    ['load', COUNTRY_FILES[0]],
    ...COUNTRY_FILES.map((f) => ['country', f]),
    ...OUTAGE_FILES.map((f) => ['outages', f]),
  ];
  const only = process.env.ONLY;
  for (const [mode, file] of cases) {
    if (only && !mode.startsWith(only)) continue;
    const best = { old: undefined, new: undefined };
    for (let i = 0; i < Number(n); i++) {
      for (const [name, root] of [
        ['old', oldRoot],
        ['new', newRoot],
      ]) {
        const r = run(root, mode, file);
        if (best[name] === undefined || r.ms < best[name].ms) best[name] = r;
      }
    }
    if (best.old.check !== best.new.check)
      console.log(`  results differ: ${best.old.check} vs ${best.new.check}`);
    const fmt = (r) =>
      Object.entries(r)
        .filter(([k]) => k.endsWith('Ms') || k === 'ms')
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(' ');
    console.log(
      `${mode} ${file.replace(data, '')}: old ${fmt(best.old)} | new ${fmt(best.new)} | new/old ${(best.new.ms / best.old.ms).toFixed(3)}`,
    );
  }
}

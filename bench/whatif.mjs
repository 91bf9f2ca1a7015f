#!/usr/bin/env node
// What-if benchmark (issue #19 point 4): every country for one removed AS on the largest
// multi-peer table in data/, against the time to compute every country's dependency (AS
// hegemony, Observatory.allCountries) on the same table, in the same process after one load.
// Build first: npx tsc -p tsconfig.build.json. Run:
//   node bench/whatif.mjs [--remove ASN] [--synthetic-peers N] [--synthetic-only] [FILE...]
// No full multi-peer table is in data/ or the corpus, so the default run adds a SYNTHETIC one
// (bench/lib/synthetic-multipeer.mjs: the real 2015 paths seen from N real transit ASes, N = 10
// by default, 0 to skip), generated into a temporary file and removed afterwards.
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;
/** RouteViews, May 2014, first MiB (35 peers): the multi-peer RIB in data/ with the most routes; then the one-session full table of 2015. */
const DEFAULT_FILES = [
  `${root}data/mrt/pyasn/rib.20140523.0600_firstMB.bz2`,
  `${root}data/mrt/ripe-bgpdump/updates.et-header.2015.gz`,
];
const REPEAT = 3;

function best(label, run) {
  let ms = Infinity;
  let cpuMs = Infinity;
  let value;
  for (let i = 0; i < REPEAT; i++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    value = run();
    const used = process.cpuUsage(cpu);
    ms = Math.min(ms, performance.now() - start);
    cpuMs = Math.min(cpuMs, (used.user + used.system) / 1000);
  }
  return { label, ms, cpuMs, value };
}

async function main() {
  const args = process.argv.slice(2);
  let removeArg;
  let syntheticPeers = 10;
  let syntheticOnly = false;
  const files = [];
  for (let i = 0; i < args.length; i++)
    if (args[i] === '--remove') removeArg = args[++i];
    else if (args[i] === '--synthetic-peers') syntheticPeers = Number(args[++i]);
    else if (args[i] === '--synthetic-only') syntheticOnly = true;
    else files.push(args[i]);
  const labels = new Map();
  let tmp;
  if (files.length === 0) {
    if (!syntheticOnly) files.push(...DEFAULT_FILES);
    if (syntheticPeers > 0) {
      const { writeSyntheticMultiPeerRib } = await import('./lib/synthetic-multipeer.mjs');
      tmp = mkdtempSync(join(os.tmpdir(), 'cairn-bench-whatif-'));
      const file = join(tmp, `synthetic-multipeer.${syntheticPeers}.mrt`);
      const start = performance.now();
      const made = await writeSyntheticMultiPeerRib(file, { peers: syntheticPeers });
      files.push(file);
      labels.set(
        file,
        `SYNTHETIC multi-peer RIB (bench/lib/synthetic-multipeer.mjs): ${made.prefixes} real prefixes and paths of ` +
          `data/mrt/ripe-bgpdump/updates.et-header.2015.gz seen from ${made.peers.length} real ASes ` +
          `(AS${made.peers.map((p) => p.asn).join(', AS')}), ${made.routes} routes, ` +
          `${(made.bytes / 2 ** 20).toFixed(0)} MiB, written in ${(performance.now() - start).toFixed(0)} ms`,
      );
    }
  }
  const { loadRoutingWorld, inferRelationships, whatIfOnWorld } = await import(dist('app/index.js'));
  const { RemovalSimulator } = await import(dist('observatory/index.js'));
  console.log(`# cairn whatif benchmark, ${new Date().toISOString()}`);
  console.log(
    `# ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, node ${process.version}, best of ${REPEAT}`,
  );
  try {
    for (const file of files) {
      const loadStart = performance.now();
      const world = await loadRoutingWorld({ mrt: [file] });
      const loadMs = performance.now() - loadStart;
      const table = world.table;
      const peers = table.peers().filter((p) => table.peerRouteCount(p.id) > 0).length;
      let routes = 0;
      table.forEachRoute(() => routes++);
      const dependency = best('dependency, every country (Observatory.allCountries)', () => {
        world.observatory.refresh();
        return world.observatory.allCountries().length;
      });
      const inference = best('relationship inference (Gao)', () => inferRelationships(world));
      const rel = inference.value;
      // Default removal: the AS with the most inferred neighbours that is not a vantage AS.
      const vantages = new Set(new RemovalSimulator(table, world.registry, rel).vantages());
      let removed = removeArg !== undefined ? Number(String(removeArg).replace(/^AS/i, '')) : -1;
      if (removed < 0) {
        let most = -1;
        for (const link of rel.links())
          for (const asn of [link.a, link.b]) {
            if (vantages.has(asn)) continue;
            const degree = rel.neighbours(asn).length;
            if (degree > most) {
              most = degree;
              removed = asn;
            }
          }
      }
      const removal = best(`removal of AS${removed}, every country (RemovalSimulator.run)`, () =>
        new RemovalSimulator(table, world.registry, rel).run(new Set([removed])),
      );
      const whole = best(
        `cairn whatif --all-countries end to end after loading (inference + run + result)`,
        () => whatIfOnWorld(world, new Set([removed]), [], true),
      );
      const ranking = whole.value.ranking;
      // Relative to the repository, so the results name no path of this machine.
      console.log(`\n${labels.get(file) ?? relative(fileURLToPath(new URL('..', import.meta.url)), file)}`);
      console.log(
        `  table               ${routes} routes, ${peers} peers with routes; loaded in ${loadMs.toFixed(0)} ms`,
      );
      console.log(
        `  graph               ${rel.asCount} ASes, ${rel.linkCount} links ${JSON.stringify(rel.counts())} from ${rel.pathCount} paths; ${vantages.size} vantage ASes`,
      );
      for (const m of [dependency, inference, removal, whole])
        console.log(`  ${m.label.padEnd(78)} ${m.ms.toFixed(0)} ms (CPU ${m.cpuMs.toFixed(0)} ms)`);
      console.log(
        `  whatif / dependency ${(whole.ms / dependency.ms).toFixed(2)}x wall, ${(whole.cpuMs / dependency.cpuMs).toFixed(2)}x CPU   (${ranking.length} countries ranked; ${dependency.value} country views)`,
      );
      const top = ranking.slice(0, 5).map((r) => `${r.country} cut ${(r.share.cut * 100).toFixed(1)}%`);
      console.log(`  most cut off        ${top.join(', ')}`);
    }
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

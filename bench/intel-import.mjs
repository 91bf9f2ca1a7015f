// CPU time of the bundled corpus's import (loadCorpus of data/intel, the ATT&CK bundle alone with
// and without its techniques, the warninglists into one index), this build against another one
// in the same process, runs alternating; and a digest of what each build imported (every fact of
// the graph, the import reports, labels, cases by file, the ATT&CK index, the warninglist index),
// which must be the same. Build both first:
//   npx tsc -p tsconfig.build.json && node bench/intel-import.mjs [--base=CHECKOUT] [--runs=N]
// CHECKOUT is another checkout holding its own dist/ (the build before a change).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const baseArg = process.argv.find((a) => a.startsWith('--base='));
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const runs = runsArg === undefined ? 8 : Number(runsArg.slice('--runs='.length));
const builds = [
  ...(baseArg === undefined ? [] : [['base', path.resolve(baseArg.slice('--base='.length))]]),
  ['this', here],
];

const dir = path.join(here, 'data/intel');
const walk = (d) =>
  readdirSync(d)
    .sort()
    .flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : [path.join(d, f)]));
const files = walk(dir).map((p) => ({ path: path.relative(dir, p), bytes: readFileSync(p) }));
const attack = files.find((f) => f.path.startsWith('attack/') && f.path.endsWith('.json.gz'));
const lists = files.filter((f) => f.path.startsWith('warninglists/lists/'));

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Everything an import made, as one digest. */
function digest(I, graph, corpus) {
  const h = createHash('sha256');
  for (const kind of [
    'source',
    'case',
    'actor',
    'malware',
    'technique',
    'report',
    'relationship',
    'sighting',
    'indicator',
  ])
    h.update(JSON.stringify(graph.all(kind)));
  for (const c of graph.cases) h.update(JSON.stringify(graph.indicatorsOfCase(c.id).map((i) => i.id)));
  h.update(JSON.stringify(corpus.reports));
  h.update(JSON.stringify([[...corpus.labels], [...corpus.reliability], [...corpus.casesByFile]]));
  const a = corpus.attack;
  h.update(
    JSON.stringify([
      [...a.groups].map(([k, g]) => [k, g.aliases, [...g.techniques], [...g.software], [...g.campaigns]]),
      [...a.campaigns].map(([k, c]) => [k, c.attributedTo, [...c.techniques], [...c.software]]),
      [...a.parentTechnique],
      [...a.replacedBy],
      [...a.revokedBy],
    ]),
  );
  h.update(JSON.stringify(corpus.warninglists.toData()));
  const names = new I.EvidenceGraph();
  const { report } = I.importAttack(names, attack.bytes, { techniques: false });
  h.update(JSON.stringify([report, names.counts(), names.actors, names.relationships]));
  return h.digest('hex');
}

const loaded = [];
for (const [name, root] of builds)
  loaded.push({ name, I: await import(path.join(root, 'dist/intel/index.js')), times: {} });

const steps = {
  'loadCorpus (data/intel)': (I) => I.loadCorpus(new I.EvidenceGraph(), files),
  'importAttack (ATT&CK subset, gzip)': (I) => I.importAttack(new I.EvidenceGraph(), attack.bytes),
  'importAttack, techniques: false': (I) =>
    I.importAttack(new I.EvidenceGraph(), attack.bytes, { techniques: false }),
  'warninglists, one index': (I) => {
    const index = new I.WarninglistIndex();
    for (const f of lists) index.add(f.path, f.bytes);
  },
};
for (let k = 0; k < runs; k++)
  for (const b of loaded)
    for (const [step, run] of Object.entries(steps)) {
      const t = cpu();
      run(b.I);
      (b.times[step] ??= []).push(cpu() - t);
    }

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`| step | ${loaded.map((b) => `${b.name}: min / median ms`).join(' | ')} |`);
console.log(`|---|${loaded.map(() => '---|').join('')}`);
for (const step of Object.keys(steps))
  console.log(
    `| ${step} | ${loaded
      .map((b) => `${Math.min(...b.times[step]).toFixed(0)} / ${median(b.times[step]).toFixed(0)}`)
      .join(' | ')} |`,
  );
for (const b of loaded) {
  const graph = new b.I.EvidenceGraph();
  console.log(`digest ${b.name}: ${digest(b.I, graph, b.I.loadCorpus(graph, files))}`);
}

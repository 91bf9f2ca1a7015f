// CPU of loading delegated files cold, as every CLI command that places addresses pays it: one
// fresh process per run, process.cpuUsage around loadRegistryFiles (read, gunzip, parse, load),
// then around parseDelegated alone on the same texts. Compares two builds, alternated.
//   node bench/registry-load.mjs [--base <other dist>] [--this <dist>] [--runs 6] [--set bundled,corpus]
//     [--what load,parse]
// Without --base only this checkout's dist/ (or --this) is measured. Reports medians and the ratio.
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundledFile, corpusFiles, readDelegatedText } from './lib/registry-corpus.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The corpus set starts with the bundled file (its copy in the corpus is the same file).
const SETS = {
  bundled: [bundledFile(root)],
  corpus: [bundledFile(root), ...corpusFiles(root)],
};

const args = process.argv.slice(2);
const cpu = (start) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

if (args[0] === 'child') {
  const [, dist, set, what] = args;
  const files = SETS[set];
  if (what === 'load') {
    const { loadRegistryFiles } = await import(pathToFileURL(join(dist, 'app/registry-files.js')).href);
    const start = process.cpuUsage();
    const { reports, problems } = await loadRegistryFiles(files);
    const ms = cpu(start);
    const unread = problems.find((p) => p.code === 'REGISTRY_READ_FAILED');
    if (unread !== undefined) throw unread;
    console.log(JSON.stringify({ ms, records: reports.reduce((n, r) => n + r.records, 0) }));
  } else {
    const { parseDelegated } = await import(pathToFileURL(join(dist, 'registry/index.js')).href);
    const texts = files.map(readDelegatedText);
    const start = process.cpuUsage();
    let records = 0;
    for (let i = 0; i < files.length; i++) records += parseDelegated(files[i], texts[i]).records.length;
    const ms = cpu(start);
    console.log(JSON.stringify({ ms, records }));
  }
} else {
  const option = (name, fallback) => {
    const at = args.indexOf(`--${name}`);
    return at === -1 ? fallback : args[at + 1];
  };
  const runs = Number(option('runs', '6'));
  const sets = option('set', 'bundled,corpus').split(',');
  const builds = [['this', resolve(option('this', join(root, 'dist')))]];
  const base = option('base', undefined);
  if (base !== undefined) builds.unshift(['base', resolve(base)]);
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  for (const set of sets) {
    for (const what of option('what', 'load,parse').split(',')) {
      const times = new Map(builds.map(([name]) => [name, []]));
      let records;
      for (let run = 0; run < runs; run++) {
        // Alternate which build goes first, so neither always runs on a warmer machine.
        const order = run % 2 === 0 ? builds : [...builds].reverse();
        for (const [name, dist] of order) {
          const out = execFileSync(process.execPath, [
            fileURLToPath(import.meta.url),
            'child',
            dist,
            set,
            what,
          ]);
          const result = JSON.parse(out.toString());
          times.get(name).push(result.ms);
          if (records !== undefined && records !== result.records) throw new Error('record counts differ');
          records = result.records;
        }
      }
      const line = builds.map(([name]) => {
        const list = times.get(name);
        return `${name} median ${median(list).toFixed(0)} ms [${list.map((t) => t.toFixed(0)).join(' ')}]`;
      });
      const ratio =
        base === undefined
          ? ''
          : `; base/this ${(median(times.get('base')) / median(times.get('this'))).toFixed(2)}x`;
      console.log(`${set} ${what} (${records} records, ${runs} runs, CPU ms): ${line.join('; ')}${ratio}`);
    }
  }
}

// The TypeScript bzip2 decoder (the fallback when no native tool is installed, and the recovery
// path) against `bzip2 -dc` and `lbzip2 -dc -n 1` on the same files, by CPU time (user + sys).
//
//   npx tsc -p tsconfig.build.json && node bench/bzip2.mjs [FILE.bz2 ...]
//   BZIP2_MODULE=/path/to/bzip2.js node bench/bzip2.mjs    # another build of the decoder
//
// Inputs: by default every .bz2 file under data/mrt (the truncated "firstMB" ones decode up to
// their last complete block; the tools are timed on the same bytes and fail at the cut). Ours is
// timed in process (process.cpuUsage around the decode of all files), the tools as whole processes
// (start-up included) from /usr/bin/time. The machine is shared and noisy, so each side is run
// REPEAT times (default 5) and its best run is reported. Peak memory: /usr/bin/time's max RSS for
// the tools, process.resourceUsage().maxRSS (Node itself included) for ours.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const modulePath = process.env.BZIP2_MODULE ?? join(root, 'dist/mrt/bzip2.js');
const { Bzip2Decoder } = await import(pathToFileURL(modulePath).href);
const repeat = Number(process.env.REPEAT ?? 5);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.bz2') ? [p] : [];
  });
}
const files = process.argv.length > 2 ? process.argv.slice(2) : walk(join(root, 'data/mrt')).sort();
const inputs = files.map((f) => readFileSync(f));
const compressed = inputs.reduce((n, b) => n + b.length, 0);

/** Decodes one file whole; returns the decompressed length (stops at a typed error, as at a cut). */
function decodeOurs(name, data) {
  const decoder = new Bzip2Decoder(name);
  decoder.push(data);
  decoder.end();
  let n = 0;
  try {
    for (let out = decoder.next(); out !== undefined && out !== null; out = decoder.next()) n += out.length;
  } catch (error) {
    if (!(error instanceof Error) || !('code' in error)) throw error;
  }
  return n;
}

function cpuOf(f) {
  const before = process.cpuUsage();
  const value = f();
  const used = process.cpuUsage(before);
  return { seconds: (used.user + used.system) / 1e6, value };
}

let oursBest = Infinity;
let decompressed = 0;
for (let r = 0; r < repeat; r++) {
  const { seconds, value } = cpuOf(() => files.reduce((n, f, i) => n + decodeOurs(f, inputs[i]), 0));
  oursBest = Math.min(oursBest, seconds);
  decompressed = value;
}
const oursRss = process.resourceUsage().maxRSS * 1024;

function tool(command, args) {
  let best = Infinity;
  let peak = 0;
  let out = 0;
  for (let r = 0; r < repeat; r++) {
    let seconds = 0;
    out = 0;
    for (const f of files) {
      const run = spawnSync('/usr/bin/time', ['-f', '%U %S %M', command, ...args, f], {
        maxBuffer: 1 << 30,
        encoding: 'buffer',
      });
      const lines = run.stderr.toString().trim().split('\n');
      const [user, sys, rssKb] = lines[lines.length - 1].split(' ').map(Number);
      seconds += user + sys;
      peak = Math.max(peak, rssKb * 1024);
      out += run.stdout.length;
    }
    best = Math.min(best, seconds);
  }
  return { seconds: best, peak, out };
}

const mb = (n) => (n / 1e6).toFixed(1);
console.log(
  `${files.length} files, ${mb(compressed)} MB compressed, ${mb(decompressed)} MB decoded by ours; best of ${repeat}`,
);
console.log('| decoder | CPU s | MB/s (decoded) | ours / it | peak RSS MB | bytes out |');
console.log('| --- | --- | --- | --- | --- | --- |');
console.log(
  `| ours (TypeScript) | ${oursBest.toFixed(3)} | ${mb(decompressed / oursBest)} | 1.00 | ${mb(oursRss)} | ${decompressed} |`,
);
for (const [label, command, args] of [
  ['bzip2 -dc', 'bzip2', ['-dc']],
  ['lbzip2 -dc -n 1', 'lbzip2', ['-dc', '-n', '1']],
]) {
  const t = tool(command, args);
  console.log(
    `| ${label} | ${t.seconds.toFixed(3)} | ${mb(decompressed / t.seconds)} | ${(oursBest / t.seconds).toFixed(2)} | ${mb(t.peak)} | ${t.out} |`,
  );
}

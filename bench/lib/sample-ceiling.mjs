// The floor of `cairn intel sample` in Node: the same walk, reused read buffer and worker threads,
// but only the hashes the reference tools compute (sha256 as sha256sum, ssdeep as `ssdeep -r`),
// one line per file. What cairn's whole report costs beyond this is its own work (md5, sha1,
// TLSH, PE traits, string scan, JSON).
//
//   node bench/lib/sample-ceiling.mjs DIR [WORKERS]
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const { SsdeepHasher } = await import(new URL('../../dist/hash/index.js', import.meta.url).href);

let buffer = Buffer.allocUnsafeSlow(1 << 20);
function hashFile(file) {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (buffer.length < size) buffer = Buffer.allocUnsafeSlow(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buffer, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    const bytes = buffer.subarray(0, got);
    const ssdeep = new SsdeepHasher().setTotalLength(got).update(bytes).digest();
    return `${ssdeep},${createHash('sha256').update(bytes).digest('hex')},${file}`;
  } finally {
    closeSync(fd);
  }
}

if (isMainThread) {
  const dir = process.argv[2];
  const count = Number(process.argv[3] ?? Math.min(8, os.availableParallelism()));
  const files = readdirSync(dir)
    .sort()
    .map((f) => join(dir, f));
  const lines = new Array(files.length);
  const per = Math.ceil(files.length / count);
  await Promise.all(
    Array.from(
      { length: count },
      (_, w) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: files.slice(w * per, (w + 1) * per),
          });
          worker.on('message', (out) => {
            for (let i = 0; i < out.length; i++) lines[w * per + i] = out[i];
            resolve();
          });
          worker.on('error', reject);
        }),
    ),
  );
  process.stdout.write(lines.join('\n') + '\n');
} else {
  parentPort.postMessage(workerData.map(hashFile));
}

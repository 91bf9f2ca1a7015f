/**
 * `cairn serve` over a store, as a user runs it: the built binary in a child process on
 * 127.0.0.1 port 0 with `--db` in a temporary folder. The first start ingests the bundled data
 * (a line on stderr says so) and serves the store's answers; the second start finds every file
 * there, ingests nothing and serves the same store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HistoryDependencyResult, IngestStatusResult } from '../../src/app/index.js';
import { envelope } from '../../src/server/index.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
let home: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run npm run build first');
  home = await mkdtemp(join(tmpdir(), 'cairn-store-serve-'));
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(home, { recursive: true, force: true });
});

/** Starts `cairn serve --db` and resolves once it prints its address (at most 5 minutes: a first start ingests). */
function serve(): Promise<{
  child: ChildProcess;
  url: string;
  err: () => string;
  exited: Promise<number | null>;
}> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--no-progress', '--db', join(home, 'store', 'cairn.duckdb')],
    { env: { ...process.env, CAIRN_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`waited 5 minutes for the address; output: ${out}${err}`)),
      300_000,
    );
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match !== null && /write token/.test(out)) {
        clearTimeout(timer);
        resolve({ child, url: match[1], err: () => err, exited });
      }
    });
    child.on('exit', (code) => reject(new Error(`cairn serve exited ${code}: ${out}${err}`)));
  });
}

async function status(url: string): Promise<IngestStatusResult> {
  const answer = await fetch(`${url}/api/v1/ingest/status?limit=1000`);
  expect(answer.status).toBe(200);
  return envelope(IngestStatusResult).parse(await answer.json()).data;
}

it('ingests the bundled data on the first start only, and serves the store', async () => {
  const first = await serve();
  expect(first.err()).toMatch(
    /^cairn: first start: ingesting the bundled data into the store \(\d+ files, once\)$/m,
  );
  expect(first.err()).toMatch(
    /^cairn: ingested \d+ files \([\d,]+ elements\) into .*cairn\.duckdb in [\d.]+ s$/m,
  );
  const held = await status(first.url);
  expect(held.files.map((f) => f.name)).toContain('updates.et-header.2015.gz');
  expect(held.files.map((f) => f.name)).toContain('delegated-apnic-20141009.gz');
  expect(held.totals.byKind.intel.files).toBeGreaterThan(30);
  const dependency = await fetch(`${first.url}/api/v1/countries/KP/dependency/history`);
  const kp = envelope(HistoryDependencyResult).parse(await dependency.json()).data;
  expect(kp.snapshots.at(-1)?.upstreams.map((u) => u.asn)).toEqual([4837]);
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);

  const second = await serve();
  expect(second.err()).not.toContain('ingesting');
  // The same files, ingested when the first start ingested them.
  expect(await status(second.url)).toEqual({ ...held, storeBytes: (await status(second.url)).storeBytes });
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 600_000);

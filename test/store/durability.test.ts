/**
 * Durability: `cairn ingest` (the built dist/cli/main.js, in a child process) is killed with
 * SIGKILL at 20 random points (seeded: the seed is printed, `CAIRN_TEST_SEED=N` replays a run).
 * After each kill the store must hold exactly the files whose transaction committed, in time
 * order, each with exactly the rows the same file has in a reference store filled in one
 * uninterrupted run, and nothing else (no row of a file that did not commit). Ingest then
 * completes, and the store answers every query as the reference does.
 *
 * Input: the SYNTHETIC December 2014 replay (real routes, synthetic peers and timeline) cut into
 * daily files (test/store/synthetic-files.ts), small enough for 20 runs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/app/index.js';
import { DuckDbStore, type StoreCounts } from '../../src/store/index.js';
import { prng } from '../fixtures/prng.js';
import { storeDigest } from './digest.js';
import { writeSyntheticFiles } from './synthetic-files.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'dist/cli/main.js');
const KILLS = 20;
/** Six-hourly snapshots: fewer than the default hourly ones, to keep 20 runs short. */
const DEPENDENCY_SECONDS = 6 * 3600;
const SEED = Number(process.env.CAIRN_TEST_SEED ?? Date.now() % 1_000_000_007);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-durability-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const mrtDir = path.join(dir, 'mrt');
let files: string[];
let hashes: string[];
const reference = new Map<string, StoreCounts>();
let referenceDigest: unknown;

function removeStore(file: string): void {
  for (const f of [file, `${file}.wal`]) fs.rmSync(f, { force: true });
}

/** Starts `cairn ingest` on the synthetic files; resolves when the child has exited. */
function startIngest(db: string): { exited: Promise<number | null>; kill(): void; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'ingest',
      '--mrt',
      mrtDir,
      '--db',
      db,
      '--outage-country',
      'KP',
      '--dependency-interval',
      String(DEPENDENCY_SECONDS),
      '--no-progress',
      '--json',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exited, kill: () => child.kill('SIGKILL'), stderr: () => stderr };
}

/** The store after a kill: a prefix of the files, each whole, nothing else. Returns how many. */
async function checkCommitted(db: string): Promise<number> {
  if (!fs.existsSync(db)) return 0;
  const store = await DuckDbStore.open(db);
  try {
    const stored = await store.files();
    expect(stored.map((f) => f.hash)).toEqual(hashes.slice(0, stored.length));
    const sum: StoreCounts = {
      files: 0,
      bins: 0,
      visibilityPoints: 0,
      dependencySnapshots: 0,
      changes: 0,
      outages: 0,
      resets: 0,
      evidence: 0,
      achCases: 0,
    };
    for (const f of stored) {
      const counts = await store.fileCounts(f.hash);
      expect(counts, f.path).toEqual(reference.get(f.hash));
      for (const key of Object.keys(sum) as Array<keyof StoreCounts>) sum[key] += counts![key];
    }
    const all = await store.counts();
    // Bins and outages are counted distinct over the store; the rest add up file by file.
    expect({ ...all, bins: 0, outages: 0 }).toEqual({ ...sum, bins: 0, outages: 0 });
    return stored.length;
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  expect(fs.existsSync(CLI), `${CLI} (run npm run build first)`).toBe(true);
  files = await writeSyntheticFiles(mrtDir);
  const db = path.join(dir, 'reference.duckdb');
  await ingest({ mrt: [mrtDir], db, outageCountries: ['KP'], dependencySeconds: DEPENDENCY_SECONDS });
  const store = await DuckDbStore.open(db);
  try {
    hashes = (await store.files()).map((f) => f.hash);
    for (const hash of hashes) reference.set(hash, (await store.fileCounts(hash))!);
    referenceDigest = await storeDigest(store);
  } finally {
    await store.close();
  }
});

describe('ingest killed with SIGKILL', () => {
  it(`holds exactly the committed files after each of ${KILLS} kills, then completes`, async () => {
    console.log(`durability seed ${SEED} (CAIRN_TEST_SEED=${SEED} replays it)`);
    expect(hashes).toHaveLength(files.length);
    const db = path.join(dir, 'killed.duckdb');

    // How long an uninterrupted run takes here: the kill points are drawn within it.
    const started = performance.now();
    const whole = startIngest(db);
    expect(await whole.exited, whole.stderr()).toBe(0);
    const span = performance.now() - started;
    expect(await checkCommitted(db)).toBe(files.length);
    removeStore(db);

    const random = prng(SEED);
    const seen: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const delay = random() * span;
      const run = startIngest(db);
      const timer = setTimeout(() => run.kill(), delay);
      const code = await run.exited;
      clearTimeout(timer);
      expect(code === null || code === 0, run.stderr()).toBe(true);
      const committed = await checkCommitted(db);
      seen.push(committed);
      // Start again from an empty store once one run got through, so later kills land mid-way.
      if (committed === files.length) removeStore(db);
    }
    console.log(`files committed at the ${KILLS} kills: ${seen.join(' ')}`);

    const last = startIngest(db);
    expect(await last.exited, last.stderr()).toBe(0);
    expect(await checkCommitted(db)).toBe(files.length);
    const store = await DuckDbStore.open(db);
    try {
      expect(await storeDigest(store)).toEqual(referenceDigest);
    } finally {
      await store.close();
    }
  });
});

/**
 * Ingest with its outage detection in a worker thread (the build: workers run from dist/, so
 * `npm run build` first) keeps exactly what ingest on one thread keeps: the same store contents
 * on the SYNTHETIC December 2014 replay (real routes, synthetic peers and timeline) with every
 * registry country watched, and on real RIPE update files; and a run resumed with workers ends
 * with the store of an uncut run. The one-pass outage detection of every country keeps the store
 * that one detector per country keeps.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../src/store/index.js';
import { storeDigest } from './digest.js';
import { writeSyntheticFiles } from './synthetic-files.js';

const ROOT = path.join(import.meta.dirname, '../..');
const DIST_INGEST = path.join(ROOT, 'dist/app/ingest.js');
const RIS = path.join(ROOT, 'data/mrt/bgpkit/ripe/rrc15/2010.02');

type Ingest = (
  input: Record<string, unknown>,
  hooks?: object,
  options?: { outageDetection?: 'one-pass' | 'per-country' },
) => Promise<{ ingested: number; counts: unknown }>;
let ingest: Ingest;
let files: string[];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-ingest-workers-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  if (!existsSync(DIST_INGEST)) throw new Error(`${DIST_INGEST} is missing: run \`npm run build\` first`);
  ({ ingest } = (await import(DIST_INGEST)) as { ingest: Ingest });
  files = await writeSyntheticFiles(path.join(dir, 'mrt'));
});

/**
 * The store of ingest on one thread with the default (one-pass) outage detection, every registry
 * country watched: the reference of the first two tests, ingested once for both (they only read it).
 */
let singleThread: Promise<{ db: string; result: Awaited<ReturnType<Ingest>> }> | undefined;
function singleThreadStore(): Promise<{ db: string; result: Awaited<ReturnType<Ingest>> }> {
  singleThread ??= (async () => {
    const db = path.join(dir, 'one.duckdb');
    return { db, result: await ingest({ mrt: files, db, jobs: 1 }) };
  })();
  return singleThread;
}

async function digestOf(db: string): Promise<unknown> {
  const store = await DuckDbStore.open(db);
  try {
    return await storeDigest(store, ['KP', 'CN', 'US']);
  } finally {
    await store.close();
  }
}

describe('ingest with 1 and 2 threads', () => {
  it('keeps the same store on the synthetic replay, every registry country watched', async () => {
    const { db: one, result: a } = await singleThreadStore();
    const two = path.join(dir, 'two.duckdb');
    const b = await ingest({ mrt: files, db: two, jobs: 2 });
    expect(a.ingested).toBe(files.length);
    expect(b.counts).toEqual(a.counts);
    const digest = (await digestOf(one)) as { outages: unknown[] };
    expect(digest.outages.length).toBeGreaterThan(0);
    expect(await digestOf(two)).toEqual(digest);
  });

  it('keeps the same store with one detector per country as with the one-pass detection', async () => {
    // The one-pass store is the first test's single-thread store (the default detection).
    const { db: onePass } = await singleThreadStore();
    const perCountry = path.join(dir, 'per-country.duckdb');
    await ingest({ mrt: files, db: perCountry, jobs: 1 }, {}, { outageDetection: 'per-country' });
    const digest = (await digestOf(onePass)) as { outages: unknown[] };
    expect(digest.outages.length).toBeGreaterThan(0);
    expect(await digestOf(perCountry)).toEqual(digest);
  });

  it('keeps the same store on real RIS update files', async () => {
    const input = [path.join(RIS, 'updates.20100227.1600.gz'), path.join(RIS, 'updates.20100227.1610.gz')];
    const one = path.join(dir, 'ris-one.duckdb');
    const two = path.join(dir, 'ris-two.duckdb');
    await ingest({ mrt: input, db: one, jobs: 1 });
    await ingest({ mrt: input, db: two, jobs: 2 });
    expect(await digestOf(two)).toEqual(await digestOf(one));
  });

  it('ends a run resumed with workers with the store of an uncut run', async () => {
    const resumed = path.join(dir, 'resumed.duckdb');
    const half = files.slice(0, Math.ceil(files.length / 2));
    await ingest({ mrt: half, db: resumed, jobs: 2, outageCountries: ['KP', 'CN'] });
    await ingest({ mrt: files, db: resumed, jobs: 2, outageCountries: ['KP', 'CN'] });
    const uncut = path.join(dir, 'uncut.duckdb');
    await ingest({ mrt: files, db: uncut, jobs: 1, outageCountries: ['KP', 'CN'] });
    expect(await digestOf(resumed)).toEqual(await digestOf(uncut));
  });
});

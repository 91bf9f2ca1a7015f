/**
 * Ingest into the DuckDB store, on the SYNTHETIC December 2014 replay (real routes, synthetic
 * peers and timeline: test/fixtures/synthetic-outage.ts) cut into daily files, and on real RIPE
 * files. References: app's replayOutages on the same files (one run, its own detector), the
 * fixture's timeline (what was withdrawn when), and a store filled in one run for the resumed one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, replayOutages } from '../../src/app/index.js';
import { DuckDbStore } from '../../src/store/index.js';
import {
  KP_ORIGIN,
  KP_PREFIXES,
  RESET_PEER,
  SESSION_RESET,
  SYNTHETIC_TIMELINE,
} from '../fixtures/synthetic-outage.js';
import { storeDigest } from './digest.js';
import { writeSyntheticFiles } from './synthetic-files.js';

const BIN = 300;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-ingest-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files: string[];
const db = path.join(dir, 'all.duckdb');

beforeAll(async () => {
  files = await writeSyntheticFiles(path.join(dir, 'mrt'));
});

describe('ingest of the synthetic December 2014 replay', () => {
  it('writes each daily file once, in time order, whatever order they are given in', async () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
    const result = await ingest({ mrt: [...files].reverse(), db, outageCountries: ['KP', 'CN'] });
    expect(result.ingested).toBe(files.length);
    expect(result.files.map((f) => f.path)).toEqual(files);
    expect(result.files.every((f) => f.problemCount === 0 && f.records > 0)).toBe(true);
    const again = await ingest({ mrt: [path.join(dir, 'mrt')], db });
    expect(again.ingested).toBe(0);
    expect(again.skipped).toBe(files.length);
    expect(again.counts).toEqual(result.counts);
  });

  it('keeps the outage events app replayOutages finds on the same files', async () => {
    const replay = await replayOutages({ mrt: files, selection: { country: 'KP' } });
    const store = await DuckDbStore.open(db);
    try {
      const stored = await store.outages({ selection: 'country KP' });
      const shape = (e: {
        start: number;
        end?: number;
        classification: string;
        extent: string;
        cause: string;
      }) => ({
        start: e.start,
        end: e.end,
        classification: e.classification,
        extent: e.extent,
        cause: e.cause,
      });
      expect(replay.events.length).toBeGreaterThanOrEqual(5);
      expect(stored.map((o) => shape(o.event))).toEqual(replay.events.map(shape));
      for (const o of stored) {
        expect(o.phases[0]).toEqual({ phase: 'open', time: o.event.start });
        if (!o.event.open) expect(o.phases.at(-1)).toEqual({ phase: 'close', time: o.event.end });
      }
    } finally {
      await store.close();
    }
  });

  it("keeps KP's visible space per bin as the timeline withdrew it", async () => {
    const store = await DuckDbStore.open(db);
    try {
      let checked = 0;
      for (const event of SYNTHETIC_TIMELINE) {
        // A bin that ends before the re-announcement and starts after every peer withdrew.
        const bin = Math.ceil((event.down + 60) / BIN) * BIN;
        if (bin + BIN >= event.up) continue;
        const [inside] = await store.visibilitySeries('country', 'KP', bin, bin);
        expect(inside, event.name).toMatchObject({ ipv4Slash24s: 4 - event.prefixes.length });
        const before = Math.floor((event.down - 3600) / BIN) * BIN;
        const [earlier] = await store.visibilitySeries('country', 'KP', before, before);
        expect(earlier, event.name).toMatchObject({ ipv4Slash24s: 4, prefixes: 4, peers: 5 });
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(3);
      const asn = await store.visibilitySeries('asn', String(KP_ORIGIN), 0, 1e12);
      expect(Math.max(...asn.map((p) => p.ipv4Slash24s))).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('records the origin changes of a KP prefix at the end of the bins where they happened', async () => {
    const store = await DuckDbStore.open(db);
    try {
      const changes = await store.prefixChanges({ prefix: KP_PREFIXES[0], kind: 'origin' });
      const expected = SYNTHETIC_TIMELINE.filter((e) => e.prefixes.includes(KP_PREFIXES[0]))
        .filter((e) => Math.floor(e.down / BIN) !== Math.floor(e.up / BIN))
        .flatMap((e) => [
          { time: Math.floor(e.down / BIN) * BIN + BIN, before: [KP_ORIGIN], after: [] },
          { time: Math.floor(e.up / BIN) * BIN + BIN, before: [], after: [KP_ORIGIN] },
        ]);
      expect(changes.map(({ time, before, after }) => ({ time, before, after }))).toEqual(expected);
      const byAsn = await store.prefixChanges({ asn: KP_ORIGIN, kind: 'origin' });
      expect(new Set(byAsn.map((c) => c.prefix))).toEqual(new Set(KP_PREFIXES));
    } finally {
      await store.close();
    }
  });

  it("records the reset peer's session reset and no outage for it", async () => {
    const store = await DuckDbStore.open(db);
    try {
      const resets = await store.sessionResets(SESSION_RESET.down - 60, SESSION_RESET.up);
      expect(resets.map((r) => [r.peerAsn, r.peerAddress])).toEqual([[RESET_PEER.asn, RESET_PEER.address]]);
      expect(resets[0].time).toBeCloseTo(SESSION_RESET.down, 0);
      const during = await store.outages({
        selection: 'country KP',
        from: SESSION_RESET.down,
        to: SESSION_RESET.up,
      });
      expect(during).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('keeps hourly dependency snapshots of KP: AS4837 carries everything', async () => {
    const store = await DuckDbStore.open(db);
    try {
      const series = await store.dependencySeries('KP', 0, 1e12);
      expect(series.length).toBeGreaterThanOrEqual(9 * 24 - 2);
      // Every hour, and once at the end of the first file.
      const firstFileEnd = Math.floor((await store.files())[0].lastTime!);
      expect(series.filter((s) => s.time % 3600 !== 0).map((s) => s.time)).toEqual([firstFileEnd]);
      const quiet = await store.dependencyAt('KP', SYNTHETIC_TIMELINE[0].down - 3600);
      expect(quiet?.dependency.find((d) => d.asn === 4837)?.hegemony).toBe(1);
      expect(quiet?.upstreams).toEqual([{ asn: 4837, share: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('resumes: a store filled in two runs holds what the one-run store holds', async () => {
    const resumed = path.join(dir, 'resumed.duckdb');
    const first = await ingest({ mrt: files.slice(0, 3), db: resumed, outageCountries: ['KP', 'CN'] });
    expect(first.ingested).toBe(3);
    const second = await ingest({ mrt: files, db: resumed, outageCountries: ['KP', 'CN'] });
    expect(second.ingested).toBe(files.length - 3);
    expect(second.files.filter((f) => f.status === 'skipped')).toHaveLength(3);
    const a = await DuckDbStore.open(db);
    const b = await DuckDbStore.open(resumed);
    try {
      expect(await storeDigest(b, ['KP', 'CN'])).toEqual(await storeDigest(a, ['KP', 'CN']));
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('ingest of real files', () => {
  const real = (p: string): string => fileURLToPath(new URL(`../../data/mrt/${p}`, import.meta.url));

  it('ingests RIPE update files of different collectors, records their times and problems', async () => {
    const file = path.join(dir, 'real.duckdb');
    const inputs = [
      real('bgpkit/ripe/rrc15/2010.02/updates.20100227.1610.gz'),
      real('bgpkit/ripe/rrc15/2010.02/updates.20100227.1600.gz'),
      real('ripe-bgpdump/updates.nlri_mask_trailing_bits.gz'),
    ];
    const result = await ingest({ mrt: inputs, db: file, outageCountries: [] });
    expect(result.files.map((f) => path.basename(f.path)).slice(0, 2)).toEqual([
      'updates.20100227.1600.gz',
      'updates.20100227.1610.gz',
    ]);
    expect(result.ingested).toBe(3);
    const store = await DuckDbStore.open(file);
    try {
      const stored = await store.files('mrt');
      for (const f of stored) {
        expect(f.firstTime).toBeLessThanOrEqual(f.lastTime!);
        expect(f.hash).toMatch(/^[0-9a-f]{64}$/);
      }
      expect((await store.counts()).visibilityPoints).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('imports evidence files once and finds an indicator by value', async () => {
    const file = path.join(dir, 'intel.duckdb');
    const lazarus = fileURLToPath(new URL('../../data/intel/iocs/eset/nukesped_lazarus', import.meta.url));
    const sha256 = fs.readFileSync(path.join(lazarus, 'samples.sha256'), 'utf8').split('\n')[0].trim();
    const first = await ingest({ intel: [lazarus], db: file });
    expect(first.ingested).toBeGreaterThan(0);
    expect(first.counts.evidence).toBeGreaterThan(0);
    const again = await ingest({ intel: [lazarus], db: file });
    expect(again.ingested).toBe(0);
    expect(again.counts).toEqual(first.counts);
    const store = await DuckDbStore.open(file);
    try {
      const found = await store.findEvidence(sha256);
      expect(found.length).toBeGreaterThanOrEqual(1);
      expect(found[0]).toMatchObject({ kind: 'indicator', type: 'sha256', value: sha256 });
    } finally {
      await store.close();
    }
  });

  it('records registry files and reads the routing with them when none is given', async () => {
    const file = path.join(dir, 'registry.duckdb');
    const apnic = fileURLToPath(new URL('../../data/registry/delegated-apnic-20141009.gz', import.meta.url));
    const first = await ingest({ registry: [apnic], db: file });
    expect(first.files).toMatchObject([{ kind: 'registry', status: 'ingested', path: apnic }]);
    expect(first.files[0].records).toBeGreaterThan(1000);
    expect((await ingest({ registry: [apnic], db: file })).files[0].status).toBe('skipped');
    await ingest({ mrt: files.slice(0, 2), db: file, outageCountries: ['KP'] });
    const store = await DuckDbStore.open(file);
    try {
      expect((await store.files('registry')).map((f) => f.path)).toEqual([apnic]);
      expect((await store.visibilitySeries('country', 'KP', 0, 1e12)).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('says which input does not exist', async () => {
    await expect(
      ingest({ mrt: [path.join(dir, 'nothing-here')], db: path.join(dir, 'x.duckdb') }),
    ).rejects.toMatchObject({
      code: 'INGEST_NO_INPUT',
    });
  });
});

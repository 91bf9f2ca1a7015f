/**
 * The store's routes through `inject`, over two temporary stores: the bundled data ingested as
 * `cairn serve` does on its first start (the RIS table of October 2015, the APNIC registry, the
 * intel corpus), and the SYNTHETIC December 2014 replay (real routes, synthetic peers and
 * timeline, test/store/synthetic-files.ts) for outages and dependency over time. References: the
 * bundled files themselves (hash, size, element times), the facts of the bundled table (KP
 * reached only through AS4837), and the fixture's stated timeline.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEMO_MRT_FILE,
  HistoryCountryChangesResult,
  HistoryDependencyResult,
  HistoryOutagesResult,
  IngestStatusResult,
  StoreWorkspace,
  hashFile,
  ingest,
  ingestBundled,
} from '../../src/app/index.js';
import { AchWorkspace, AchView } from '../../src/app/index.js';
import { Problem, buildServer, envelope, loadServices, type LoadedServices } from '../../src/server/index.js';
import { KP_UPSTREAM } from '../fixtures/synthetic-outage.js';
import { writeSyntheticFiles } from '../store/synthetic-files.js';

const TOKEN = 'store-test-token-' + 's'.repeat(32);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The 22 December outage of the synthetic replay: every KP prefix withdrawn from 16:15 to 01:46.
const BEFORE = '2014-12-22T12:00:00Z';
const DURING = '2014-12-22T20:00:00Z';

let dir: string;
let services: LoadedServices;
let bundledStore: StoreWorkspace;
let replayStore: StoreWorkspace;
let bundled: FastifyInstance;
let replay: FastifyInstance;
let bare: FastifyInstance;
let firstStart: Awaited<ReturnType<typeof ingestBundled>>;
let secondStart: Awaited<ReturnType<typeof ingestBundled>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-store-server-'));
  const bundledDb = join(dir, 'bundled.duckdb');
  firstStart = await ingestBundled({ db: bundledDb });
  secondStart = await ingestBundled({ db: bundledDb });
  const replayDb = join(dir, 'replay.duckdb');
  await writeSyntheticFiles(join(dir, 'mrt'));
  await ingest({ mrt: [join(dir, 'mrt')], db: replayDb, outageCountries: ['KP'] });
  services = await loadServices();
  bundledStore = await StoreWorkspace.open(bundledDb);
  replayStore = await StoreWorkspace.open(replayDb);
  // Each server over a store keeps its own ACH cases (their edits go to that store).
  bundled = await buildServer({
    ...services,
    ach: await AchWorkspace.load(),
    store: bundledStore,
    token: TOKEN,
    webRoot: null,
  });
  replay = await buildServer({
    ...services,
    ach: await AchWorkspace.load(),
    store: replayStore,
    token: TOKEN,
    webRoot: null,
  });
  bare = await buildServer({ ...services, token: TOKEN, webRoot: null });
}, 600_000);
afterAll(async () => {
  await Promise.all([bundled?.close(), replay?.close(), bare?.close()]);
  await bundledStore?.close();
  await replayStore?.close();
  await rm(dir, { recursive: true, force: true });
});

async function get<T extends z.ZodType>(
  app: FastifyInstance,
  url: string,
  schema: T,
): Promise<z.infer<ReturnType<typeof envelope<T>>>> {
  const answer = await app.inject({ url });
  expect(answer.statusCode, `${url}: ${answer.body.slice(0, 300)}`).toBe(200);
  // No answer names a server path (the store's, the repository's).
  expect(answer.body).not.toContain(dir);
  expect(answer.body).not.toContain(ROOT);
  return envelope(schema).parse(answer.json());
}

async function problem(app: FastifyInstance, url: string, status: number): Promise<Problem> {
  const answer = await app.inject({ url });
  expect(answer.statusCode, answer.body).toBe(status);
  return Problem.parse(answer.json());
}

describe('first and second start', () => {
  it('ingests the bundled data once; the second start finds every file there', () => {
    expect(firstStart.missingBefore).toBe(firstStart.bundledFiles);
    expect(firstStart.ingest?.ingested).toBe(firstStart.bundledFiles);
    expect(secondStart).toEqual({ bundledFiles: firstStart.bundledFiles, missingBefore: 0, ingest: null });
  });
});

describe('GET /ingest/status', () => {
  it('lists the bundled files with hash, size, time range and problems, and totals', async () => {
    const answer = await get(bundled, '/api/v1/ingest/status?limit=1000', IngestStatusResult);
    const status = answer.data;
    expect(status.totals.files).toBe(firstStart.bundledFiles);
    expect(status.files).toHaveLength(firstStart.bundledFiles);
    const mrt = status.files.find((f) => f.kind === 'mrt');
    expect(mrt).toMatchObject({
      name: 'updates.et-header.2015.gz',
      hash: await hashFile(DEMO_MRT_FILE),
      size: (await stat(DEMO_MRT_FILE)).size,
      firstTime: '2015-10-23T02:01:18.000Z',
      lastTime: '2015-10-23T02:01:55.000Z',
      problemCount: 0,
    });
    expect(mrt?.records).toBe(firstStart.ingest?.elements);
    expect(status.files.find((f) => f.kind === 'registry')).toMatchObject({
      name: 'delegated-apnic-20141009.gz',
      firstTime: null,
      problemCount: 0,
    });
    // A real fault of the corpus: an MD5 one digit short in Unit 42's APT33 list.
    const apt33 = status.files.find((f) => f.name === 'APT33.csv');
    expect(apt33?.problemCount).toBe(1);
    expect(apt33?.problems[0]).toMatch(/^INTEL_BAD_VALUE: .*not a valid md5/);
    const sum = (pick: (f: (typeof status.files)[number]) => number) =>
      status.files.reduce((total, f) => total + pick(f), 0);
    expect(status.totals).toMatchObject({
      bytes: sum((f) => f.size),
      records: sum((f) => f.records),
      problems: sum((f) => f.problemCount),
    });
    expect(status.totals.byKind.mrt.files).toBe(1);
    expect(status.totals.byKind.registry.files).toBe(1);
    expect(status.totals.byKind.intel.files).toBe(firstStart.bundledFiles - 2);
    expect(status.counts.files).toBe(firstStart.bundledFiles);
    expect(status.counts.evidence).toBeGreaterThan(1000);
    expect(status.storeBytes).toBeGreaterThan(0);
    expect(status.timeRange).toEqual({ from: '2015-10-23T02:00:00.000Z', to: '2015-10-23T02:00:00.000Z' });
    expect(answer.meta.coverage).toMatchObject({
      files: firstStart.bundledFiles,
      sources: ['updates.et-header.2015.gz'],
    });
    expect(answer.meta.page).toMatchObject({ limit: 1000, total: firstStart.bundledFiles, next: null });
  });

  it('pages the files; the totals stay whole', async () => {
    const first = await get(bundled, '/api/v1/ingest/status?limit=2', IngestStatusResult);
    expect(first.data.files).toHaveLength(2);
    expect(first.data.totals.files).toBe(firstStart.bundledFiles);
    const next = await get(
      bundled,
      `/api/v1/ingest/status?limit=2&cursor=${first.meta.page?.next}`,
      IngestStatusResult,
    );
    expect(next.data.files[0].hash).not.toBe(first.data.files[0].hash);
  });
});

describe('GET /countries/:cc/dependency/history', () => {
  it('bundled: KP depends on AS4837, its only upstream, moved from nothing in the first snapshot', async () => {
    const answer = await get(bundled, '/api/v1/countries/kp/dependency/history', HistoryDependencyResult);
    expect(answer.data.country).toBe('KP');
    expect(answer.data.snapshots).toHaveLength(1);
    const snapshot = answer.data.snapshots[0];
    expect(snapshot.time).toBe('2015-10-23T02:01:55.000Z');
    expect(snapshot.upstreams).toEqual([{ asn: 4837, name: 'CHINA169-BACKBONE', share: 1 }]);
    expect(snapshot.dependency.find((d) => d.asn === 4837)).toEqual({
      asn: 4837,
      name: 'CHINA169-BACKBONE',
      hegemony: 1,
      change: 1,
    });
    expect(answer.meta.coverage.peers).toBe(snapshot.peers);
  });

  it('replay: hourly snapshots, each against the one before; none inside the outage', async () => {
    const answer = await get(
      replay,
      `/api/v1/countries/KP/dependency/history?from=${BEFORE}&to=${DURING}&limit=1000`,
      HistoryDependencyResult,
    );
    const at = (time: string) => answer.data.snapshots.find((s) => s.at === Date.parse(time) / 1000);
    expect(at('2014-12-22T16:00:00Z')?.dependency.find((d) => d.asn === KP_UPSTREAM)).toMatchObject({
      hegemony: 1,
      change: 0,
    });
    expect(at('2014-12-22T17:00:00Z')?.dependency).toEqual([]);
    const times = answer.data.snapshots.map((s) => s.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(Date.parse(BEFORE) / 1000);
    expect(times.at(-1)).toBeLessThanOrEqual(Date.parse(DURING) / 1000);
    // The same answer as `cairn history dependency` on the same store.
    expect(answer.data).toEqual(
      await replayStore.dependencyHistory({ country: 'KP', from: BEFORE, to: DURING }),
    );
  });
});

describe('GET /history/outages', () => {
  it('replay: the 22 December outage with its life cycle; filters by time and state', async () => {
    const all = await get(replay, '/api/v1/history/outages?country=KP', HistoryOutagesResult);
    const outage = all.data.outages.find((e) => e.startTime.startsWith('2014-12-22T16:15'));
    expect(outage).toMatchObject({
      classification: 'sustained-outage',
      extent: 'full',
      selection: 'country KP',
    });
    expect(outage?.phases.map((p) => p.phase)).toContain('close');
    const during = await get(
      replay,
      `/api/v1/history/outages?country=KP&from=${DURING}&to=${DURING}`,
      HistoryOutagesResult,
    );
    expect(during.data.outages.map((e) => e.startTime)).toEqual([outage?.startTime]);
    const open = await get(replay, '/api/v1/history/outages?open=true', HistoryOutagesResult);
    expect(open.data.outages.every((e) => e.endTime === null)).toBe(true);
    expect(open.data.outages.length).toBeLessThan(all.data.outages.length);
    const page = await get(replay, '/api/v1/history/outages?country=KP&limit=1', HistoryOutagesResult);
    expect(page.data.outages).toHaveLength(1);
    expect(page.meta.page?.total).toBe(all.data.outages.length);
  });

  it('bundled: the October 2015 table holds no outage', async () => {
    const answer = await get(bundled, '/api/v1/history/outages', HistoryOutagesResult);
    expect(answer.data.outages).toEqual([]);
    expect(answer.meta.page?.total).toBe(0);
  });
});

describe('GET /countries/:cc/changes', () => {
  it('replay: AS4837 lost as upstream when the outage began, dependency moved', async () => {
    const answer = await get(
      replay,
      `/api/v1/countries/KP/changes?from=${BEFORE}&to=${DURING}`,
      HistoryCountryChangesResult,
    );
    expect(answer.data.upstreamsLost.map((u) => u.asn)).toEqual([KP_UPSTREAM]);
    expect(answer.data.upstreamsGained).toEqual([]);
    expect(answer.data.dependencyMoved.find((m) => m.asn === KP_UPSTREAM)).toMatchObject({
      before: 1,
      after: 0,
      change: -1,
    });
    expect(answer.data.outages).toBe(1);
  });

  it('bundled: AS4837 gained against an empty store start; a threshold above 1 leaves no move', async () => {
    const answer = await get(bundled, '/api/v1/countries/KP/changes', HistoryCountryChangesResult);
    expect(answer.data.before).toBeNull();
    expect(answer.data.upstreamsGained.map((u) => u.asn)).toEqual([4837]);
    const none = await get(bundled, '/api/v1/countries/KP/changes?threshold=1', HistoryCountryChangesResult);
    expect(none.data.dependencyMoved).toEqual([]);
  });
});

describe('bad input and no store', () => {
  it('answers 400 naming the field', async () => {
    expect((await problem(bundled, '/api/v1/countries/KPX/changes', 400)).field).toMatch(/cc/);
    expect((await problem(bundled, '/api/v1/history/outages?from=yesterday', 400)).field).toMatch(/from/);
    expect((await problem(bundled, '/api/v1/history/outages?open=maybe', 400)).field).toMatch(/open/);
    expect((await problem(bundled, '/api/v1/countries/KP/changes?threshold=2', 400)).field).toMatch(
      /threshold/,
    );
    const reversed = await problem(
      replay,
      `/api/v1/countries/KP/dependency/history?from=${DURING}&to=${BEFORE}`,
      400,
    );
    expect(reversed.field).toMatch(/to/);
    expect((await problem(bundled, '/api/v1/ingest/status?cursor=zzzz', 400)).field).toMatch(/cursor/);
  });

  it('answers 503 API_NO_STORE on a server started without a store', async () => {
    const answer = await problem(bare, '/api/v1/ingest/status', 503);
    expect(answer.code).toBe('API_NO_STORE');
  });
});

describe('ACH edits kept in the store', () => {
  it('records a rating changed through the API and replays it into cases loaded later', async () => {
    const url = '/api/v1/ach/cases/sony-pictures-2014/ratings/E01/H1';
    // Without the token nothing is written, to memory or to the store.
    expect((await bundled.inject({ method: 'PUT', url, payload: { rating: 'II' } })).statusCode).toBe(401);
    expect((await bundledStore.store.achCase('sony-pictures-2014'))?.edits ?? []).toEqual([]);
    const answer = await bundled.inject({
      method: 'PUT',
      url,
      payload: { rating: 'II' },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(answer.statusCode, answer.body).toBe(200);
    const changed = envelope(AchView).parse(answer.json()).data;
    const stored = await bundledStore.store.achCase('sony-pictures-2014');
    expect(stored?.achCase.id).toBe('sony-pictures-2014');
    expect(stored?.edits.map((e) => [e.caseId, e.evidenceId, e.hypothesisId, e.rating])).toEqual([
      ['sony-pictures-2014', 'E01', 'H1', 'II'],
    ]);
    // A restart: the case read anew from its file, then kept in the same store, answers as edited.
    const restarted = await AchWorkspace.load();
    expect(restarted.analyze('sony-pictures-2014').ranking).not.toEqual(changed.ranking);
    await restarted.keepIn(bundledStore.store);
    expect(restarted.analyze('sony-pictures-2014').ranking).toEqual(changed.ranking);
    expect(restarted.list()[0].edits).toBe(1);
  });
});

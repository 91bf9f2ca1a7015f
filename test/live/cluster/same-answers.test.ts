/**
 * The same answers from DuckDB and from a 2-shard ClickHouse cluster: `cairn ingest` (in process)
 * writes the same inputs into both (`--db FILE` and `--store clickhouse://...`): the bundled RIS
 * table of October 2015 (real), APNIC's delegated file (real), the bundled evidence corpus
 * (real), and the SYNTHETIC December 2014 replay (real routes, synthetic peers and timeline) cut
 * into daily files. Then every store query, every history view of the application layer and
 * `cairn history` itself are asked of both and compared field by field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_INTEL_CORPUS,
  DEFAULT_REGISTRY_FILES,
  DEMO_MRT_FILE,
  IngestResult,
  StoreWorkspace,
  listCorpusFiles,
} from '../../../src/app/index.js';
import { captureIo } from '../../../src/cli/io.js';
import { runCli } from '../../../src/cli/program.js';
import { EvidenceGraph, importFile } from '../../../src/intel/index.js';
import { ClickHouseStore, DuckDbStore, type CairnStore } from '../../../src/store/index.js';
import { KP_ORIGIN, KP_PREFIXES, KP_UPSTREAM } from '../../fixtures/synthetic-outage.js';
import { writeSyntheticFiles } from '../../store/synthetic-files.js';
import { ClickHouseCluster } from './cluster.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-same-answers-'));
const db = path.join(dir, 'store.duckdb');
let cluster: ClickHouseCluster | undefined;
let url = '';
let duck: CairnStore;
let click: CairnStore;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const COUNTRIES = ['KP', 'CN', 'US', 'DE', 'JP', 'KR', 'RU', 'GB', 'NL', 'BR', 'AU', 'TV', 'ZZ'];
const ASES = [KP_ORIGIN, KP_UPSTREAM, 2914, 1239, 3356, 174, 6939, 64512];
const PREFIXES = [...KP_PREFIXES, '8.8.8.0/24', '1.0.0.0/24', '2001:db8::/32'];

beforeAll(async () => {
  cluster = await ClickHouseCluster.start(2);
  url = cluster.freshUrl('same');
  const mrtDir = path.join(dir, 'mrt');
  await writeSyntheticFiles(mrtDir);
  const inputs = [
    ['--mrt', DEMO_MRT_FILE, '--registry', ...DEFAULT_REGISTRY_FILES, '--intel', DEFAULT_INTEL_CORPUS],
    ['--mrt', mrtDir, '--outage-country', 'KP', 'CN'],
  ];
  for (const args of inputs)
    for (const store of [
      ['--db', db],
      ['--store', url],
    ]) {
      const run = await cli('ingest', ...args, ...store, '--json', '--no-progress');
      expect(run.code, run.err).toBe(0);
      expect(IngestResult.parse(JSON.parse(run.out)).ingested).toBeGreaterThan(0);
    }
  duck = await DuckDbStore.open(db);
  click = await ClickHouseStore.open(url);
});

afterAll(async () => {
  await duck?.close();
  await click?.close();
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Asks both stores the same question and expects the same answer. */
async function same<T>(what: string, ask: (store: CairnStore) => Promise<T>): Promise<T> {
  const [a, b] = await Promise.all([ask(duck), ask(click)]);
  expect(b, what).toEqual(a);
  return a;
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

describe('DuckDB and the ClickHouse cluster, on the same inputs', () => {
  it('hold the same files and counts', async () => {
    const files = await same('files', async (s) =>
      (await s.files()).map(({ ingestedAt: _ingestedAt, ...rest }) => rest),
    );
    expect(files.length).toBeGreaterThan(10);
    expect(new Set(files.map((f) => f.kind))).toEqual(new Set(['mrt', 'registry', 'intel']));
    for (const kind of ['mrt', 'registry', 'intel'] as const)
      await same(`files ${kind}`, async (s) => (await s.files(kind)).map((f) => f.hash));
    const counts = await same('counts', (s) => s.counts());
    expect(counts.visibilityPoints).toBeGreaterThan(1000);
    expect(counts.outages).toBeGreaterThan(0);
    expect(counts.evidence).toBeGreaterThan(100);
    for (const f of files) await same(`fileCounts ${f.path}`, (s) => s.fileCounts(f.hash));
    await same('timeRange', (s) => s.timeRange());
  });

  it('answer visibility, dependency, outages, changes and resets the same', async () => {
    const range = await same('timeRange', (s) => s.timeRange());
    expect(range).toBeDefined();
    const { first, last } = range!;
    const middle = first + Math.floor((last - first) / 600) * 300;
    let nonEmpty = 0;
    for (const country of COUNTRIES) {
      const series = await same(`visibility ${country}`, (s) =>
        s.visibilitySeries('country', country, first, last),
      );
      if (series.length > 0) nonEmpty++;
      await same(`visibility ${country} from the middle`, (s) =>
        s.visibilitySeries('country', country, middle, last),
      );
      await same(`dependency series ${country}`, (s) => s.dependencySeries(country, 0, 1e12));
      for (const t of [first - 1, first, middle, middle + 0.5, last, 1e12])
        await same(`dependency ${country} at ${t}`, (s) => s.dependencyAt(country, t));
    }
    expect(nonEmpty).toBeGreaterThan(5);
    for (const asn of ASES) {
      await same(`visibility AS${asn}`, (s) => s.visibilitySeries('asn', String(asn), first, last));
      await same(`changes of AS${asn}`, (s) => s.prefixChanges({ asn }));
    }
    for (const prefix of PREFIXES) {
      await same(`visibility ${prefix}`, (s) => s.visibilitySeries('prefix', prefix, first, last));
      await same(`changes of ${prefix}`, (s) => s.prefixChanges({ prefix }));
    }
    const outages = await same('outages', (s) => s.outages());
    expect(outages.length).toBeGreaterThan(0);
    for (const selection of new Set(outages.map((o) => o.selection)))
      await same(`outages of ${selection}`, (s) => s.outages({ selection }));
    await same('open outages', (s) => s.outages({ openOnly: true }));
    await same('outages in the middle', (s) => s.outages({ from: middle, to: middle + 86400 }));
    const changes = await same('changes', (s) => s.prefixChanges());
    expect(changes.length).toBeGreaterThan(0);
    await same('origin changes', (s) => s.prefixChanges({ kind: 'origin' }));
    await same('upstream changes from the middle', (s) =>
      s.prefixChanges({ kind: 'upstream', from: middle }),
    );
    const resets = await same('resets', (s) => s.sessionResets(0, 1e12));
    expect(resets.length).toBeGreaterThan(0);
  });

  it('answer every evidence query of the corpus the same', async () => {
    const graph = new EvidenceGraph();
    for (const file of listCorpusFiles(DEFAULT_INTEL_CORPUS))
      importFile(graph, file.path, fs.readFileSync(file.full));
    const groups = [
      graph.sources,
      graph.cases,
      graph.actors,
      graph.malware,
      graph.techniques,
      graph.reports,
      graph.relationships,
      graph.sightings,
      graph.indicators,
    ];
    const ids = groups.flat().map((o) => o.id);
    // Every indicator value, actor and object id of the corpus: each must be found, the same.
    const values = [...new Set(graph.indicators.map((i) => i.value))];
    expect(values.length).toBeGreaterThan(50);
    let found = 0;
    await pool(values, 4, async (value) => {
      if ((await same(`findEvidence ${value}`, (s) => s.findEvidence(value))).length > 0) found++;
    });
    expect(found).toBe(values.length);
    let attributed = 0;
    await pool(graph.actors, 4, async (actor) => {
      if ((await same(`evidenceOfActor ${actor.id}`, (s) => s.evidenceOfActor(actor.id))).length > 0)
        attributed++;
    });
    expect(attributed).toBeGreaterThan(0);
    // Every object of the corpus by id, asked in one batched lookup of each store: each must be
    // held, and the same, field by field.
    const unique = [...new Set(ids)];
    const [byDuck, byClick] = await Promise.all([
      duck.evidenceObjects(unique),
      click.evidenceObjects(unique),
    ]);
    for (const id of unique) {
      const object = byDuck.get(id);
      expect(object?.id, `evidence ${id}`).toBe(id);
      expect(byClick.get(id), `evidence ${id}`).toEqual(object);
    }
    expect(byDuck.size).toBe(unique.length);
    expect(byClick.size).toBe(unique.length);
    // The one-id lookup answers as the batched one, for the first object of each kind.
    for (const id of groups.filter((g) => g.length > 0).map((g) => g[0].id)) {
      const object = await same(`evidence ${id}`, (s) => s.evidence(id));
      expect(object, `evidence ${id}`).toEqual(byDuck.get(id));
    }
  }, 1_800_000);

  it('give the same history views through the application layer and the CLI', async () => {
    const a = StoreWorkspace.over(duck);
    const b = StoreWorkspace.over(click);
    const both = async <T>(what: string, ask: (w: StoreWorkspace) => Promise<T>): Promise<void> => {
      const [x, y] = await Promise.all([ask(a), ask(b)]);
      expect(y, what).toEqual(x);
    };
    const coverage = async (w: StoreWorkspace) => w.coverage();
    await both('coverage', coverage);
    for (const country of ['KP', 'CN', 'US']) {
      await both(`visibility ${country}`, (w) => w.visibility({ country }));
      await both(`dependency ${country}`, (w) => w.dependencyHistory({ country }));
      await both(`changes of ${country}`, (w) => w.countryChanges({ country }));
      await both(`outages ${country}`, (w) => w.outages({ country }));
    }
    await both('visibility AS131279', (w) => w.visibility({ asn: KP_ORIGIN }));
    await both(`visibility ${KP_PREFIXES[0]}`, (w) => w.visibility({ prefix: KP_PREFIXES[0] }));
    await both('prefix changes of AS4837', (w) => w.prefixChanges({ asn: KP_UPSTREAM }));
    await both('open outages', (w) => w.outages({ open: true }));
    for (const args of [
      ['visibility', '--country', 'KP'],
      ['dependency', '--country', 'KP'],
      ['outages'],
      ['changes', '--prefix', KP_PREFIXES[0]],
    ]) {
      const [x, y] = [
        await cli('history', ...args, '--db', db, '--json'),
        await cli('history', ...args, '--store', url, '--json'),
      ];
      expect(x.code, x.err).toBe(0);
      expect(y.code, y.err).toBe(0);
      expect(y.out, args.join(' ')).toBe(x.out);
    }
  });
});

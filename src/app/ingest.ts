/**
 * Ingest: MRT files (RIB dumps and update files, any mix, replayed in time order), RIR delegated
 * files and evidence files into the store, each file in one transaction with its record. What is
 * kept for routing is what observatory's `HistoryRecorder` and `OutageDetector` compute from the
 * element stream: visibility per bin of every country, origin AS and prefix, origin and upstream
 * changes, dependency snapshots, session resets, outage events of the watched countries.
 *
 * Idempotent and resumable by content hash: a file already in the store adds nothing. The routing
 * state a file's results depend on is rebuilt by replaying, without writing, the stored files
 * that come before it in the same run, so a run cut anywhere and started again with the same
 * files writes exactly what an uncut run would have written.
 *
 * @example
 * const result = await ingest({ mrt: ['data/mrt/ripe-bgpdump'], db: '/tmp/cairn.duckdb' });
 * result.ingested; // files written
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { systemClock, type Clock } from '../bgp/index.js';
import { CairnError, ParseError } from '../errors/index.js';
// Types only: intel's code (about 0.13 s of CPU to load) loads when evidence is ingested.
import type { EvidenceGraph, EvidenceObject, ImportReport, IntelFormat } from '../intel/index.js';
import { scanMrt } from '../mrt/index.js';
import { HistoryRecorder, parseCountryCode } from '../observatory/index.js';
import { RoutingTable } from '../routing/index.js';
import {
  ClickHouseStore,
  defaultStorePath,
  isClusterUrl,
  openStore,
  type CairnStore,
  type FileRecord,
  type OutageRecord,
} from '../store/index.js';
import { DEFAULT_REGISTRY_FILES } from './defaults.js';
import type { EvidenceInput } from './intel-index.js';
import type { WorkHooks } from './progress.js';
import {
  defaultIngestJobs,
  IngestOutages,
  type OutageDetection,
  type OutageFileMessage,
  type OutageTaskData,
} from './ingest-outages.js';
import { orderMrtFiles, reserveForFiles } from './replay.js';
import { defaultJobs, WorkerPool, workersAvailable } from './worker-pool.js';
import { loadRegistryFiles } from './registry-files.js';
import { checkInputFile, readInputFileSync } from './input-file.js';

/** Problems kept per file record (the count is kept in full). */
const MAX_FILE_PROBLEMS = 20;

/** How routing is kept, shared by file ingest and the bus worker (same defaults, same checks). */
export const RoutingIngestOptions = {
  /** Time bin of the visibility series, seconds. */
  binSeconds: z.number().int().min(1).max(86400).default(300),
  /** Seconds between dependency snapshots. */
  dependencySeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 86400)
    .default(3600),
  /** Countries whose outages are detected (default: every country of the registry). */
  outageCountries: z.array(z.string()).optional(),
};

export const IngestInput = z.object({
  /** MRT files or folders (searched recursively). */
  mrt: z.array(z.string()).default([]),
  /** RIR delegated files; default: those already in the store, else the bundled APNIC file. */
  registry: z.array(z.string()).optional(),
  /** Evidence files or folders (STIX, MISP, ATT&CK, CSV, IoC lists). */
  intel: z.array(z.string()).default([]),
  /** The store file (default: `defaultStorePath`). */
  db: z.string().optional(),
  ...RoutingIngestOptions,
  /**
   * Threads: 1 runs everything on one; more detects outages in a worker thread (default: the
   * cores from three cores and about a million elements, else one: defaultIngestJobs).
   */
  jobs: z.number().int().min(1).optional(),
});
export type IngestInput = z.input<typeof IngestInput>;

export const IngestFileLine = z.object({
  path: z.string(),
  kind: z.enum(['mrt', 'registry', 'intel']),
  hash: z.string(),
  /** `ingested`: written now; `skipped`: already in the store (an MRT file may be replayed for state). */
  status: z.enum(['ingested', 'skipped']),
  records: z.number().int(),
  problemCount: z.number().int(),
  firstTime: z.number().optional(),
  lastTime: z.number().optional(),
});
export type IngestFileLine = z.infer<typeof IngestFileLine>;

export const StoreCountsSchema = z.object({
  files: z.number().int(),
  bins: z.number().int(),
  visibilityPoints: z.number().int(),
  dependencySnapshots: z.number().int(),
  changes: z.number().int(),
  outages: z.number().int(),
  resets: z.number().int(),
  evidence: z.number().int(),
  achCases: z.number().int(),
});

export const IngestResult = z.object({
  db: z.string(),
  files: z.array(IngestFileLine),
  ingested: z.number().int(),
  skipped: z.number().int(),
  /** MRT elements decoded (written and replayed). */
  elements: z.number().int(),
  /** Elements of the files written. */
  elementsWritten: z.number().int(),
  seconds: z.number(),
  counts: StoreCountsSchema,
  storeBytes: z.number().int(),
});
export type IngestResult = z.infer<typeof IngestResult>;

export interface IngestOptions {
  clock?: Clock;
  /** A store the caller opened (with its own options) and closes; `input.db` is then ignored. */
  store?: CairnStore;
  /** How the outage detectors take the table's events (default one-pass; see ingest-outages.ts). */
  outageDetection?: OutageDetection;
}

/**
 * The store a face names (`--db FILE` or `--store URL`), or the default place: a
 * `clickhouse://` URL opens the cluster store, anything else a DuckDB file (its folder created).
 */
export async function openCairnStore(
  db?: string,
  options: { mustExist?: boolean } = {},
): Promise<CairnStore> {
  if (db !== undefined && isClusterUrl(db)) return ClickHouseStore.open(db);
  const file = db ?? defaultStorePath(process.env, os.homedir());
  if (options.mustExist === true) {
    // A question about a store that is not there is a mistake, not an empty answer.
    if (!existsSync(file))
      throw new CairnError('STORE_NOT_FOUND', `no store at ${file} (cairn ingest creates one)`, { file });
    checkInputFile(file, 'store');
  }
  await mkdir(path.dirname(path.resolve(file)), { recursive: true }).catch(() => undefined);
  return openStore(file);
}

/**
 * Runs `work` on the store a long-running face holds (left open), else on the store `db` names,
 * which must exist (a read is never answered from a store made empty for it), opened and closed.
 */
export async function withExistingStore<T>(
  db: string | CairnStore | undefined,
  work: (store: CairnStore) => Promise<T>,
): Promise<T> {
  if (typeof db === 'object') return work(db);
  const store = await openCairnStore(db, { mustExist: true });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** SHA-256 of a file's bytes, hex. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Files under each path (folders recursively, sorted), the paths themselves for files. */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const info = await stat(p).catch(() => undefined);
    if (info === undefined)
      throw new CairnError('INGEST_NO_INPUT', `no such file or folder: ${p}`, { file: p });
    if (!info.isDirectory()) {
      checkInputFile(p, 'input file');
      out.push(p);
      return;
    }
    for (const name of (await readdir(p)).sort()) {
      if (name.startsWith('.') || name.endsWith('.md')) continue;
      await walk(path.join(p, name));
    }
  };
  for (const p of paths) {
    const before = out.length;
    await walk(p);
    if (out.length === before)
      throw new CairnError('INGEST_NO_INPUT', `folder ${p} holds no input file`, { file: p });
  }
  return out;
}

const problemText = (problem: unknown): string =>
  problem instanceof CairnError
    ? problem.describe()
    : problem instanceof Error
      ? problem.message
      : String(problem);

/** Ingests the inputs into the store; see the module header. */
export async function ingest(
  rawInput: IngestInput,
  hooks: WorkHooks = {},
  options: IngestOptions = {},
): Promise<IngestResult> {
  const input = IngestInput.parse(rawInput);
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  if (input.mrt.length === 0 && input.intel.length === 0 && input.registry === undefined)
    throw new ParseError('CLI_BAD_OPTION', 'give --mrt, --registry or --intel', { field: 'mrt' });
  const store = options.store ?? (await openCairnStore(input.db));
  const lines: IngestFileLine[] = [];
  let elements = 0;
  let elementsWritten = 0;
  try {
    const registryFiles = await ingestRegistry(store, input.registry, lines, clock);
    await ingestIntel(store, input.intel, lines, clock, hooks);
    if (input.mrt.length > 0) {
      const counted = await ingestMrt(
        store,
        input,
        registryFiles,
        lines,
        clock,
        hooks,
        options.outageDetection,
      );
      elements = counted.elements;
      elementsWritten = counted.written;
    }
    const seconds = (clock.now() - started) / 1000;
    return IngestResult.parse({
      db: store.location,
      files: lines,
      ingested: lines.filter((l) => l.status === 'ingested').length,
      skipped: lines.filter((l) => l.status === 'skipped').length,
      elements,
      elementsWritten,
      seconds,
      counts: await store.counts(),
      storeBytes: await store.sizeOnDisk(),
    });
  } finally {
    if (options.store === undefined) await store.close();
  }
}

function fileLine(file: FileRecord, status: IngestFileLine['status']): IngestFileLine {
  return {
    path: file.path,
    kind: file.kind,
    hash: file.hash,
    status,
    records: file.records,
    problemCount: file.problemCount,
    ...(file.firstTime !== undefined ? { firstTime: file.firstTime } : {}),
    ...(file.lastTime !== undefined ? { lastTime: file.lastTime } : {}),
  };
}

const emptyBatch = (file: FileRecord) => ({
  file,
  bins: [],
  visibility: [],
  dependency: [],
  changes: [],
  outages: [],
  resets: [],
});

/** Records the registry files given; returns the files the routing is read with. */
async function ingestRegistry(
  store: CairnStore,
  given: readonly string[] | undefined,
  lines: IngestFileLine[],
  clock: Clock,
): Promise<string[]> {
  if (given === undefined) {
    const stored = (await store.files('registry')).map((f) => f.path).filter((p) => existsSync(p));
    return stored.length > 0 ? stored : [...DEFAULT_REGISTRY_FILES];
  }
  const files = await expandPaths(given);
  for (const file of files) {
    const loaded = await loadRegistryFiles([file]);
    const report = loaded.reports[0];
    const record: FileRecord = {
      hash: await hashFile(file),
      kind: 'registry',
      path: file,
      size: statSync(file).size,
      records: report?.records ?? 0,
      problemCount: loaded.problems.length,
      problems: loaded.problems.slice(0, MAX_FILE_PROBLEMS).map(problemText),
      ingestedAt: clock.now() / 1000,
    };
    const written = await store.ingestFile(emptyBatch(record));
    lines.push(fileLine(record, written ? 'ingested' : 'skipped'));
  }
  return files;
}

/**
 * The graph's facts, kind by kind in the order a file's objects are stored, each list in insertion
 * order. The lists only grow (an id is added once).
 */
function factLists(graph: EvidenceGraph): ReadonlyArray<readonly EvidenceObject[]> {
  return [
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
}

/** How long each of the graph's fact lists is. */
function graphMarks(graph: EvidenceGraph): number[] {
  return factLists(graph).map((list) => list.length);
}

/**
 * The facts added to the graph since `marks` were taken: those of one file, without listing (and
 * hashing the ids of) the whole graph for every file.
 */
function objectsSince(graph: EvidenceGraph, marks: readonly number[]): EvidenceObject[] {
  return factLists(graph).flatMap((list, k) => list.slice(marks[k]));
}

async function ingestIntel(
  store: CairnStore,
  roots: readonly string[],
  lines: IngestFileLine[],
  clock: Clock,
  hooks: WorkHooks,
): Promise<void> {
  if (roots.length === 0) {
    // No evidence to add: the index is rebuilt only when it is of an older format (refreshEvidenceIndex).
    const previous = await store.loadEvidenceIndex();
    if (previous !== undefined)
      await (await import('./intel-index.js')).refreshEvidenceIndex(store, [], clock, hooks, previous);
    return;
  }
  const [
    { CorpusLoader, EvidenceGraph, importFile },
    { listCorpusFiles },
    { refreshEvidenceIndex, saveEvidenceIndex },
  ] = await Promise.all([import('../intel/index.js'), import('./intel.js'), import('./intel-index.js')]);
  const files = roots.flatMap((root) => {
    if (!existsSync(root))
      throw new CairnError('INGEST_NO_INPUT', `no such file or folder: ${root}`, { file: root });
    const found = listCorpusFiles(root, hooks.onProblem);
    if (found.length === 0)
      throw new CairnError('INGEST_NO_INPUT', `folder ${root} holds no input file`, { file: root });
    return found;
  });
  const label = 'ingesting evidence';
  const indexed: EvidenceInput[] = [];
  const inputs = [];
  for (const file of files) {
    const bytes = readInputFileSync(file.full, 'evidence file');
    const hash = createHash('sha256').update(bytes).digest('hex');
    indexed.push({ hash, path: file.path, full: file.full });
    // The bytes are read again when imported: a large corpus is not held whole.
    inputs.push({ file, hash, stored: await store.hasFile(hash) });
  }
  const previous = await store.loadEvidenceIndex();
  const graph = new EvidenceGraph();
  const sink: EvidenceSink = { store, clock, hooks, lines };
  if (previous === undefined && inputs.every((i) => !i.stored)) {
    // No evidence stored yet: the graph the files are imported into is the index's (the same
    // files in the same order, each content once), so the corpus is imported once for both.
    const loader = new CorpusLoader(graph);
    const once: EvidenceInput[] = [];
    const read = new Set<string>();
    for (const [i, { file, hash }] of inputs.entries()) {
      if (read.has(hash)) {
        // The same bytes under another name: the index reads them once.
        lines.push(fileLine(skippedRecord(hash, file.full), 'skipped'));
      } else {
        read.add(hash);
        once.push(indexed[i]);
        // The problems of the importers, as `importFile` reports them; the corpus' lists, labels
        // and feeds (no facts) are read for the index only, whose problems ingest never showed.
        await importAndStore(sink, graph, file, hash, (corpusPath, bytes) => {
          const { report, format } = loader.add(corpusPath, bytes);
          return FACT_FORMATS.has(format) ? report : undefined;
        });
      }
      hooks.onProgress?.({ label, done: i + 1, total: files.length, unit: 'files' });
    }
    if (files.length > 0) hooks.onDone?.(label);
    await saveEvidenceIndex(store, once, graph, loader.finish(), clock, hooks);
    return;
  }
  // One graph for the whole corpus, as the evidence index builds it: an object's id can depend on
  // the files before it (a MISP cluster whose uuid an earlier file gave another name gets an id of
  // its own), so the store keeps the ids attribution and the corpus give. Files stored by earlier
  // runs come first, as in the index; a file stores the objects it added to the graph.
  if (inputs.some((i) => !i.stored)) {
    const here = new Set(inputs.map((i) => i.hash));
    for (const earlier of previous?.inputs ?? []) {
      if (here.has(earlier.hash) || !existsSync(earlier.full)) continue;
      const bytes = readFileSync(earlier.full);
      if (createHash('sha256').update(bytes).digest('hex') === earlier.hash)
        importFile(graph, earlier.path, bytes);
    }
  }
  for (const [i, { file, hash, stored }] of inputs.entries()) {
    if (stored) {
      // Still read into the graph, so the files after it get the ids they got before.
      if (inputs.slice(i + 1).some((later) => !later.stored))
        importFile(graph, file.path, readInputFileSync(file.full, 'evidence file'));
      lines.push(fileLine(skippedRecord(hash, file.full), 'skipped'));
    } else {
      await importAndStore(
        sink,
        graph,
        file,
        hash,
        (corpusPath, bytes) => importFile(graph, corpusPath, bytes).report,
      );
    }
    hooks.onProgress?.({ label, done: i + 1, total: files.length, unit: 'files' });
  }
  if (files.length > 0) hooks.onDone?.(label);
  // The corpus is imported once more, whole, into the index attribution reads.
  await refreshEvidenceIndex(store, indexed, clock, hooks, previous);
}

/** The formats `importFile` imports facts from (the others add nothing to the graph). */
const FACT_FORMATS = new Set<IntelFormat>([
  'attack',
  'stix',
  'misp-event',
  'misp-galaxy',
  'indicator-list',
  'sample-json',
]);

/** The record of an evidence file not stored again (its content is in the store already). */
function skippedRecord(hash: string, full: string): FileRecord {
  return {
    hash,
    kind: 'intel',
    path: full,
    size: statSync(full).size,
    records: 0,
    problemCount: 0,
    problems: [],
    ingestedAt: 0,
  };
}

/** Where `ingestIntel` stores each file's objects and reports what it did. */
interface EvidenceSink {
  store: CairnStore;
  clock: Clock;
  hooks: WorkHooks;
  lines: IngestFileLine[];
}

/**
 * Reads one evidence file, imports it into `graph` with `read` (which returns the problems to
 * report) and stores the objects it added, in one transaction.
 */
async function importAndStore(
  { store, clock, hooks, lines }: EvidenceSink,
  graph: EvidenceGraph,
  file: { path: string; full: string },
  hash: string,
  read: (corpusPath: string, bytes: Uint8Array) => ImportReport | undefined,
): Promise<void> {
  const bytes = readInputFileSync(file.full, 'evidence file');
  const marks = graphMarks(graph);
  const report = read(file.path, bytes);
  for (const issue of report?.issues ?? []) hooks.onProblem?.(issue);
  const objects = objectsSince(graph, marks);
  const record: FileRecord = {
    hash,
    kind: 'intel',
    path: file.full,
    size: bytes.length,
    records: objects.length,
    problemCount: report?.issueCount ?? 0,
    problems: (report?.issues ?? []).slice(0, MAX_FILE_PROBLEMS).map(problemText),
    ingestedAt: clock.now() / 1000,
  };
  const written = await store.importEvidence(record, objects);
  lines.push(fileLine(record, written ? 'ingested' : 'skipped'));
}

/** Label of the progress reports in files (`done`/`total`) and in elements (`done`). */
export const INGEST_FILES_LABEL = 'ingest files';
export const INGEST_ELEMENTS_LABEL = 'ingest elements';

async function ingestMrt(
  store: CairnStore,
  input: z.infer<typeof IngestInput>,
  registryFiles: readonly string[],
  lines: IngestFileLine[],
  clock: Clock,
  hooks: WorkHooks,
  detection: OutageDetection = 'one-pass',
): Promise<{ elements: number; written: number }> {
  const files = await orderMrtFiles(await expandPaths(input.mrt));
  const hashes = await Promise.all(files.map((f) => hashFile(f.path)));
  const stored = await Promise.all(hashes.map((h) => store.hasFile(h)));
  const lastNew = stored.lastIndexOf(false);
  const progress = (done: number): void =>
    hooks.onProgress?.({ label: INGEST_FILES_LABEL, done, total: files.length, unit: 'files' });
  if (lastNew < 0) {
    for (const [i, f] of files.entries())
      lines.push({
        path: f.path,
        kind: 'mrt',
        hash: hashes[i],
        status: 'skipped',
        records: 0,
        problemCount: 0,
      });
    progress(files.length);
    hooks.onDone?.(INGEST_FILES_LABEL);
    return { elements: 0, written: 0 };
  }

  const loaded = await loadRegistryFiles([...registryFiles]);
  for (const problem of loaded.problems) hooks.onProblem?.(problem);
  const registry = loaded.registry;
  const table = new RoutingTable();
  reserveForFiles(table, files.slice(0, lastNew + 1));
  const recorder = new HistoryRecorder(table, registry, {
    binSeconds: input.binSeconds,
    dependencySeconds: input.dependencySeconds,
  });
  const countries = [...new Set((input.outageCountries ?? registry.countries()).map(parseCountryCode))];
  const jobs = input.jobs ?? defaultIngestJobs(files.slice(0, lastNew + 1), defaultJobs());
  // Outage detection on the second core, on a table of its own fed with the same files.
  const pool = jobs > 1 && workersAvailable() ? new WorkerPool(1) : undefined;
  const local =
    pool === undefined
      ? new IngestOutages(table, registry, countries, input.binSeconds, detection)
      : undefined;
  const remoteTask = pool?.run<OutageFileMessage, null>('ingest-outages', {
    files: files.slice(0, lastNew + 1),
    registryFiles: [...registryFiles],
    countries,
    binSeconds: input.binSeconds,
    detection,
  } satisfies OutageTaskData);
  const remote = remoteTask?.[Symbol.asyncIterator]();
  const fileOutages = async (): Promise<OutageRecord[]> => {
    if (local !== undefined) return local.takeFile();
    const next = await (remote as AsyncIterator<OutageFileMessage>).next();
    if (next.done === true) throw new Error('the outage worker ended before the last file');
    return next.value.outages;
  };

  let elements = 0;
  let written = 0;
  try {
    for (let i = 0; i <= lastNew; i++) {
      const file = files[i];
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      let count = 0;
      let problemCount = 0;
      const problems: string[] = [];
      const onProblem = (problem: CairnError): void => {
        problemCount++;
        if (problems.length < MAX_FILE_PROBLEMS) problems.push(problemText(problem));
        hooks.onProblem?.(problem);
      };
      try {
        await scanMrt(
          file.path,
          (cursor, decoder) => {
            const time = cursor.timestamp;
            if (time < first) first = time;
            if (time > last) last = time;
            count++;
            recorder.advance(time);
            table.ingest(cursor, decoder);
          },
          {
            onProblem,
            afterChunk: () =>
              hooks.onProgress?.({ label: INGEST_ELEMENTS_LABEL, done: elements + count, unit: 'items' }),
          },
        );
      } catch (error) {
        if (error instanceof CairnError) onProblem(error);
        else throw error;
      }
      elements += count;
      recorder.flush();
      // The first file's table gets a snapshot (a lone RIB dump would otherwise have none).
      if (i === 0 && Number.isFinite(last)) recorder.snapshotNow(Math.floor(last));
      const records = recorder.take();
      const outages = await fileOutages();
      const record: FileRecord = {
        hash: hashes[i],
        kind: 'mrt',
        path: file.path,
        size: statSync(file.path).size,
        ...(Number.isFinite(first) ? { firstTime: first, lastTime: last } : {}),
        records: count,
        problemCount,
        problems,
        ingestedAt: clock.now() / 1000,
      };
      let status: IngestFileLine['status'] = 'skipped';
      if (!stored[i]) {
        const batch = {
          file: record,
          bins: records.bins,
          visibility: records.visibility,
          dependency: records.dependency,
          changes: records.changes,
          outages,
          resets: records.resets,
        };
        if (await store.ingestFile(batch)) {
          status = 'ingested';
          written += count;
        }
      }
      lines.push(fileLine(record, status));
      progress(i + 1);
    }
    for (let i = lastNew + 1; i < files.length; i++) {
      lines.push({
        path: files[i].path,
        kind: 'mrt',
        hash: hashes[i],
        status: 'skipped',
        records: 0,
        problemCount: 0,
      });
      progress(i + 1);
    }
  } finally {
    local?.close();
    await pool?.close();
    recorder.close();
    hooks.onDone?.(INGEST_FILES_LABEL);
    hooks.onDone?.(INGEST_ELEMENTS_LABEL);
  }
  return { elements, written };
}

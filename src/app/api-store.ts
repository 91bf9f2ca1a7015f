/**
 * The store as a long-running face (the HTTP server) holds it: opened once, the bundled data
 * ingested into it on the first start, and the history questions (history.ts) asked of the open
 * store. A face that starts and stops per question (the CLI) asks history.ts with `db` instead.
 *
 * @example
 * await ingestBundled({ db });            // first start: ingests; later starts: finds them there
 * const held = await StoreWorkspace.open(db);
 * (await held.ingestStatus()).totals.files;
 */
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../bgp/index.js';
import type { CairnStore, FileRecord } from '../store/index.js';
import { DEFAULT_INTEL_CORPUS, DEFAULT_REGISTRY_FILES, DEMO_MRT_FILE } from './defaults.js';
import {
  historyCountryChanges,
  historyDependency,
  historyOutages,
  historyPrefixChanges,
  historyVisibility,
  type HistoryCountryChangesInput,
  type HistoryCountryChangesResult,
  type HistoryDependencyInput,
  type HistoryDependencyResult,
  type HistoryOutagesInput,
  type HistoryOutagesResult,
  type HistoryPrefixChangesInput,
  type HistoryPrefixChangesResult,
  type HistoryVisibilityInput,
  type HistoryVisibilityResult,
} from './history.js';
import { knownFileHash, loadHashMemo, saveHashMemo } from './file-hashes.js';
import { IngestResult, StoreCountsSchema, ingest, openCairnStore } from './ingest.js';
import { listCorpusFiles } from './intel.js';
import type { WorkHooks } from './progress.js';

const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/**
 * The bundled data a first start ingests: the RIS table of October 2015, APNIC's delegated file
 * and the evidence corpus. The AS names are not ingested: history answers read the bundled file.
 */
export const BUNDLED_STORE_SOURCES = {
  mrt: [DEMO_MRT_FILE],
  registry: DEFAULT_REGISTRY_FILES,
  intel: [DEFAULT_INTEL_CORPUS],
} as const;

export const IngestBundledResult = z.object({
  /** Bundled files (MRT, registry, evidence), by content (the same bytes twice count once). */
  bundledFiles: z.number().int(),
  /** Of them, those the store did not hold before this call. */
  missingBefore: z.number().int(),
  /** The ingest run, null when the store held every bundled file already. */
  ingest: IngestResult.nullable(),
});
export type IngestBundledResult = z.infer<typeof IngestBundledResult>;

/** Label of the reports around a first start's ingest: done 0 of the files missing, then all. */
export const INGEST_BUNDLED_LABEL = 'ingest bundled data';

/** Hashes of the bundled files, by path (each read only when it changed since it was last hashed). */
async function bundledHashes(): Promise<Map<string, string>> {
  const files = [...BUNDLED_STORE_SOURCES.mrt, ...BUNDLED_STORE_SOURCES.registry];
  for (const root of BUNDLED_STORE_SOURCES.intel)
    for (const file of listCorpusFiles(root)) files.push(file.full);
  const hashes = new Map<string, string>();
  for (const file of files) hashes.set(file, await knownFileHash(file));
  return hashes;
}

/** How many bundled files (by content) there are, and how many of them the store does not hold. */
export interface BundledCheck {
  bundledFiles: number;
  missing: number;
}

/**
 * Whether the store holds the bundled data: the files' hashes (from the memo when given and the
 * files did not change) checked in one query. Reads only; the store stays open.
 */
export async function checkBundled(
  store: CairnStore,
  input: { hashMemo?: string } = {},
): Promise<BundledCheck> {
  // With a memo, a later start reads no bundled file that did not change.
  if (input.hashMemo !== undefined) await loadHashMemo(input.hashMemo);
  const hashes = new Set((await bundledHashes()).values());
  if (input.hashMemo !== undefined) await saveHashMemo(input.hashMemo).catch(() => undefined);
  const held = await store.hasFiles([...hashes]);
  return { bundledFiles: hashes.size, missing: [...hashes].filter((hash) => !held.has(hash)).length };
}

/**
 * Ingests the bundled data into the store unless it holds every bundled file already (by content
 * hash, so a second start only hashes the files). Ingest is idempotent, so a store holding some
 * of them (a first start cut short) gets the rest. Given an open `store`, it is used and left
 * open (a face that serves it next opens it once); else `db` is opened and closed.
 */
export async function ingestBundled(
  input: { db?: string; hashMemo?: string; store?: CairnStore; check?: BundledCheck },
  hooks: WorkHooks = {},
  options: { clock?: Clock } = {},
): Promise<IngestBundledResult> {
  const store = input.store ?? (await openCairnStore(input.db));
  try {
    const { bundledFiles, missing } =
      input.check ??
      (await checkBundled(store, input.hashMemo !== undefined ? { hashMemo: input.hashMemo } : {}));
    if (missing === 0) return { bundledFiles, missingBefore: 0, ingest: null };
    hooks.onProgress?.({ label: INGEST_BUNDLED_LABEL, done: 0, total: missing, unit: 'files' });
    const result = await ingest(
      {
        mrt: [...BUNDLED_STORE_SOURCES.mrt],
        registry: [...BUNDLED_STORE_SOURCES.registry],
        intel: [...BUNDLED_STORE_SOURCES.intel],
        ...(input.db !== undefined ? { db: input.db } : {}),
      },
      hooks,
      { ...options, store },
    );
    hooks.onProgress?.({ label: INGEST_BUNDLED_LABEL, done: missing, total: missing, unit: 'files' });
    hooks.onDone?.(INGEST_BUNDLED_LABEL);
    return IngestBundledResult.parse({ bundledFiles, missingBefore: missing, ingest: result });
  } finally {
    if (input.store === undefined) await store.close();
  }
}

// ---- ingest status ------------------------------------------------------------------------------

export const IngestedFileLine = z.object({
  /** The file's name (never its full path: a face may show it to anyone). */
  name: z.string(),
  kind: z.enum(['mrt', 'registry', 'intel']),
  hash: z.string(),
  size: z.number().int(),
  records: z.number().int(),
  /** Its element time range, ISO 8601; null for files without times (registry, evidence). */
  firstTime: z.string().nullable(),
  lastTime: z.string().nullable(),
  problemCount: z.number().int(),
  /** The first problems found (paths cut to the file's name). */
  problems: z.array(z.string()),
  ingestedAt: z.string(),
});
export type IngestedFileLine = z.infer<typeof IngestedFileLine>;

const KindTotals = z.object({
  files: z.number().int(),
  bytes: z.number().int(),
  records: z.number().int(),
  problems: z.number().int(),
});

export const IngestStatusResult = z.object({
  schemaVersion: z.number().int(),
  /** Every file ingested, in ingest order. */
  files: z.array(IngestedFileLine),
  totals: KindTotals.extend({
    byKind: z.object({ mrt: KindTotals, registry: KindTotals, intel: KindTotals }),
  }),
  /** The span of the routing data kept (ingested bins), null when there is none. */
  timeRange: z.object({ from: z.string(), to: z.string() }).nullable(),
  counts: StoreCountsSchema,
  storeBytes: z.number().int(),
});
export type IngestStatusResult = z.infer<typeof IngestStatusResult>;

/** A problem message without the server paths it may name. */
function withoutPaths(text: string, file: FileRecord): string {
  return text.split(file.path).join(path.basename(file.path));
}

function fileLine(file: FileRecord): IngestedFileLine {
  return {
    name: path.basename(file.path),
    kind: file.kind,
    hash: file.hash,
    size: file.size,
    records: file.records,
    firstTime: file.firstTime === undefined ? null : iso(file.firstTime),
    lastTime: file.lastTime === undefined ? null : iso(file.lastTime),
    problemCount: file.problemCount,
    problems: file.problems.map((p) => withoutPaths(p, file)),
    ingestedAt: iso(file.ingestedAt),
  };
}

/** What the store holds: its files (name, hash, size, time range, problems) and totals. */
export async function ingestStatus(store: CairnStore): Promise<IngestStatusResult> {
  const files = await store.files();
  const empty = () => ({ files: 0, bytes: 0, records: 0, problems: 0 });
  const byKind = { mrt: empty(), registry: empty(), intel: empty() };
  const all = empty();
  for (const file of files)
    for (const t of [all, byKind[file.kind]]) {
      t.files++;
      t.bytes += file.size;
      t.records += file.records;
      t.problems += file.problemCount;
    }
  const range = await store.timeRange();
  return IngestStatusResult.parse({
    schemaVersion: store.schemaVersion,
    files: files.map(fileLine),
    totals: { ...all, byKind },
    timeRange: range === undefined ? null : { from: iso(range.first), to: iso(range.last) },
    counts: await store.counts(),
    storeBytes: await store.sizeOnDisk(),
  });
}

// ---- the held store -----------------------------------------------------------------------------

/** What the store's answers rest on, as a face's coverage shows it. */
export interface StoreCoverage {
  /** Files kept (every kind). */
  files: number;
  /** MRT file names (never full paths). */
  sources: string[];
  /** The span of the routing data kept, ISO 8601; null when there is none. */
  dataTime: { from: string; to: string } | null;
}

type Held<T> = Omit<T, 'db'>;

/**
 * The store opened once and held by a long-running face; the questions are history.ts's on the
 * open store. DuckDB lets one process write a store file, so `cairn ingest` into the same file
 * waits for the face to stop (STORE_LOCKED).
 */
export class StoreWorkspace {
  private constructor(readonly store: CairnStore) {}

  /** Opens the store (default `defaultStorePath`), creating it and its folder when absent. */
  static async open(db?: string): Promise<StoreWorkspace> {
    return new StoreWorkspace(await openCairnStore(db));
  }

  /** Holds a store opened elsewhere (a test's, another implementation). */
  static over(store: CairnStore): StoreWorkspace {
    return new StoreWorkspace(store);
  }

  ingestStatus(): Promise<IngestStatusResult> {
    return ingestStatus(this.store);
  }

  /** What the answers rest on: the files kept and the span of the routing data. */
  async coverage(): Promise<StoreCoverage> {
    const files = await this.store.files();
    const range = await this.store.timeRange();
    return {
      files: files.length,
      sources: files.filter((f) => f.kind === 'mrt').map((f) => path.basename(f.path)),
      dataTime: range === undefined ? null : { from: iso(range.first), to: iso(range.last) },
    };
  }

  dependencyHistory(input: Held<HistoryDependencyInput>): Promise<HistoryDependencyResult> {
    return historyDependency(input, this.store);
  }

  outages(input: Held<HistoryOutagesInput>): Promise<HistoryOutagesResult> {
    return historyOutages(input, this.store);
  }

  countryChanges(input: Held<HistoryCountryChangesInput>): Promise<HistoryCountryChangesResult> {
    return historyCountryChanges(input, this.store);
  }

  visibility(input: Held<HistoryVisibilityInput>): Promise<HistoryVisibilityResult> {
    return historyVisibility(input, this.store);
  }

  prefixChanges(input: Held<HistoryPrefixChangesInput>): Promise<HistoryPrefixChangesResult> {
    return historyPrefixChanges(input, this.store);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/**
 * The evidence corpus kept in a store: `cairn ingest --intel` imports the files once and saves the
 * loaded corpus as the store's evidence index (`refreshEvidenceIndex`); attribution and
 * correlation given a store read it back (`storedCorpus`) instead of re-importing every file, and
 * a face that holds the store open keeps the correlator built over it (`heldCorpus`).
 *
 * @example
 * await refreshEvidenceIndex(store, files, systemClock);
 * const { graph, corpus, placement } = await storedCorpus(store);
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CairnError } from '../errors/index.js';
import {
  CORPUS_INDEX_FORMAT,
  EvidenceGraph,
  enrichIndicators,
  loadCorpus,
  readCorpusIndex,
  writeCorpusIndex,
  type CorpusPlacement,
  type Correlator,
  type Enrichment,
  type LoadedCorpus,
} from '../intel/index.js';
import { isClusterUrl, readEvidenceIndexBeside } from '../store/index.js';
import type { CairnStore, EvidenceIndexRecord } from '../store/index.js';
import type { Clock } from '../bgp/index.js';
import type { WorkHooks } from './progress.js';
import { DEFAULT_REGISTRY_FILES } from './defaults.js';
import { checkInputFile } from './input-file.js';

/** An evidence file as the index knows it: content hash, corpus path, where it was read. */
export type EvidenceInput = EvidenceIndexRecord['inputs'][number];

/** The SHA-256 of bytes, hex (the store's file identity). */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Rebuilds the store's evidence index over the files it was built from plus `added` (files
 * already there by hash are not added twice), importing every file once, in order, as
 * `cairn intel` does with the same folders. A file no longer at its path, or changed, is left out
 * with INTEL_INDEX_INPUT_GONE. Nothing is rebuilt when nothing was added and the index is of the
 * current format.
 */
export async function refreshEvidenceIndex(
  store: CairnStore,
  added: readonly EvidenceInput[],
  clock: Pick<Clock, 'now'>,
  hooks: WorkHooks = {},
  /** The store's index when the caller has read it already. */
  previous?: EvidenceIndexRecord,
): Promise<EvidenceIndexRecord | undefined> {
  previous ??= await store.loadEvidenceIndex();
  const inputs = [...(previous?.inputs ?? [])];
  const known = new Set(inputs.map((i) => i.hash));
  for (const f of added)
    if (!known.has(f.hash)) {
      known.add(f.hash);
      inputs.push(f);
    }
  if (
    previous !== undefined &&
    previous.format === CORPUS_INDEX_FORMAT &&
    inputs.length === previous.inputs.length
  )
    return previous;
  if (inputs.length === 0) return undefined;
  const files: Array<{ path: string; bytes: Uint8Array }> = [];
  const kept: EvidenceInput[] = [];
  for (const input of inputs) {
    const bytes = existsSync(input.full) ? readFileSync(input.full) : undefined;
    if (bytes === undefined || contentHash(bytes) !== input.hash) {
      hooks.onProblem?.(
        new CairnError(
          'INTEL_INDEX_INPUT_GONE',
          `${input.full} is ${bytes === undefined ? 'gone' : 'changed'}; the evidence index is built without it`,
          { file: input.full },
        ),
      );
      continue;
    }
    files.push({ path: input.path, bytes });
    kept.push(input);
  }
  const label = 'indexing evidence';
  const graph = new EvidenceGraph();
  let done = 0;
  const corpus = loadCorpus(graph, files, () =>
    hooks.onProgress?.({ label, done: ++done, total: files.length, unit: 'files' }),
  );
  hooks.onDone?.(label);
  return saveEvidenceIndex(store, kept, graph, corpus, clock, hooks);
}

/**
 * Saves `graph` and `corpus`, loaded from `inputs` in their order (each file once), as the
 * store's evidence index: what `refreshEvidenceIndex` builds, for a caller that has just loaded them.
 */
export async function saveEvidenceIndex(
  store: CairnStore,
  inputs: readonly EvidenceInput[],
  graph: EvidenceGraph,
  corpus: LoadedCorpus,
  clock: Pick<Clock, 'now'>,
  hooks: WorkHooks = {},
): Promise<EvidenceIndexRecord> {
  // Placed as a question without routing data places them (the bundled registry), so such a
  // question reads the placement instead of loading the registry again (or its module: loaded here).
  const { loadRegistryFiles } = await import('./registry-files.js');
  const { registry, problems } = await loadRegistryFiles(DEFAULT_REGISTRY_FILES);
  for (const problem of problems) hooks.onProblem?.(problem);
  const placement = {
    from: DEFAULT_REGISTRY_FILES.map((f) => path.basename(f)),
    enrichment: enrichIndicators(graph.indicators, { registry }).ips,
    countries: registry.blockCountries(),
  };
  const record: EvidenceIndexRecord = {
    inputs: [...inputs],
    format: CORPUS_INDEX_FORMAT,
    builtAt: clock.now() / 1000,
    text: writeCorpusIndex(graph, corpus, placement),
  };
  await store.saveEvidenceIndex(record);
  forget(store);
  return record;
}

/**
 * The corpus the store's evidence index holds, read into a fresh graph (rebuilt first when it was
 * written by another format); INTEL_NO_INDEX when nothing was ingested.
 */
export async function storedCorpus(
  store: CairnStore,
  hooks: WorkHooks = {},
): Promise<{ graph: EvidenceGraph; corpus: LoadedCorpus; placement?: CorpusPlacement }> {
  let record = await store.loadEvidenceIndex();
  if (record !== undefined && record.format !== CORPUS_INDEX_FORMAT)
    record = await refreshEvidenceIndex(store, [], { now: () => record!.builtAt * 1000 }, hooks);
  if (record === undefined)
    throw new CairnError(
      'INTEL_NO_INDEX',
      `${store.location} holds no evidence; ingest it first with cairn ingest --intel`,
      { file: store.location },
    );
  const label = 'reading the evidence index';
  hooks.onProgress?.({ label, done: 0, total: 1, unit: 'files' });
  const read = readCorpusIndex(record.text);
  hooks.onDone?.(label);
  return read;
}

/**
 * The corpus from the copy of the index a DuckDB store keeps beside its file, read without opening
 * the store (DuckDB's native module never loads); undefined when there is no current copy of the
 * current format, and the caller then opens the store ({@link storedCorpus}).
 */
export function corpusBesideStore(
  file: string,
  hooks: WorkHooks = {},
): { graph: EvidenceGraph; corpus: LoadedCorpus; placement?: CorpusPlacement } | undefined {
  if (isClusterUrl(file) || !existsSync(file)) return undefined;
  checkInputFile(file, 'store');
  const record = readEvidenceIndexBeside(file);
  if (record === undefined || record.format !== CORPUS_INDEX_FORMAT) return undefined;
  const label = 'reading the evidence index';
  hooks.onProgress?.({ label, done: 0, total: 1, unit: 'files' });
  const read = readCorpusIndex(record.text);
  hooks.onDone?.(label);
  return read;
}

/** What a face holding a store keeps between questions: the corpus, its enrichment, the correlator. */
export interface HeldCorpus {
  graph: EvidenceGraph;
  corpus: LoadedCorpus;
  enrichment: Enrichment;
  correlator: Correlator;
  /** Enriches indicators outside the corpus (a query file) exactly as the corpus was. */
  enrich: (graph: EvidenceGraph) => Enrichment;
}

const held = new WeakMap<CairnStore, Map<string, Promise<HeldCorpus>>>();

/**
 * The corpus of a store a face holds open, built once per store and enrichment sources (`key`):
 * the store is the only writer of its index while open, and a refresh through this module
 * forgets what was kept.
 */
export function heldCorpus(
  store: CairnStore,
  key: string,
  build: () => Promise<HeldCorpus>,
): Promise<HeldCorpus> {
  let byKey = held.get(store);
  if (byKey === undefined) held.set(store, (byKey = new Map()));
  let kept = byKey.get(key);
  if (kept === undefined) {
    kept = build();
    byKey.set(key, kept);
    // A failed build is not kept: the next question tries again.
    kept.catch(() => byKey!.delete(key));
  }
  return kept;
}

/** Forgets what was kept for a store (its index changed). */
export function forget(store: CairnStore): void {
  held.delete(store);
}

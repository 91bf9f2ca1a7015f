/**
 * Threat-intelligence questions: what a set of files brings in (`intelImport`), what a case holds
 * (`intelShow`), which cases and actors it resembles (`intelSimilar`), who is behind it
 * (`intelAttribute`) and the case as STIX 2.1 (`intelExport`). Each reads the corpus (the bundled
 * data/intel or the given folders), resolves the case argument, enriches IP indicators from the
 * routing world when MRT files are given, and returns a serialisable result whose shape is a zod
 * schema below; the CLI's `--json` prints `result` objects as they are.
 *
 * @example
 * import { intelAttribute } from '../app/index.js';
 * const { result } = await intelAttribute({
 *   case: 'data/intel/misp-events/eset/nukesped_lazarus/lazarus_3cx.json',
 *   ignoreLabels: true,
 * });
 * result.candidates[0].actor; // 'Lazarus Group'
 */
import { once } from 'node:events';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import path from 'node:path';
import { z } from 'zod';
import { ProblemJson } from './problem-schema.js';
import { CairnError } from '../errors/index.js';
import {
  Correlator,
  EvidenceGraph,
  INDICATOR_TYPES,
  LABELS_MANIFEST,
  attribute,
  caseProfile,
  emptyCase,
  enrichIndicators,
  exportCaseAsStix,
  stixBundleChunks,
  importFile,
  loadCorpus,
} from '../intel/index.js';
import type {
  Attribution,
  Case,
  CorpusPlacement,
  Enrichment,
  EvidenceItem,
  ImportReport,
  Indicator,
  InsiderSignal,
  IntelFormat,
  IpEnrichment,
  LoadedCorpus,
  Profile,
  RoutingLookup,
  Similarity,
  StixAttributionCandidate,
  StixExportOptions,
} from '../intel/index.js';
import { formatAddress } from '../net/index.js';
import type { AddressView } from '../observatory/index.js';
import { DEFAULT_INTEL_CORPUS } from './defaults.js';
import type { WorkHooks } from './progress.js';
import { checkInputFile, inputFileReader, readInputFileSync, STDIN_PATH } from './input-file.js';
import { compileUserPattern } from './user-pattern.js';
import { corpusBesideStore, heldCorpus, storedCorpus, type HeldCorpus } from './intel-index.js';
import { archivesAt, IntelRoutingArchives } from './intel-archives.js';
import type { CairnStore } from '../store/index.js';

/** Most files read from one corpus folder (a hostile tree cannot make us walk forever). */
export const MAX_CORPUS_FILES = 100_000;

// ---------------------------------------------------------------------------------------------
// Shapes

export const IntelProvenance = z.object({
  file: z.string(),
  objectId: z.string().optional(),
  line: z.number().optional(),
  path: z.string().optional(),
});
export type IntelProvenance = z.infer<typeof IntelProvenance>;

const IndicatorTypeSchema = z.enum(INDICATOR_TYPES);

/** One piece of evidence behind a score (the domain's `EvidenceItem`). */
export const IntelEvidenceItem = z.object({
  feature: z.enum([
    'exact',
    'same-block',
    'same-origin-as',
    'same-country',
    'ssdeep',
    'tlsh',
    'technique',
    'software',
    'actor-name',
    'imphash',
    'rich-header',
    'yara',
    'yara-meta',
  ]),
  value: z.string(),
  candidateValue: z.string().optional(),
  type: IndicatorTypeSchema.optional(),
  weight: z.number(),
  contribution: z.number(),
  note: z.string(),
  query: z.array(IntelProvenance),
  candidate: z.array(IntelProvenance),
  via: z.array(z.string()),
  /** How the unit holding it is tied to the actor (a direct label, or what a title names). */
  labelledBy: z.string().optional(),
});
export type IntelEvidenceItem = z.infer<typeof IntelEvidenceItem>;

/** A scored case, ATT&CK unit or actor (the domain's `Similarity`). */
export const IntelSimilarity = z.object({
  kind: z.enum(['case', 'actor']),
  id: z.string(),
  name: z.string(),
  aliases: z.array(z.string()),
  score: z.number(),
  evidence: z.array(IntelEvidenceItem),
  actorIndex: z.number().optional(),
  umbrella: z.array(z.string()).optional(),
});
export type IntelSimilarity = z.infer<typeof IntelSimilarity>;

/** A problem found in an input (the one problem shape of app). */
export const IntelIssue = ProblemJson;
export type IntelIssue = ProblemJson;

/** `intelImport`: per file what came in and every problem (at most 10,000 kept), then totals. */
export const IntelImportResult = z.object({
  files: z.array(
    z.object({
      file: z.string(),
      format: z.string(),
      recordsRead: z.number(),
      /** Facts added by kind; absent when the file was skipped (not a format cairn reads). */
      added: z.record(z.string(), z.number()).optional(),
      skipped: z.number(),
      /** Records kept aside rather than imported as facts, by reason (MISP context, deleted, unknown types...). */
      setAside: z.record(z.string(), z.number()).optional(),
      issueCount: z.number(),
      issues: z.array(IntelIssue),
    }),
  ),
  totals: z.record(z.string(), z.number()),
});
export type IntelImportResult = z.infer<typeof IntelImportResult>;

const FactFields = {
  id: z.string(),
  provenance: IntelProvenance,
  confidence: z.number(),
  confidenceStated: z.boolean(),
};

const MispObjectRef = z.object({
  uuid: z.string().optional(),
  name: z.string(),
  relation: z.string().optional(),
});

/** A MISP event's fields beyond its indicators (the domain's `MispEventMeta`). */
export const IntelMispEventMeta = z.object({
  uuid: z.string().optional(),
  orgc: z.string().optional(),
  distribution: z.number().optional(),
  sharingGroup: z.string().optional(),
  threatLevel: z.number().optional(),
  analysis: z.number().optional(),
  published: z.boolean().optional(),
  timestamp: z.string().optional(),
  publishTimestamp: z.string().optional(),
  extendsUuid: z.string().optional(),
  tags: z.array(z.string()),
  galaxies: z.array(
    z.object({
      type: z.string(),
      value: z.string(),
      uuid: z.string().optional(),
      description: z.string().optional(),
      meta: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  objects: z.array(
    z.object({
      uuid: z.string().optional(),
      name: z.string(),
      metaCategory: z.string().optional(),
      comment: z.string().optional(),
      attributes: z.number(),
    }),
  ),
  sightings: z.object({ seen: z.number(), falsePositive: z.number(), expiration: z.number() }),
  sightingRecords: z
    .array(
      z.object({
        type: z.number(),
        attributeUuid: z.string().optional(),
        date: z.string().optional(),
        source: z.string().optional(),
        uuid: z.string().optional(),
        org: z.string().optional(),
      }),
    )
    .optional(),
  proposals: z.array(
    z.object({
      type: z.string(),
      value: z.string(),
      category: z.string().optional(),
      toIds: z.boolean().optional(),
      attributeUuid: z.string().optional(),
      comment: z.string().optional(),
      path: z.string(),
    }),
  ),
  context: z.array(
    z.object({
      type: z.string(),
      value: z.string(),
      uuid: z.string().optional(),
      category: z.string().optional(),
      comment: z.string().optional(),
      object: MispObjectRef.optional(),
      path: z.string(),
    }),
  ),
  unknownTypes: z.record(z.string(), z.number()),
  deleted: z.number(),
});
export type IntelMispEventMeta = z.infer<typeof IntelMispEventMeta>;

/** A MISP attribute's fields beyond its value (the domain's `MispAttributeMeta`). */
export const IntelMispAttributeMeta = z.object({
  uuid: z.string().optional(),
  category: z.string().optional(),
  distribution: z.number().optional(),
  sharingGroup: z.string().optional(),
  timestamp: z.string().optional(),
  object: MispObjectRef.optional(),
  compositeValue: z.string().optional(),
});
export type IntelMispAttributeMeta = z.infer<typeof IntelMispAttributeMeta>;

export const IntelCase = z.object({
  kind: z.literal('case'),
  ...FactFields,
  caseKind: z.enum(['incident', 'campaign', 'misp-event', 'report-list']),
  name: z.string(),
  description: z.string().optional(),
  date: z.string().optional(),
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional(),
  aliases: z.array(z.string()),
  labels: z.array(z.string()),
  actorLabels: z.array(z.string()),
  techniqueIds: z.array(z.string()),
  externalIds: z.array(z.string()),
  revoked: z.boolean(),
  deprecated: z.boolean(),
  markings: z.array(z.string()).optional(),
  misp: IntelMispEventMeta.optional(),
});
export type IntelCase = z.infer<typeof IntelCase>;

export const IntelIpEnrichment = z.object({
  address: z.string(),
  prefix: z.string().optional(),
  originAsns: z.array(z.number()),
  originNames: z.array(z.string()),
  upstreams: z.array(z.number()),
  country: z.string().optional(),
  block: z.string(),
});
export type IntelIpEnrichment = z.infer<typeof IntelIpEnrichment>;

export const IntelIndicator = z.object({
  kind: z.literal('indicator'),
  ...FactFields,
  type: IndicatorTypeSchema,
  value: z.string(),
  original: z.string(),
  sourceType: z.string().optional(),
  comment: z.string().optional(),
  caseIds: z.array(z.string()),
  reportIds: z.array(z.string()),
  labels: z.array(z.string()),
  validFrom: z.string().optional(),
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional(),
  forDetection: z.boolean().optional(),
  markings: z.array(z.string()).optional(),
  observationId: z.string().optional(),
  misp: IntelMispAttributeMeta.optional(),
  /** Where the address sits on the routing map (IP indicators only). */
  enrichment: IntelIpEnrichment.optional(),
});
export type IntelIndicator = z.infer<typeof IntelIndicator>;

export const IntelInsiderSignal = z.object({
  indicatorId: z.string(),
  value: z.string(),
  host: z.string(),
  reason: z.enum(['single-label', 'internal-suffix', 'no-public-tld', 'victim-naming']),
  provenance: IntelProvenance,
});
export type IntelInsiderSignal = z.infer<typeof IntelInsiderSignal>;

/** `intelShow`: a case, its indicators (enriched when routing data was given), insider signals. */
export const IntelShowResult = z.object({
  case: IntelCase,
  indicators: z.array(IntelIndicator),
  insiderSignals: z.array(IntelInsiderSignal),
  /** The routing archives that placed the addresses, when archives were given. */
  routing: IntelRoutingArchives.optional(),
});
export type IntelShowResult = z.infer<typeof IntelShowResult>;

/** What the query case brings to the comparison (the first line of the CLI's tables). */
export const IntelQuerySummary = z.object({
  name: z.string(),
  indicatorValues: z.number(),
  techniques: z.number(),
  software: z.number(),
});
export type IntelQuerySummary = z.infer<typeof IntelQuerySummary>;

/** `intelSimilar`: the most similar cases and ATT&CK units, and actors, each score with its evidence. */
export const IntelSimilarResult = z.object({
  case: z.string(),
  similar: z.array(IntelSimilarity),
  actors: z.array(IntelSimilarity),
});
export type IntelSimilarResult = z.infer<typeof IntelSimilarResult>;

/** `intelAttribute`: the verdict and the ranked candidates (confidence and score to 4 places). */
export const IntelAttributeResult = z.object({
  verdict: z.enum(['attributed', 'leaning', 'insufficient-evidence']),
  reason: z.string(),
  /** The routing archives that placed the addresses, when archives were given. */
  routing: IntelRoutingArchives.optional(),
  candidates: z.array(
    z.object({
      actor: z.string(),
      id: z.string(),
      aliases: z.array(z.string()),
      umbrella: z.array(z.string()).optional(),
      confidence: z.number(),
      score: z.number(),
      evidence: z.array(IntelEvidenceItem),
    }),
  ),
});
export type IntelAttributeResult = z.infer<typeof IntelAttributeResult>;

/** `intelExport`: a STIX 2.1 bundle. */
export const IntelStixBundle = z.looseObject({
  type: z.literal('bundle'),
  id: z.string(),
  objects: z.array(z.record(z.string(), z.unknown())),
});
export type IntelStixBundle = z.infer<typeof IntelStixBundle>;

// The schemas describe the domain's own types: these lines stop compiling when the two drift.
type Assignable<T extends U, U> = T;
export type CheckShapes = [
  Assignable<EvidenceItem, IntelEvidenceItem>,
  Assignable<Similarity, IntelSimilarity>,
  Assignable<Case, IntelCase>,
  Assignable<Indicator & { enrichment?: IpEnrichment }, IntelIndicator>,
  Assignable<InsiderSignal, IntelInsiderSignal>,
];

// ---------------------------------------------------------------------------------------------
// Inputs

/** Where the evidence and the routing data come from; every field has a bundled default. */
export interface IntelSources {
  /** Corpus folders or files (default: the bundled data/intel). */
  corpus?: readonly string[];
  /** MRT RIB/update files: IP indicators get prefix, origin AS and upstreams. */
  mrt?: readonly string[];
  /**
   * MRT archives (files or folders): the RIB and updates taken last at or before the case's date
   * (or `asOf`) are replayed, placing the case's addresses as the map stood then.
   */
  archives?: readonly string[];
  /** RIR delegated files (default: the bundled APNIC 2014 file). */
  registry?: readonly string[];
  /** AS names JSON (default: the bundled asnames.json.gz). */
  asnames?: string;
  /** The victim's internal host naming (a regular expression, case-insensitive): insider signals. */
  victimNaming?: string;
  /**
   * Read the corpus from this store's evidence index (`cairn ingest --intel`) instead of `corpus`:
   * a file is opened and closed per question; a store a face holds keeps the correlator built.
   */
  db?: string | CairnStore;
}

export interface IntelCaseInput extends IntelSources {
  /** A case id, an exact or partial case name, a corpus path, or a file (CSV, STIX, MISP). */
  case: string;
  /** A MISP case file's ShadowAttribute proposals are evidence too (labelled `misp:proposal`). */
  proposals?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Corpus files and loading

/**
 * Files under a folder (sorted, paths relative to it), or the file itself with the `cairn-labels`
 * manifest beside it when there is one (labels travel with the list).
 */
export function listCorpusFiles(
  root: string,
  onProblem?: (problem: CairnError) => void,
): Array<{ path: string; full: string }> {
  const out: Array<{ path: string; full: string }> = [];
  if (!statSync(root).isDirectory()) {
    const manifest = path.join(path.dirname(root), LABELS_MANIFEST);
    const beside = path.join(path.dirname(root), path.basename(manifest));
    if (path.basename(root) !== LABELS_MANIFEST && existsSync(manifest))
      out.push({ path: beside.split(path.sep).join('/'), full: manifest });
    out.push({ path: root, full: root });
    return out;
  }
  // Real paths of the folders walked: a link back to a parent is reported once, not followed.
  const walked = new Set<string>();
  const skip = (full: string, why: string): void =>
    onProblem?.(new CairnError('INPUT_NOT_FOUND', `corpus entry ${full} skipped: ${why}`, { file: full }));
  const walk = (dir: string): void => {
    let names: string[];
    try {
      const real = realpathSync(dir);
      if (walked.has(real)) return skip(dir, `a link back to ${real}, already read (loop)`);
      walked.add(real);
      names = readdirSync(dir).sort();
    } catch (error) {
      return skip(dir, (error as NodeJS.ErrnoException).code ?? String(error));
    }
    for (const name of names) {
      if (out.length >= MAX_CORPUS_FILES) return;
      const full = path.join(dir, name);
      let entry;
      try {
        // An unreadable entry or a symlink loop (ELOOP) is reported and skipped, not fatal.
        entry = statSync(full);
      } catch (error) {
        skip(full, (error as NodeJS.ErrnoException).code ?? String(error));
        continue;
      }
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ path: path.relative(root, full).split(path.sep).join('/'), full });
      else skip(full, 'not a regular file');
    }
  };
  walk(root);
  return out;
}

type FileReport = { path: string; format: IntelFormat; report: ImportReport | undefined };

function importEntry(o: FileReport): IntelImportResult['files'][number] {
  return {
    file: o.path,
    format: o.format,
    recordsRead: o.report?.recordsRead ?? 0,
    added: o.report?.added,
    skipped: o.report?.skipped ?? 0,
    ...(o.report?.setAside !== undefined ? { setAside: o.report.setAside } : {}),
    issueCount: o.report?.issueCount ?? 0,
    issues: o.report?.issues.map((i) => i.toJSON()) ?? [],
  };
}

/** Imports files and folders into a fresh graph: what each brought in, and every problem. */
export function intelImport(
  input: { files: readonly string[]; /** MISP proposals are evidence too. */ proposals?: boolean },
  hooks: WorkHooks = {},
): IntelImportResult {
  const files = input.files.flatMap((file) => {
    if (file === STDIN_PATH) return [file];
    if (!existsSync(file)) throw new CairnError('INTEL_NO_FILE', `no such file: ${file}`, { file });
    if (statSync(file).isDirectory()) return listCorpusFiles(file, hooks.onProblem).map((f) => f.full);
    checkInputFile(file, 'evidence file');
    return [file];
  });
  const graph = new EvidenceGraph();
  const reports: FileReport[] = [];
  const label = 'importing';
  loadCorpus(
    graph,
    (function* () {
      for (const file of files) yield { path: file, bytes: inputFileReader(file, 'evidence file') };
    })(),
    (file, report, format) => {
      reports.push({ path: file, format, report });
      hooks.onProgress?.({ label, done: reports.length, total: files.length, unit: 'files' });
    },
    { proposalsAsEvidence: input.proposals === true },
  );
  hooks.onDone?.(label);
  return { files: reports.map(importEntry), totals: graph.counts() };
}

/** Reads every corpus root into `graph`, reporting progress in bytes. */
function importCorpus(
  graph: EvidenceGraph,
  roots: readonly string[],
  hooks: WorkHooks,
): { corpus: LoadedCorpus; reports: FileReport[] } {
  const files: Array<{ path: string; full: string }> = [];
  for (const root of roots) {
    if (!existsSync(root))
      throw new CairnError('INTEL_NO_CORPUS', `corpus path does not exist: ${root}`, { file: root });
    files.push(...listCorpusFiles(root, hooks.onProblem));
  }
  const label = 'importing corpus';
  let bytesDone = 0;
  const total = files.reduce((sum, f) => sum + statSync(f.full).size, 0);
  const reports: FileReport[] = [];
  const corpus = loadCorpus(
    graph,
    (function* () {
      for (const f of files) {
        const bytes = readInputFileSync(f.full, 'corpus file');
        bytesDone += bytes.length;
        yield { path: f.path, bytes };
      }
    })(),
    (file, report, format) => {
      reports.push({ path: file, format, report });
      hooks.onProgress?.({ label, done: bytesDone, total, unit: 'bytes' });
    },
  );
  hooks.onDone?.(label);
  return { corpus, reports };
}

/** The case a query names, and the file it came from when it was imported for the query. */
export interface CaseQuery {
  caseId: string;
  file?: string;
}

/** Makes the indicators a file brought in into one case when the file made none (STIX bundles). */
export function caseOfFile(graph: EvidenceGraph, file: string, created: readonly string[]): string {
  if (created.length === 1) return created[0];
  const id = `case--file:${file}`;
  if (graph.get(id) !== undefined) return id;
  const fileCase = emptyCase(id, path.basename(file), 'report-list', { file });
  for (const createdId of created) {
    const other = graph.getAs('case', createdId);
    if (other !== undefined) fileCase.actorLabels.push(...other.actorLabels);
  }
  for (const t of graph.techniques)
    if (t.provenance.file === file && t.externalId !== undefined) fileCase.techniqueIds.push(t.externalId);
  graph.add(fileCase);
  for (const ind of graph.indicators) if (ind.provenance.file === file) graph.addIndicatorToCase(ind, id);
  return id;
}

/** A case file read on its own: its facts in a graph of their own, and what the import said. */
export interface CaseFile {
  file: string;
  scratch: EvidenceGraph;
  imported: { format: IntelFormat; report: ImportReport | undefined };
}

/** Checks and imports a case file (regular, readable, within the size limit, in a format read). */
function readCaseFile(file: string, proposals: boolean): CaseFile {
  checkInputFile(file, 'case file');
  const scratch = new EvidenceGraph();
  const imported = importFile(scratch, file, inputFileReader(file, 'case file'), undefined, {
    proposalsAsEvidence: proposals,
  });
  return { file, scratch, imported };
}

/** The error of a case argument nothing matches (`matches` cases by partial name). */
function unknownCase(caseArg: string, matches: number): CairnError {
  return new CairnError(
    'INTEL_UNKNOWN_CASE',
    matches === 0
      ? `no case, file or case name matches ${JSON.stringify(caseArg)}`
      : `${matches} cases match ${JSON.stringify(caseArg)}; give the id or the exact name`,
    // A path that is not there is a missing input file, named as one.
    { field: 'case', ...(matches === 0 && caseArg.includes('/') ? { file: caseArg } : {}) },
  );
}

/**
 * A case argument written as a path (absolute, `./` or `../`) read before the corpus is, so that
 * a missing, unreadable or malformed case file fails at once rather than after the corpus loads:
 * no case id, name or corpus path is written that way, except a corpus file given with --corpus
 * (left to the corpus) and, with a store, a file the store read that is no longer there.
 */
function caseFileFirst(input: IntelCaseInput): CaseFile | undefined {
  const arg = input.case;
  if (!(path.isAbsolute(arg) || /^\.\.?\//.test(arg)) || (input.corpus ?? []).includes(arg)) return undefined;
  if (!existsSync(arg)) {
    if (input.db !== undefined) return undefined;
    throw unknownCase(arg, 0);
  }
  return readCaseFile(arg, input.proposals === true);
}

/**
 * A file outside the corpus: the corpus case it repeats (same event or bundle ids), else its
 * contents imported into `graph` as the query case.
 */
function importQueryFile(graph: EvidenceGraph, caseFile: CaseFile, reports: FileReport[]): CaseQuery {
  const { file, scratch, imported } = caseFile;
  const known = scratch.cases.find(
    (c) => graph.getAs('case', c.id) !== undefined && !c.id.startsWith('case--'),
  );
  if (known !== undefined) return { caseId: known.id };
  // The file is read once: its facts move from the scratch graph (a large case costs one import).
  const { format, report } = imported;
  reports.push({ path: file, format, report });
  const created = scratch.cases.filter((c) => graph.getAs('case', c.id) === undefined).map((c) => c.id);
  for (const kind of FACT_KINDS) for (const fact of scratch.all(kind)) graph.add(fact);
  return { caseId: caseOfFile(graph, file, created), file };
}

/** Kinds of facts in the order a merge adds them (what facts refer to comes first). */
const FACT_KINDS = [
  'source',
  'case',
  'actor',
  'malware',
  'technique',
  'report',
  'indicator',
  'relationship',
  'sighting',
] as const;

/**
 * Resolves a case argument: an id, an exact name, a corpus path, a file, then a unique partial
 * name. `caseFile`: the argument's file when {@link caseFileFirst} has read it already.
 */
function resolveCase(
  graph: EvidenceGraph,
  corpus: LoadedCorpus,
  caseArg: string,
  reports: FileReport[],
  proposals = false,
  caseFile?: CaseFile,
): CaseQuery {
  const byId = graph.getAs('case', caseArg);
  if (byId !== undefined) return { caseId: byId.id };
  const byName = graph.cases.find((c) => c.name === caseArg);
  if (byName !== undefined) return { caseId: byName.id };
  const byFile = corpus.casesByFile.get(caseArg);
  if (byFile !== undefined) return { caseId: caseOfFile(graph, caseArg, byFile) };
  if (caseFile !== undefined) return importQueryFile(graph, caseFile, reports);
  if (existsSync(caseArg)) return importQueryFile(graph, readCaseFile(caseArg, proposals), reports);
  const lower = caseArg.toLowerCase();
  const partial = graph.cases.filter((c) => c.name.toLowerCase().includes(lower));
  if (partial.length === 1) return { caseId: partial[0].id };
  throw unknownCase(caseArg, partial.length);
}

/**
 * Upstreams of an address as the observatory's address view gives them: the networks after the
 * origin on each observed path, nearest first, each once.
 */
export function upstreamsOfView(view: AddressView): number[] {
  const origins = view.origins.map((o) => o.asn);
  const upstreams: number[] = [];
  for (const p of view.paths)
    for (const hop of p.upstreamChain)
      if (!origins.includes(hop.asn) && !upstreams.includes(hop.asn)) upstreams.push(hop.asn);
  return upstreams;
}

/**
 * The enrichment of indicators from the routing world (registry and AS names always; routes when
 * MRT files are given), loaded once and applied to any graph.
 */
async function routingEnricher(
  sources: IntelSources,
  hooks: WorkHooks,
  placement?: CorpusPlacement,
): Promise<(graph: EvidenceGraph) => Enrichment> {
  const victimNaming = victimNamingOf(sources.victimNaming);
  // The index placed the corpus as these sources would: only addresses outside it are looked up.
  if (placement !== undefined && (sources.mrt ?? []).length === 0 && sources.registry === undefined)
    return (graph) =>
      enrichIndicators(graph.indicators, {
        registry: placement.countries,
        known: placement.enrichment,
        victimNaming,
      });
  // Loaded here: the routing world (observatory, routing table, registry) only when asked for.
  const { loadRoutingWorld } = await import('./world.js');
  const world = await loadRoutingWorld(
    { mrt: sources.mrt ?? [], registry: sources.registry, asnames: sources.asnames },
    hooks,
  );
  let routing: RoutingLookup | undefined;
  if (sources.mrt !== undefined && sources.mrt.length > 0) {
    routing = {
      lookup(ip) {
        const view = world.observatory.addressView(ip, formatAddress(ip));
        if (view.prefix === undefined) return undefined;
        return {
          prefix: view.prefix,
          originAsns: view.origins.map((o) => o.asn),
          upstreams: upstreamsOfView(view),
        };
      },
    };
  }
  return (graph) =>
    enrichIndicators(graph.indicators, {
      routing,
      registry: world.registry,
      asNames: world.names,
      victimNaming,
    });
}

function victimNamingOf(pattern: string | undefined): RegExp | undefined {
  return pattern === undefined ? undefined : compileUserPattern(pattern, 'victim-naming');
}

/** The corpus, a query case in it, its enrichment and the correlator over it. */
export interface CaseWorkspace {
  graph: EvidenceGraph;
  query: CaseQuery;
  enrichment: Enrichment;
  /** The archives that placed the addresses (when `archives` were given). */
  routing?: IntelRoutingArchives;
  readonly correlator: Correlator;
}

/** The corpus as the store's evidence index holds it, or imported from the corpus files. */
async function corpusOf(
  input: IntelSources,
  hooks: WorkHooks,
): Promise<{ graph: EvidenceGraph; corpus: LoadedCorpus; placement?: CorpusPlacement }> {
  if (input.db !== undefined) {
    if (input.corpus !== undefined)
      throw new CairnError('INTEL_BAD_OPTION', 'give the corpus files or a store (--db), not both', {
        field: 'db',
      });
    if (typeof input.db === 'string') {
      const beside = corpusBesideStore(input.db, hooks);
      if (beside !== undefined) return beside;
    }
    // Loaded here: ingest brings the routing replay, outage and collector code a question never runs.
    const { withExistingStore } = await import('./ingest.js');
    return withExistingStore(input.db, (store) => storedCorpus(store, hooks));
  }
  const graph = new EvidenceGraph();
  const { corpus } = importCorpus(graph, input.corpus ?? [DEFAULT_INTEL_CORPUS], hooks);
  return { graph, corpus };
}

function correlatorOf(
  graph: EvidenceGraph,
  corpus: LoadedCorpus,
  enrichment: Enrichment,
  excludeCases?: ReadonlySet<string>,
): Correlator {
  return new Correlator(graph, {
    attack: corpus.attack,
    labels: corpus.labels,
    reliability: corpus.reliability,
    warninglists: corpus.warninglists,
    yaraRules: corpus.yaraRules,
    enrichment: enrichment.ips,
    excludeCases,
  });
}

/**
 * The corpus with the query case resolved in it. `caseFile`: the case file as
 * {@link caseFileFirst} read it (read here, before the corpus, when not given).
 */
export async function loadCaseWorkspace(
  input: IntelCaseInput,
  hooks: WorkHooks,
  caseFile = caseFileFirst(input),
): Promise<CaseWorkspace> {
  const { graph, corpus, placement } = await corpusOf(input, hooks);
  const reports: FileReport[] = [];
  const query = resolveCase(graph, corpus, input.case, reports, input.proposals === true, caseFile);
  // The query file's own problems (a corrupt gzip, broken records) are the user's to see.
  if (query.file !== undefined)
    for (const report of reports)
      if (report.path === query.file)
        for (const issue of report.report?.issues ?? []) hooks.onProblem?.(issue);
  let sources: IntelSources = input;
  let routing: IntelRoutingArchives | undefined;
  if (input.archives !== undefined && input.archives.length > 0) {
    const theCase = graph.getAs('case', query.caseId);
    const date = (input as { asOf?: string }).asOf ?? theCase?.date ?? theCase?.firstSeen;
    if (date === undefined)
      throw new CairnError(
        'INTEL_NO_CASE_DATE',
        `case ${theCase?.name ?? query.caseId} has no date; give --as-of`,
        {
          field: 'as-of',
        },
      );
    const picked = await archivesAt(input.archives, date, hooks);
    sources = { ...input, mrt: [...(input.mrt ?? []), ...picked.files] };
    routing = picked.used;
  }
  const enrichment = (await routingEnricher(sources, hooks, placement))(graph);
  let correlator: Correlator | undefined;
  // Built when first asked for: `show` and a plain export never need it.
  return {
    graph,
    query,
    enrichment,
    ...(routing !== undefined ? { routing } : {}),
    get correlator(): Correlator {
      correlator ??= correlatorOf(
        graph,
        corpus,
        enrichment,
        query.file !== undefined ? new Set([query.caseId]) : undefined,
      );
      return correlator;
    },
  };
}

/** Facts a query file may bring for it to be compared with a held correlator unchanged. */
const QUERY_ONLY_KINDS = new Set(['case', 'indicator', 'report', 'source']);

/**
 * A case resolved as {@link resolveCase} does, against a corpus a face holds, when that needs no
 * change to the held graph: a corpus case, or a file that brings one case of indicators and no
 * fact the correlator reads (actors, relationships, techniques). Undefined otherwise: the caller
 * then works on a fresh copy of the corpus.
 */
function heldCase(
  held: HeldCorpus,
  caseArg: string,
  hooks: WorkHooks,
  proposals = false,
  caseFile?: CaseFile,
): { caseId: string; profile: Profile } | undefined {
  const { graph, corpus, correlator } = held;
  const inCorpus = (caseId: string): { caseId: string; profile: Profile } => ({
    caseId,
    profile: correlator.profileOfCase(caseId),
  });
  const byId = graph.getAs('case', caseArg) ?? graph.cases.find((c) => c.name === caseArg);
  if (byId !== undefined) return inCorpus(byId.id);
  const byFile = corpus.casesByFile.get(caseArg);
  if (byFile !== undefined) return byFile.length === 1 ? inCorpus(byFile[0]) : undefined;
  const read = caseFile ?? (existsSync(caseArg) ? readCaseFile(caseArg, proposals) : undefined);
  if (read !== undefined) {
    const { scratch } = read;
    const { report } = read.imported;
    const known = scratch.cases.find(
      (c) => graph.getAs('case', c.id) !== undefined && !c.id.startsWith('case--'),
    );
    if (known !== undefined) return inCorpus(known.id);
    const facts = Object.entries(scratch.counts());
    if (
      scratch.cases.length !== 1 ||
      facts.some(([kind, n]) => n > 0 && !QUERY_ONLY_KINDS.has(kind)) ||
      (['case', 'indicator', 'report', 'source'] as const).some((k) =>
        scratch.all(k).some((f) => graph.get(f.id) !== undefined),
      )
    )
      return undefined;
    for (const issue of report?.issues ?? []) hooks.onProblem?.(issue);
    const caseId = scratch.cases[0].id;
    return { caseId, profile: caseProfile(scratch, caseId, held.enrich(scratch).ips) };
  }
  const lower = caseArg.toLowerCase();
  const partial = graph.cases.filter((c) => c.name.toLowerCase().includes(lower));
  return partial.length === 1 ? inCorpus(partial[0].id) : undefined;
}

/** The correlator and query profile from the corpus a face holds, when the case allows it. */
async function heldQuery(
  input: IntelCaseInput,
  hooks: WorkHooks,
  caseFile: CaseFile | undefined,
): Promise<{ correlator: Correlator; caseId: string; profile: Profile } | undefined> {
  if (typeof input.db !== 'object' || input.corpus !== undefined || (input.archives ?? []).length > 0)
    return undefined;
  const store = input.db;
  const key = JSON.stringify([
    input.mrt ?? [],
    input.registry ?? null,
    input.asnames ?? null,
    input.victimNaming ?? null,
  ]);
  const held = await heldCorpus(store, key, async () => {
    const { graph, corpus, placement } = await storedCorpus(store, hooks);
    const enrich = await routingEnricher(input, hooks, placement);
    const enrichment = enrich(graph);
    return { graph, corpus, enrichment, enrich, correlator: correlatorOf(graph, corpus, enrichment) };
  });
  const found = heldCase(held, input.case, hooks, input.proposals === true, caseFile);
  return found === undefined ? undefined : { correlator: held.correlator, ...found };
}

/** The correlator and the query's profile: from a held corpus when it can, else a fresh workspace. */
async function queryOf(
  input: IntelCaseInput,
  hooks: WorkHooks,
): Promise<{ correlator: Correlator; caseId: string; profile: Profile; routing?: IntelRoutingArchives }> {
  // A bad case file fails before the corpus or the store's evidence is read.
  const caseFile = caseFileFirst(input);
  const fromHeld = await heldQuery(input, hooks, caseFile);
  if (fromHeld !== undefined) return fromHeld;
  const { correlator, query, routing } = await loadCaseWorkspace(input, hooks, caseFile);
  return {
    correlator,
    caseId: query.caseId,
    profile: correlator.profileOfCase(query.caseId),
    ...(routing !== undefined ? { routing } : {}),
  };
}

function summaryOf(profile: Profile): IntelQuerySummary {
  return {
    name: profile.name,
    indicatorValues: profile.indicators.size,
    techniques: profile.techniques.size,
    software: profile.software.size,
  };
}

// ---------------------------------------------------------------------------------------------
// Questions

/** A case's indicators with their enrichment, and the insider signals among them. */
export async function intelShow(input: IntelCaseInput, hooks: WorkHooks = {}): Promise<IntelShowResult> {
  const { graph, query, enrichment, routing } = await loadCaseWorkspace(input, hooks);
  const theCase = graph.getAs('case', query.caseId)!;
  const indicators = graph.indicatorsOfCase(theCase.id);
  const ids = new Set(indicators.map((i) => i.id));
  return {
    case: theCase,
    indicators: indicators.map((i) => ({ ...i, enrichment: enrichment.ips.get(i.id) })),
    insiderSignals: enrichment.insider.filter((s) => ids.has(s.indicatorId)),
    ...(routing !== undefined ? { routing } : {}),
  };
}

/** An `asOf` date checked (ISO 8601), or a usage error naming the option. */
function asOfOf(asOf: string | undefined): string | undefined {
  if (asOf === undefined) return undefined;
  if (Number.isNaN(Date.parse(asOf)))
    throw new CairnError('INTEL_BAD_OPTION', `not a date: ${asOf}`, { field: 'as-of' });
  return asOf;
}

/** The cases, ATT&CK units and actors most similar to a case (each of `limit`, 1..100, default 5). */
export async function intelSimilar(
  input: IntelCaseInput & { limit?: number; asOf?: string },
  hooks: WorkHooks = {},
): Promise<{ query: IntelQuerySummary; result: IntelSimilarResult }> {
  // A date that does not parse is a usage error before the corpus is read.
  const asOf = asOfOf(input.asOf);
  const { correlator, caseId, profile } = await queryOf(input, hooks);
  const limit = Math.max(1, Math.min(100, input.limit || 5));
  const exclude = new Set([caseId]);
  return {
    query: summaryOf(profile),
    result: {
      case: caseId,
      similar: correlator.similarUnits(profile, { exclude, limit, asOf }),
      actors: correlator.rankActors(profile, { exclude, limit, asOf }),
    },
  };
}

function attributionResult(a: Attribution): IntelAttributeResult {
  return {
    verdict: a.verdict,
    reason: a.reason,
    candidates: a.candidates.map((c) => ({
      actor: c.actor,
      id: c.id,
      aliases: c.aliases,
      ...(c.umbrella !== undefined ? { umbrella: c.umbrella } : {}),
      confidence: Number(c.confidence.toFixed(4)),
      score: Number(c.score.toFixed(4)),
      evidence: c.evidence,
    })),
  };
}

/** Candidate actors for a case with a calibrated confidence and their evidence. */
export async function intelAttribute(
  input: IntelCaseInput & { ignoreLabels?: boolean; asOf?: string },
  hooks: WorkHooks = {},
): Promise<{ query: IntelQuerySummary; result: IntelAttributeResult }> {
  // A date that does not parse is a usage error before the corpus is read.
  const asOf = asOfOf(input.asOf);
  const { correlator, caseId, profile, routing } = await queryOf(input, hooks);
  const attribution = attribute(correlator, profile, {
    exclude: new Set([caseId]),
    ignoreLabels: input.ignoreLabels === true,
    asOf,
  });
  const result = attributionResult(attribution);
  return { query: summaryOf(profile), result: routing !== undefined ? { ...result, routing } : result };
}

/**
 * A case as a STIX 2.1 bundle (deterministic for a given `timestamp`, default now); with
 * `attribution`, the case's attribution as `attributed-to` relationships with their confidence.
 */
export async function intelExport(
  input: IntelCaseInput & { attribution?: boolean; timestamp?: string },
  hooks: WorkHooks = {},
): Promise<IntelStixBundle> {
  const { graph, query, options } = await stixExportOf(input, hooks);
  return exportCaseAsStix(graph, query.caseId, options) as IntelStixBundle;
}

async function stixExportOf(
  input: IntelCaseInput & { attribution?: boolean; timestamp?: string },
  hooks: WorkHooks,
): Promise<{ graph: EvidenceGraph; query: CaseQuery; options: StixExportOptions }> {
  const { graph, query, correlator } = await loadCaseWorkspace(input, hooks);
  const timestamp = input.timestamp ?? new Date().toISOString();
  let attribution: StixAttributionCandidate[] | undefined;
  if (input.attribution === true) {
    const a = attribute(correlator, correlator.profileOfCase(query.caseId), {
      exclude: new Set([query.caseId]),
    });
    attribution = a.candidates.map((c) => ({
      actor: c.actor,
      externalIds: /^G\d{4}$/.test(c.id) ? [c.id] : [],
      aliases: c.aliases.filter((x) => x !== c.actor),
      confidence: c.confidence,
    }));
  }
  return { graph, query, options: { timestamp, attribution } };
}

/**
 * The bundle of {@link intelExport}, written to `out` as it is produced (a large case is never
 * held as one string); returns the case id and the characters written.
 */
export async function intelExportStix(
  input: IntelCaseInput & { attribution?: boolean; timestamp?: string },
  out: Writable,
  hooks: WorkHooks = {},
): Promise<{ caseId: string; characters: number }> {
  const { graph, query, options } = await stixExportOf(input, hooks);
  let pending = '';
  let characters = 0;
  const flush = async (text: string): Promise<void> => {
    characters += text.length;
    if (!out.write(text)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
  };
  for (const chunk of stixBundleChunks(graph, query.caseId, options)) {
    pending += chunk;
    if (pending.length < 1 << 16) continue;
    await flush(pending);
    pending = '';
  }
  await flush(pending + '\n');
  return { caseId: query.caseId, characters };
}

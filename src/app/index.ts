/**
 * app: the application layer. One function per question cairn answers, with typed inputs and
 * serialisable results whose shapes are zod schemas defined once here, used by the CLI's JSON
 * output and the HTTP API alike. No argv, no HTTP, no stdout: a face parses its input, calls a
 * function here and renders the result.
 *
 * @example
 * import { countryReport } from '../app/index.js';
 * const result = await countryReport({ country: 'KP', mrt: ['data/mrt/ripe-bgpdump/updates.et-header.2015.gz'] });
 * result.upstreams[0].asn; // 4837
 */
export {
  DEFAULT_ASNAMES_FILE,
  DEFAULT_INTEL_CORPUS,
  DEFAULT_REGISTRY_FILES,
  DEMO_MRT_FILE,
  SONY_CASE_FILE,
} from './defaults.js';
export type { ProgressReport, WorkHooks } from './progress.js';
export { orderMrtFiles, replayMrtFiles, reserveForFiles } from './replay.js';
export { loadRoutingWorld, type RoutingWorld, type WorldSources } from './world.js';
export {
  MrtCollectorArchive,
  createCollectorArchive,
  type CollectorArchiveOptions,
} from './collect-archive.js';
export {
  IntelAttributeResult,
  IntelCase,
  IntelEvidenceItem,
  IntelImportResult,
  IntelIndicator,
  IntelInsiderSignal,
  IntelIpEnrichment,
  IntelIssue,
  IntelProvenance,
  IntelQuerySummary,
  IntelShowResult,
  IntelSimilarResult,
  IntelSimilarity,
  IntelStixBundle,
  MAX_CORPUS_FILES,
  intelAttribute,
  intelExport,
  intelImport,
  intelShow,
  intelSimilar,
  listCorpusFiles,
  upstreamsOfView,
  type IntelCaseInput,
  type IntelSources,
} from './intel.js';
export {
  AchCaseError,
  AchResult,
  achAnalyze,
  achFormatOption,
  loadAchCase,
  loadYamlParser,
  readBounded,
  type AchInput,
} from './ach.js';
export { AlertStreamServer, DEFAULT_ALERT_SOCKET, followAlerts } from './alert-stream.js';
export { readCollectorConfig, startCollect, type CollectInput, type CollectRuntime } from './collect.js';
export {
  AlertJson,
  attachLiveDetection,
  liveAlertJson,
  type AlertKind,
  type LiveAttachment,
  type LiveAttachOptions,
  type LiveTimeOptions,
} from './live.js';
export {
  OutageBinLine,
  OutageEventLine,
  OutagesResult,
  SessionResetLine,
  followOutages,
  outageBinsCsv,
  replayOutages,
  resolveSelection,
  selectionLabel,
  type FollowOutagesInput,
  type OutageHooks,
  type ReplayOutagesInput,
  type Selection,
  type SelectionInput,
} from './outages.js';
export { OUTAGE_DEFAULTS, type OutageOptions } from '../observatory/index.js';
export { VirtualClock, systemClock, type Clock, type Timer } from '../bgp/index.js';
export { BufferedWriter } from './buffered-writer.js';
export * from './mrt-schemas.js';
export { dumpMrt, elementPredicate, mrtStats } from './mrt.js';
export * from './country.js';
export * from './demo.js';
// RIS Live watch (issue 15 point 6)
export {
  WatchStats,
  watchRisLive,
  watchSubscriptions,
  type WatchHooks,
  type WatchRisLiveInput,
  type WatchRuntime,
} from './watch.js';
// Archive fetching (issue #15, point 5): `cairn fetch`, and the paths `ingest --fetch` takes.
export {
  FETCH_BYTES_LABEL,
  FETCH_FILES_LABEL,
  FetchInput,
  FetchKind,
  FetchResult,
  FetchSource,
  FetchedFileJson,
  defaultFetchDir,
  fetchArchives,
  fetchedFilePaths,
  parseIsoTime,
  type FetchHooks,
  type FetchRuntime,
} from './fetch.js';
export {
  BASE_URL_ENV,
  DEFAULT_CONCURRENCY as DEFAULT_FETCH_CONCURRENCY,
  MAX_CONCURRENCY as MAX_FETCH_CONCURRENCY,
  type RetryNotice,
} from '../feeds/index.js';
// Outage life cycle (issue 14): life-cycle and no-data lines, the new alert kinds.
export {
  ARCHIVE_GAP_SECONDS,
  NoDataLine,
  OutageLifecycleLine,
  outageEventLine,
  outageLifecycleLine,
  type FollowOutagesResult,
} from './outages.js';
export {
  OutageCloseAlert,
  OutageDeEscalatedAlert,
  OutageEscalatedAlert,
  OutageRecoveryAlert,
  OutageUnresolvedAlert,
} from './live.js';
// What if: remove ASes and see what still reaches each country (issue #19).
export {
  LinkEvidence,
  RelationshipType,
  WHATIF_LIMITS,
  WHATIF_METHOD,
  WhatIfCountry,
  WhatIfInput,
  WhatIfPrefix,
  WhatIfRank,
  WhatIfResult,
  inferRelationships,
  whatIf,
  whatIfOnWorld,
} from './whatif.js';
// ---- store: ingest and history (issue 15) ----
export {
  INGEST_ELEMENTS_LABEL,
  INGEST_FILES_LABEL,
  IngestFileLine,
  IngestInput,
  IngestResult,
  StoreCountsSchema,
  hashFile,
  ingest,
  openCairnStore,
  type IngestOptions,
} from './ingest.js';
export {
  DependencyLine,
  DependencySnapshotLine,
  HistoryCountryChangesInput,
  HistoryCountryChangesResult,
  HistoryDependencyInput,
  HistoryDependencyResult,
  HistoryOutagesInput,
  HistoryOutagesResult,
  HistoryPrefixChangesInput,
  HistoryPrefixChangesResult,
  HistoryVisibilityInput,
  HistoryVisibilityResult,
  PrefixChangeLine,
  StoredOutageLine,
  VisibilityPointLine,
  historyCountryChanges,
  historyDependency,
  historyOutages,
  historyPrefixChanges,
  historyVisibility,
  parseTime,
  visibilityCsv,
} from './history.js';
// ---- the workspace kept by long-running faces (server) ----
export { Workspace, type DataTime, type WorkspaceCoverage, type WorkspaceSources } from './workspace.js';
export { PrefixResult } from './workspace.js';
export {
  IntelCorrelateResult,
  IntelWorkspace,
  INTEL_IMPORT_FORMATS,
  type IntelWorkspaceSources,
} from './api-intel.js';
export { AchCaseSummary, AchRatingValue, AchView, AchWorkspace } from './api-ach.js';
export {
  OutageArchive,
  OutageHistory,
  OutageLifeCycle,
  OutageListItem,
  selectionKey,
  type OutageArchiveInput,
  type TimeFilter,
} from './api-outages.js';
// Sample reading (issue #22): `cairn intel sample`, hashes, PE traits, strings and YARA of files.
export {
  DEFAULT_MAX_SAMPLE_SIZE,
  SAMPLE_FILES_LABEL,
  SAMPLE_WORKER_MIN_FILES,
  SampleFactsJson,
  SampleFileJson,
  SampleInput,
  SamplePeJson,
  SampleResult,
  SampleStringJson,
  YaraMatchJson,
  compileYaraRules,
  readSample,
  sampleCaseCsv,
  sampleCaseRows,
  sampleFileLines,
  sampleFiles,
  scanWithYara,
  spoolCaseStream,
  walkSamplePaths,
  type CompiledRules,
  type SampleCaseRow,
  type SampleLines,
} from './sample.js';
// ---- the store held by a long-running face (server; issues 15 and 16) ----
export {
  BUNDLED_STORE_SOURCES,
  INGEST_BUNDLED_LABEL,
  IngestBundledResult,
  IngestStatusResult,
  IngestedFileLine,
  StoreWorkspace,
  ingestBundled,
  ingestStatus,
  type StoreCoverage,
} from './api-store.js';
// ---- input files: size limit and streams (issue 18, point 4) ----
export {
  DEFAULT_MAX_INPUT_BYTES,
  STDIN_PATH,
  checkInputFile,
  inputLimits,
  limitFromEnvironment,
  readInputFileSync,
  setInputLimits,
  type InputLimits,
} from './input-file.js';

// ---- attribution from the store: the evidence index (issue 13 point 10, issue 15 point 8) ----
export { contentHash, refreshEvidenceIndex, storedCorpus, type EvidenceInput } from './intel-index.js';
// ---- MISP out (issue #23): a case as a MISP event, written as it goes ----
export { IntelMispExportInput, IntelMispExportResult, intelExportMisp } from './intel-misp.js';
// ---- the workspace's HTTP answers (issue 16 gaps, issue 19 point 2): what if over a kept world ----
export { WorkspaceWhatIfInput, workspaceWhatIf } from './api-whatif.js';
// Opening files for the domain modules (tidy, issue #12: registry and intel take text and bytes).
export {
  loadAsNamesFile,
  loadRegistryFiles,
  readRegistryText,
  REGISTRY_MAX_BYTES,
} from './registry-files.js';
export { gunzipInput, gunzipInputSync } from './input-file.js';
// ---- issue 16: routing answers kept in the store (a restart answers from them) ----
export {
  ROUTING_VIEWS_FORMAT,
  RoutingAnswers,
  RoutingViewStore,
  routingWorldKey,
  type RoutingAnswer,
} from './routing-views.js';
// Intel attribution speed and dating (issue 13 points 7 and 10, issue 22 point 2): archives at a case's date.
export { archivesAt, IntelRoutingArchives } from './intel-archives.js';
// MISP in and out, large cases stream (issues #23, #18.5).
export { intelExportStix } from './intel.js';
// ---- the element bus (issue 17 point 4): publishers, the ingest worker ----
export {
  BUS_SEGMENTS_LABEL,
  BusCollectorArchive,
  BusIngestInput,
  BusIngestResult,
  DEFAULT_PART_BYTES,
  LiveSegmentPublisher,
  PUBLISH_FILES_LABEL,
  PublishInput,
  PublishResult,
  RisLivePublisher,
  busIngest,
  isBusUrl,
  openLivePublisher,
  publishMrtFiles,
  type BusIngestOptions,
} from './bus.js';

// Serve start-up (issue 16 point 4): the bundled-data check on an open store, in one query.
export { checkBundled, type BundledCheck } from './api-store.js';

// ---- the evidence index read beside the store file (issue 13 point 10, cold) --------------------
export { corpusBesideStore } from './intel-index.js';

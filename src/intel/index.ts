/**
 * intel: the evidence model and its importers. Public threat intelligence (STIX 2.0/2.1
 * bundles, MITRE ATT&CK, MISP events and galaxies, CSV/TSV and `value;comment` IOC lists, YARA
 * byte patterns) becomes typed, normalised facts in an in-memory {@link EvidenceGraph}, each
 * with its provenance (file, object id or line, JSON path) and a STIX 0–100 confidence; any case
 * can be exported back as a deterministic STIX 2.1 bundle. Importers never throw on bad input:
 * every problem is a `CairnError` with a stable code and its location in the returned report.
 * On top: enrichment (`enrichIndicators`, with a `RoutingLookup` the caller builds), correlation
 * (`Correlator`: every score a list of evidence items) and attribution (`attribute`: calibrated
 * confidence or `insufficient-evidence`), evaluated by `leaveOneOut` / `groupReidentification`.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { EvidenceGraph, importAttack, importMispGalaxy, ActorResolver } from '../intel/index.js';
 * const graph = new EvidenceGraph();
 * const { index } = importAttack(graph, readFileSync('data/intel/attack/enterprise-attack-18.1-subset.json.gz'), { file: 'attack' });
 * importMispGalaxy(graph, readFileSync('data/intel/misp-galaxy/clusters/threat-actor.json'), { file: 'threat-actor.json' });
 * index.group('G0032')?.techniques.size;                 // techniques Lazarus Group uses
 * new ActorResolver(graph).resolve('Hidden Cobra').actor?.name; // 'Lazarus Group'
 */
export { INDICATOR_TYPES, RELATIONSHIP_TYPES, DEFAULT_CONFIDENCE, emptyCase } from './model.js';
export type {
  IndicatorType,
  Provenance,
  Fact,
  Indicator,
  Case,
  Actor,
  MalwareFamily,
  Technique,
  Report,
  Source,
  RelationshipType,
  Relationship,
  Sighting,
  EvidenceObject,
  EvidenceKind,
} from './model.js';
export { EvidenceGraph, Corpus } from './graph.js';
export {
  normalizeIndicator,
  detectIndicatorType,
  refang,
  isIndicatorType,
  hasControlCharacters,
  hasMarkup,
} from './normalize.js';
export type { Normalized } from './normalize.js';
export { MAX_VALUE_LENGTH, MAX_ISSUES, mergeReports } from './report.js';
export type { ImportReport } from './report.js';
export type { ImportOptions } from './facts.js';
export {
  parsePattern,
  tokenizePattern,
  extractPatternIndicators,
  formatObjectPath,
  PatternError,
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_DEPTH,
} from './pattern.js';
export type {
  ObservationNode,
  ComparisonNode,
  ComparisonOperator,
  ObjectPath,
  PathStep,
  PatternLiteral,
  Qualifier,
  PatternIndicator,
  PatternExtraction,
} from './pattern.js';
export { decodeInput, scanJsonArray, MAX_INPUT_BYTES } from './json-scan.js';
export type { JsonElement, JsonScanResult } from './json-scan.js';
export { importStixBundle } from './stix-import.js';
export type { StixImportOptions } from './stix-import.js';
export { importAttack, buildAttackIndex, AttackIndex } from './attack.js';
export type { AttackGroup, AttackCampaign, AttackImportOptions, AttackIndexOptions } from './attack.js';
export { importMispEvent, importMispGalaxy } from './misp/index.js';
// MISP in and out (issue #23): every shape MISP writes, and a case written back as a MISP event.
export {
  importMispDocument,
  mispEventChunks,
  exportUuid,
  MISP_INDICATOR_TYPES,
  MISP_CONTEXT_TYPES,
  MAX_OBJECT_ATTRIBUTES,
  describeMispType,
  mispItems,
  MispFeedHashes,
  readMispFeedHashes,
  checkMispFeedHashes,
} from './misp/index.js';
export type { MispImportOptions, MispAttribution, MispExportOptions, MispItem } from './misp/index.js';
export type { MispAttributeMeta, MispEventMeta, MispContext, MispProposal } from './model.js';
export { ActorResolver, foldActorName } from './aliases.js';
export type { CanonicalActor, ActorResolution, AmbiguousAlias } from './aliases.js';
export { importIndicatorList, splitCsvLine } from './csv.js';
export type { IndicatorListOptions } from './csv.js';
export { parseYaraRules, YaraHexIndex } from './yara.js';
export type { YaraRule } from './yara.js';
export {
  CAIRN_EXTENSION_ID,
  CAIRN_IDENTITY_ID,
  TLP2_MARKINGS,
  exportCaseAsStix,
  stixBundleChunks,
  tlpOfLabel,
  tlpOfMarking,
} from './stix-export.js';
export type { StixAttributionCandidate, StixExportOptions, TlpLevel } from './stix-export.js';
export {
  uuidV5,
  stixScoId,
  cairnId,
  canonicalJson,
  isStixId,
  STIX_SCO_NAMESPACE,
  CAIRN_NAMESPACE,
} from './uuid.js';
export {
  ACH_RATINGS,
  ACH_LIMITS,
  ACH_SCHEMA_VERSION,
  RATING_VALUE,
  RATING_INCONSISTENCY,
  RATING_CONSISTENCY,
  WEIGHT_LEVELS,
  MAX_WEIGHT_FACTOR,
  parseAchCase,
  analyzeAch,
  achEvidenceAsOf,
  achFormatOf,
  formatAchPath,
  weightFactor,
  evidenceWeight,
  yamlParserFromModule,
} from './ach.js';
export type {
  AchRating,
  WeightLevel,
  AchSource,
  AchHypothesis,
  AchEvidence,
  AchCase,
  AchPath,
  AchFormat,
  AchParseOptions,
  AchParseResult,
  YamlCaseParser,
  YamlModuleLike,
  AchHypothesisScore,
  AchEvidenceRow,
  AchChange,
  AchItemSensitivity,
  AchSensitivity,
  AchAnalysis,
} from './ach.js';
export {
  enrichIndicators,
  internalNameReason,
  blockOf,
  BlockCountryTable,
  GENERIC_TLDS,
  INTERNAL_SUFFIXES,
} from './enrich.js';
export type {
  RoutingLookup,
  IpEnrichment,
  InsiderSignal,
  EnrichOptions,
  Enrichment,
  CountryLookup,
} from './enrich.js';
export { commonInfrastructure } from './infrastructure.js';
export type { CommonInfrastructure } from './infrastructure.js';
export {
  Correlator,
  ActorDirectory,
  caseProfile,
  emptyProfile,
  indicatorKey,
  addIndicators,
  FEATURE_WEIGHTS,
  SSDEEP_MIN_SCORE,
  TLSH_MAX_DISTANCE,
} from './correlate.js';
export type {
  FeatureKind,
  EvidenceItem,
  Similarity,
  Profile,
  ActorNode,
  CorrelatorOptions,
  QueryOptions,
  Feature,
  FeatureFamily,
} from './correlate.js';
export {
  ActorName,
  ExactMatch,
  FuzzyHashSimilarity,
  NetworkProximity,
  TechniqueOverlap,
  defaultFeatures,
  rarity,
} from './features/index.js';
export type { ActorMatchContext, Unit, UnitMatchContext } from './features/index.js';
export {
  attribute,
  decide,
  calibrate,
  CALIBRATION,
  ATTRIBUTION_THRESHOLDS,
  MAX_CANDIDATES,
} from './attribute.js';
export type { Attribution, AttributionCandidate } from './attribute.js';
export { MAX_SINGLE_OBSERVATION } from './attribute.js';
export {
  CorpusLoader,
  detectFileFormat,
  detectFormat,
  importFile,
  loadCorpus,
  FORMAT_HEAD_BYTES,
} from './corpus.js';
export type { FileBytes, FileImportOptions, IntelFormat, LoadedCorpus } from './corpus.js';
export { bytesSource } from './json-stream.js';
export type { ByteSource } from './json-stream.js';
export {
  leaveOneOut,
  leaveOneLabelOut,
  TRUTH_MIN_WEIGHT,
  halfOf,
  rescore,
  groupReidentification,
  fitCalibration,
  metricsOf,
  randomHalf,
  halfProfile,
  REIDENTIFICATION_MIN_ITEMS,
} from './evaluate.js';
export type { Evaluation, EvaluationMetrics, EvaluationQuery } from './evaluate.js';
// Sample reading (issue #22): hashes, PE build traits and strings of a file's bytes.
export {
  analyzeSample,
  sampleHashes,
  fileType,
  readPe,
  looksLikePe,
  imphash,
  entropy,
  networkStrings,
  EXTENSION_LIKE,
  stringRuns,
  MAX_VALUES_PER_KIND,
  MIN_STRING_LENGTH,
  parseYaraOutput,
  parseYaraOutputText,
  YaraOutputReader,
  YaraOutputBytesReader,
  addSampleValues,
  importSampleJson,
  sampleCase,
  sampleCaseId,
  sampleCaseValues,
  sampleValueId,
  RuleActorResolver,
  ruleTitles,
} from './sample/index.js';
export type {
  SampleFacts,
  SampleHashes,
  SampleOptions,
  FileType,
  PeImport,
  PeReadResult,
  PeSection,
  PeTraits,
  RichEntry,
  RichHeader,
  NetworkString,
  NetworkStringKind,
  StringRun,
  YaraMatch,
  YaraMatchText,
  YaraMatchBytes,
  YaraStringMatch,
  SampleCaseValue,
  SampleEntryLike,
  RuleActor,
  RuleActorState,
} from './sample/index.js';
export {
  LABELS_MANIFEST,
  MAX_SOFTWARE_USERS,
  RELIABILITY_FACTOR,
  TITLE_WEIGHTS,
  TitleResolver,
  globMatches,
  parseLabelsManifest,
} from './labels.js';
export type { LabelRule, Reliability, TitlePhrases, UnitLabel } from './labels.js';
export { WARNINGLIST_FACTOR, WarninglistIndex } from './warninglists.js';
export type { WarninglistHit } from './warninglists.js';
export { countObservationsOnce } from './correlate.js';
export { CONTEXT_FACTOR, DERIVED_FACTOR, confidenceFactor } from './features/index.js';
export { LATE_REPORT_GRACE_YEARS, lateFactor } from './features/exact.js';
export {
  CORPUS_INDEX_FORMAT,
  corpusIndexFormat,
  readCorpusIndex,
  writeCorpusIndex,
} from './correlation-index.js';
export type { CorpusPlacement } from './correlation-index.js';
export type { WarninglistData } from './warninglists.js';

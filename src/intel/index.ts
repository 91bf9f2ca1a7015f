/**
 * intel: the evidence model and its importers. Public threat intelligence (STIX 2.0/2.1
 * bundles, MITRE ATT&CK, MISP events and galaxies, CSV/TSV and `value;comment` IOC lists, YARA
 * byte patterns) becomes typed, normalised facts in an in-memory {@link EvidenceGraph}, each
 * with its provenance (file, object id or line, JSON path) and a STIX 0–100 confidence; any case
 * can be exported back as a deterministic STIX 2.1 bundle. Importers never throw on bad input:
 * every problem is a `CairnError` with a stable code and its location in the returned report.
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
export { INDICATOR_TYPES, RELATIONSHIP_TYPES, DEFAULT_CONFIDENCE } from './model.js';
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
export type { AttackGroup, AttackCampaign, AttackIndexOptions } from './attack.js';
export { importMispEvent, importMispGalaxy } from './misp.js';
export { ActorResolver, foldActorName } from './aliases.js';
export type { CanonicalActor, ActorResolution, AmbiguousAlias } from './aliases.js';
export { importIndicatorList, splitCsvLine } from './csv.js';
export type { IndicatorListOptions } from './csv.js';
export { parseYaraRules, YaraHexIndex } from './yara.js';
export type { YaraRule } from './yara.js';
export { exportCaseAsStix } from './stix-export.js';
export type { StixExportOptions } from './stix-export.js';
export {
  uuidV5,
  stixScoId,
  cairnId,
  canonicalJson,
  isStixId,
  STIX_SCO_NAMESPACE,
  CAIRN_NAMESPACE,
} from './uuid.js';

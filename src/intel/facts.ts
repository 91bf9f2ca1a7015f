/** Helpers the importers share: building indicator facts with checks, sources, confidences. */
import type { EvidenceGraph } from './graph.js';
import { DEFAULT_CONFIDENCE } from './model.js';
import type { Indicator, IndicatorType, Provenance, Source, YaraRuleFacts } from './model.js';
import { hasControlCharacters, hasMarkup, normalizeIndicator } from './normalize.js';
import { MAX_VALUE_LENGTH } from './report.js';
import type { ReportBuilder } from './report.js';
import { cairnId } from './uuid.js';

/** Options every importer takes. */
export interface ImportOptions {
  /** Label stored as provenance `file` (use the path relative to the corpus root). */
  file?: string;
  /** Confidence given to facts whose source states none. Default {@link DEFAULT_CONFIDENCE}. */
  defaultConfidence?: number;
}

/** Import context: graph, report and options of one import. */
export interface ImportContext {
  graph: EvidenceGraph;
  report: ReportBuilder;
  file: string;
  defaultConfidence: number;
  sourceId: string;
}

/** Creates the context and adds the Source fact for the file. */
export function beginImport(
  graph: EvidenceGraph,
  report: ReportBuilder,
  options: ImportOptions,
  format: Source['format'],
  version?: string,
): ImportContext {
  const file = report.report.file;
  const sourceId = cairnId('source', `${format}:${file}`);
  const source: Source = {
    kind: 'source',
    id: sourceId,
    name: file,
    format,
    provenance: { file },
    confidence: 100,
    confidenceStated: false,
  };
  if (version !== undefined) source.version = version;
  if (graph.add(source)) report.added('source');
  return {
    graph,
    report,
    file,
    defaultConfidence: options.defaultConfidence ?? DEFAULT_CONFIDENCE,
    sourceId,
  };
}

/** Reads a STIX/MISP confidence (number or numeric string in 0..100). */
export function readConfidence(
  ctx: ImportContext,
  raw: unknown,
  path: string,
): { confidence: number; stated: boolean } {
  if (raw === undefined || raw === null || raw === '')
    return { confidence: ctx.defaultConfidence, stated: false };
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 100) {
    ctx.report.issue('INTEL_BAD_CONFIDENCE', 'confidence is not an integer from 0 to 100; default used', {
      path,
    });
    return { confidence: ctx.defaultConfidence, stated: false };
  }
  return { confidence: n, stated: true };
}

/** Fields of an indicator the importers fill in; the rest get defaults. */
export interface IndicatorInput {
  id: string;
  type: IndicatorType;
  original: string;
  provenance: Provenance;
  confidence?: { confidence: number; stated: boolean };
  sourceType?: string;
  comment?: string;
  caseIds?: string[];
  reportIds?: string[];
  labels?: string[];
  validFrom?: string;
  firstSeen?: string;
  lastSeen?: string;
  forDetection?: boolean;
  yaraRule?: YaraRuleFacts;
}

/** Most `meta:` fields and tags kept of one rule (a rule file is the user's, not bounded by YARA). */
const MAX_RULE_FIELDS = 64;

/** A rule's facts capped in count and length (strings no longer than a value may be). */
function yaraRuleFacts(rule: YaraRuleFacts): YaraRuleFacts {
  const meta: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(rule.meta).slice(0, MAX_RULE_FIELDS))
    if (key.length <= MAX_VALUE_LENGTH && (typeof value !== 'string' || value.length <= MAX_VALUE_LENGTH))
      meta[key] = value;
  const namespace = str(rule.namespace);
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    tags: stringList(rule.tags, MAX_RULE_FIELDS),
    meta,
  };
}

const FREE_TEXT: ReadonlySet<IndicatorType> = new Set(['filename', 'mutex', 'string', 'yara-rule']);

/**
 * Checks and normalises one indicator value and adds it to the graph. Values longer than
 * {@link MAX_VALUE_LENGTH} are refused (INTEL_VALUE_TOO_LONG); values that are not of their type
 * are refused (INTEL_BAD_VALUE); control characters and markup are reported
 * (INTEL_VALUE_CONTROL_CHARS, INTEL_VALUE_MARKUP) and the value is still kept, exactly, when its
 * type is free text. Returns the fact, or undefined when refused.
 */
export function addIndicator(ctx: ImportContext, input: IndicatorInput): Indicator | undefined {
  const where = { line: input.provenance.line, path: input.provenance.path };
  const loc = Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined));
  const original = input.original;
  if (original.length > MAX_VALUE_LENGTH) {
    ctx.report.issue(
      'INTEL_VALUE_TOO_LONG',
      `${input.type} value of ${original.length} characters is longer than the ${MAX_VALUE_LENGTH} allowed`,
      loc,
    );
    return undefined;
  }
  if (hasControlCharacters(original.trim())) {
    ctx.report.issue('INTEL_VALUE_CONTROL_CHARS', `${input.type} value holds control characters`, loc);
    if (!FREE_TEXT.has(input.type)) return undefined;
  }
  if (input.type !== 'yara-rule' && hasMarkup(original)) {
    ctx.report.issue(
      'INTEL_VALUE_MARKUP',
      `${input.type} value holds markup; stored as text, never rendered`,
      loc,
    );
  }
  const n = normalizeIndicator(input.type, original);
  if (!n.ok) {
    const shown = original.length > 80 ? `${original.slice(0, 80)}…` : original;
    ctx.report.issue(n.code, `${JSON.stringify(shown)} is not a valid ${input.type}: ${n.reason}`, loc);
    return undefined;
  }
  const conf = input.confidence ?? { confidence: ctx.defaultConfidence, stated: false };
  const ind: Indicator = {
    kind: 'indicator',
    id: input.id,
    type: input.type,
    value: n.value,
    original,
    provenance: input.provenance,
    confidence: conf.confidence,
    confidenceStated: conf.stated,
    caseIds: input.caseIds ?? [],
    reportIds: input.reportIds ?? [],
    labels: input.labels ?? [],
  };
  if (input.sourceType !== undefined) ind.sourceType = input.sourceType;
  if (input.comment !== undefined && input.comment !== '') ind.comment = input.comment;
  if (input.validFrom !== undefined) ind.validFrom = input.validFrom;
  if (input.firstSeen !== undefined) ind.firstSeen = input.firstSeen;
  if (input.lastSeen !== undefined) ind.lastSeen = input.lastSeen;
  if (input.forDetection !== undefined) ind.forDetection = input.forDetection;
  if (input.yaraRule !== undefined && input.type === 'yara-rule')
    ind.yaraRule = yaraRuleFacts(input.yaraRule);
  if (ctx.graph.add(ind)) {
    ctx.report.added('indicator');
    return ind;
  }
  return ctx.graph.getAs('indicator', ind.id);
}

/** Keeps only strings from an unknown array, capped in count and length. */
export function stringList(value: unknown, max = 10_000): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const v of value) {
    if (typeof v === 'string' && v.length <= MAX_VALUE_LENGTH) out.push(v);
    if (out.length >= max) break;
  }
  return out;
}

/** A string property, or undefined when absent, not a string or longer than the cap. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_VALUE_LENGTH ? value : undefined;
}

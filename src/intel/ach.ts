// Analysis of competing hypotheses (ACH), after Richards J. Heuer Jr., "Psychology of Intelligence
// Analysis" (CIA Center for the Study of Intelligence, 1999), chapter 8: a matrix of hypotheses x
// evidence items, each cell rated CC / C / N / I / II; hypotheses are ranked by how much evidence
// is inconsistent with them (not by how much agrees), items by how much they discriminate, and the
// conclusion is checked for the items it hinges on.
//
// This file computes; it does no I/O. Case files (JSON, or YAML through an adapter) are parsed
// from text handed in by the caller.
import { z } from 'zod';
import { CairnError, type IntelErrorCode } from '../errors/index.js';

// ---------------------------------------------------------------------------------------------
// Scales

/** The five cell ratings, from most consistent to most inconsistent. */
/** The rating scale, most consistent first: a one-step re-rating moves along it. */
export const ACH_SCALE = ['CC', 'C', 'N', 'I', 'II'] as const;
/** Every rating a cell may hold: the scale, and NA (the item does not apply to the hypothesis). */
export const ACH_RATINGS = [...ACH_SCALE, 'NA'] as const;
export type AchRating = (typeof ACH_RATINGS)[number];

/** Numeric value of a rating, used for diagnosticity: CC = +2, C = +1, N = 0, I = -1, II = -2. */
export const RATING_VALUE: Readonly<Record<AchRating, number>> = { CC: 2, C: 1, N: 0, I: -1, II: -2, NA: 0 };

/** Heuer's inconsistency count: only I (1) and II (2) count against a hypothesis. */
export const RATING_INCONSISTENCY: Readonly<Record<AchRating, number>> = {
  CC: 0,
  C: 0,
  N: 0,
  I: 1,
  II: 2,
  NA: 0,
};

/** Shown beside the inconsistency score, never used for ranking: C (1) and CC (2). */
export const RATING_CONSISTENCY: Readonly<Record<AchRating, number>> = {
  CC: 2,
  C: 1,
  N: 0,
  I: 0,
  II: 0,
  NA: 0,
};

/**
 * Credibility and relevance levels. A case file gives either a level name or a number in
 * [0, {@link MAX_WEIGHT_FACTOR}] on the same scale (1 = medium = neutral). The weight of an item is
 * credibility x relevance, so a high/high item counts 2.25 times a medium/medium one and a
 * low/low one 0.25 times.
 */
export const WEIGHT_LEVELS = { low: 0.5, medium: 1, high: 1.5 } as const;
export type WeightLevel = keyof typeof WEIGHT_LEVELS;
export const MAX_WEIGHT_FACTOR = 2;

/** Input bounds: larger case files are rejected, not truncated. */
export const ACH_LIMITS = {
  bytes: 4 * 1024 * 1024,
  hypotheses: 50,
  evidence: 2000,
  sourcesPerItem: 50,
  idLength: 64,
  titleLength: 300,
  textLength: 20_000,
  depth: 32,
  issues: 200,
} as const;

export const ACH_SCHEMA_VERSION = 'cairn.ach/1';

// ---------------------------------------------------------------------------------------------
// Case file model and schema

/** Where an evidence item comes from. `says` states what the source says, in our words. */
export interface AchSource {
  /**
   * `repo`: a file in this repository (path from the repo root); `corpus`: a file of the shared
   * data corpus that the repo may not redistribute (path from `$CAIRN_CORPUS`); `report`: a
   * public report, named by its title; `command`: the output of a cairn command on bundled data.
   */
  kind: 'repo' | 'corpus' | 'report' | 'command';
  title: string;
  says: string;
  file?: string;
  /** 1-based line in `file` (for compressed files: in the decompressed text). */
  line?: number;
  /** The exact text expected on `line` (checked by the corpus tests). */
  value?: string;
  /** STIX id, MISP uuid, ATT&CK id... */
  objectId?: string;
  url?: string;
  publisher?: string;
  /** ISO 8601 date of the report. */
  date?: string;
  command?: string;
}

export interface AchHypothesis {
  id: string;
  title: string;
  description?: string;
}

export interface AchEvidence {
  id: string;
  title: string;
  description?: string;
  /** ISO 8601 date when the item became known (lets a reader replay the case as of a date). */
  date?: string;
  /**
   * Items that share a group are one observation reported several times (one press release
   * quoted as three items): together they weigh as one item.
   */
  group?: string;
  credibility: WeightLevel | number;
  relevance: WeightLevel | number;
  /** One rating per hypothesis id. Ratings are analyst judgments, see `judgment`. */
  ratings: Record<string, AchRating>;
  /** The analyst's reasons for the ratings and weights. */
  judgment?: string;
  sources: AchSource[];
}

export interface AchCase {
  schema: typeof ACH_SCHEMA_VERSION;
  id: string;
  title: string;
  question?: string;
  description?: string;
  analyst?: string;
  /** ISO 8601 date of the analysis. */
  date?: string;
  hypotheses: AchHypothesis[];
  evidence: AchEvidence[];
}

// Control characters (except TAB and LF in long text) and the Unicode bidirectional controls
// that can make text display differently from what it is ("Trojan Source").
// eslint-disable-next-line no-control-regex
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const CONTROL_IN_TEXT =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

const lineText = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `longer than ${max} characters`)
    .refine((s) => !CONTROL_IN_LINE.test(s), 'contains control or bidirectional-override characters');
const longText = z
  .string()
  .max(ACH_LIMITS.textLength, `longer than ${ACH_LIMITS.textLength} characters`)
  .refine((s) => !CONTROL_IN_TEXT.test(s), 'contains control or bidirectional-override characters');
const idText = z
  .string()
  .max(ACH_LIMITS.idLength, `longer than ${ACH_LIMITS.idLength} characters`)
  .regex(ID_PATTERN, 'an id is a letter followed by letters, digits, "_", "." or "-"');
const dateText = z.string().regex(DATE_PATTERN, 'expected an ISO 8601 date (YYYY-MM-DD)');
const weight = z.union([z.enum(['low', 'medium', 'high']), z.number().min(0).max(MAX_WEIGHT_FACTOR)], {
  error: `expected low, medium, high or a number from 0 to ${MAX_WEIGHT_FACTOR}`,
});

const sourceSchema = z.strictObject({
  kind: z.enum(['repo', 'corpus', 'report', 'command']),
  title: lineText(ACH_LIMITS.titleLength),
  says: longText.min(1, 'must not be empty'),
  file: lineText(1024).optional(),
  line: z.number().int().min(1).max(100_000_000).optional(),
  value: lineText(4096).optional(),
  objectId: lineText(256).optional(),
  url: lineText(2048)
    .regex(/^https?:\/\/\S+$/, 'expected an http(s) URL')
    .optional(),
  publisher: lineText(ACH_LIMITS.titleLength).optional(),
  date: dateText.optional(),
  command: lineText(1024).optional(),
});

const hypothesisSchema = z.strictObject({
  id: idText,
  title: lineText(ACH_LIMITS.titleLength),
  description: longText.optional(),
});

const evidenceSchema = z.strictObject({
  id: idText,
  title: lineText(ACH_LIMITS.titleLength),
  description: longText.optional(),
  date: dateText.optional(),
  group: idText.optional(),
  credibility: weight,
  relevance: weight,
  // Cells are checked after the schema, against the hypotheses, for precise messages.
  ratings: z.record(z.string(), z.unknown()),
  judgment: longText.optional(),
  sources: z
    .array(sourceSchema)
    .min(1, 'every evidence item needs at least one source')
    .max(ACH_LIMITS.sourcesPerItem),
});

const caseSchema = z.strictObject({
  schema: z.literal(ACH_SCHEMA_VERSION, { error: `expected "${ACH_SCHEMA_VERSION}"` }),
  id: idText,
  title: lineText(ACH_LIMITS.titleLength),
  question: longText.optional(),
  description: longText.optional(),
  analyst: lineText(ACH_LIMITS.titleLength).optional(),
  date: dateText.optional(),
  hypotheses: z
    .array(hypothesisSchema)
    .min(2, 'ACH needs at least two hypotheses')
    .max(ACH_LIMITS.hypotheses, `more than ${ACH_LIMITS.hypotheses} hypotheses`),
  evidence: z
    .array(evidenceSchema)
    .min(1, 'ACH needs at least one evidence item')
    .max(ACH_LIMITS.evidence, `more than ${ACH_LIMITS.evidence} evidence items`),
});

// ---------------------------------------------------------------------------------------------
// Parsing

/** A path into the case document: keys and array indexes. */
export type AchPath = ReadonlyArray<string | number>;

/** `evidence[3].ratings.H2`; keys that are not plain names are quoted: `ratings["a b"]`. */
export function formatAchPath(path: AchPath): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(step)) out += out === '' ? step : `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out === '' ? '$' : out;
}

/**
 * What a YAML library must provide to read case files: the plain value, syntax errors with
 * character offsets, and the character offset of the node at a path (for line numbers).
 * {@link yamlParserFromModule} builds one from the `yaml` npm package.
 */
export type YamlCaseParser = (text: string) => {
  value: unknown;
  errors: Array<{ message: string; offset?: number }>;
  locate(path: AchPath): number | undefined;
};

/** The part of the `yaml` package (eemeli/yaml, v2) that {@link yamlParserFromModule} uses. */
export interface YamlModuleLike {
  parseDocument(
    text: string,
    options?: { uniqueKeys?: boolean; prettyErrors?: boolean; strict?: boolean },
  ): {
    errors: ReadonlyArray<{ message: string; pos?: readonly [number, number] }>;
    toJS(options?: { maxAliasCount?: number }): unknown;
    getIn(path: Iterable<unknown>, keepScalar?: boolean): unknown;
  };
}

/** Adapts the `yaml` package: duplicate keys are errors, alias expansion is bounded. */
export function yamlParserFromModule(yaml: YamlModuleLike): YamlCaseParser {
  return (text) => {
    const document = yaml.parseDocument(text, { uniqueKeys: true, prettyErrors: false });
    const errors = document.errors.map((e) => ({ message: e.message, offset: e.pos?.[0] }));
    let value: unknown;
    if (errors.length === 0) {
      try {
        // Bounded alias expansion ("billion laughs").
        value = document.toJS({ maxAliasCount: 100 });
      } catch (error) {
        errors.push({ message: error instanceof Error ? error.message : String(error), offset: undefined });
      }
    }
    return {
      value,
      errors,
      locate(path) {
        const node = document.getIn(path, true) as { range?: readonly number[] } | undefined;
        return node?.range?.[0];
      },
    };
  };
}

export type AchFormat = 'json' | 'yaml';

export interface AchParseOptions {
  /** Label for error locations (a file name). */
  file?: string;
  /** Default: from the file extension (.yaml/.yml), else JSON. */
  format?: AchFormat;
  /** Needed for YAML; without it a YAML case file is an `ACH_YAML_UNAVAILABLE` error. */
  yaml?: YamlCaseParser;
}

export type AchParseResult = { ok: true; achCase: AchCase } | { ok: false; issues: CairnError[] };

/** Picks the format from a file name: `.yaml`/`.yml` is YAML, everything else JSON. */
export function achFormatOf(file: string | undefined): AchFormat {
  return file !== undefined && /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
}

/**
 * Reads and validates a case file. Never throws on bad input: every problem is a `CairnError`
 * with a stable code, the file, the path in the document (`evidence[3].ratings.H2`) and the
 * line where it can be found. Codes: `ACH_TOO_LARGE`, `ACH_BAD_ENCODING`, `ACH_BAD_JSON`,
 * `ACH_BAD_YAML`, `ACH_YAML_UNAVAILABLE`, `ACH_TOO_DEEP`, `ACH_DUPLICATE_KEY`, `ACH_SCHEMA`,
 * `ACH_UNKNOWN_FIELD`, `ACH_DUPLICATE_ID`, `ACH_UNKNOWN_RATING`, `ACH_UNKNOWN_HYPOTHESIS`,
 * `ACH_MISSING_RATING`.
 */
export function parseAchCase(input: string | Uint8Array, options: AchParseOptions = {}): AchParseResult {
  const file = options.file;
  const decoded = decodeCaseText(input, file);
  if (typeof decoded !== 'string') return decoded;
  const text = decoded;
  const format = options.format ?? achFormatOf(file);
  const document =
    format === 'json' ? readJsonDocument(text, file) : readYamlDocument(text, file, options.yaml);
  if ('ok' in document) return document;
  const { value, locate } = document;
  const issues = [...document.issues];

  const where = (path: AchPath): { file?: string; path: string; line?: number } => {
    // The deepest part of the path that exists in the document gives the line.
    for (let n = path.length; n >= 0; n--) {
      const offset = locate(path.slice(0, n));
      if (offset !== undefined) return { file, path: formatAchPath(path), line: lineAt(text, offset) };
    }
    return { file, path: formatAchPath(path) };
  };

  const checked = caseSchema.safeParse(value);
  if (!checked.success) {
    issues.push(...schemaIssues(checked.error.issues, where));
    return { ok: false, issues: issues.slice(0, ACH_LIMITS.issues) };
  }
  const data = checked.data;
  issues.push(...duplicateHypothesisIds(data.hypotheses, where));
  // The raw rows, not zod's copy: a "__proto__" key would be lost (it sets the copy's prototype).
  const rawRows = (value as { evidence: Array<{ ratings: Record<string, unknown> }> }).evidence;
  const evidence = checkEvidence(data, rawRows, where, issues);
  if (issues.length > 0) return { ok: false, issues: issues.slice(0, ACH_LIMITS.issues) };
  return { ok: true, achCase: { ...data, evidence } };
}

type Where = (path: AchPath) => { file?: string; path: string; line?: number };

function failure(
  file: string | undefined,
  code: IntelErrorCode,
  message: string,
  extra: { line?: number; path?: string } = {},
): AchParseResult & { ok: false } {
  return { ok: false, issues: [new CairnError(code, message, { file, ...extra })] };
}

/** The text of a case file (UTF-8, no BOM), or why it is refused (size, encoding). */
function decodeCaseText(input: string | Uint8Array, file: string | undefined): string | AchParseResult {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > ACH_LIMITS.bytes) {
    return failure(
      file,
      'ACH_TOO_LARGE',
      `case file is ${size} bytes, more than the limit of ${ACH_LIMITS.bytes}`,
    );
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return failure(file, 'ACH_BAD_ENCODING', 'case file is not valid UTF-8');
    }
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A parsed document: its value, where each path starts, and the problems parsing found. */
interface CaseDocument {
  value: unknown;
  locate: (path: AchPath) => number | undefined;
  issues: CairnError[];
}

function readJsonDocument(text: string, file: string | undefined): CaseDocument | AchParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const line = position ? lineAt(text, Number(position[1])) : undefined;
    return failure(file, 'ACH_BAD_JSON', `not valid JSON: ${message}`, { line });
  }
  const scan = scanJson(text);
  if (scan.tooDeep !== undefined) {
    return failure(file, 'ACH_TOO_DEEP', `nested deeper than ${ACH_LIMITS.depth} levels`, {
      line: lineAt(text, scan.tooDeep),
    });
  }
  const issues = scan.duplicates.map(
    (duplicate) =>
      new CairnError(
        'ACH_DUPLICATE_KEY',
        `key "${String(duplicate.path.at(-1))}" appears twice in one object`,
        {
          file,
          path: formatAchPath(duplicate.path),
          line: lineAt(text, duplicate.offset),
        },
      ),
  );
  return { value, locate: (path) => scan.offsets.get(formatAchPath(path)), issues };
}

function readYamlDocument(
  text: string,
  file: string | undefined,
  yaml: YamlCaseParser | undefined,
): CaseDocument | AchParseResult {
  if (yaml === undefined) {
    return failure(
      file,
      'ACH_YAML_UNAVAILABLE',
      'YAML case files need a YAML parser (the "yaml" package), which is not installed; use the JSON form',
    );
  }
  const parsed = yaml(text);
  if (parsed.errors.length > 0) {
    return {
      ok: false,
      issues: parsed.errors.slice(0, ACH_LIMITS.issues).map(
        (e) =>
          new CairnError('ACH_BAD_YAML', `not valid YAML: ${e.message}`, {
            file,
            line: e.offset === undefined ? undefined : lineAt(text, e.offset),
          }),
      ),
    };
  }
  if (depthOf(parsed.value, 0) > ACH_LIMITS.depth) {
    return failure(file, 'ACH_TOO_DEEP', `nested deeper than ${ACH_LIMITS.depth} levels`);
  }
  return { value: parsed.value, locate: parsed.locate, issues: [] };
}

/** zod's findings as cairn errors: unknown fields one by one, the rest as schema problems. */
function schemaIssues(found: readonly z.core.$ZodIssue[], where: Where): CairnError[] {
  const issues: CairnError[] = [];
  for (const issue of found) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push(new CairnError('ACH_UNKNOWN_FIELD', `unknown field "${key}"`, where([...path, key])));
    } else {
      issues.push(new CairnError('ACH_SCHEMA', issue.message, where(path)));
    }
  }
  return issues;
}

function duplicateHypothesisIds(hypotheses: readonly { id: string }[], where: Where): CairnError[] {
  const issues: CairnError[] = [];
  const seen = new Set<string>();
  hypotheses.forEach((h, i) => {
    if (seen.has(h.id))
      issues.push(
        new CairnError(
          'ACH_DUPLICATE_ID',
          `hypothesis id "${h.id}" is used twice`,
          where(['hypotheses', i, 'id']),
        ),
      );
    seen.add(h.id);
  });
  return issues;
}

/** Evidence rows with their ratings checked: unique ids, one known rating per hypothesis in every row. */
function checkEvidence(
  data: z.infer<typeof caseSchema>,
  rawRows: ReadonlyArray<{ ratings: Record<string, unknown> }>,
  where: Where,
  issues: CairnError[],
): AchEvidence[] {
  const hypothesisIds = new Set(data.hypotheses.map((h) => h.id));
  const evidenceIds = new Set<string>();
  const evidence: AchEvidence[] = [];
  data.evidence.forEach((item, i) => {
    if (evidenceIds.has(item.id)) {
      issues.push(
        new CairnError(
          'ACH_DUPLICATE_ID',
          `evidence id "${item.id}" is used twice`,
          where(['evidence', i, 'id']),
        ),
      );
    }
    evidenceIds.add(item.id);
    const rawRatings = rawRows[i].ratings;
    const ratings = checkRatings(rawRatings, hypothesisIds, i, where, issues);
    for (const h of data.hypotheses) {
      if (!Object.hasOwn(rawRatings, h.id)) {
        issues.push(
          new CairnError(
            'ACH_MISSING_RATING',
            `no rating for hypothesis "${h.id}"`,
            where(['evidence', i, 'ratings']),
          ),
        );
      }
    }
    evidence.push({ ...item, ratings });
  });
  return evidence;
}

function checkRatings(
  rawRatings: Record<string, unknown>,
  hypothesisIds: ReadonlySet<string>,
  row: number,
  where: Where,
  issues: CairnError[],
): Record<string, AchRating> {
  const ratings: Record<string, AchRating> = {};
  for (const [key, cell] of Object.entries(rawRatings)) {
    const at = ['evidence', row, 'ratings', key];
    if (!hypothesisIds.has(key)) {
      issues.push(
        new CairnError('ACH_UNKNOWN_HYPOTHESIS', `rating for unknown hypothesis "${key}"`, where(at)),
      );
    } else if (typeof cell !== 'string' || !(ACH_RATINGS as readonly string[]).includes(cell)) {
      const shown = typeof cell === 'string' ? JSON.stringify(cell.slice(0, 20)) : typeof cell;
      issues.push(
        new CairnError(
          'ACH_UNKNOWN_RATING',
          `rating ${shown} is not one of ${ACH_RATINGS.join(', ')}`,
          where(at),
        ),
      );
    } else {
      ratings[key] = cell as AchRating;
    }
  }
  return ratings;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function depthOf(value: unknown, depth: number): number {
  if (depth > ACH_LIMITS.depth) return depth;
  if (value === null || typeof value !== 'object') return depth;
  let max = depth + 1;
  for (const child of Object.values(value as object)) {
    max = Math.max(max, depthOf(child, depth + 1));
    if (max > ACH_LIMITS.depth) break;
  }
  return max;
}

interface JsonScan {
  /** `formatAchPath` of every member and element -> character offset of its key or value. */
  offsets: Map<string, number>;
  duplicates: Array<{ path: AchPath; offset: number }>;
  tooDeep?: number;
}

/**
 * Walks JSON text that `JSON.parse` has accepted, to find where each path is (for line numbers)
 * and the duplicate keys that `JSON.parse` silently merges.
 */
function scanJson(text: string): JsonScan {
  const offsets = new Map<string, number>();
  const duplicates: Array<{ path: AchPath; offset: number }> = [];
  let tooDeep: number | undefined;
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const readString = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x5c) pos += 2;
      else if (c === 0x22) break;
      else pos++;
    }
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const value = (path: Array<string | number>, depth: number): void => {
    skipSpace();
    if (depth > ACH_LIMITS.depth) {
      tooDeep ??= pos;
      throw new RangeError('too deep');
    }
    const c = text[pos];
    if (c === '{') {
      pos++;
      const seen = new Set<string>();
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return;
      }
      while (true) {
        skipSpace();
        const keyOffset = pos;
        const key = readString();
        path.push(key);
        if (seen.has(key)) duplicates.push({ path: [...path], offset: keyOffset });
        else offsets.set(formatAchPath(path), keyOffset);
        seen.add(key);
        skipSpace();
        pos++; // ':'
        value(path, depth + 1);
        path.pop();
        skipSpace();
        if (text[pos++] === '}') return;
      }
    } else if (c === '[') {
      pos++;
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return;
      }
      for (let index = 0; ; index++) {
        skipSpace();
        path.push(index);
        offsets.set(formatAchPath(path), pos);
        value(path, depth + 1);
        path.pop();
        skipSpace();
        if (text[pos++] === ']') return;
      }
    } else if (c === '"') {
      readString();
    } else {
      while (pos < text.length && !',]} \n\r\t'.includes(text[pos])) pos++;
    }
  };
  offsets.set('$', 0);
  try {
    value([], 0);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  return { offsets, duplicates, tooDeep };
}

// ---------------------------------------------------------------------------------------------
// Scoring

/** Weight factor of a credibility or relevance value (level name or number). */
export function weightFactor(value: WeightLevel | number): number {
  return typeof value === 'number' ? value : WEIGHT_LEVELS[value];
}

/** credibility x relevance. */
export function evidenceWeight(item: Pick<AchEvidence, 'credibility' | 'relevance'>): number {
  return weightFactor(item.credibility) * weightFactor(item.relevance);
}

export interface AchHypothesisScore {
  id: string;
  title: string;
  /** Sum over items of weight x (I = 1, II = 2). Lower is better. */
  inconsistency: number;
  /** Sum over items of weight x (C = 1, CC = 2). For display only. */
  consistency: number;
  /** 1 + the number of hypotheses with a strictly lower inconsistency (ties share a rank). */
  rank: number;
}

export interface AchEvidenceRow {
  id: string;
  title: string;
  /** credibility x relevance, divided by the size of the item's group. */
  weight: number;
  credibility: number;
  relevance: number;
  /** The group of dependent items it belongs to, and how many items of the analysis share it. */
  group?: string;
  groupSize: number;
  /** In the order of the case's hypotheses. */
  ratings: AchRating[];
  /** Population standard deviation of the rating values (CC = +2 ... II = -2) across the hypotheses it applies to (NA left out): 0 when they all get the same rating. */
  diagnosticity: number;
  /** Highest minus lowest rating value over the hypotheses it applies to (0..4). */
  spread: number;
  sources: AchSource[];
}

export interface AchChange {
  /** The set of rank-1 hypotheses changes. */
  changesTop: boolean;
  /** Some hypothesis changes rank. */
  changesOrder: boolean;
  /** Rank-1 hypothesis ids after the change. */
  top: string[];
  /** Hypothesis ids in the new order (ties in case order). */
  order: string[];
}

export interface AchItemSensitivity {
  evidence: string;
  /** What removing the item does. */
  removal: AchChange;
  /** Single-cell re-ratings one step up or down (CC <-> C <-> N <-> I <-> II) that change the ranking; NA cells are not re-rated. */
  reratings: Array<AchChange & { hypothesis: string; from: AchRating; to: AchRating }>;
}

export interface AchSensitivity {
  /** Diagnostic items whose removal, or a one-step re-rating of one of whose cells, changes the top hypothesis. */
  topHingesOn: string[];
  /** Diagnostic items whose removal alone changes the top hypothesis. */
  topHingesOnRemoval: string[];
  /** Inconsistency of the best hypothesis outside the top minus the top's (0 when all tie). */
  margin: number;
  /** Diagnostic items whose removal or one-step re-rating changes the order at all (includes `topHingesOn`). */
  orderHingesOn: string[];
  /** Every item, in case order. */
  items: AchItemSensitivity[];
}

/** Something the analyst should read before trusting the ranking. */
export interface AchWarning {
  /** `uncontradicted`: no item is inconsistent with the hypothesis because none bears against it. */
  code: 'uncontradicted';
  hypothesis: string;
  message: string;
}

export interface AchAnalysis {
  id: string;
  title: string;
  question?: string;
  /** The date the evidence is taken as of (items dated after it left out), when one was given. */
  asOf?: string;
  /** Items left out because they became known after `asOf`. */
  hiddenEvidence: string[];
  /** In case order. */
  hypotheses: AchHypothesisScore[];
  /** Hypothesis ids by rank, then consistency (higher first), then case order. */
  ranking: string[];
  /** Rank-1 hypothesis ids. */
  top: string[];
  /** In case order. */
  evidence: AchEvidenceRow[];
  sensitivity: AchSensitivity;
  warnings: AchWarning[];
}

/** Options of {@link analyzeAch}. */
export interface AchAnalyzeOptions {
  /** Analyse the evidence as it stood on this date (YYYY-MM-DD or ISO 8601): later items left out, undated ones kept. */
  asOf?: string;
}

// Sums of products of {0.25, 0.5, ..} are exact; numeric weights may not be, so scores within
// this relative tolerance count as tied.
const TIE_TOLERANCE = 1e-9;

function lessThan(a: number, b: number): boolean {
  return b - a > TIE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

function ranksOf(inconsistency: Float64Array): Int32Array {
  const ranks = new Int32Array(inconsistency.length);
  for (let h = 0; h < inconsistency.length; h++) {
    let better = 0;
    for (let k = 0; k < inconsistency.length; k++) if (lessThan(inconsistency[k], inconsistency[h])) better++;
    ranks[h] = better + 1;
  }
  return ranks;
}

function orderOf(ranks: Int32Array, consistency: Float64Array): number[] {
  return [...ranks.keys()].sort(
    (a, b) =>
      ranks[a] - ranks[b] ||
      (lessThan(consistency[b], consistency[a]) ? -1 : lessThan(consistency[a], consistency[b]) ? 1 : 0) ||
      a - b,
  );
}

const SCALE_INDEX: Readonly<Record<string, number>> = { CC: 0, C: 1, N: 2, I: 3, II: 4 };

/** The items known on `asOf` (undated ones always), and the ids of those left out. */
export function achEvidenceAsOf(
  evidence: readonly AchEvidence[],
  asOf: string | undefined,
): { known: AchEvidence[]; hidden: string[] } {
  if (asOf === undefined) return { known: [...evidence], hidden: [] };
  const day = asOf.slice(0, 10);
  const isKnown = (e: AchEvidence) => e.date === undefined || e.date.slice(0, 10) <= day;
  return { known: evidence.filter(isKnown), hidden: evidence.filter((e) => !isKnown(e)).map((e) => e.id) };
}

/** One matrix row: weights (a group's items share one item's weight), ratings, diagnosticity. */
function rowOf(item: AchEvidence, hypotheses: readonly AchHypothesis[], groupSize: number): AchEvidenceRow {
  const ratings = hypotheses.map((h) => item.ratings[h.id]);
  const values = ratings.filter((r) => r !== 'NA').map((r) => RATING_VALUE[r]);
  const mean = values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.length === 0 ? 0 : values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return {
    id: item.id,
    title: item.title,
    weight: evidenceWeight(item) / groupSize,
    credibility: weightFactor(item.credibility),
    relevance: weightFactor(item.relevance),
    ...(item.group !== undefined ? { group: item.group } : {}),
    groupSize,
    ratings,
    diagnosticity: Math.sqrt(variance),
    spread: values.length === 0 ? 0 : Math.max(...values) - Math.min(...values),
    sources: item.sources,
  };
}

function matrixRows(
  evidence: readonly AchEvidence[],
  hypotheses: readonly AchHypothesis[],
): AchEvidenceRow[] {
  const groupSizes = new Map<string, number>();
  for (const e of evidence)
    if (e.group !== undefined) groupSizes.set(e.group, (groupSizes.get(e.group) ?? 0) + 1);
  return evidence.map((e) => rowOf(e, hypotheses, e.group === undefined ? 1 : groupSizes.get(e.group)!));
}

/** Weighted inconsistency and consistency per hypothesis. */
function scoresOf(
  rows: readonly AchEvidenceRow[],
  hCount: number,
): { inconsistency: Float64Array; consistency: Float64Array } {
  const inconsistency = new Float64Array(hCount);
  const consistency = new Float64Array(hCount);
  for (const row of rows)
    row.ratings.forEach((rating, h) => {
      inconsistency[h] += row.weight * RATING_INCONSISTENCY[rating];
      consistency[h] += row.weight * RATING_CONSISTENCY[rating];
    });
  return { inconsistency, consistency };
}

/** Ranks and the change a modified score makes to them. */
class Ranking {
  readonly ranks: Int32Array;
  readonly order: number[];
  readonly top: string[];

  constructor(
    private readonly hypotheses: readonly AchHypothesis[],
    inconsistency: Float64Array,
    consistency: Float64Array,
  ) {
    this.ranks = ranksOf(inconsistency);
    this.order = orderOf(this.ranks, consistency);
    this.top = this.topOf(this.ranks);
  }

  ids(indexes: Iterable<number>): string[] {
    return [...indexes].map((h) => this.hypotheses[h].id);
  }

  private topOf(r: Int32Array): string[] {
    return this.ids([...r.keys()].filter((h) => r[h] === 1));
  }

  change(nextInconsistency: Float64Array, nextConsistency: Float64Array): AchChange {
    const nextRanks = ranksOf(nextInconsistency);
    const nextTop = this.topOf(nextRanks);
    return {
      changesTop: nextTop.join('\u0000') !== this.top.join('\u0000'),
      changesOrder: nextRanks.some((r, h) => r !== this.ranks[h]),
      top: nextTop,
      order: this.ids(orderOf(nextRanks, nextConsistency)),
    };
  }
}

/** What removing an item, or re-rating one of its cells one step, does to the ranking. */
function itemSensitivity(
  row: AchEvidenceRow,
  scores: { inconsistency: Float64Array; consistency: Float64Array },
  ranking: Ranking,
  hypotheses: readonly AchHypothesis[],
): AchItemSensitivity {
  const without = scores.inconsistency.slice();
  const withoutConsistency = scores.consistency.slice();
  row.ratings.forEach((rating, h) => {
    without[h] -= row.weight * RATING_INCONSISTENCY[rating];
    withoutConsistency[h] -= row.weight * RATING_CONSISTENCY[rating];
  });
  const reratings: AchItemSensitivity['reratings'] = [];
  row.ratings.forEach((from, h) => {
    if (from === 'NA') return;
    for (const step of [-1, 1]) {
      const to = ACH_SCALE[SCALE_INDEX[from] + step];
      if (to === undefined) continue;
      const next = scores.inconsistency.slice();
      const nextConsistency = scores.consistency.slice();
      next[h] += row.weight * (RATING_INCONSISTENCY[to] - RATING_INCONSISTENCY[from]);
      nextConsistency[h] += row.weight * (RATING_CONSISTENCY[to] - RATING_CONSISTENCY[from]);
      const result = ranking.change(next, nextConsistency);
      if (result.changesOrder || result.changesTop)
        reratings.push({ hypothesis: hypotheses[h].id, from, to, ...result });
    }
  });
  return { evidence: row.id, removal: ranking.change(without, withoutConsistency), reratings };
}

function sensitivityOf(
  rows: readonly AchEvidenceRow[],
  scores: { inconsistency: Float64Array; consistency: Float64Array },
  ranking: Ranking,
  hypotheses: readonly AchHypothesis[],
): AchSensitivity {
  const items = rows.map((row) => itemSensitivity(row, scores, ranking, hypotheses));
  // An item that rates every hypothesis alike cannot tell them apart: the ranking does not hinge on it.
  const diagnostic = new Set(rows.filter((r) => r.diagnosticity > 0).map((r) => r.id));
  const hinges = (test: (c: AchChange) => boolean) =>
    items
      .filter((i) => diagnostic.has(i.evidence) && (test(i.removal) || i.reratings.some(test)))
      .map((i) => i.evidence);
  const runnerUp = ranking.order.find((h) => ranking.ranks[h] !== 1);
  return {
    topHingesOn: hinges((c) => c.changesTop),
    topHingesOnRemoval: items
      .filter((i) => diagnostic.has(i.evidence) && i.removal.changesTop)
      .map((i) => i.evidence),
    margin:
      runnerUp === undefined ? 0 : scores.inconsistency[runnerUp] - scores.inconsistency[ranking.order[0]],
    orderHingesOn: hinges((c) => c.changesOrder),
    items,
  };
}

/** Hypotheses with no inconsistent item because no item bears against them. */
function warningsOf(
  rows: readonly AchEvidenceRow[],
  inconsistency: Float64Array,
  hypotheses: readonly AchHypothesis[],
): AchWarning[] {
  const out: AchWarning[] = [];
  hypotheses.forEach((h, i) => {
    if (inconsistency[i] > 0) return;
    const neutral = rows.filter((r) => r.ratings[i] === 'N' || r.ratings[i] === 'NA').length;
    out.push({
      code: 'uncontradicted',
      hypothesis: h.id,
      message: `no item is inconsistent with ${h.id}: ${rows.length - neutral} of ${rows.length} items support it and ${neutral} say nothing about it (N or NA); nothing in the evidence could contradict it, so its rank is not a finding`,
    });
  });
  return out;
}

/**
 * Scores a case: weighted inconsistency and consistency per hypothesis (a group of dependent
 * items weighs as one item, NA cells count nothing), ranks, diagnosticity per item, the
 * sensitivity of the ranking to each diagnostic item (removal and one-step re-ratings), and
 * warnings for hypotheses nothing could contradict; with `asOf`, as the evidence stood then.
 */
export function analyzeAch(achCase: AchCase, options: AchAnalyzeOptions = {}): AchAnalysis {
  const hypotheses = achCase.hypotheses;
  const { known, hidden } = achEvidenceAsOf(achCase.evidence, options.asOf);
  const rows = matrixRows(known, hypotheses);
  const scores = scoresOf(rows, hypotheses.length);
  const ranking = new Ranking(hypotheses, scores.inconsistency, scores.consistency);
  return {
    id: achCase.id,
    title: achCase.title,
    question: achCase.question,
    ...(options.asOf !== undefined ? { asOf: options.asOf.slice(0, 10) } : {}),
    hiddenEvidence: hidden,
    hypotheses: hypotheses.map((h, i) => ({
      id: h.id,
      title: h.title,
      inconsistency: scores.inconsistency[i],
      consistency: scores.consistency[i],
      rank: ranking.ranks[i],
    })),
    ranking: ranking.ids(ranking.order),
    top: ranking.top,
    evidence: rows,
    sensitivity: sensitivityOf(rows, scores, ranking, hypotheses),
    warnings: warningsOf(rows, scores.inconsistency, hypotheses),
  };
}

/**
 * Analysis of competing hypotheses on an analyst's case file: `achAnalyze` reads the file (JSON,
 * or YAML through the `yaml` package), validates it and returns the analysis (matrix, weighted
 * inconsistency ranking, diagnosticity, sensitivity) as `AchResult`; a file that does not load
 * throws `AchCaseError` with every problem found.
 *
 * @example
 * import { achAnalyze, SONY_CASE_FILE } from '../app/index.js';
 * const result = await achAnalyze({ file: SONY_CASE_FILE });
 * result.top; // ['H1']
 */
import { open, stat } from 'node:fs/promises';
import { checkInputFile } from './input-file.js';
import { z } from 'zod';
import { CairnError } from '../errors/index.js';
import {
  ACH_LIMITS,
  ACH_RATINGS,
  achFormatOf,
  analyzeAch,
  parseAchCase,
  yamlParserFromModule,
} from '../intel/index.js';
import type { AchAnalysis, AchCase, AchFormat, YamlCaseParser, YamlModuleLike } from '../intel/index.js';

const Rating = z.enum(ACH_RATINGS);

const AchSourceShape = z.object({
  kind: z.enum(['repo', 'corpus', 'report', 'command']),
  title: z.string(),
  says: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  value: z.string().optional(),
  objectId: z.string().optional(),
  url: z.string().optional(),
  publisher: z.string().optional(),
  date: z.string().optional(),
  command: z.string().optional(),
});

const AchChangeShape = z.object({
  changesTop: z.boolean(),
  changesOrder: z.boolean(),
  top: z.array(z.string()),
  order: z.array(z.string()),
});

/** The analysis of a case file (the domain's `AchAnalysis`); `--json` prints it after `ok: true`. */
export const AchResult = z.object({
  id: z.string(),
  title: z.string(),
  question: z.string().optional(),
  hypotheses: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      inconsistency: z.number(),
      consistency: z.number(),
      rank: z.number(),
    }),
  ),
  /** The date the evidence is taken as of, when one was given. */
  asOf: z.string().optional(),
  /** Items left out because they became known after `asOf`. */
  hiddenEvidence: z.array(z.string()),
  ranking: z.array(z.string()),
  top: z.array(z.string()),
  evidence: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      weight: z.number(),
      credibility: z.number(),
      relevance: z.number(),
      ratings: z.array(Rating),
      diagnosticity: z.number(),
      spread: z.number(),
      group: z.string().optional(),
      groupSize: z.number(),
      sources: z.array(AchSourceShape),
    }),
  ),
  sensitivity: z.object({
    topHingesOn: z.array(z.string()),
    topHingesOnRemoval: z.array(z.string()),
    margin: z.number(),
    orderHingesOn: z.array(z.string()),
    items: z.array(
      z.object({
        evidence: z.string(),
        removal: AchChangeShape,
        reratings: z.array(AchChangeShape.extend({ hypothesis: z.string(), from: Rating, to: Rating })),
      }),
    ),
  }),
  warnings: z.array(
    z.object({ code: z.literal('uncontradicted'), hypothesis: z.string(), message: z.string() }),
  ),
});
export type AchResult = z.infer<typeof AchResult>;

// The schema describes the domain's type: this line stops compiling when the two drift.
type Assignable<T extends U, U> = T;
export type CheckAchShape = Assignable<AchAnalysis, AchResult>;

export interface AchInput {
  /** The case file. */
  file: string;
  /** json or yaml (default: from the file extension). */
  format?: AchFormat;
  /** The evidence as it stood on this date (YYYY-MM-DD): items dated after it are left out. */
  asOf?: string;
}

/** A case file that does not load: every problem found, each with its path and line. */
export class AchCaseError extends CairnError {
  constructor(readonly issues: CairnError[]) {
    super(issues[0].code, issues[0].message, issues[0].location);
    this.name = 'AchCaseError';
  }
}

/**
 * The `yaml` package when it is installed, else undefined. Imported by a computed name so the
 * project builds without it.
 */
export async function loadYamlParser(): Promise<YamlCaseParser | undefined> {
  const name = 'yaml';
  try {
    const module = (await import(name)) as YamlModuleLike & { default?: YamlModuleLike };
    const api = typeof module.parseDocument === 'function' ? module : module.default;
    return api === undefined ? undefined : yamlParserFromModule(api);
  } catch {
    return undefined;
  }
}

function cannotRead(file: string, error: unknown): CairnError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return new CairnError('ACH_CANNOT_READ', `cannot read case file (${code})`, { file });
}

/** Reads at most the size limit plus one byte, so a huge file is refused without reading it all. */
export async function readBounded(file: string, limit = ACH_LIMITS.bytes): Promise<Uint8Array> {
  // Looked at before it is opened: opening a FIFO would wait for a writer forever.
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw cannotRead(file, error);
  }
  if (!info.isFile()) checkInputFile(file, 'case file');
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw cannotRead(file, error);
  }
  try {
    const buffer = Buffer.alloc(limit + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } catch (error) {
    throw cannotRead(file, error);
  } finally {
    await handle.close();
  }
}

/** Loads and validates a case file; throws `AchCaseError` with every problem. */
export async function loadAchCase(file: string, format?: AchFormat): Promise<AchCase> {
  const bytes = await readBounded(file);
  const chosen = format ?? achFormatOf(file);
  const yaml = chosen === 'yaml' ? await loadYamlParser() : undefined;
  const result = parseAchCase(bytes, { file, format: chosen, yaml });
  if (!result.ok) throw new AchCaseError(result.issues);
  return result.achCase;
}

/** Checks a format named by a user (`--format`, a query parameter). */
export function achFormatOption(format: string | undefined): AchFormat | undefined {
  if (format === undefined || format === 'json' || format === 'yaml') return format;
  throw new CairnError('ACH_BAD_OPTION', `--format must be json or yaml, not ${format}`, { field: 'format' });
}

/** The analysis of a case file. */
export async function achAnalyze(input: AchInput): Promise<AchResult> {
  if (
    input.asOf !== undefined &&
    (!/^\d{4}-\d{2}-\d{2}/.test(input.asOf) || Number.isNaN(Date.parse(input.asOf)))
  )
    throw new CairnError('ACH_BAD_OPTION', `--as-of must be a date (YYYY-MM-DD), not ${input.asOf}`, {
      field: 'as-of',
    });
  return analyzeAch(
    await loadAchCase(input.file, input.format),
    input.asOf !== undefined ? { asOf: input.asOf } : {},
  );
}

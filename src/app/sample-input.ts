/**
 * The input of `cairn intel sample` (`SampleInput`, a zod schema) and its check. Apart from
 * sample-files.ts so that a run that prints the files' facts loads zod (some 60 ms of the main
 * thread's CPU, 95 modules) after its worker threads are started, not before: sample-files.ts
 * imports this when it checks the input; sample.ts (which loads zod for its result schemas
 * anyway) imports it at the top.
 *
 * @example
 * const request = parseSampleInput({ paths: ['incident/'] });
 * request.maxSize; // DEFAULT_MAX_SAMPLE_SIZE
 */
import { z } from 'zod';
import { CairnError } from '../errors/index.js';
import { DEFAULT_MAX_SAMPLE_SIZE } from './sample-start.js';

export const SampleInput = z.object({
  /** Files and folders (folders are walked; links inside are refused as the top-level ones). */
  paths: z.array(z.string()).min(1),
  maxSize: z.number().int().positive().default(DEFAULT_MAX_SAMPLE_SIZE),
  /** Folders (or files) of YARA rules, compiled together once with yarac. */
  rules: z.union([z.string(), z.array(z.string())]).optional(),
  /**
   * Also the corpus' rule files: intel/yara/ and the ESET rules under intel/iocs/eset/ of the
   * shared corpus ($CAIRN_CORPUS, else ../shared/data beside the repository).
   */
  corpusRules: z.boolean().default(false),
  /** Resolve matched rules' names and metadata to actors (bundled ATT&CK and MISP actors). */
  ruleActors: z.boolean().default(true),
  /** The victim's internal host naming, a regular expression. */
  victimNaming: z.string().optional(),
  /** Also write the sample values as a case file (CSV `type,value,comment`) at this path, extending it when it exists. */
  caseFile: z.string().optional(),
  /** Add the sample values to the case of this name in the store (`db`, or the default store). */
  caseName: z.string().min(1).optional(),
  /** The store file for `caseName` (default: `defaultStorePath`). */
  db: z.string().optional(),
  /**
   * Threads that read many files, the main thread among them (default: the number of cores, at
   * most 8): N starts N - 1 worker threads; 1 reads every file on the main thread.
   */
  workers: z.number().int().min(1).max(64).optional(),
});
export type SampleInput = z.input<typeof SampleInput>;
/** The input checked, its defaults applied. */
export type SampleRequest = z.output<typeof SampleInput>;

export function parseSampleInput(input: SampleInput): SampleRequest {
  const parsed = SampleInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CairnError('SAMPLE_BAD_OPTION', `${issue.path.join('.') || 'input'}: ${issue.message}`, {
      field: issue.path.join('.'),
    });
  }
  return parsed.data;
}

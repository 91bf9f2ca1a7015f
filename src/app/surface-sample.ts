/**
 * The app sub-surface of `cairn intel sample`: the walk, the worker threads and the JSON lines
 * of `--json`, without intel's index, the store or zod's result schemas (sample.ts, which
 * `sampleFileLines` loads itself when rules or a case ask for it, and surface-intel.ts re-exports).
 * A thin re-export: the code lives in the files named.
 *
 * @example
 * const { lines } = await sampleFileLines({ paths: ['incident/'] }, hooks);
 */
export {
  DEFAULT_MAX_SAMPLE_SIZE,
  sampleFileLines,
  writeSampleLines,
  type SampleLines,
  type SampleWrite,
} from './sample-files.js';
export type { SampleInput } from './sample-input.js';
export type { SampleFileJson, SampleResult } from './sample.js';
export type { WorkHooks } from './progress.js';

/**
 * The app sub-surface of `cairn intel` (attribute, import, show, similar, export, sample): the
 * intel questions without the routing replay, outage, bus or server-workspace modules of app.
 * A thin re-export: the code lives in the files named; index.ts exports the same names.
 */
export {
  intelAttribute,
  intelExportStix,
  intelImport,
  intelShow,
  intelSimilar,
  type IntelAttributeResult,
  type IntelCaseInput,
  type IntelEvidenceItem,
  type IntelImportResult,
  type IntelQuerySummary,
  type IntelShowResult,
  type IntelSimilarResult,
  type IntelSimilarity,
} from './intel.js';
export { intelExportMisp } from './intel-misp.js';
export {
  DEFAULT_MAX_SAMPLE_SIZE,
  sampleFileLines,
  sampleFiles,
  spoolCaseStream,
  type SampleFileJson,
  type SampleResult,
} from './sample.js';
export type { ProgressReport, WorkHooks } from './progress.js';

/**
 * The app sub-surface of `cairn ingest` and `cairn history`: filling the store and reading its
 * history, without the intel attribution, sample, watch or server-workspace modules of app. The
 * element bus and archive fetching that `ingest` only sometimes needs stay out: the command loads
 * surface-bus.js and surface-fetch.js when asked for them. A thin re-export.
 */
export {
  INGEST_ELEMENTS_LABEL,
  INGEST_FILES_LABEL,
  IngestResult,
  ingest,
  type IngestOptions,
} from './ingest.js';
export {
  HistoryCountryChangesResult,
  HistoryPrefixChangesResult,
  historyCountryChanges,
  historyDependency,
  historyOutages,
  historyPrefixChanges,
  historyVisibility,
  visibilityCsv,
} from './history.js';
export type { WorkHooks } from './progress.js';
export {
  DEFAULT_CONCURRENCY as DEFAULT_FETCH_CONCURRENCY,
  MAX_CONCURRENCY as MAX_FETCH_CONCURRENCY,
  isBusUrl,
} from '../feeds/index.js';
